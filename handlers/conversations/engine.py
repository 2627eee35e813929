"""The conversation engine: flows declared as data, state kept in the database.

A ``Flow`` is a set of named ``Step``s. Each step asks its question (``ask``) and handles the
answer by kind: a tap (``on_tap``), typed text (``on_text``), a picked date (``on_date``) or a
photo (``on_image``). A handler returns the name of the next step, ``END`` (with replies), or
``Stay`` (a short re-prompt). Anything the step does not accept gets a re-prompt that repeats
the question and its buttons. Taps carry the flow, step and state version they were made for,
so a tap on an old message never changes the current conversation.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from models import ConversationState, Person

from ..context import Context
from ..incoming import Incoming, Kind
from ..limits import MAX_QUICK_REPLIES
from ..replies import Button, Outcome, Reply, TextReply
from .flow_check import named_steps

IDLE_TIMEOUT = timedelta(minutes=30)


@dataclass
class Done:
    """The flow ended; ``replies`` are its last words."""

    replies: list[Reply] = field(default_factory=list)


@dataclass
class Stay:
    """Not an acceptable answer: say ``note`` and ask the same question again."""

    note: str


Next = str | Done | Stay
# What a step handler returns. None = not an answer this step accepts; the engine re-prompts.
Answer = Next | None


@dataclass
class Conversation:
    """What a step handler works with: the person, their state, the session and the time."""

    session: Session
    person: Person
    state: ConversationState
    ctx: Context
    outcome: Outcome
    # Records looked up while handling this one event (one transaction), so that a question,
    # its guard and its answer ask the database once, not once each (flows/common.py).
    memo: dict = field(default_factory=dict)

    @property
    def data(self) -> dict:
        return self.state.data

    def tap(self, label: str, value: str, text: str | None = None, **extra) -> Button:
        """A button bound to the current step: stale once the conversation moves on."""
        payload = {"f": self.state.flow, "s": self.state.step, "v": self.state.version,
                   "c": value, **extra}
        return Button(label=label, payload=payload, text=text or label)

    def date_button(self, label: str, *, initial: date | None = None, min_date: date | None = None,
                    max_date: date | None = None) -> Button:
        payload = {"f": self.state.flow, "s": self.state.step, "v": self.state.version,
                   "c": "date"}
        return Button(label=label, payload=payload, pick_date=True, initial=initial,
                      min_date=min_date, max_date=max_date)


@dataclass(frozen=True)
class Step:
    ask: Callable[[Conversation], list[Reply]]
    on_tap: Callable[[Conversation, str, dict], Answer] | None = None
    on_text: Callable[[Conversation, str], Answer] | None = None
    on_date: Callable[[Conversation, date], Answer] | None = None
    on_image: Callable[[Conversation, Incoming], Answer] | None = None
    # What to say when the answer is of the wrong kind.
    reprompt: str = "กรุณาเลือกจากปุ่มด้านล่างค่ะ"


@dataclass(frozen=True)
class Flow:
    name: str
    title: str                                        # Thai, e.g. "รายงานการเยี่ยมบ้าน"
    steps: dict[str, Step]
    start: Callable[[Conversation, dict], Next]      # sets up data; returns the first step
    resumable: bool = False                          # keep a draft when it times out
    # Checked before every question and answer: a message here ends the flow (e.g. the
    # household was reassigned while the mentor was half-way through).
    guard: Callable[[Conversation], str | None] | None = None

    def step(self, name: str) -> Step:
        return self.steps[name]


CANCEL_WORDS = {"ยกเลิก", "cancel"}
BAD_DATE = "วันที่ที่เลือกไม่ถูกต้อง กรุณาเลือกวันที่อีกครั้งค่ะ"


def _picked_date(params: dict) -> date | None:
    try:
        return date.fromisoformat(params["date"])
    except (KeyError, TypeError, ValueError):
        return None


def cancel_button() -> Button:
    return Button(label="ยกเลิก", text="ยกเลิก")


def with_cancel(replies: list[Reply]) -> list[Reply]:
    """Add ยกเลิก to the last message's buttons: cancel works at every step."""
    if not replies:
        return replies
    last = replies[-1]
    if any(b.text == "ยกเลิก" for b in last.buttons):
        return replies
    if len(last.buttons) >= MAX_QUICK_REPLIES:
        raise ValueError(f"no room for ยกเลิก among {len(last.buttons)} quick replies")
    buttons = (*last.buttons, cancel_button())
    return [*replies[:-1], _replace_buttons(last, buttons)]


def _replace_buttons(reply: Reply, buttons: tuple[Button, ...]) -> Reply:
    return replace(reply, buttons=buttons)


# A draft paused by the idle timeout (router._expire) lives in the data under this key, and
# outlives the flows started and ended after it, until it is resumed or thrown away.
PAUSED = "paused"


def kept_data(conv: Conversation) -> dict:
    """What a new or finished flow's data starts from: only the paused draft, if any."""
    paused = conv.state.data.get(PAUSED) if conv.state.data else None
    return {PAUSED: paused} if paused else {}


def _step_name(conv: Conversation) -> str:
    """The step the conversation is at: set whenever a flow asks or takes an answer."""
    if conv.state.step is None:
        raise RuntimeError(f"flow {conv.state.flow!r} is at no step")
    return conv.state.step


