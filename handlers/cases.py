"""Outside-help cases: raising them, and telling the right people (through the outbox)."""
from __future__ import annotations

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import Case, CaseClosure, CaseEvent, CaseStatus, Household, Person, Role
from models.dimensions import dimension_label

from . import access
from .buttons import command_button
from .context import Context
from .replies import Push, TextReply

CLOSED_ALREADY = "เรื่องนี้ปิดแล้วค่ะ"
# What the household's mentor is told when a case moves, and who did it. A mentor who took the
# household over after the case was raised reads NOT_RAISER_WORDS instead of "ที่ท่านส่ง".
NOTICES: dict[CaseStatus, tuple[str, str]] = {
    CaseStatus.ACKNOWLEDGED: ("ศจพ.อ. รับเรื่องที่ท่านส่งแล้วค่ะ", "ผู้รับเรื่อง"),
    CaseStatus.REFERRED: ("ศจพ.อ. ส่งต่อเรื่องที่ท่านส่งถึงหน่วยงานแล้วค่ะ", "ผู้ส่งต่อ"),
    CaseStatus.CLOSED: ("ศจพ.อ. ปิดเรื่องที่ท่านส่งแล้วค่ะ", "ผู้ปิดเรื่อง"),
}
RAISER_WORDS, NOT_RAISER_WORDS = "ที่ท่านส่ง", "ของครัวเรือนที่ท่านดูแล"


def raise_case(session: Session, *, household: Household, mentor: Person, dimension: str,
               note: str | None, agency: str | None, problem_id: int | None,
               ctx: Context, indicator_no: int | None = None) -> Case:
    case = Case(household_id=household.id, mentor_id=mentor.id, visit_problem_id=problem_id,
                dimension=dimension, indicator_no=indicator_no, note=note,
                suggested_agency=agency, status=CaseStatus.OPEN,
                province=household.province, district=household.district,
                created_at=ctx.now, updated_at=ctx.now)
    session.add(case)
    session.flush()
    session.add(CaseEvent(case_id=case.id, actor_id=mentor.id, action=CaseStatus.OPEN,
                          note=None, at=ctx.now))
    return case


def _dim(case: Case) -> str:
    return dimension_label(case.dimension)


# -- a coordinator handling a case ---------------------------------------------------------
def locked(session: Session, person: Person, case_id) -> Case | None:
    """The case, row-locked until the transaction ends and read as committed now (an earlier
    read in this session, e.g. by a flow's guard, must not hide another coordinator's change)."""
    case = access.case_for(session, person, case_id, lock=True)
    if case is not None:
        session.refresh(case)
    return case


def holder(case: Case) -> str | None:
    """'นางสาวมาลี ศรีเลย' (the name as stored, with its title): the coordinator who took the
    case, if any."""
    if case.acknowledged_by_id is None:
        return None
    if case.acknowledged_by is None:   # set together with the id (_take)
        raise LookupError(f"case {case.id}: taken by person {case.acknowledged_by_id}, not found")
    return case.acknowledged_by.name


def blocker(case: Case, coordinator: Person) -> str | None:
    """Why this coordinator cannot act on the case now (in Thai), or None when they can.
    A case taken by one coordinator is handled by that coordinator only."""
    if case.status is CaseStatus.CLOSED:
        return CLOSED_ALREADY
    if case.acknowledged_by_id not in (None, coordinator.id):
        return f"รับเรื่องแล้วโดย {holder(case)} ค่ะ"
    return None


def acknowledge(session: Session, case: Case, coordinator: Person, ctx: Context) -> Push | None:
    """รับเรื่อง: OPEN -> ACKNOWLEDGED. Returns the notice for the mentor."""
    _take(session, case, coordinator, ctx)
    return _notice(session, case, coordinator, CaseStatus.ACKNOWLEDGED, f"case:{case.id}:ack")


def refer(session: Session, case: Case, coordinator: Person, agency: str,
          ctx: Context) -> Push | None:
    """ส่งต่อหน่วยงาน (again, to another agency, if need be); takes an open case first."""
    _take(session, case, coordinator, ctx)
    case.status, case.referred_agency, case.referred_at = CaseStatus.REFERRED, agency, ctx.now
    event = _record(session, case, coordinator, CaseStatus.REFERRED, agency, ctx)
    return _notice(
        session,
        case,
        coordinator,
        CaseStatus.REFERRED,
        f"case:{case.id}:refer:{event.id}",
        ("ส่งต่อถึง", agency),
    )


def close(
    session: Session, case: Case, coordinator: Person, outcome: str, ctx: Context,
    closure: CaseClosure = CaseClosure.OTHER, help_given: str | None = None,
) -> Push | None:
    """ปิดเรื่อง with its outcome (``closure``: helped, or why not); takes an open case first.
    ``help_given`` is the assistance recorded with it, as the mentor is told it."""
    _take(session, case, coordinator, ctx)
    case.status, case.outcome, case.closed_at = CaseStatus.CLOSED, outcome, ctx.now
    case.closure = closure
    _record(session, case, coordinator, CaseStatus.CLOSED, outcome, ctx)
    extra = ("ความช่วยเหลือ", help_given) if help_given else ("ผล", outcome)
    return _notice(session, case, coordinator, CaseStatus.CLOSED, f"case:{case.id}:close", extra)


