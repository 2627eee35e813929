"""A person in LINE: types, taps the buttons the bot actually offered, reads what came back."""
from __future__ import annotations

from datetime import date

from .line_events import image_event, location_event, postback_event, sticker_event, text_event


def actions_in(messages: list[dict]) -> list[dict]:
    """Every tappable action in these messages: quick replies, template and Flex buttons."""
    found: list[dict] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") in ("postback", "message", "datetimepicker", "uri") \
                    and "label" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(messages)
    return found


def all_text(messages: list[dict]) -> str:
    """Everything readable in the messages (text, Flex texts, alt texts), one string."""
    parts: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("text", "altText"):
                if isinstance(node.get(key), str) and node.get("type") != "message":
                    parts.append(node[key])
            for key, value in node.items():
                if key != "quickReply":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(messages)
    return "\n".join(parts)


class Player:
    def __init__(self, line, fake_line, user_id: str, clock):
        self.line, self.fake, self.user_id, self.clock = line, fake_line, user_id, clock
        self.last: list[dict] = []
        self.history: list[list[dict]] = []

    def _send(self, event: dict) -> list[dict]:
        before = len(self.fake.sent_messages(self.user_id))
        response = self.line.post(event)
        assert response.status_code == 200, response.data
        self.last = self.fake.sent_messages(self.user_id)[before:]
        self.history.append(self.last)
        return self.last

    @property
    def text(self) -> str:
        return all_text(self.last)

    def say(self, text: str) -> list[dict]:
        return self._send(text_event(self.user_id, text, at=self.clock.now))

    def sticker(self) -> list[dict]:
        return self._send(sticker_event(self.user_id, at=self.clock.now))

    def image(self) -> list[dict]:
        return self._send(image_event(self.user_id, at=self.clock.now))

    def location(self) -> list[dict]:
        return self._send(location_event(self.user_id, at=self.clock.now))

    def labels(self, messages: list[dict] | None = None) -> list[str]:
        return [a["label"] for a in actions_in(self.last if messages is None else messages)]

    def find(self, label: str, messages: list[dict] | None = None) -> dict:
        actions = actions_in(self.last if messages is None else messages)
        for action in actions:
            if action["label"] == label:
                return action
        for action in actions:
            if action["label"].startswith(label):
                return action
        raise AssertionError(f"no button {label!r}; offered: {[a['label'] for a in actions]}")

    def tap_through(self, *labels: str) -> list[dict]:
        """Tap these offered buttons one after another; what the last tap got back."""
        for label in labels:
            self.tap(label)
        return self.last

    def tap(
        self, label: str, messages: list[dict] | None = None, *, date_value: date | None = None
    ):
        """Tap a button the bot offered (in its last answer, or in ``messages``)."""
        action = self.find(label, messages)
        if action["type"] == "message":
            return self.say(action["text"])
        params = None
        if action["type"] == "datetimepicker":
            assert date_value is not None, "a date picker needs the date the person picks"
            params = {"date": date_value.isoformat()}
        return self._send(postback_event(self.user_id, action["data"], params, at=self.clock.now))
