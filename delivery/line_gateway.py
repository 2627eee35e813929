"""The one place that calls LINE's Messaging API (through line-bot-sdk v3).

Everything goes through the SDK with an explicit timeout (it has none by default), and every
failure comes out as a ``SendError`` that says whether trying again can help.

Replies, pushes and multicasts (the hot path: every event, every digest) hand their messages,
already LINE's JSON, to the SDK's REST client as they are. The SDK's request models would parse
them into pydantic objects and serialise them back: measured, about half of all the CPU an
event costs for a carousel (several ms a call). The REST client still does the sending (its
connection pool, its timeouts, its ``ApiException`` for a non-2xx answer); the fake Messaging
API checks every request against LINE's OpenAPI spec in the tests.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    RichMenuBulkLinkRequest,
    RichMenuRequest,
)

from handlers.limits import MAX_MESSAGES

log = logging.getLogger(__name__)

MONTHLY_LIMIT_TEXT = "monthly limit"


@dataclass
class SendError(Exception):
    status: int | None           # None: no HTTP answer (timeout, connection refused)
    message: str                 # LINE's own error message (never contains our message text)
    retryable: bool
    quota_exhausted: bool = False
    reached: bool = True         # False: no connection to LINE was made, so nothing arrived

    def __str__(self) -> str:
        return f"LINE API {self.status or 'transport error'}: {self.message}"


class RequestRefused(ValueError):
    """A request LINE would answer 400, refused before sending (the SDK's request models
    used to refuse it; the JSON is now handed over as it is)."""


@dataclass
class Sent:
    request_id: str | None


class LineGateway:
    def __init__(self, access_token: str, api_base_url: str, data_api_base_url: str,
                 timeout: float = 10.0, connections: int = 10):
        """``connections``: kept-alive connections to LINE, one per thread that may call at
        once (fewer, and urllib3 opens and discards a connection per call beyond them)."""
        self.timeout = timeout
        self.connections = connections
        self._client = ApiClient(_configuration(api_base_url, access_token, connections))
        self._base_url = api_base_url.rstrip("/")
        self._json_headers = {**self._client.default_headers, "Content-Type": "application/json",
                              "Authorization": f"Bearer {access_token or ''}"}
        self._data_client = ApiClient(_configuration(data_api_base_url, access_token, 4))
        self.api = MessagingApi(self._client)
        self.blob = MessagingApiBlob(self._data_client)

    def close(self) -> None:
        self._client.close()
        self._data_client.close()

    # -- sending ---------------------------------------------------------------------------
    def reply(self, reply_token: str, messages: list[dict]) -> Sent:
        return self._post("/v2/bot/message/reply",
                          {"replyToken": reply_token, "messages": messages})

    def push(self, to: str, messages: list[dict], retry_key: str,
             notification_disabled: bool = False) -> Sent:
        return self._post("/v2/bot/message/push",
                          {"to": to, "messages": messages,
                           "notificationDisabled": notification_disabled}, retry_key)

    def multicast(self, to: list[str], messages: list[dict], retry_key: str,
                  notification_disabled: bool = False) -> Sent:
        return self._post("/v2/bot/message/multicast",
                          {"to": to, "messages": messages,
                           "notificationDisabled": notification_disabled}, retry_key)

    # -- reading ---------------------------------------------------------------------------
    def quota_remaining(self) -> int | None:
        """Messages left this month (push/multicast count per recipient); None: no limit."""
        try:
            quota = self.api.get_message_quota(_request_timeout=self.timeout)
            if str(getattr(quota.type, "value", quota.type)) != "limited":
                return None
            used = self.api.get_message_quota_consumption(_request_timeout=self.timeout)
        except ApiException as exc:
            raise _send_error(exc) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise SendError(None, type(exc).__name__, retryable=True) from None
        return max(int(quota.value or 0) - int(used.total_usage or 0), 0)

    def message_content(self, message_id: str) -> tuple[bytes, str]:
        """A photo (or other content) a user sent: its bytes and content type."""
        try:
            response = self.blob.get_message_content_with_http_info(
                message_id, _request_timeout=self.timeout)
        except ApiException as exc:
            raise _send_error(exc) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise SendError(None, type(exc).__name__, retryable=True) from None
        content_type = _header(response.headers, "content-type") or "application/octet-stream"
        return bytes(response.data), content_type.split(";")[0]

    # -- rich menus ------------------------------------------------------------------------
    def create_rich_menu(self, menu: dict) -> str:
        """Create a rich menu from its JSON; its id."""
        created = self._request(self.api.create_rich_menu, RichMenuRequest.from_dict(menu))
        return str(created.rich_menu_id)

    def set_rich_menu_image(self, menu_id: str, png: bytes) -> None:
        self._request(self.blob.set_rich_menu_image, menu_id, bytes(png),
                      _headers={"Content-Type": "image/png"})

    def link_rich_menu(self, line_user_id: str, menu_id: str) -> None:
        self._request(self.api.link_rich_menu_id_to_user, line_user_id, menu_id)

    def link_rich_menu_to_users(self, menu_id: str, line_user_ids: list[str]) -> None:
        """At most 500 users a call; asynchronous on LINE's side (applied within seconds)."""
        self._request(self.api.link_rich_menu_id_to_users,
                      RichMenuBulkLinkRequest(rich_menu_id=menu_id, user_ids=line_user_ids))

    def unlink_rich_menu(self, line_user_id: str) -> None:
        """The user's own rich menu removed (an erased person keeps no menu of the bot's)."""
        self._request(self.api.unlink_rich_menu_id_from_user, line_user_id)

    def delete_rich_menu(self, menu_id: str) -> None:
        self._request(self.api.delete_rich_menu, menu_id)

    def _request(self, method, *args, **kwargs):
        """Any other call: its result, or a SendError."""
        try:
            return method(*args, _request_timeout=self.timeout, **kwargs)
        except ApiException as exc:
            raise _send_error(exc) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _transport_error(exc) from None

    def _post(self, path: str, body: dict, retry_key: str | None = None) -> Sent:
        if not 1 <= len(body["messages"]) <= MAX_MESSAGES:
            raise RequestRefused(f"{len(body['messages'])} messages")
        headers = self._json_headers
        if retry_key is not None:
            headers = {**headers, "X-Line-Retry-Key": retry_key}
        try:
            response = self._client.rest_client.request(
                "POST", self._base_url + path, headers=headers, body=body,
                _request_timeout=self.timeout)
        except ApiException as exc:
            if exc.status == 409:
                accepted = _header(exc.headers, "x-line-accepted-request-id")
                return Sent(request_id=accepted)   # 409: an earlier try was accepted
            raise _send_error(exc) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _transport_error(exc) from None
        return Sent(request_id=response.getheader("x-line-request-id"))


