"""A local stand-in for LINE's Messaging API: records every call, rejects what LINE rejects.

with FakeLineApi() as fake:
    config = Configuration(host=fake.base_url, access_token="t")
    ...  # drive the bot; then
    fake.sent_messages("U...")  /  fake.assert_no_violations()

Beside the Messaging API it stands in for two LINE Login / LIFF pieces (login.py), which are not
Messaging API and so are not checked against messaging-api.yml: the ID token verify endpoint
(POST /oauth2/v2.1/verify, tokens from fake.mint_id_token() or POST /_fake/liff/id-token) and a
LIFF SDK stand-in script (GET /_fake/liff/sdk.js).
"""

from .openapi_check import Operation, SpecValidator, Violation, load_spec
from .server import FakeLineApi
from .state import Delivery, RecordedRequest

__all__ = [
    "FakeLineApi",
    "RecordedRequest",
    "Delivery",
    "SpecValidator",
    "Violation",
    "Operation",
    "load_spec",
]
