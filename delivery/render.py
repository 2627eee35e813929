"""Domain replies -> LINE message objects (plain dicts in the Messaging API's JSON shape)."""
from __future__ import annotations

import logging

from handlers.limits import (
    MAX_ALT_TEXT,
    MAX_BUBBLES,
    MAX_LABEL,
    MAX_MESSAGES,
    MAX_QUICK_REPLIES,
    MAX_TEXT,
)
from handlers.replies import Button, Card, Cards, Reply, TextReply

from .postback_codec import PostbackCodec

log = logging.getLogger(__name__)

MUTED = "#8C8C8C"
ACCENT = "#06C755"        # LINE green


class Renderer:
    def __init__(self, codec: PostbackCodec):
        self.codec = codec

    def messages(self, replies: list[Reply]) -> list[dict]:
        out = [self.message(r) for r in replies]
        if len(out) > MAX_MESSAGES:
            raise ValueError(f"{len(out)} messages in one reply; LINE allows {MAX_MESSAGES}")
        return out

    def message(self, reply: Reply) -> dict:
        msg: dict
        if isinstance(reply, TextReply):
            msg = {"type": "text", "text": _clip(reply.text, MAX_TEXT)}
        else:
            msg = self._flex(reply)
        buttons = reply.buttons
        if buttons:
            if len(buttons) > MAX_QUICK_REPLIES:
                raise ValueError(f"{len(buttons)} quick replies; LINE allows {MAX_QUICK_REPLIES}")
            if any(b.uri for b in buttons):
                raise ValueError("a link among quick replies; LINE allows links on cards only")
            msg["quickReply"] = {"items": [{"type": "action", "action": self.action(b)}
                                           for b in buttons]}
        return msg

    def action(self, button: Button) -> dict:
        label = _clip(button.label, MAX_LABEL)
        if button.uri:
            return {"type": "uri", "label": label, "uri": button.uri}
        if button.pick_date:
            action = {"type": "datetimepicker", "label": label, "mode": "date",
                      "data": self.codec.encode(button.payload or {})}
            for key, value in (("initial", button.initial), ("min", button.min_date),
                               ("max", button.max_date)):
                if value is not None:
                    action[key] = value.isoformat()
            return action
        if button.payload is not None:
            return {"type": "postback", "label": label, "data": self.codec.encode(button.payload),
                    "displayText": _clip(button.text or button.label, 300)}
        return {"type": "message", "label": label, "text": _clip(button.text or button.label, 300)}

    # -- Flex ------------------------------------------------------------------------------
    def _flex(self, reply: Cards) -> dict:
        if len(reply.cards) > MAX_BUBBLES:
            raise ValueError(f"{len(reply.cards)} cards in a carousel; LINE allows {MAX_BUBBLES}")
        bubbles = [self._bubble(card) for card in reply.cards]
        contents = bubbles[0] if len(bubbles) == 1 else {"type": "carousel", "contents": bubbles}
        return {
            "type": "flex",
            "altText": _clip(reply.alt_text, MAX_ALT_TEXT),
            "contents": contents,
        }

    def _bubble(self, card: Card) -> dict:
        header = [
            {
                "type": "text",
                "text": card.title,
                "weight": "bold",
                "size": "lg",
                "wrap": True,
                "color": "#FFFFFF",
            }
        ]
        if card.subtitle:
            header.append(
                {
                    "type": "text",
                    "text": card.subtitle,
                    "size": "sm",
                    "wrap": True,
                    "color": "#FFFFFF",
                }
            )
        body: list[dict] = []
        for field in card.fields:
            body.append(
                {
                    "type": "box",
                    "layout": "baseline",
                    "spacing": "sm",
                    "contents": [
                        {
                            "type": "text",
                            "text": field.label,
                            "size": "sm",
                            "color": MUTED,
                            "flex": 2,
                            "wrap": True,
                        },
                        {
                            "type": "text",
                            "text": field.value or "-",
                            "size": "sm",
                            "flex": 4,
                            "wrap": True,
                            **({"color": field.color} if field.color else {}),
                        },
                    ],
                }
            )
        if card.body:
            body.append(
                {"type": "text", "text": _clip(card.body, 2000), "size": "sm", "wrap": True}
            )
        bubble = {
            "type": "bubble",
            "header": {
                "type": "box",
                "layout": "vertical",
                "contents": header,
                "backgroundColor": card.accent or ACCENT,
            },
            "body": {
                "type": "box",
                "layout": "vertical",
                "spacing": "sm",
                "contents": body or [{"type": "text", "text": " ", "size": "sm"}],
            },
        }
        if card.buttons:
            bubble["footer"] = {
                "type": "box",
                "layout": "vertical",
                "spacing": "sm",
                "contents": [
                    {"type": "button", "style": b.style, "height": "sm", "action": self.action(b)}
                    for b in card.buttons
                ],
            }
        return bubble


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    log.warning("text clipped from %d to %d characters", len(text), limit)
    return text[: limit - 1] + "…"