HELP_REPORTED = "ครัวเรือนได้รับความช่วยเหลือแล้ว (พี่เลี้ยงแจ้งเมื่อเยี่ยมบ้าน)"


def help_reported(session: Session, case: Case, mentor: Person, ctx: Context) -> list[Push]:
    """The mentor reports, at a visit, that the case's help has arrived: the case is closed
    as helped (the assistance is recorded beside it) and the coordinators are told."""
    case.status, case.closure, case.closed_at = CaseStatus.CLOSED, CaseClosure.HELPED, ctx.now
    case.outcome = HELP_REPORTED
    _record(session, case, mentor, CaseStatus.CLOSED, HELP_REPORTED, ctx)
    to: tuple[str, ...]
    if case.acknowledged_by is not None and case.acknowledged_by.line_user_id:
        to = (case.acknowledged_by.line_user_id,)
    else:
        to = tuple(c.line_user_id for c in access.district_coordinators(
            session, case.province, case.district) if c.line_user_id)
    if not to:
        return []
    text = (f"พี่เลี้ยงแจ้งว่าครัวเรือน {case.household.head_name} ได้รับความช่วยเหลือ"
            f"เรื่อง #{case.id} ด้าน{_dim(case)} แล้ว ระบบจึงปิดเรื่องให้ค่ะ")
    return [Push(to=to, replies=(TextReply(text),), dedupe_key=f"case:{case.id}:helped")]


def _take(session: Session, case: Case, coordinator: Person, ctx: Context) -> None:
    if case.status is not CaseStatus.OPEN:
        return
    case.status, case.acknowledged_at = CaseStatus.ACKNOWLEDGED, ctx.now
    case.acknowledged_by_id, case.acknowledged_by = coordinator.id, coordinator
    _record(session, case, coordinator, CaseStatus.ACKNOWLEDGED, None, ctx)


def _record(
    session: Session, case: Case, actor: Person, action: CaseStatus, note: str | None, ctx: Context
) -> CaseEvent:
    case.updated_at = ctx.now
    event = CaseEvent(case_id=case.id, actor_id=actor.id, action=action, note=note, at=ctx.now)
    session.add(event)
    session.flush()
    return event


def _notice(
    session: Session,
    case: Case,
    coordinator: Person,
    action: CaseStatus,
    key: str,
    extra: tuple[str, str] | None = None,
) -> Push | None:
    """What the household's current mentor is told: not whoever raised the case, who may have
    handed the household on (nothing if it has no mentor now, or theirs is not on LINE)."""
    mentor = access.current_mentor(session, case.household_id)
    if mentor is None or not mentor.line_user_id:
        return None
    headline, actor_word = NOTICES[action]
    if mentor.id != case.mentor_id:
        headline = headline.replace(RAISER_WORDS, NOT_RAISER_WORDS)
    lines = [
        headline,
        f"เรื่อง #{case.id}",
        f"ครัวเรือน: {case.household.head_name}",
        f"ด้าน: {_dim(case)}",
        f"{actor_word}: {coordinator.name}",
    ]
    if extra:
        lines.append(f"{extra[0]}: {extra[1]}")
    follow = command_button("my_cases", "เรื่องที่ส่งต่อ")
    return Push(
        to=(mentor.line_user_id,), replies=(TextReply("\n".join(lines), (follow,)),), dedupe_key=key
    )


# -- lists ---------------------------------------------------------------------------------
def district_queue(session: Session, coordinator: Person, limit: int) -> tuple[list[Case], int]:
    """Cases not closed in the coordinator's own district (the rule of access.case_for):
    open ones first, oldest first. Returns (up to ``limit`` cases, how many in all)."""
    if coordinator.role is not Role.COORDINATOR:
        return [], 0
    where = (
        Case.province == coordinator.province,
        Case.district == coordinator.district,
        Case.status != CaseStatus.CLOSED,
    )
    total = session.scalar(select(func.count()).select_from(Case).where(*where))
    shown = session.scalars(
        select(Case)
        .where(*where)
        .options(selectinload(Case.acknowledged_by))
        .order_by(sql_case((Case.status == CaseStatus.OPEN, 0), else_=1), Case.created_at, Case.id)
        .limit(limit)
    ).all()
    return list(shown), int(total or 0)


def raised_by(session: Session, mentor: Person, limit: int) -> tuple[list[Case], int]:
    """The cases of the households a mentor looks after now (the rule of access.case_for),
    newest first. Returns (up to ``limit``, how many in all)."""
    where = (access.mentor_case_filter(mentor),)
    total = session.scalar(select(func.count()).select_from(Case).where(*where))
    shown = session.scalars(
        select(Case)
        .where(*where)
        .options(selectinload(Case.acknowledged_by), selectinload(Case.household))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit)
    ).all()
    return list(shown), int(total or 0)
