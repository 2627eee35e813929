"""A conversation saved before a release that renamed a step or a flow ends with a note and the
menu, never an apology on every message."""
from __future__ import annotations

from datetime import timedelta

import pytest

from delivery.postback_codec import PostbackCodec
from handlers.conversations.engine import PAUSED
from models import ConversationState

from .conftest import CHANNEL_SECRET
from .line_events import postback_event

MENTOR = "U" + "4" * 32


def save_state(db, clock, flow, step, data=None) -> None:
    with db.transaction() as s:
        s.merge(ConversationState(line_user_id=MENTOR, flow=flow, step=step, data=data or {},
                                  version=7, updated_at=clock.now,
                                  expires_at=clock.now + timedelta(minutes=10)))


@pytest.mark.parametrize("flow,step", [("visit", "renamed_step"), ("retired_flow", "date")])
@pytest.mark.parametrize("said", ["สวัสดี", "ยกเลิก", "เมนู"])
def test_a_saved_step_that_no_longer_exists_ends_with_a_note_and_the_menu(mentor, db, clock,
                                                                          flow, step, said):
    save_state(db, clock, flow, step)
    mentor.say(said)
    assert "ใช้ต่อไม่ได้แล้ว" in mentor.text
    assert "รายงานการเยี่ยมบ้าน" in mentor.labels()
    with db.transaction() as s:
        state = s.get(ConversationState, MENTOR)
        assert state.flow is None and state.step is None
    mentor.tap("รายงานการเยี่ยมบ้าน")                     # and the bot works on
    assert "ไปเยี่ยมบ้านวันไหน" in mentor.text


def test_a_paused_draft_of_a_step_that_no_longer_exists_is_not_resumed(mentor, db, clock):
    save_state(db, clock, None, None,
               {PAUSED: {"flow": "visit", "step": "renamed_step", "data": {}}})
    resume = PostbackCodec(CHANNEL_SECRET).encode({"a": "resume"})  # the ทำต่อ button's data
    mentor._send(postback_event(MENTOR, resume, at=clock.now))
    assert "ไม่มีรายการค้างให้ทำต่อ" in mentor.text
