"""Writing a validated roster: households, mentors, assignments and codes, in bulk.

The caller gives one transaction, so a roster is applied whole or not at all. At national scale
(hundreds of thousands of rows) a query per row would take hours on PostgreSQL, so the rows are
taken a chunk at a time (read back from the roster's spool), existing records are loaded a chunk
of keys per query (bulk.key_in), new ones are copied in (PostgreSQL's COPY, with ids drawn from
the sequences first; executemany inserts on SQLite) and changed ones updated by primary key.
Memory holds one chunk of rows and one entry per mentor, whatever the file's size.
"""
from __future__ import annotations

import logging
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.orm import Session

from models import Assignment, Household, HouseholdDimension, Person, Role

from ..invites import issue_missing_codes
from .bulk import CHUNK, chunks, copy_rows, is_postgresql, key_in, next_ids
from .errors import RosterRejected, RowError
from .validate import Roster, RosterRow

log = logging.getLogger(__name__)

HOUSEHOLD_FIELDS = ("head_name", "house_no", "village_no", "village_name", "subdistrict",
                    "district", "province", "members")
# Person column <- roster field. The mentor's district and province are those of their household.
MENTOR_FIELDS = {"name": "mentor_name", "position": "mentor_position",
                 "agency": "mentor_agency", "district": "district", "province": "province"}
Progress = Callable[[int, int], None]


@dataclass
class ImportSummary:
    """Counts only (safe to log). A household whose mentor changed but nothing else counts as
    unchanged; the change shows in assignments_ended / assignments_created."""

    rows: int = 0
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    mentors_created: int = 0
    mentors_updated: int = 0
    mentors_unchanged: int = 0
    assignments_created: int = 0
    assignments_ended: int = 0
    codes_issued: int = 0


def apply_roster(session: Session, roster: Roster, now: datetime, valid_days: int,
                 progress: Progress | None = None, chunk_size: int = CHUNK) -> ImportSummary:
    """Create or update everything the roster says; raises RosterRejected (nothing written by
    this function) when a mentor's phone belongs to a coordinator. ``progress(done, total)`` is
    called after every ``chunk_size`` rows."""
    summary = ImportSummary(rows=len(roster.rows))
    mentor_ids = _upsert_mentors(session, roster, now, summary)
    total, done = len(roster.rows), 0
    for rows in roster.rows.chunks(chunk_size):
        _upsert_households(session, rows, roster.fields, mentor_ids, now, summary)
        done += len(rows)
        if progress is not None:
            progress(done, total)
    summary.codes_issued = issue_missing_codes(session, mentor_ids.values(), now, valid_days)
    log.info("roster import: %s", asdict(summary))
    return summary


def _upsert_mentors(session: Session, roster: Roster, now: datetime,
                    summary: ImportSummary) -> dict[str, int]:
    """Mentor id by phone, after creating new mentors and updating changed ones."""
    # Each mentor's columns as their first row gives them (the texts that repeat shared).
    first: dict[str, tuple[str | None, ...]] = {}
    for row in roster.rows:
        if row.mentor_phone not in first:
            first[row.mentor_phone] = tuple(_shared(getattr(row, field))
                                            for field in MENTOR_FIELDS.values())
    phones = list(first)
    _refuse_coordinators(session, roster, phones)

    # Columns the file lacks (position, agency) are left as stored.
    kept = [c for c, f in MENTOR_FIELDS.items() if f in roster.fields]
    columns = [Person.id, Person.phone, *(getattr(Person, c) for c in MENTOR_FIELDS)]
    ids: dict[str, int] = {}
    for chunk in chunks(phones):
        existing: dict[str, Row[Any]] = {r.phone: r for r in session.execute(
            select(*columns).where(key_in(session, Person.phone, chunk)))}
        creates: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for phone in chunk:
            wanted = dict(zip(MENTOR_FIELDS, first[phone], strict=True))
            record = existing.get(phone)
            if record is None:
                creates.append({"role": Role.MENTOR, "phone": phone, "created_at": now,
                                "updated_at": now, **wanted})
                continue
            ids[phone] = record.id
            if any(getattr(record, c) != wanted[c] for c in kept):
                updates.append({"id": record.id, "updated_at": now,
                                **{c: wanted[c] for c in kept}})
        if creates:
            ids.update(_insert_mentors(session, creates))
        if updates:
            session.execute(update(Person), updates)
        summary.mentors_created += len(creates)
        summary.mentors_updated += len(updates)
        summary.mentors_unchanged += len(chunk) - len(creates) - len(updates)
    return ids


def _shared(value: str | None) -> str | None:
    # Rows come back from the spool with strings of their own: the mentor table would
    # otherwise hold a copy of the district's name (and position, agency) per mentor.
    return sys.intern(value) if value is not None else None


def _refuse_coordinators(session: Session, roster: Roster, phones: list[str]) -> None:
    """RosterRejected, listing every row, when a mentor's phone is a coordinator's."""
    taken: set[str] = set()
    for chunk in chunks(phones):
        taken.update(cast(str, phone) for phone in session.scalars(
            select(Person.phone).where(key_in(session, Person.phone, chunk),
                                       Person.role != Role.MENTOR)))
    if taken:
        raise RosterRejected([
            RowError(row.line, f"{roster.labels['mentor_phone']} '{row.mentor_phone}' "
                               "belongs to a district coordinator, not a mentor")
            for row in roster.rows if row.mentor_phone in taken])


PERSON_COLUMNS = ("id", "role", "phone", "created_at", "updated_at", *MENTOR_FIELDS)


