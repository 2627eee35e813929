"""Thai national ID numbers typed into free text: found and masked before anything is stored.

The bot never needs a national ID (เลขประจำตัวประชาชน), yet a mentor may type one into a note
("ลูกสาวเลขบัตร N-NNNN-NNNNN-NN-N ยังไม่ได้ทำบัตรคนจน", each N a digit). A number counts as an ID
when it has 13 digits and its last digit is the mod-11 check digit of the first 12, so most
other 13-digit numbers (nine in ten) are left alone, and phone numbers (9 or 10 digits) always
are. No example ID is written here or in the tests: none may ever be committed.

People write the number together or in groups (N-NNNN-NNNNN-NN-N, N NNNN NNNNN NN N, in Thai
digits too), so the digits are read as groups joined by one separator (a space or two, or a dash
with a space either side at most). Any run of whole groups with 13 digits in all is a candidate:
the groups need not follow the card's 1-4-5-2-1 layout, and the number may sit next to another
one (an ID, a space, then a 10-digit phone number). A group is never split: 14 digits in a row
are not an ID.
Everything else in the text is kept exactly as typed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

LENGTH = 13
# What an ID becomes: the card's layout, so the reader sees that an ID number stood there.
MASK = "X-XXXX-XXXXX-XX-X"

_DIGITS = "0-9\u0e50-\u0e59"      # ASCII and Thai digits (๐-๙)
_GAP = "[ \u00a0]"                # a space or a no-break space; a line break ends a number
_DASH = "[-\u2010-\u2015\u2212]"  # hyphen-minus, the Unicode hyphens and dashes, minus
_SEPARATOR = rf"(?:{_GAP}{{1,2}}|{_GAP}?{_DASH}{_GAP}?)"
_RUN = re.compile(rf"[{_DIGITS}]+(?:{_SEPARATOR}[{_DIGITS}]+)*")
_GROUP = re.compile(rf"[{_DIGITS}]+")
_TO_ASCII = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


@dataclass(frozen=True)
class Masked:
    text: str
    hidden: int   # how many ID numbers were masked


def check_digit(first12: str) -> int:
    """The 13th digit of a Thai ID: (11 - sum(d_i * (13 - i)) mod 11) mod 10 over the first 12
    digits, i counted from 0 (weights 13 down to 2)."""
    total = sum(int(d) * (LENGTH - i) for i, d in enumerate(first12))
    return (11 - total % 11) % 10


def is_thai_id(digits: str) -> bool:
    """13 ASCII or Thai digits whose last one is the check digit of the others."""
    digits = digits.translate(_TO_ASCII)
    return (len(digits) == LENGTH and digits.isascii() and digits.isdigit()
            and check_digit(digits[:-1]) == int(digits[-1]))


def mask_ids(text: str) -> Masked:
    """The text with every Thai ID number in it replaced by ``MASK``, and how many there were."""
    if not _GROUP.search(text):
        return Masked(text, 0)   # the common case: no digit at all
    parts: list[str] = []
    kept_to = hidden = 0
    for run in _RUN.finditer(text):
        for start, end in _ids_in(run.group(), run.start()):
            parts.append(text[kept_to:start])
            parts.append(MASK)
            kept_to, hidden = end, hidden + 1
    if not hidden:
        return Masked(text, 0)
    parts.append(text[kept_to:])
    return Masked("".join(parts), hidden)


def _ids_in(run: str, offset: int) -> list[tuple[int, int]]:
    """Spans (in the whole text) of the IDs in one run of digit groups, left to right: at each
    group, the whole groups from it that add up to 13 digits, if they are an ID."""
    groups = [(m.start() + offset, m.end() + offset, m.group()) for m in _GROUP.finditer(run)]
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(groups):
        digits, j = "", i
        while j < len(groups) and len(digits) < LENGTH:
            digits += groups[j][2]
            j += 1
        if len(digits) == LENGTH and is_thai_id(digits):
            found.append((groups[i][0], groups[j - 1][1]))
            i = j
        else:
            i += 1
    return found
