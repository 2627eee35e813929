"""The database model. Importing this package registers every table on ``Base.metadata``."""
from .base import Base, UTCDateTime, utcnow
from .conversation import ConversationState
from .households import Assignment, Household, HouseholdDimension
from .outbox import OutboxKind, OutboxMessage, OutboxStatus
from .people import Person, Role
from .reference import JpthIndicator
from .registration import RegistrationAttempt, RegistrationCode
from .webhook_events import EventStatus, WebhookEvent

__all__ = [
    "Assignment", "Base", "ConversationState", "EventStatus", "Household", "HouseholdDimension",
    "JpthIndicator", "OutboxKind", "OutboxMessage", "OutboxStatus", "Person", "RegistrationAttempt",
    "RegistrationCode", "Role", "UTCDateTime", "WebhookEvent", "utcnow",
]
