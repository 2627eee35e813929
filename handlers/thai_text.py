"""Normalising what people type or paste: Thai digits, stray spaces, invisible characters."""
from __future__ import annotations

import re
import unicodedata

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# Zero-width characters that Thai keyboards and spreadsheets leave behind.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"\s+")


def thai_digits_to_arabic(text: str) -> str:
    return text.translate(_THAI_DIGITS)


def clean(text: str | None) -> str:
    """NFC, no invisible characters, Thai digits as 0-9, single spaces, trimmed."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFC", str(text)).translate(_INVISIBLE)
    return _SPACES.sub(" ", thai_digits_to_arabic(text)).strip()

