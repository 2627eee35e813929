"""How LINE counts characters (https://developers.line.biz/en/docs/messaging-api/text-character-count/).

Most text is counted in UTF-16 code units (an emoji such as U+1F34E counts 2). Action labels,
postback/message action texts, template texts/titles and rich-menu chatBarText/name are
counted in grapheme clusters instead. That matters for Thai: "น้ำ" is 3 code points but
one grapheme, so counting code points would reject Thai labels that LINE accepts.
"""

from __future__ import annotations

import re
import unicodedata

from .openapi_check import utf16_len

__all__ = ["utf16_len", "grapheme_len", "line_length", "counts_graphemes"]

# Thai/Lao SARA AM are letters (Lo) but UAX #29 lists them as SpacingMark: they extend a cluster.
_SPACING_LETTERS = {"\u0e33", "\u0eb3"}
_ZWJ = "\u200d"


def _extends(ch: str) -> bool:
    cp = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or ch in _SPACING_LETTERS
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0x1F3FB <= cp <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= cp <= 0xE007F  # emoji tag sequences (flags of regions)
        or ch == _ZWJ
    )


def grapheme_len(text: str) -> int:
    """Approximate extended-grapheme-cluster count (UAX #29) with the stdlib only.

    Handles combining marks (Thai tone marks and vowels), ZWJ emoji sequences, skin tones,
    variation selectors, regional-indicator flag pairs and CRLF; good enough for limits.
    Not handled: Indic conjuncts (virama joins, UAX #29 GB9c), irrelevant for Thai.
    """
    count, prev, regional_open = 0, "", False
    for ch in text:
        cp = ord(ch)
        if _extends(ch) or prev == _ZWJ or (prev == "\r" and ch == "\n"):
            prev = ch
            continue
        if 0x1F1E6 <= cp <= 0x1F1FF:  # two regional indicators make one flag
            regional_open = not regional_open
            if not regional_open:
                prev = ch
                continue
        else:
            regional_open = False
        count += 1
        prev = ch
    return count


# JSON paths (as produced by openapi_check) whose last property LINE counts in graphemes.
_GRAPHEME_LAST = {"label", "displayText", "fillInText", "title", "chatBarText"}
_ACTION_PATH = re.compile(r"(^|\.)(action|defaultAction|actions\[\d+\])\.text$")
_TEMPLATE_TEXT = re.compile(r"(^|\.)(template|columns\[\d+\])\.text$")


def counts_graphemes(path: str) -> bool:
    last = path.rsplit(".", 1)[-1]
    if last in _GRAPHEME_LAST:
        return True
    if path == "name":  # rich menu request `name` (sender.name is UTF-16)
        return True
    return bool(_ACTION_PATH.search(path) or _TEMPLATE_TEXT.search(path))


def line_length(path: str, value: str) -> int:
    """Length of `value` as LINE counts it at JSON path `path`."""
    return grapheme_len(value) if counts_graphemes(path) else utf16_len(value)
