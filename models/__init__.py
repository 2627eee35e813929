"""The database model. Importing this package registers every table on ``Base.metadata``."""
from .base import Base, UTCDateTime, utcnow
from .cases import Case, CaseEvent, CaseStatus
from .conversation import ConversationState
from .households import Assignment, Household, HouseholdDimension
from .outbox import CATEGORY_PRIORITY, OutboxCategory, OutboxKind, OutboxMessage, OutboxStatus
from .people import Person, Role
from .plans import AppSetting, GoalLevel, HouseholdPlan, ItemStatus, PlanItem, PlanItemStatusChange
from .reference import JpthIndicator
from .registration import RegistrationAttempt, RegistrationCode
from .visits import Visit, VisitPhoto, VisitProblem
from .webhook_events import EventStatus, WebhookEvent

__all__ = [
    "AppSetting",
    "Assignment",
    "CATEGORY_PRIORITY",
    "OutboxCategory",
    "Base",
    "Case",
    "CaseEvent",
    "CaseStatus",
    "ConversationState",
    "EventStatus",
    "GoalLevel",
    "Household",
    "HouseholdDimension",
    "HouseholdPlan",
    "ItemStatus",
    "JpthIndicator",
    "OutboxKind",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "PlanItem",
    "PlanItemStatusChange",
    "RegistrationAttempt",
    "RegistrationCode",
    "Role",
    "UTCDateTime",
    "Visit",
    "VisitPhoto",
    "VisitProblem",
    "WebhookEvent",
    "utcnow",
]
