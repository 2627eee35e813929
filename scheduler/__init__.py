"""The clock process: the one place that runs timed jobs (``mentorbot scheduler run``)."""
