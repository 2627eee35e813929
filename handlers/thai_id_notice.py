"""Telling a person, once, that the national ID number they typed was hidden, and why."""
from __future__ import annotations

from datetime import datetime

from models import Person

from .limits import MAX_MESSAGES
from .replies import Outcome, TextReply

NOTICE = ("เพื่อคุ้มครองข้อมูลส่วนบุคคล ระบบได้ซ่อนเลขประจำตัวประชาชน 13 หลักในข้อความที่พิมพ์มา "
          "และไม่ได้บันทึกเลขนั้นไว้ค่ะ ระบบไม่จำเป็นต้องใช้เลขนี้ จึงไม่ต้องพิมพ์มาค่ะ")


def tell_once(outcome: Outcome, person: Person | None, now: datetime) -> None:
    """Add the notice to the answer the first time a person's text had an ID masked, and
    remember that in ``Person.thai_id_notice_at``. A LINE user who is not registered has no row
    to remember it in and keeps nothing of what they type: they are told every time.

    The notice goes first, so the answer's own last message keeps its quick replies (LINE shows
    only the last message's). With no room for another message it leads the first text; with
    no text either it waits for the next time."""
    if person is not None and person.thai_id_notice_at is not None:
        return
    if not _lead_with_notice(outcome):
        return
    if person is not None:
        person.thai_id_notice_at = now


def _lead_with_notice(outcome: Outcome) -> bool:
    if len(outcome.replies) < MAX_MESSAGES:
        outcome.replies.insert(0, TextReply(NOTICE))
        return True
    for n, reply in enumerate(outcome.replies):
        if isinstance(reply, TextReply):
            outcome.replies[n] = TextReply(f"{NOTICE}\n\n{reply.text}", reply.buttons)
            return True
    return False
