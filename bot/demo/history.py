"""Some weeks of made-up history for the demo, so the dashboard's charts have something to show.

The sample households get a past: when they were assigned, the visits their mentor reported
(with the follow-up of every open plan item and case, as the visit report asks), the cases
raised and how the district's coordinator moved them on, the help that arrived, the goal level
set and raised, dimensions passed, and one household leaving the programme. Everything goes
through the domain functions a chat would call, each with the day it "happened" as its
``Context``; nothing is dated after ``now``.

What each household lives through is fixed by its place in the roster (``PROFILES``), so the
demo always shows the same kinds of cases; ``rng`` (seeded by the caller) picks the details
(agencies, kinds and amounts of help, answers, notes), so a given seed always builds the same
database. The profiles keep what the demo has always promised:

- the first mentor's household has never been visited and has nothing open (no plan item, no
  case), assigned weeks ago: their first report can say ``เมื่อวาน`` and goes straight to the
  "4 ท" questions;
- households never visited (overdue, and due soon), visited and overdue, and visited recently;
- the first visited household asked for outside help at its last visit: an open case.

And what the dashboard needs: visits and help in this calendar month and the last one (whatever
day ``now`` is), open cases aged about 3, 20, 35, 60 and 120 days, closed ones (helped, and
declined), goal levels, some raised, two or more dimensions passed, one household that left.
All names and texts are synthetic.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import agencies, assistance, cases, dimension_passes, household_exits, plans
from handlers.assistance import AssistanceDraft
from handlers.context import Context
from handlers.visits import (
    DEFAULT_INTERVAL_DAYS,
    HELPED,
    WAITING,
    FollowUpDraft,
    ProblemDraft,
    VisitDraft,
    record_visit,
)
from models import (
    Agency,
    Assignment,
    Case,
    CaseClosure,
    CaseStatus,
    ExitReason,
    GoalLevel,
    Household,
    ItemStatus,
    Person,
    PlanItem,
    Role,
)

SEED = 11                 # the demo's seed: the same history every time the demo is built
FIRST_VISIT_DAYS = 14     # the FIRST_VISIT_DAYS setting's default
_EVENT_TIME = time(10, 0)  # things "happen" at 10:00 local time (never after now)


# -- what a household lives through ------------------------------------------------------------
@dataclass(frozen=True)
class PastVisit:
    days: int                       # days before today
    month: str | None = None        # "this" / "last": moved into this / last calendar month
    case: str | None = None         # a case raised at this visit, and what becomes of it
    case_dimension: str | None = None   # its dimension (default: the household's first)
    case_note: str | None = None
    level: GoalLevel | None = None  # the goal level set (or raised) at this visit
    passes: tuple[str, ...] = ()    # dimensions passed at this visit (those the household fails)


@dataclass(frozen=True)
class Profile:
    assigned_days: int
    visits: tuple[PastVisit, ...] = ()  # oldest first
    due_in: int = DEFAULT_INTERVAL_DAYS   # the last visit's next due day, from today
    leaves: tuple[int, int] | None = None  # (exit asked, exit confirmed): days before today
    help_each_month: bool = True    # assistance in this month and the last (if visited then)


# Case stories: (action, days after the case was raised). "helped_next" is closed by the next
# visit's follow-up (help arrived), with the help recorded at that visit.
CASE_STORIES: dict[str, tuple[tuple[str, int], ...]] = {
    "open": (),
    "ack": (("ack", 1),),
    "referred": (("ack", 1), ("refer", 2)),
    "helped": (("ack", 1), ("refer", 3), ("close_helped", 14)),
    "helped_next": (("ack", 1), ("refer", 2)),
    "declined": (("ack", 1), ("close_declined", 6)),
}

S, F, T = GoalLevel.SURVIVE, GoalLevel.SUFFICIENT, GoalLevel.SUSTAINABLE
PROFILES: tuple[Profile, ...] = (
    # 0: the first mentor's household: never visited, first visit overdue, nothing open.
    Profile(45, help_each_month=False),
    # 1: visited three times, overdue now; a 120-day case with an agency, a 35-day one open.
    Profile(130, (
        PastVisit(120, case="referred", case_dimension="living",
              case_note="หลังคาบ้านรั่ว ต้องการวัสดุซ่อมแซม", level=S),
        PastVisit(84, level=F),
        PastVisit(35, case="open", case_dimension="income",
              case_note="ต้องการฝึกอาชีพเพื่อหารายได้เสริม")), due_in=-5),
    # 2: visited recently; cases closed with help, taken (20 days) and just raised (3 days).
    Profile(75, (
        PastVisit(62, case="helped", case_dimension="education",
              case_note="บุตรต้องการทุนการศึกษาและอุปกรณ์การเรียน", level=S),
        PastVisit(20, case="ack", case_dimension="income", case_note="ต้องการเงินทุนเลี้ยงไก่ไข่"),
        PastVisit(3, month="this", case="open", case_dimension="income",
              case_note="ต้องการหาตลาดขายผักปลอดสารพิษ")), due_in=27),
    # 3 and 4: assigned 20 and 8 days ago, not visited yet (one overdue, one due soon).
    Profile(20, help_each_month=False),
    Profile(8, help_each_month=False),
    # 5: a 60-day case with an agency; last visited last month, overdue; health passed.
    Profile(80, (
        PastVisit(60, case="referred", case_dimension="access",
              case_note="ต้องการทำบัตรสวัสดิการแห่งรัฐและลงทะเบียนผู้พิการ", level=S),
        PastVisit(25, month="last", level=F, passes=("health",))), due_in=-5),
    # 6: visited three times, up to ยั่งยืน; a case declined; education passed.
    Profile(90, (
        PastVisit(80, case="helped_next", case_dimension="income",
              case_note="ต้องการพันธุ์ปลาและอาหารปลา", level=F),
        PastVisit(50, case="declined", case_dimension="living",
              case_note="ต้องการย้ายที่อยู่ใกล้แหล่งงาน", passes=("education",)),
        PastVisit(18, level=T)), due_in=12),
    # 7: income passed, up to ยั่งยืน, then left the programme (พ้นเกณฑ์).
    Profile(100, (
        PastVisit(90, case="helped_next", case_dimension="income",
              case_note="ต้องการฝึกอาชีพทำพรมเช็ดเท้า", level=F),
        PastVisit(55, level=T, passes=("income",))), due_in=-25, leaves=(40, 38)),
)

GOALS = {
    GoalLevel.SURVIVE: "มีอาหารพอกินตลอดปี ลดรายจ่ายที่ไม่จำเป็น",
    GoalLevel.SUFFICIENT: "มีรายได้เสริมจากสวนผักและเลี้ยงไก่ไข่ มีเงินออมทุกเดือน",
    GoalLevel.SUSTAINABLE: "มีอาชีพมั่นคง มีเงินออม และแบ่งปันความรู้ให้เพื่อนบ้านได้",
}
ATTITUDES = ("ครอบครัวให้ความร่วมมือดี", "ครอบครัวตั้งใจพัฒนาตนเอง",
             "สมาชิกเริ่มเห็นความสำคัญของการออม", "ครอบครัวยังกังวลเรื่องหนี้สิน")
SKILLS = ("ทำนาและปลูกผัก", "รับจ้างทั่วไปและจักสาน", "เลี้ยงไก่และทำปุ๋ยหมัก", None)
RESOURCES = ("มีที่ดินทำกินเล็กน้อย มีบ่อน้ำ", "มีพื้นที่หลังบ้านปลูกผักได้", None)
WAYS_OUT = ("ปลูกผักสวนครัวไว้กินและขาย", "ทำบัญชีครัวเรือนและลดรายจ่าย",
            "รวมกลุ่มอาชีพกับเพื่อนบ้าน", None)
# What a household does itself and what is supported, by dimension (action-plan rows).
PLAN_ROWS = {
    "income": ("ปลูกผัก 10 ชนิด ลดรายจ่ายค่าหวยและบุหรี่ ทำบัญชีครัวเรือน",
               "หาเมล็ดพันธุ์และกล้าผัก สอนทำปุ๋ยหมัก"),
    "living": ("ปรับปรุงห้องน้ำและจัดบ้านให้ถูกสุขลักษณะ", "ประสาน อปท. เรื่องวัสดุซ่อมแซม"),
    "health": ("ไปตรวจสุขภาพตามนัดและออกกำลังกาย", "ประสาน รพ.สต. ติดตามเยี่ยมบ้าน"),
    "education": ("ส่งบุตรเรียนต่อจนจบชั้นมัธยม", "ประสานทุนการศึกษาและอุปกรณ์การเรียน"),
    "access": ("ไปยื่นเอกสารขอรับสิทธิที่อำเภอ", "ช่วยเตรียมเอกสารและพาไปยื่น"),
}
# Kinds of help (models/data/assistance_kinds.csv) by dimension, with the usual amounts in baht
# (None: help without a money value, such as advice).
HELP_KINDS: dict[str, tuple[tuple[str, tuple[int, ...] | None], ...]] = {
    "income": (("training", (0, 1500, 2500)), ("funding", (5000, 10000, 20000)),
               ("supplies", (800, 1500, 3000)), ("advice", None)),
    "living": (("housing", (8000, 15000, 30000)), ("supplies", (1000, 2500)),
               ("welfare", (600, 1000))),
    "health": (("medical", None), ("welfare", (800, 1000)), ("advice", None)),
    "education": (("scholarship", (2000, 3000, 5000)), ("supplies", (500, 1200))),
    "access": (("documents", None), ("welfare", (600, 800, 1000))),
}
HELP_NOTES = {
    "training": "อบรมอาชีพ 3 วัน", "funding": "กู้ยืมเงินทุนประกอบอาชีพ",
    "supplies": "ได้รับเมล็ดพันธุ์และวัสดุการเกษตร", "advice": "แนะนำการทำบัญชีครัวเรือน",
    "housing": "ได้รับวัสดุซ่อมแซมหลังคาและฝาบ้าน", "welfare": "ได้รับเบี้ยยังชีพ",
    "medical": "พาไปตรวจและรับยาที่ รพ.สต.", "scholarship": "ได้รับทุนการศึกษาภาคเรียนนี้",
    "documents": "ช่วยยื่นเอกสารขอรับสิทธิ",
}


@dataclass
class _Household:
    """One household's history under way."""

    household: Household
    mentor: Person
    coordinator: Person | None
    profile: Profile
    units: dict[str, list[Agency]] = field(default_factory=dict)   # by dimension
    stories: dict[int, str] = field(default_factory=dict)           # case id -> CASE_STORIES key


