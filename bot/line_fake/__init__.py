"""A local stand-in for LINE's Messaging API: records every call, rejects what LINE rejects.

with FakeLineApi() as fake:
    config = Configuration(host=fake.base_url, access_token="t")
    ...  # drive the bot; then
    fake.sent_messages("U...")  /  fake.assert_no_violations()
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
