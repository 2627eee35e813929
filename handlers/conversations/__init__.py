"""Conversations with registered mentors and coordinators."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Person, Role

from ..context import Context
from ..incoming import Incoming
from ..registration import ROLE_WORDS, _given_name
from ..replies import Outcome, TextReply


def handle_registered(session: Session, person: Person, incoming: Incoming,
                      ctx: Context) -> Outcome:
    # The visit, plan and case conversations hang off this entry point.
    return Outcome().say(TextReply(
        f"คุณ{_given_name(person.name)} ลงทะเบียนเป็น{ROLE_WORDS[person.role]}แล้วค่ะ"
        + ("" if person.role is Role.MENTOR else "")))
