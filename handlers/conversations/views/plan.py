"""The household plan card."""
