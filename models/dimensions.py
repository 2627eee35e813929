"""The five TPMAP dimensions: the codes stored, the Thai words users see."""
from __future__ import annotations

# Order is the provincial action-plan template's order (income first).
DIMENSIONS: dict[str, str] = {
    "income": "รายได้",
    "living": "ความเป็นอยู่",
    "health": "สุขภาพ",
    "education": "การศึกษา",
    "access": "การเข้าถึงบริการรัฐ",
}

# Thai spellings seen in district spreadsheets, mapped to the codes.
_ALIASES: dict[str, str] = {
    **{th: code for code, th in DIMENSIONS.items()},
    "ด้านรายได้": "income",
    "รายได้/รายจ่าย": "income",
    "ด้านความเป็นอยู่": "living",
    "ด้านสุขภาพ": "health",
    "ด้านการศึกษา": "education",
    "การเข้าถึงรัฐ": "access",
    "ด้านการเข้าถึงรัฐ": "access",
    "การเข้าถึงบริการภาครัฐ": "access",
}

# The จปฐ. catalogue's categories line up with the dimensions (DOMAIN.md).
JPTH_CATEGORY_TO_DIMENSION: dict[str, str] = {
    "health": "health",
    "living": "living",
    "education": "education",
    "economy": "income",
    "social_protection": "access",
}


def parse_dimension(word: str) -> str | None:
    """Return the dimension code for an English code or a Thai name, or None."""
    key = word.strip()
    if key.lower() in DIMENSIONS:
        return key.lower()
    return _ALIASES.get(key)


def dimension_label(code: str) -> str:
    return DIMENSIONS[code]
