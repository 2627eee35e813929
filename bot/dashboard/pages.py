"""The dashboard's pages: thin views over handlers/dashboard (figures, mentors, province,
household_detail). Each asks ``access`` for the area first; the figures return None for a
record outside it (→ 404)."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from handlers.dashboard import figures
from handlers.dashboard import mentors as mentor_figures
from handlers.dashboard import province as province_figures
from handlers.dashboard.household_detail import household_page
from handlers.exports.access import thai_order
from handlers.thai_dates import to_local_date
from models import Household

from ..services import services
from . import access
from .access import ID_MAX

MENTORS_PER_PAGE = 100
MENTOR_COLUMNS = (("name", "พี่เลี้ยง"), ("households", "ครัวเรือน"),
                  ("last_visit", "เยี่ยมล่าสุด"), ("days_overdue", "เลยกำหนด (วัน)"),
                  ("open_cases", "เรื่องค้าง"))


def today():
    return to_local_date(access.g.now, services().tz)


def first_visit_days() -> int:
    return int(current_app.config["FIRST_VISIT_DAYS"])


def districts_of_province() -> list[str]:
    me = access.person()
    names = access.db().scalars(select(Household.district).distinct()
                                .where(Household.province == me.province))
    return sorted(names, key=thai_order)


def register(bp: Blueprint) -> None:
    @bp.get("/")
    @access.signed_in
    def home():
        if access.is_province(access.person()):
            return redirect(url_for("dashboard.province"))
        return redirect(url_for("dashboard.district"))

    @bp.get("/district")
    @access.signed_in
    def district():
        area = access.area_of(request.args.get("d"))
        if area.district is None:   # a province officer without a district: the province
            return redirect(url_for("dashboard.province"))
        overview = figures.district_overview(access.db(), area, today(), tz=services().tz,
                                             first_visit_days=first_visit_days())
        return render_template("dashboard/district.html", o=overview, nav="district",
                               district_param=request.args.get("d") or None)

    @bp.get("/mentors")
    @access.signed_in
    def mentors():
        area = access.area_of(request.args.get("d"))
        rows = list(mentor_figures.mentor_rows(access.db(), area, today(),
                                        first_visit_days=first_visit_days(), tz=services().tz))
        keys = dict(MENTOR_COLUMNS)
        sort = request.args.get("sort") if request.args.get("sort") in keys else "name"
        desc = request.args.get("desc") == "1"
        if sort != "name":
            def key(m):
                value = getattr(m, sort)
                return (value is not None, value or 0)
            rows.sort(key=key, reverse=desc)
        elif desc:
            rows.reverse()
        # A large district's list comes a hundred at a time: a phone cannot show thousands.
        pages = max(1, -(-len(rows) // MENTORS_PER_PAGE))
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
        total = len(rows)
        rows = rows[(page - 1) * MENTORS_PER_PAGE:page * MENTORS_PER_PAGE]
        return render_template("dashboard/mentors.html", rows=rows, area=area, sort=sort,
                               page=page, pages=pages, total=total,
                               desc=desc, columns=MENTOR_COLUMNS, today=today(), nav="mentors",
                               district_param=area.district if access.is_province(
                                   access.person()) else None,
                               districts=districts_of_province()
                               if access.is_province(access.person()) else [])

    @bp.get(f"/mentors/<int(max={ID_MAX}):mentor_id>")
    @access.signed_in
    def mentor(mentor_id: int):
        area = access.area_of()
        page = access.found(mentor_figures.mentor_page(access.db(), area, mentor_id, today(),
                                                first_visit_days=first_visit_days(),
                                                tz=services().tz),
                            "mentor", mentor_id)
        return render_template("dashboard/mentor.html", page=page, nav="mentors",
                               district_param=None)

    @bp.get(f"/households/<int(max={ID_MAX}):household_id>")
    @access.signed_in
    def household(household_id: int):
        area = access.area_of()
        page = access.found(household_page(access.db(), area, household_id,
                                                   tz=services().tz, today=today(),
                                                   first_visit_days=first_visit_days()),
                            "household", household_id)
        return render_template("dashboard/household.html", h=page, nav="mentors",
                               district_param=None)

    @bp.get("/province")
    @access.signed_in
    def province():
        me = access.person()
        if not access.is_province(me):
            access.refuse("province", None)
        overview = province_figures.province_overview(access.db(), me.province, today(),
                                             tz=services().tz,
                                             first_visit_days=first_visit_days())
        return render_template("dashboard/province.html", p=overview, nav="province",
                               district_param=None)
