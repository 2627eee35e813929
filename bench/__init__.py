"""Benchmarks that print numbers (never timed tests). `python -m bench [--quick]` runs them all
and prints one JSON line per figure; each module also runs alone (see its docstring)."""