def _insert_mentors(session: Session, creates: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new mentors; their ids by phone."""
    if is_postgresql(session):
        new = next_ids(session, "people", len(creates))
        copy_rows(session, "people", PERSON_COLUMNS, (
            (person_id, Role.MENTOR.value, *(row[c] for c in PERSON_COLUMNS[2:]))
            for person_id, row in zip(new, creates, strict=True)))
        return {row["phone"]: person_id for person_id, row in zip(new, creates, strict=True)}
    created = session.execute(insert(Person).returning(Person.phone, Person.id), creates).all()
    # Each was inserted with a phone (the key of ``first``): none comes back NULL.
    return {cast(str, phone): person_id for phone, person_id in created}


def _upsert_households(session: Session, rows: Sequence[RosterRow], fields: frozenset[str],
                       mentor_ids: dict[str, int], now: datetime,
                       summary: ImportSummary) -> None:
    kept = [f for f in HOUSEHOLD_FIELDS if f in fields]
    with_dimensions = "dimensions" in fields
    existing = {r.house_id: r for r in session.execute(
        select(Household.id, Household.house_id, *(getattr(Household, f) for f in kept))
        .where(key_in(session, Household.house_id, [row.house_id for row in rows])))}
    known_ids = [r.id for r in existing.values()]
    stored_dims: dict[int, set[str]] = defaultdict(set)
    current: dict[int, tuple[int, int]] = {}    # household id -> (assignment id, mentor id)
    if known_ids:
        if with_dimensions:
            for household_id, dimension in session.execute(
                    select(HouseholdDimension.household_id, HouseholdDimension.dimension)
                    .where(key_in(session, HouseholdDimension.household_id, known_ids))):
                stored_dims[household_id].add(dimension)
        for a_id, household_id, mentor_id in session.execute(
                select(Assignment.id, Assignment.household_id, Assignment.mentor_id)
                .where(key_in(session, Assignment.household_id, known_ids),
                       Assignment.ended_at.is_(None))):
            current[household_id] = (a_id, mentor_id)

    creates: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    replaced: list[int] = []
    new_dims: list[dict[str, Any]] = []
    ended: list[dict[str, Any]] = []
    assigned: list[dict[str, Any]] = []
    for row in rows:
        record = existing.get(row.house_id)
        mentor_id = mentor_ids[row.mentor_phone]
        if record is None:
            creates.append({"house_id": row.house_id, "created_at": now, "updated_at": now,
                            **{f: getattr(row, f) for f in HOUSEHOLD_FIELDS}})
            continue
        changed = any(getattr(record, f) != getattr(row, f) for f in kept)
        if changed:
            updates.append({"id": record.id, "updated_at": now,
                            **{f: getattr(row, f) for f in kept}})
        if with_dimensions and stored_dims[record.id] != row.dimensions:
            replaced.append(record.id)
            new_dims.extend({"household_id": record.id, "dimension": d} for d in row.dimensions)
            changed = True
        summary.households_updated += changed
        summary.households_unchanged += not changed
        holder = current.get(record.id)
        if holder is None or holder[1] != mentor_id:
            if holder is not None:
                ended.append({"id": holder[0], "ended_at": now})
                # A new mentor is not late for the old one's date: their first visit is due
                # FIRST_VISIT_DAYS after taking over (the clock fills the date in).
                updates.append({"id": record.id, "updated_at": now, "next_visit_due": None})
            assigned.append({"household_id": record.id, "mentor_id": mentor_id,
                             "assigned_at": now})

    if creates:
        new_ids = _insert_households(session, creates)
        for row in rows:
            new_id = new_ids.get(row.house_id)
            if new_id is None:    # an existing household, handled above
                continue
            new_dims.extend({"household_id": new_id, "dimension": d}
                            for d in row.dimensions)
            assigned.append({"household_id": new_id,
                             "mentor_id": mentor_ids[row.mentor_phone], "assigned_at": now})
    if updates:
        session.execute(update(Household), updates)
    if replaced:
        session.execute(delete(HouseholdDimension)
                        .where(key_in(session, HouseholdDimension.household_id, replaced))
                        .execution_options(synchronize_session=False))
    if new_dims:
        _insert(session, HouseholdDimension, new_dims)
    # End old assignments before adding new ones: one current assignment per household (index).
    if ended:
        session.execute(update(Assignment), ended)
    if assigned:
        _insert(session, Assignment, assigned)
    summary.households_created += len(creates)
    summary.assignments_ended += len(ended)
    summary.assignments_created += len(assigned)


HOUSEHOLD_COLUMNS = ("id", "house_id", "created_at", "updated_at", *HOUSEHOLD_FIELDS)


def _insert_households(session: Session, creates: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new households; their ids by house code."""
    if is_postgresql(session):
        new = next_ids(session, "households", len(creates))
        copy_rows(session, "households", HOUSEHOLD_COLUMNS, (
            (household_id, *(row[c] for c in HOUSEHOLD_COLUMNS[1:]))
            for household_id, row in zip(new, creates, strict=True)))
        return {row["house_id"]: household_id
                for household_id, row in zip(new, creates, strict=True)}
    return dict(session.execute(
        insert(Household).returning(Household.house_id, Household.id), creates).all())


def _insert(session: Session, model: type[HouseholdDimension] | type[Assignment],
            rows: list[dict[str, Any]]) -> None:
    """Rows that nothing reads back: copied in on PostgreSQL (ids from their default)."""
    if is_postgresql(session):
        columns = list(rows[0])
        copy_rows(session, model.__tablename__, columns,
                  ([row[c] for c in columns] for row in rows))
        return
    session.execute(insert(model), rows)
