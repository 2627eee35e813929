"""Coordinator case flows (being written)."""
FLOWS = ()
