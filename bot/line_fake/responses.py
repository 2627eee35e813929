"""LINE's response bodies, copied from the API reference examples.

They mirror /work/shared/line-fixtures/api-responses/*.json (named in each comment); they are
inlined because the package cannot read that shared folder at run time. tests/test_line_fake.py
checks they still match the fixtures.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from .openapi_check import Violation

# any_429_monthly_limit.json
MONTHLY_LIMIT_429 = {"message": "You have reached your monthly limit."}
# reply_400_invalid_reply_token.json
INVALID_REPLY_TOKEN_400 = {"message": "Invalid reply token"}
# push_409_retry_key_accepted.json (sentMessages are filled from the accepted request)
RETRY_KEY_ACCEPTED_409 = {"message": "The retry key is already accepted"}
# richmenu_bulk_link_404.json
RICH_MENU_NOT_FOUND_404 = {"message": "richmenu not found", "details": []}
# richmenu_user_404_no_richmenu.json
USER_HAS_NO_RICH_MENU_404 = {"message": "the user has no richmenu", "details": []}
# push_400_failed_to_send.json
FAILED_TO_SEND_400 = {"message": "Failed to send messages"}
# loading_start_202.json, broadcast_200.json, multicast_200.json
EMPTY: dict = {}

# Not in the fixtures; LINE's wording as seen in public bug reports / the API reference.
NOT_FOUND_404 = {"message": "Not found"}
RICH_MENU_IMAGE_MISSING_400 = {
    "message": "must upload richmenu image before applying it to user",
    "details": [],
}
RICH_MENU_IMAGE_EXISTS_400 = {
    "message": "An image has already been uploaded to the richmenu",
    "details": [],
}
METHOD_NOT_ALLOWED_405 = {"message": "Method Not Allowed"}
INTERNAL_ERROR_500 = {"message": "Internal Server Error"}

# Message types LINE returns a quoteToken for (the ones that can be quoted).
QUOTABLE_TYPES = frozenset({"text", "textV2", "sticker", "image", "video"})


def body(template: dict) -> dict:
    """A fresh copy, so handlers can add fields without touching the constant."""
    return copy.deepcopy(template)


def validation_error(violations: Iterable[Violation]) -> dict[str, Any]:
    """LINE's 400 shape, as in validate_400_too_many_messages.json and
    validate_400_text_too_long.json."""
    details = [{"message": v.message, "property": v.property} for v in violations]
    if len(details) == 1 and not details[0]["property"]:
        return {"message": details[0]["message"]}  # e.g. "could not be parsed as JSON"
    return {"message": f"The request body has {len(details)} error(s)", "details": details}


def default_error(status: int) -> dict[str, Any]:
    if status == 429:
        return body(MONTHLY_LIMIT_429)
    if status >= 500:
        return body(INTERNAL_ERROR_500)
    try:
        return {"message": HTTPStatus(status).phrase}
    except ValueError:
        return {"message": f"HTTP {status}"}
