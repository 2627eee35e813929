"""Which area an export (or, next, the dashboard) covers, and who may have it.

An area is known when some household is in it: the roster is the list of districts. A
coordinator may have their own district only; a province officer (ศจพ.จ.) their province, any
district of it; a mentor nothing. The CLI and the dashboard both ask ``allowed``.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Household, Person, Role

from ..invites import district_name, province_name
from .table import Area


class AreaError(Exception):
    """An area that cannot be used; the message is one line, Thai then English, and lists the
    areas that exist."""


_LEADING_VOWEL = re.compile(r"([เแโใไ])([ก-ฮ])")


def thai_order(name: str) -> str:
    """A sort key in Thai dictionary order: a leading vowel (เ แ โ ใ ไ) sorts after the
    consonant it is written before ('เมืองเลย' under ม, before 'วังสะพุง')."""
    return _LEADING_VOWEL.sub(r"\2\1", name)


def _known_provinces(session: Session) -> list[str]:
    return list(session.scalars(select(Household.province).distinct()))


def _known_districts(session: Session, province: str | None) -> list[str]:
    """'เมืองเลย, วังสะพุง' within a province; 'เมืองเลย (เลย), …' across provinces."""
    if province is not None:
        return list(session.scalars(select(Household.district).distinct()
                                    .where(Household.province == province)))
    return [f"{district} ({in_province})" for in_province, district in session.execute(
        select(Household.province, Household.district).distinct())]


def _listed(names: list[str]) -> str:
    return ", ".join(sorted(names, key=thai_order)) if names else "-"


def _check_province(session: Session, province: str) -> None:
    if session.scalar(select(Household.id).where(Household.province == province)
                      .limit(1)) is None:
        raise AreaError(f"ไม่พบจังหวัด \"{province}\" (unknown province); "
                        f"จังหวัดที่มี / known: {_listed(_known_provinces(session))}")


def resolve_area(session: Session, district: str | None = None,
                 province: str | None = None) -> Area:
    """The area named (อำเภอ/อ. and จังหวัด/จ. in front are fine), or AreaError. A district
    named alone is looked up in every province: it must be in exactly one."""
    wanted_district = district_name(district) if district and district.strip() else None
    wanted_province = province_name(province) if province and province.strip() else None
    if wanted_province is not None:
        _check_province(session, wanted_province)
    if wanted_district is None:
        if wanted_province is None:
            raise AreaError("ระบุอำเภอหรือจังหวัด / give a district or a province")
        return Area(province=wanted_province)
    query = select(Household.province).distinct().where(Household.district == wanted_district)
    if wanted_province is not None:
        query = query.where(Household.province == wanted_province)
    provinces = list(session.scalars(query.order_by(Household.province).limit(10)))
    if not provinces:
        where = f" ในจังหวัด{wanted_province}" if wanted_province else ""
        raise AreaError(f"ไม่พบอำเภอ \"{wanted_district}\"{where} (unknown district); "
                        f"อำเภอที่มี / known: "
                        f"{_listed(_known_districts(session, wanted_province))}")
    if len(provinces) > 1:
        raise AreaError(f"อำเภอ \"{wanted_district}\" มีในหลายจังหวัด ระบุจังหวัดด้วย "
                        f"(district in several provinces: give the province): "
                        f"{_listed(provinces)}")
    return Area(province=provinces[0], district=wanted_district)


def allowed(person: Person, area: Area) -> bool:
    """May this person have the area's data? A coordinator: their own district only (not the
    province); a province officer: their province, whole or any district of it; a mentor: no."""
    if person.role is Role.COORDINATOR:
        return area.district is not None and (area.province, area.district) == (
            person.province, person.district)
    if person.role is Role.PROVINCE:
        return area.province == person.province
    return False
