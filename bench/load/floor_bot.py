"""mentorbot with its conversations taken out: the floor of the webhook benchmark.

Everything an event costs before any conversation runs is still here: the signature, storing
the event, the user's lock, claiming it, marking it done, two commits and the reply through
the same gateway. Only ``handlers.dispatch.handle`` is replaced, by a constant answer. What
this reaches is the most any conversation on this stack could reach on the same machine:

    gunicorn -w 2 --threads 4 'bench.load.floor_bot:create_app()'
"""
from __future__ import annotations

from flask import Flask

import handlers.dispatch
from bot import create_app as create_mentorbot
from handlers.replies import Outcome, TextReply


def _constant(_session, _incoming, _ctx) -> Outcome:
    return Outcome(replies=[TextReply("รับทราบค่ะ")])


def create_app() -> Flask:
    # The processor calls dispatch.handle through the module, so the swap reaches it.
    handlers.dispatch.handle = _constant  # type: ignore[assignment]
    return create_mentorbot()
