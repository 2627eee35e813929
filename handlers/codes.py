"""Registration codes: easy to read aloud and type on a phone, hard to guess."""
from __future__ import annotations

import re
import secrets

from .thai_text import clean

# No 0/O, 1/I/L, 8/B, 5/S, 2/Z look-alikes. 8 characters of 27: about 2.8e11 codes, so guessing
# stays
# hopeless even with hundreds of thousands of open codes and a 5-tries-an-hour limit.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY3456789"
LENGTH = 8


def generate_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display_code(code: str) -> str:
    """ABCD-EFGH: grouped so it can be read out over the phone."""
    return f"{code[:4]}-{code[4:]}"


def normalise_code(text: str) -> str:
    """What was typed, upper-cased, without spaces, dashes or Thai digits."""
    return re.sub(r"[\s\-–_.]", "", clean(text)).upper()