def _touch_data(conv: Conversation) -> None:
    # Steps edit the JSON data in place (nested too), which SQLAlchemy cannot see: say so.
    flag_modified(conv.state, "data")


class Engine:
    """Moves one person's conversation along, one event at a time."""

    def __init__(self, flows: dict[str, Flow]):
        for name, flow in flows.items():
            if flow.name != name or not flow.steps:
                raise ValueError(f"flow {name!r}: registered under another name, or no steps")
            missing = sorted(named_steps(flow) - set(flow.steps))
            if missing:
                raise ValueError(f"flow {name!r}: its handlers go to steps it lacks: {missing}")
        self.flows = flows

    def knows(self, flow: str | None, step: str | None) -> bool:
        """Whether a saved flow and step still exist (a release may rename or drop them)."""
        return flow in self.flows and step in self.flows[flow].steps

    # -- starting, asking, finishing ---------------------------------------------------------
    def start(self, conv: Conversation, flow_name: str, args: dict | None = None) -> None:
        flow = self.flows[flow_name]
        conv.state.flow, conv.state.step, conv.state.data = flow.name, None, kept_data(conv)
        self._bump(conv)
        self._follow(conv, flow.start(conv, args or {}))

    def current_flow(self, conv: Conversation) -> Flow:
        """The flow the conversation is in: only asked while one is running."""
        if conv.state.flow is None:
            raise RuntimeError("the conversation is not in a flow")
        return self.flows[conv.state.flow]

    def resume(self, conv: Conversation) -> None:
        """Pick a paused conversation up at the step where it stopped."""
        self._bump(conv)
        self.ask(conv, note=f"ทำ{self.current_flow(conv).title}ต่อค่ะ")

    def ask(self, conv: Conversation, note: str | None = None) -> None:
        flow = self.current_flow(conv)
        if self._guard_stops(conv, flow):
            return
        replies = flow.step(_step_name(conv)).ask(conv)
        if note:
            replies = [TextReply(note), *replies]
        conv.outcome.replies.extend(with_cancel(replies))

    def _follow(self, conv: Conversation, result: Next) -> None:
        if isinstance(result, Done):
            self.finish(conv)
            conv.outcome.replies.extend(result.replies)
        elif isinstance(result, Stay):
            # Same question again: the version stays, so its earlier buttons still work.
            conv.state.updated_at = conv.ctx.now
            conv.state.expires_at = conv.ctx.now + IDLE_TIMEOUT
            _touch_data(conv)
            self.ask(conv, note=result.note)
        else:
            conv.state.step = result
            self._bump(conv)
            self.ask(conv)

    def finish(self, conv: Conversation) -> None:
        conv.state.flow = conv.state.step = None
        conv.state.data = kept_data(conv)
        conv.state.expires_at = None
        conv.state.version += 1

    def _bump(self, conv: Conversation) -> None:
        conv.state.version += 1
        conv.state.updated_at = conv.ctx.now
        conv.state.expires_at = conv.ctx.now + IDLE_TIMEOUT
        _touch_data(conv)

    # -- answers -----------------------------------------------------------------------------
    def is_current_tap(self, conv: Conversation, payload: dict) -> bool:
        return (
            payload.get("f") == conv.state.flow
            and payload.get("s") == conv.state.step
            and payload.get("v") == conv.state.version
        )

    def answer(self, conv: Conversation, incoming: Incoming) -> None:
        """Hand the person's answer to the current step."""
        flow = self.current_flow(conv)
        if self._guard_stops(conv, flow):
            return
        step = flow.step(_step_name(conv))
        result: Answer = None
        if incoming.kind is Kind.POSTBACK:
            payload = incoming.data or {}
            if payload.get("c") == "date" and step.on_date:
                # The picker's own answer can still be no date at all (a datetime, garbage,
                # 2026-02-30): a wrong answer, asked again.
                picked = _picked_date(incoming.params)
                result = step.on_date(conv, picked) if picked else Stay(BAD_DATE)
            elif step.on_tap:
                result = step.on_tap(conv, payload.get("c", ""), payload)
        elif incoming.kind is Kind.TEXT:
            # Typing the label of a button counts as tapping it (people do type "ข้าม"), even
            # where free text is also accepted.
            if step.on_tap:
                result = self._typed_button(conv, step, incoming.text or "")
            if result is None and step.on_text:
                result = step.on_text(conv, (incoming.text or "").strip())
        elif incoming.kind is Kind.IMAGE and step.on_image:
            result = step.on_image(conv, incoming)
        if result is None:
            result = Stay(step.reprompt)
        self._follow(conv, result)

    def _guard_stops(self, conv: Conversation, flow: Flow) -> bool:
        message = flow.guard(conv) if flow.guard else None
        if message:
            self.finish(conv)
            conv.outcome.say(TextReply(message))
        return bool(message)

    def _typed_button(self, conv: Conversation, step: Step, text: str) -> Answer:
        on_tap = step.on_tap
        if on_tap is None:
            return None
        typed = text.strip()
        buttons = [b for reply in step.ask(conv) for b in reply.buttons
                   if b.payload and not b.pick_date]
        # The label first; then the words the button says when tapped ('★สุขภาพ' says
        # 'สุขภาพ'), which is what people type.
        for matches in (lambda b: b.label == typed, lambda b: b.text == typed):
            for button in buttons:
                if matches(button) and button.payload is not None:
                    return on_tap(conv, button.payload.get("c", ""), button.payload)
        return None
