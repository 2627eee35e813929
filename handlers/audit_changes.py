"""Which rows of a flush are a household's data, and whose: the CHANGE records of the audit
trail (queued and written by handlers/audit_session.py).

One record per row inserted, updated or deleted in a household-linked table: subject = the
table, the household from the row itself or from the visit, plan item or case it belongs to.
The detail holds the operation, the row's id and, for an update, the names of the columns that
changed: never their values (the trail outlives an erasure and holds no personal data).

Rows are mapped without a query as long as their household (and its visit, plan item or case)
is in the session, which it is whenever a person changes it: a handler loads the household to
check access first. Anything missing is looked up in one query per kind of parent.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import Insert

from models import (
    Assignment,
    AssistanceRecord,
    AuditAction,
    Case,
    CaseEvent,
    DimensionChange,
    DimensionPass,
    GoalLevelChange,
    Household,
    HouseholdDimension,
    HouseholdExit,
    HouseholdPlan,
    PlanItem,
    PlanItemRevision,
    PlanItemStatusChange,
    Visit,
    VisitFollowUp,
    VisitPhoto,
    VisitProblem,
)

from .audit import Actor, Area, row

# Rows carrying their household: the attribute naming it.
DIRECT: dict[type, str] = {
    Household: "id", Visit: "household_id", Case: "household_id", PlanItem: "household_id",
    HouseholdPlan: "household_id", GoalLevelChange: "household_id",
    AssistanceRecord: "household_id", HouseholdExit: "household_id",
    DimensionPass: "household_id", DimensionChange: "household_id",
    HouseholdDimension: "household_id", Assignment: "household_id",
}
# Rows of a visit, a plan item or a case: (the attribute naming it, its model).
VIA: dict[type, tuple[str, Any]] = {
    VisitProblem: ("visit_id", Visit), VisitPhoto: ("visit_id", Visit),
    VisitFollowUp: ("visit_id", Visit),
    PlanItemStatusChange: ("item_id", PlanItem), PlanItemRevision: ("item_id", PlanItem),
    CaseEvent: ("case_id", Case),
}
BY_TABLE: dict[str, type] = {inspect(model).local_table.name: model
                             for model in (*DIRECT, *VIA)}
PARENTS = frozenset(parent for _, parent in VIA.values())

INSERT, UPDATE, DELETE = "insert", "update", "delete"


def flushed(session: Session, actor: Actor, now: datetime) -> list[dict]:
    """The CHANGE records of the flush that just ran (its new, dirty and deleted objects are
    still listed in ``after_flush``, ids assigned and attribute history not yet reset)."""
    changes: list[tuple[object, str, dict]] = []
    for op, objects in ((INSERT, session.new), (DELETE, session.deleted)):
        changes.extend((obj, op, _ids(obj)) for obj in objects if _linked(obj))
    for obj in session.dirty:
        if _linked(obj) and obj not in session.deleted:
            fields = _changed_fields(obj)
            if fields:
                changes.append((obj, UPDATE, {**_ids(obj), "fields": fields}))
    if not changes:
        return []
    # Rows inserted by this flush are not in the identity map until it is over: their
    # children (a new visit's problems) find them here.
    fresh = {(type(obj), inspect(obj).mapper.primary_key_from_instance(obj)[0]): obj
             for obj in session.new if type(obj) in PARENTS}
    households = _households(session, [(type(obj), obj) for obj, _, _ in changes], fresh)
    return [_record(session, actor, now, _table(type(obj)), households[index],
                    {"op": op, **detail})
            for index, (obj, op, detail) in enumerate(changes)]


def inserted(state: ORMExecuteState, actor: Actor, now: datetime) -> list[dict]:
    """CHANGE records of a set-based INSERT into a household-linked table (a visit's
    follow-up rows): one per row given. An insert that may do nothing on a conflict (the
    upserts of handlers/models/upsert.py) is left out, as it may change nothing: each of those
    goes with an ORM change of the same household that is recorded (the plan row's update,
    the dimension's change)."""
    statement = state.statement
    if type(statement) is not Insert:
        return []
    model = BY_TABLE.get(getattr(statement.table, "name", ""))
    params = state.parameters
    if model is None or not params:
        return []
    given = params if isinstance(params, list) else [params]
    households = _households(state.session, [(model, values) for values in given])
    return [_record(state.session, actor, now, _table(model), household, {"op": INSERT})
            for household in households]


def _table(model: type) -> str:
    return inspect(model).local_table.name


def _linked(obj: object) -> bool:
    return type(obj) in DIRECT or type(obj) in VIA


def _ids(obj: object) -> dict:
    """The row's key, without the household (which has its own column)."""
    mapper = inspect(obj).mapper
    values = mapper.primary_key_from_instance(obj)
    keys = [mapper.get_property_by_column(c).key for c in mapper.primary_key]
    if keys == ["id"]:
        return {"id": values[0]}
    return {key: value for key, value in zip(keys, values, strict=True)
            if key != "household_id"}


def _changed_fields(obj: object) -> list[str]:
    state = inspect(obj)
    columns = {attr.key for attr in state.mapper.column_attrs}
    return sorted(attr.key for attr in state.attrs
                  if attr.key in columns and attr.history.has_changes())


def _get(thing: object, name: str):
    return thing.get(name) if isinstance(thing, dict) else getattr(thing, name, None)


def _households(session: Session, rows: Iterable[tuple[type, object]],
                fresh: dict[tuple[type, int], object] | None = None) -> list[int | None]:
    """Each row's household id, rows given as (model, object or parameter dict): from the
    parent in the session (or among ``fresh``), else one query per kind of parent."""
    rows = list(rows)
    known: dict[tuple[type, int], int] = {}
    missing: dict[Any, set[int]] = {}
    for model, thing in rows:
        if model not in VIA:
            continue
        attr, parent = VIA[model]
        parent_id = _get(thing, attr)
        if parent_id is None or (parent, parent_id) in known:
            continue
        loaded: Any = ((fresh or {}).get((parent, parent_id))
                       or _loaded(session, parent, parent_id))
        if loaded is not None:
            known[(parent, parent_id)] = loaded.household_id
        else:
            missing.setdefault(parent, set()).add(parent_id)
    for parent, ids in missing.items():
        for parent_id, household_id in session.connection().execute(
                select(parent.id, parent.household_id).where(parent.id.in_(ids))):
            known[(parent, parent_id)] = household_id
    return [_get(thing, DIRECT[model]) if model in DIRECT
            else known.get((VIA[model][1], _get(thing, VIA[model][0])))
            for model, thing in rows]


def _loaded(session: Session, model: type, ident: int):
    return session.identity_map.get(session.identity_key(model, ident))


def _record(session: Session, actor: Actor, now: datetime, table: str,
            household_id: int | None, detail: dict) -> dict:
    """The record, its area from the household in the session (else looked up when the
    records are written)."""
    household = _loaded(session, Household, household_id) if household_id is not None else None
    area = Area(household.province, household.district) if household is not None else None
    return row(actor, AuditAction.CHANGE, table, now, household_id=household_id, area=area,
               detail=detail)

