"""Plan flows (being written)."""
FLOWS = ()