def add_history(session: Session, now: datetime, tz: ZoneInfo, rng: random.Random,
                first_visit_days: int = FIRST_VISIT_DAYS) -> None:
    """Give every current assignment's household its profile's past (see the module's
    docstring), in the order the roster created them."""
    today = now.astimezone(tz).date()
    history = _History(session, now, tz, today, rng, first_visit_days)
    assignments = session.scalars(select(Assignment).where(Assignment.ended_at.is_(None))
                                  .order_by(Assignment.id)).all()
    coordinators: dict[tuple[str, str], Person] = {}
    for person in session.scalars(select(Person).where(Person.role == Role.COORDINATOR)
                                  .order_by(Person.id)):
        coordinators.setdefault((person.province, person.district), person)
    for index, assignment in enumerate(assignments):
        household = assignment.household
        profile = PROFILES[index % len(PROFILES)]
        assignment.assigned_at = now - timedelta(days=profile.assigned_days)
        history.live(_Household(household, assignment.mentor,
                                coordinators.get((household.province, household.district)),
                                profile))
    session.flush()


class _History:
    def __init__(self, session: Session, now: datetime, tz: ZoneInfo, today: date,
                 rng: random.Random, first_visit_days: int):
        self.session, self.now, self.tz, self.today, self.rng = session, now, tz, today, rng
        self.first_visit_days = first_visit_days
        self.this_month = today.replace(day=1)
        self.last_month = plans.add_months(self.this_month, -1)

    # -- dates ---------------------------------------------------------------------------------
    def ctx(self, day: date) -> Context:
        """The context of something done on ``day``: at 10:00 there, or now if that is later."""
        at = datetime.combine(day, _EVENT_TIME, self.tz)
        return Context(now=min(at, self.now), tz=self.tz)

    def day_of(self, visit: PastVisit) -> date:
        day = self.today - timedelta(days=visit.days)
        if visit.month == "this":
            return max(day, self.this_month)
        if visit.month == "last":
            return min(max(day, self.last_month), self.this_month - timedelta(days=1))
        return day

    # -- one household -------------------------------------------------------------------------
    def live(self, h: _Household) -> None:
        profile = h.profile
        days = [self.day_of(v) for v in profile.visits]
        left_on = self.today - timedelta(days=profile.leaves[1]) if profile.leaves else None
        # The visits, with the case stories and help that happen between them, in date order.
        later: list[tuple[date, int, str, Case]] = []   # (when, order, action, case)
        for number, (visit, day) in enumerate(zip(profile.visits, days, strict=True)):
            self._run_due(h, later, before=day)
            last = number == len(profile.visits) - 1
            case = self._visit(h, visit, day, first=number == 0, last=last)
            if case is not None:
                h.stories[case.id] = visit.case or "open"
                for order, (action, after) in enumerate(CASE_STORIES[h.stories[case.id]]):
                    when = day + timedelta(days=after)
                    if when <= self.today and (left_on is None or when <= left_on):
                        later.append((when, order, action, case))
        self._run_due(h, later, before=self.today + timedelta(days=1))
        if profile.help_each_month and days:
            self._monthly_help(h, first=days[0], until=left_on or self.today)
        if profile.leaves:
            self._leave(h, *profile.leaves)

    def _visit(self, h: _Household, visit: PastVisit, day: date, first: bool,
               last: bool) -> Case | None:
        household, mentor, rng = h.household, h.mentor, self.rng
        ctx = self.ctx(day)
        if household.next_visit_due is None:   # what the clock process set after assignment
            assigned = self.today - timedelta(days=h.profile.assigned_days)
            household.next_visit_due = assigned + timedelta(days=self.first_visit_days)
        dims = household.dimensions or ["income"]
        problems: list[ProblemDraft] = []
        if visit.case:
            dimension = visit.case_dimension or dims[0]
            unit = self._units(h, dimension)
            problems.append(ProblemDraft(dimension, True, unit[0].short_name if unit else None,
                                         visit.case_note))
        if rng.random() < 0.5:   # something the mentor solved on the spot
            dimension = rng.choice(dims)
            problems.append(ProblemDraft(dimension, False, note="แนะนำและติดตามต่อ",
                                         help=AssistanceDraft(dimension, "advice", day,
                                                              by_mentor=True)))
        due = (self.today + timedelta(days=h.profile.due_in) if last
               else day + timedelta(days=DEFAULT_INTERVAL_DAYS))
        draft = VisitDraft(
            visited_on=day, attitude=rng.choice(ATTITUDES), skills=rng.choice(SKILLS),
            resources=rng.choice(RESOURCES), way_out=rng.choice(WAYS_OUT),
            problems=tuple(problems), next_visit_due=max(due, day),
            follow_ups=self._follow_ups(h, day))
        recorded = record_visit(self.session, household, mentor, draft, ctx)
        if visit.level is not None:
            plans.set_goal(self.session, household, mentor, GOALS[visit.level], visit.level, ctx)
        for dimension in visit.passes:
            dimension_passes.pass_dimension(self.session, household, mentor, dimension, day, ctx)
        self._plan(h, day, ctx, first=first)
        raised = [c for c in self.session.scalars(
            select(Case).where(Case.household_id == household.id,
                               Case.visit_problem_id.in_([p.id for p in recorded.visit.problems])))]
        return raised[0] if raised else None

    def _follow_ups(self, h: _Household, day: date) -> tuple[FollowUpDraft, ...]:
        """What the mentor answers about each open item and case, as the visit report asks."""
        answers = []
        for item in self._open_items(h.household):
            age = (day - item.start_month).days
            status = ItemStatus.DONE if age > 50 and self.rng.random() < 0.7 else ItemStatus.ONGOING
            answers.append(FollowUpDraft(status.value, plan_item_id=item.id,
                                         seen=item.status.value))
        open_cases = self.session.scalars(
            select(Case).where(Case.household_id == h.household.id,
                               Case.status != CaseStatus.CLOSED).order_by(Case.id)).all()
        for case in open_cases:
            if h.stories.get(case.id) == "helped_next":
                answers.append(FollowUpDraft(HELPED, case_id=case.id,
                                             help=self._help(h, case.dimension, day,
                                                             case_id=case.id)))
            else:
                answers.append(FollowUpDraft(WAITING, case_id=case.id))
        return tuple(answers)

    def _open_items(self, household: Household) -> list[PlanItem]:
        return [i for i in plans.items_of(self.session, household.id)
                if i.status is not ItemStatus.DONE]

    def _plan(self, h: _Household, day: date, ctx: Context, first: bool) -> None:
        """The first visit writes the plan (a row per failing dimension, two at most); a later
        one adds a row when everything planned is done, so there is always one under way."""
        if not first and self._open_items(h.household):
            return
        month = plans.first_of_month(day)
        dims = [d for d in plans.TEMPLATE_ORDER if d in h.household.dimensions] or ["income"]
        for dimension in dims[:2]:
            own, support = PLAN_ROWS[dimension]
            plans.add_item(self.session, h.household, h.mentor, plans.ItemDraft(
                dimension, own, support, month, plans.add_months(month, 2)), ctx)

    # -- cases moved on by the coordinator -----------------------------------------------------
    def _run_due(self, h: _Household, later: list[tuple[date, int, str, Case]],
                 before: date) -> None:
        """The case steps dated before ``before``, oldest first."""
        due = sorted((e for e in later if e[0] < before), key=lambda e: (e[0], e[1], e[3].id))
        for event in due:
            later.remove(event)
            when, _, action, case = event
            self._case_step(h, case, action, when)

    def _case_step(self, h: _Household, case: Case, action: str, when: date) -> None:
        coordinator = h.coordinator
        if coordinator is None or case.status is CaseStatus.CLOSED:
            return
        ctx = self.ctx(when)
        if action == "ack":
            cases.acknowledge(self.session, case, coordinator, ctx)
        elif action == "refer":
            cases.refer(self.session, case, coordinator,
                        case.suggested_agency or "พช.อ.", ctx)
        elif action == "close_helped":
            draft = self._help(h, case.dimension, when, case_id=case.id)
            assistance.record(self.session, h.household, coordinator, draft, ctx)
            cases.close(self.session, case, coordinator, "ได้รับความช่วยเหลือแล้ว", ctx,
                        closure=CaseClosure.HELPED, help_given=self._help_line(draft))
        elif action == "close_declined":
            cases.close(self.session, case, coordinator, "ครัวเรือนไม่ประสงค์รับความช่วยเหลือ",
                        ctx, closure=CaseClosure.DECLINED)

    # -- help ----------------------------------------------------------------------------------
    def _units(self, h: _Household, dimension: str) -> list[Agency]:
        if dimension not in h.units:
            h.units[dimension] = agencies.agencies_for(
                self.session, h.household.province, h.household.district, dimension, limit=4)
        return h.units[dimension]

    def _help(self, h: _Household, dimension: str, day: date,
              case_id: int | None = None) -> AssistanceDraft:
        kind, amounts = self.rng.choice(HELP_KINDS.get(dimension, HELP_KINDS["income"]))
        units = self._units(h, dimension)
        unit = self.rng.choice(units) if units else None
        value = self.rng.choice(amounts) if amounts else 0
        return AssistanceDraft(
            dimension=dimension, kind=kind, given_on=day,
            agency_id=unit.id if unit else None, agency_name=None if unit else "อบต.",
            value_baht=Decimal(value) if value else None, note=HELP_NOTES.get(kind),
            case_id=case_id)

    def _help_line(self, draft: AssistanceDraft) -> str:
        """'ฝึกอาชีพ โดย พช.อ. 3,000 บาท', as the coordinator's close-with-help names it."""
        kind = assistance.kind_words(self.session).get(draft.kind, draft.kind)
        agency = self.session.get(Agency, draft.agency_id) if draft.agency_id else None
        line = f"{kind} โดย {agency.short_name if agency else draft.agency_name or '-'}"
        return line + (f" {assistance.format_baht(draft.value_baht)}" if draft.value_baht else "")

    def _monthly_help(self, h: _Household, first: date, until: date) -> None:
        """Help that arrived between visits, recorded by the mentor: one or two records in the
        last calendar month and in this one, on days after the first visit."""
        for start, end in ((self.last_month, self.this_month - timedelta(days=1)),
                           (self.this_month, self.today)):
            start, end = max(start, first), min(end, until)
            if start > end:
                continue
            for _ in range(self.rng.randint(1, 2)):
                day = start + timedelta(days=self.rng.randint(0, (end - start).days))
                dimension = self.rng.choice(_dims(h.household))
                assistance.record(self.session, h.household, h.mentor,
                                  self._help(h, dimension, day), self.ctx(day))

    # -- leaving -------------------------------------------------------------------------------
    def _leave(self, h: _Household, asked_days: int, confirmed_days: int) -> None:
        asked = self.ctx(self.today - timedelta(days=asked_days))
        request, _ = household_exits.request_exit(
            self.session, h.household, h.mentor, ExitReason.GRADUATED,
            "มีรายได้จากการขายผักและเลี้ยงโคพอเลี้ยงครอบครัว พึ่งตนเองได้แล้ว", asked)
        if request is None or h.coordinator is None:
            return
        household_exits.decide(self.session, request, h.coordinator, True,
                               self.ctx(self.today - timedelta(days=confirmed_days)))


def _dims(household: Household) -> Sequence[str]:
    return household.dimensions or ["income"]
