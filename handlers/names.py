"""People's names as the bot says them."""
from __future__ import annotations

# Longest first: นางสาว before นาง.
_TITLES = ("นางสาว", "นาย", "นาง", "น.ส.", "ดร.")


def given_name(full_name: str) -> str:
    """'นายวิชัย ทองดี' -> 'วิชัย ทองดี': for short labels (quick-reply buttons). In sentences
    the bot writes the full name as stored, with its title ('นายวิชัย ทองดี')."""
    for title in _TITLES:
        if full_name.startswith(title) and len(full_name) > len(title):
            return full_name[len(title):].strip()
    return full_name
