"""Conversations with registered mentors and coordinators."""
from .router import handle_registered

__all__ = ["handle_registered"]
