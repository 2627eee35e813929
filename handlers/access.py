"""Who may see or change what: every record look-up made on a person's behalf goes through here.

A mentor reaches only the households currently assigned to them that are still in the programme
(a household that has left it is out of the mentor's lists and buttons, though its record, its
assignment and its cases stay); a coordinator reaches only the households (those that left
included: the district's record) and cases of their own district. A miss returns None, and the
caller answers as if the record did not exist, so nothing is learnt by probing ids.
"""
from __future__ import annotations

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session, lazyload

from models import (
    Assignment,
    Case,
    Household,
    HouseholdExit,
    HouseholdStatus,
    Person,
    PlanItem,
    Role,
)


def mentor_households(session: Session, mentor: Person) -> list[Household]:
    if mentor.role is not Role.MENTOR:
        return []
    return list(session.scalars(
        select(Household).join(Assignment, Assignment.household_id == Household.id)
        .where(Assignment.mentor_id == mentor.id, Assignment.ended_at.is_(None),
               Household.status == HouseholdStatus.ACTIVE)
        .order_by(Household.next_visit_due.is_(None), Household.next_visit_due, Household.id)))


def mentor_household_count(session: Session, mentor: Person) -> int:
    """How many households ``mentor_households`` lists, counted by the database."""
    if mentor.role is not Role.MENTOR:
        return 0
    return session.scalar(
        select(func.count()).select_from(Household)
        .join(Assignment, Assignment.household_id == Household.id)
        .where(Assignment.mentor_id == mentor.id, Assignment.ended_at.is_(None),
               Household.status == HouseholdStatus.ACTIVE)) or 0


def household_for(session: Session, person: Person, household_id) -> Household | None:
    if not isinstance(household_id, int):
        return None
    if person.role is Role.MENTOR:
        return session.scalar(
            select(Household).join(Assignment, Assignment.household_id == Household.id)
            .where(Household.id == household_id, Assignment.mentor_id == person.id,
                   Assignment.ended_at.is_(None), Household.status == HouseholdStatus.ACTIVE))
    household = session.get(Household, household_id)
    if household is not None and _same_district(person, household):
        return household
    return None


def assignment_of(session: Session, household: Household) -> Assignment | None:
    # Its household is the one given, its mentor the caller's: neither is loaded again.
    return session.scalar(select(Assignment).where(Assignment.household_id == household.id,
                                                   Assignment.ended_at.is_(None))
                          .options(lazyload(Assignment.household), lazyload(Assignment.mentor)))


def plan_item_for(session: Session, person: Person, item_id) -> PlanItem | None:
    if not isinstance(item_id, int):
        return None
    item = session.get(PlanItem, item_id)
    if item is None or item.removed_at is not None \
            or household_for(session, person, item.household_id) is None:
        return None
    return item


def household_exit_for(session: Session, person: Person, exit_id, *,
                       lock: bool = False) -> HouseholdExit | None:
    """A request to take a household out of the programme: decided by a coordinator of the
    household's district only. ``lock`` holds the row (read as committed now) until commit."""
    if person.role is not Role.COORDINATOR or not isinstance(exit_id, int):
        return None
    stmt = select(HouseholdExit).where(HouseholdExit.id == exit_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    request = session.scalar(stmt)
    if request is None or household_for(session, person, request.household_id) is None:
        return None
    return request


def current_mentor(session: Session, household_id: int) -> Person | None:
    """The mentor the household is assigned to now (None if it has none)."""
    return session.scalar(
        select(Person).join(Assignment, Assignment.mentor_id == Person.id)
        .where(Assignment.household_id == household_id, Assignment.ended_at.is_(None)))


def mentor_case_filter(mentor: Person):
    """SQL condition: cases of the households assigned to ``mentor`` now. Whoever raised a
    case, it follows its household: a mentor who handed the household on no longer sees it."""
    if mentor.role is not Role.MENTOR:
        return false()
    return Case.household_id.in_(
        select(Assignment.household_id)
        .where(Assignment.mentor_id == mentor.id, Assignment.ended_at.is_(None)))


def case_for(session: Session, person: Person, case_id, *, lock: bool = False) -> Case | None:
    """A mentor reaches the cases of households assigned to them now; a coordinator the cases
    of their district."""
    if not isinstance(case_id, int):
        return None
    stmt = select(Case).where(Case.id == case_id)
    if lock:
        stmt = stmt.with_for_update(of=Case).execution_options(populate_existing=True)
    case = session.scalar(stmt)
    if case is None:
        return None
    if person.role is Role.MENTOR:
        holder = current_mentor(session, case.household_id)
        return case if holder is not None and holder.id == person.id else None
    return case if (case.province, case.district) == (person.province, person.district) else None


def district_coordinators(session: Session, province: str, district: str) -> list[Person]:
    """Registered coordinators of a district: who hears about its cases."""
    return list(session.scalars(select(Person).where(
        Person.role == Role.COORDINATOR, Person.province == province, Person.district == district,
        Person.line_user_id.is_not(None))))


def _same_district(person: Person, household: Household) -> bool:
    return (person.province, person.district) == (household.province, household.district)
