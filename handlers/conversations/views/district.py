"""สรุปอำเภอ: the district at a glance."""


def show_summary(conv, engine) -> None:
    raise NotImplementedError   # being written
