"""Conversations that hold an erased household mid-way (a visit report half typed, a paused
draft): reset, so what was typed is not kept and cannot be saved after the erasure.

A flow keeps the household it is about under "h", a case under "case", a plan item under "i"
(handlers/conversations/flows); a draft paused by the idle timeout keeps the same keys inside
``data["paused"]["data"]``.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Text, and_, or_, select, tuple_
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from models import Assignment, ConversationState, Person, Role

from ..conversations.engine import PAUSED


def _about(data: dict | None, households: Collection[int], cases: Collection[int],
           items: Collection[int]) -> bool:
    if not isinstance(data, dict):
        return False
    return (data.get("h") in households or data.get("case") in cases
            or data.get("i") in items)


def reset_states_about(session: Session, households: Sequence[tuple[int, str, str]],
                       cases: Collection[int], items: Collection[int], now: datetime) -> int:
    """Reset the conversations about these households (and their cases and plan items) of the
    people who can hold one: the households' current mentors and the people of their
    districts. Only states in a flow or holding a draft are read. Returns how many were
    reset."""
    ids = [household_id for household_id, _, _ in households]
    areas = sorted({(province, district) for _, province, district in households})
    people = select(Person.line_user_id).where(Person.line_user_id.is_not(None), or_(
        Person.id.in_(select(Assignment.mentor_id).where(
            Assignment.household_id.in_(ids), Assignment.ended_at.is_(None))),
        and_(Person.role.in_([Role.MENTOR, Role.COORDINATOR]),
             tuple_(Person.province, Person.district).in_(areas))))
    states = session.scalars(
        select(ConversationState).where(
            ConversationState.line_user_id.in_(people),
            or_(ConversationState.flow.is_not(None),
                sql_cast(ConversationState.data, Text).contains(PAUSED)))).all()
    household_set, reset = set(ids), 0
    for state in states:
        data = state.data or {}
        paused = data.get(PAUSED)
        draft_about = isinstance(paused, dict) and _about(paused.get("data"), household_set,
                                                          cases, items)
        flow_about = state.flow is not None and _about(data, household_set, cases, items)
        if not (draft_about or flow_about):
            continue
        if flow_about:       # the flow ends; a draft about something else is kept
            state.flow = state.step = None
            state.expires_at = None
            state.data = {PAUSED: paused} if paused and not draft_about else {}
        else:                # only the paused draft goes; the flow under way goes on
            state.data = {k: v for k, v in data.items() if k != PAUSED}
        state.version += 1          # the buttons of the old question stop working
        state.updated_at = now
        reset += 1
    return reset