def _transport_error(exc: Exception) -> SendError:
    """No HTTP answer. A connection never made means nothing reached LINE; a connection that
    broke or timed out after sending may have delivered."""
    reason = getattr(exc, "reason", exc)   # MaxRetryError wraps the last failure
    never_connected = isinstance(reason, (urllib3.exceptions.NewConnectionError,
                                          urllib3.exceptions.ConnectTimeoutError,
                                          ConnectionRefusedError))
    return SendError(None, type(reason).__name__, retryable=True, reached=not never_connected)


def _configuration(base_url: str, access_token: str, connections: int) -> Configuration:
    configuration = Configuration(host=base_url.rstrip("/"), access_token=access_token or "")
    configuration.connection_pool_maxsize = connections
    return configuration


def _header(headers, name: str) -> str | None:
    if not headers:
        return None
    for key, value in dict(headers).items():
        if key.lower() == name:
            return value
    return None


def _send_error(exc: ApiException) -> SendError:
    message = _error_message(exc.body)
    status = exc.status or 0
    if status == 429:
        quota = MONTHLY_LIMIT_TEXT in message.lower()
        # A spent quota does not come back by retrying; other 429s are rate limits.
        return SendError(status, message, retryable=not quota, quota_exhausted=quota)
    return SendError(status, message, retryable=status >= 500)


def _error_message(body) -> str:
    try:
        data = json.loads(body) if body else {}
        return str(data.get("message", ""))[:200]
    except (ValueError, AttributeError):
        return ""
