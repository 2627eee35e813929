"""Normalising single roster cells: house codes, phone numbers, member counts, dimensions.

Each function takes the cell text already through ``clean()`` (Thai digits are 0-9 by then)
and returns the normalised value, or raises ``CellError``, whose message completes
"<column> '<value>' ...".
"""
from __future__ import annotations

import re

from models.dimensions import parse_dimension

HOUSE_ID_DIGITS = 11
# Separators districts put between dimensions: the documented '|', and ',' from hand-typed sheets.
_DIMENSION_SPLIT = re.compile(r"[|,]")
# What may sit between the digits of a house code as typed: spaces and dashes of any kind.
_HOUSE_ID_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]")
_NON_DIGITS = re.compile(r"[^0-9]")


class CellError(ValueError):
    """A cell that cannot be used; str() is the reason, e.g. "is not 11 digits"."""


def house_id(text: str) -> str:
    compact = _HOUSE_ID_SEPARATORS.sub("", text)
    if not compact.isdigit() or len(compact) != HOUSE_ID_DIGITS or not compact.isascii():
        raise CellError(f"is not {HOUSE_ID_DIGITS} digits")
    return compact


def phone(text: str) -> str:
    """Digits only, in the domestic form starting with 0: '+66 81-000-0001' -> '0810000001'.

    Spreadsheets store phone numbers as numbers and drop the leading 0 ('810000001'); a Thai
    number never starts with anything else, so the 0 is put back.
    """
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("+") and not digits.startswith("66"):
        raise CellError("is not a Thai phone number")
    if digits.startswith("66") and len(digits) in (10, 11):
        digits = "0" + digits[2:]
    elif not digits.startswith("0") and len(digits) in (8, 9):
        digits = "0" + digits
    if not 9 <= len(digits) <= 10 or not digits.startswith("0"):
        raise CellError("is not a phone number of 9-10 digits")
    return digits


def members(text: str) -> int:
    # A number typed into a text-formatted Excel column can come as '4.0'.
    value = text.split(".")[0] if re.fullmatch(r"[0-9]+\.0*", text) else text
    if not value.isdigit() or not value.isascii() or int(value) < 1:
        raise CellError("is not a whole number of at least 1")
    return int(value)


def split_dimensions(text: str) -> tuple[tuple[str, ...], list[str]]:
    """'health|living' or 'สุขภาพ, ความเป็นอยู่' -> the codes in the order given (each once),
    and the words that are not dimensions."""
    codes: list[str] = []
    unknown: list[str] = []
    for word in _DIMENSION_SPLIT.split(text):
        if not word.strip():
            continue
        code = parse_dimension(word)
        if code is None:
            unknown.append(word.strip())
        elif code not in codes:
            codes.append(code)
    return tuple(codes), unknown


def dimensions(text: str) -> frozenset[str]:
    """'income|health' or 'รายได้, สุขภาพ' -> {'income', 'health'}; empty cell -> no dimensions."""
    codes, unknown = split_dimensions(text)
    if unknown:
        raise CellError(f"has unknown dimension(s) {', '.join(unknown)} "
                        "(use income, living, health, education, access or the Thai names)")
    return frozenset(codes)
