"""Writing a validated roster: households, mentors, assignments and codes, in bulk.

The caller gives one transaction, so a roster is applied whole or not at all. At national scale
(hundreds of thousands of rows) a query per row would take hours on PostgreSQL, so existing
records are loaded a chunk of keys per query (bulk.key_in) and written with executemany
inserts and updates by primary key.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.orm import Session

from models import Assignment, Household, HouseholdDimension, Person, Role

from ..invites import issue_missing_codes
from .bulk import CHUNK, chunks, key_in
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
    total = len(roster.rows)
    for start in range(0, total, chunk_size):
        _upsert_households(session, roster.rows[start:start + chunk_size], roster.fields,
                           mentor_ids, now, summary)
        if progress is not None:
            progress(min(start + chunk_size, total), total)
    summary.codes_issued = issue_missing_codes(session, mentor_ids.values(), now, valid_days)
    log.info("roster import: %s", asdict(summary))
    return summary


def _upsert_mentors(session: Session, roster: Roster, now: datetime,
                    summary: ImportSummary) -> dict[str, int]:
    """Mentor id by phone, after creating new mentors and updating changed ones."""
    first: dict[str, RosterRow] = {}
    for row in roster.rows:
        first.setdefault(row.mentor_phone, row)
    phones = list(first)
    columns = [Person.id, Person.phone, Person.role, *(getattr(Person, c) for c in MENTOR_FIELDS)]
    existing: dict[str, Row[Any]] = {}
    for chunk in chunks(phones):
        existing.update((r.phone, r) for r in session.execute(
            select(*columns).where(key_in(session, Person.phone, chunk))))

    clashes = [RowError(row.line, f"{roster.labels['mentor_phone']} '{row.mentor_phone}' "
                                  "belongs to a district coordinator, not a mentor")
               for row in roster.rows
               if row.mentor_phone in existing
               and existing[row.mentor_phone].role is not Role.MENTOR]
    if clashes:
        raise RosterRejected(clashes)

    # Columns the file lacks (position, agency) are left as stored.
    kept = [c for c, f in MENTOR_FIELDS.items() if f in roster.fields]
    ids: dict[str, int] = {}
    creates: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for phone, row in first.items():
        wanted = {column: getattr(row, field) for column, field in MENTOR_FIELDS.items()}
        record = existing.get(phone)
        if record is None:
            creates.append({"role": Role.MENTOR, "phone": phone, "created_at": now,
                            "updated_at": now, **wanted})
            continue
        ids[phone] = record.id
        if any(getattr(record, c) != wanted[c] for c in kept):
            updates.append({"id": record.id, "updated_at": now, **{c: wanted[c] for c in kept}})
    if creates:
        created = session.execute(
            insert(Person).returning(Person.phone, Person.id), creates).all()
        # Each was inserted with a phone (the key of ``first``): none comes back NULL.
        ids.update((cast(str, phone), person_id) for phone, person_id in created)
    if updates:
        session.execute(update(Person), updates)
    summary.mentors_created += len(creates)
    summary.mentors_updated += len(updates)
    summary.mentors_unchanged += len(first) - len(creates) - len(updates)
    return ids


def _upsert_households(session: Session, rows: list[RosterRow], fields: frozenset[str],
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
        new_ids = dict(session.execute(
            insert(Household).returning(Household.house_id, Household.id), creates).all())
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
        session.execute(insert(HouseholdDimension), new_dims)
    # End old assignments before adding new ones: one current assignment per household (index).
    if ended:
        session.execute(update(Assignment), ended)
    if assigned:
        session.execute(insert(Assignment), assigned)
    summary.households_created += len(creates)
    summary.assignments_ended += len(ended)
    summary.assignments_created += len(assigned)
