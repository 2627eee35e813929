"""Handlers of global buttons that change records directly (no conversation needed)."""
