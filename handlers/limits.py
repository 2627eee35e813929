"""LINE's limits on what the bot sends, in one place. The domain builds within them, and the
renderer refuses (raises) anything beyond them instead of silently dropping content."""
from __future__ import annotations

MAX_MESSAGES = 5          # message objects per reply or push
MAX_QUICK_REPLIES = 13    # quick-reply buttons under one message
MAX_BUBBLES = 12          # cards in one carousel
MAX_LABEL = 20            # characters of a quick-reply or button label
MAX_TEXT = 5000           # characters of a text message
MAX_ALT_TEXT = 400        # LINE allows 1500; notifications show far less
