"""Outside-help cases: raising them, and telling the right people (through the outbox)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Case, CaseEvent, CaseStatus, Household, Person

from . import access
from .context import Context
from .replies import Cards, Push


def raise_case(session: Session, *, household: Household, mentor: Person, dimension: str,
               note: str | None, agency: str | None, problem_id: int | None,
               ctx: Context) -> Case:
    case = Case(household_id=household.id, mentor_id=mentor.id, visit_problem_id=problem_id,
                dimension=dimension, note=note, suggested_agency=agency, status=CaseStatus.OPEN,
                province=household.province, district=household.district,
                created_at=ctx.now, updated_at=ctx.now)
    session.add(case)
    session.flush()
    session.add(CaseEvent(case_id=case.id, actor_id=mentor.id, action=CaseStatus.OPEN,
                          note=None, at=ctx.now))
    return case


def alert_coordinators(session: Session, case: Case, ctx: Context) -> Push | None:
    """The new-case card for every registered coordinator of the case's district."""
    from .conversations.views.cases import case_card
    coordinators = access.district_coordinators(session, case.province, case.district)
    if not coordinators:
        return None
    card = case_card(case, ctx, for_coordinator=True)
    return Push(to=tuple(c.line_user_id for c in coordinators),
                replies=(Cards(alt_text=f"เรื่องใหม่จากพี่เลี้ยง: ด้าน{_dim(case)}", cards=(card,)),),
                dedupe_key=f"case-new:{case.id}")


def _dim(case: Case) -> str:
    from models.dimensions import dimension_label
    return dimension_label(case.dimension)
