"""Cases nobody has taken within CASE_ACK_DAYS are raised to the coordinators once more."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.cases import alert_coordinators
from handlers.context import Context
from handlers.replies import Push
from models import Case, CaseStatus

from .policy import Policy


def reraise_unacknowledged(session: Session, now: datetime, policy: Policy) -> list[Push]:
    cutoff = now - timedelta(days=policy.case_ack_days)
    cases = session.scalars(
        select(Case).where(Case.status == CaseStatus.OPEN, Case.reraised_at.is_(None),
                           Case.created_at <= cutoff)
        .order_by(Case.id).with_for_update(of=Case, skip_locked=True)).all()
    ctx = Context(now=now, tz=policy.tz)
    pushes = []
    for case in cases:
        case.reraised_at = now
        push = alert_coordinators(session, case, ctx)
        if push is not None:
            pushes.append(Push(to=push.to, replies=push.replies,
                               dedupe_key=f"case-reraise:{case.id}", category="alert"))
    return pushes
