"""The database model. Importing this package registers every table on ``Base.metadata``."""
from .agencies import Agency
from .assistance import AssistanceKind, AssistanceRecord
from .audit import AuditAction, AuditChannel, AuditEvent
from .base import Base, UTCDateTime, utcnow
from .cases import Case, CaseClosure, CaseEvent, CaseStatus
from .conversation import ConversationState
from .dashboard import DashboardLink, DashboardSession, ExportJob, ExportJobStatus, UsedIdToken
from .exports import ExportRecord
from .households import (
    Assignment,
    DimensionChange,
    DimensionPass,
    ExitReason,
    Household,
    HouseholdDimension,
    HouseholdExit,
    HouseholdStatus,
)
from .outbox import CATEGORY_PRIORITY, OutboxCategory, OutboxKind, OutboxMessage, OutboxStatus
from .people import Person, Role
from .plans import (
    AppSetting,
    GoalLevel,
    GoalLevelChange,
    HouseholdPlan,
    ItemStatus,
    PlanItem,
    PlanItemRevision,
    PlanItemStatusChange,
)
from .rate_limits import RateLimit
from .reference import JpthIndicator
from .registration import RegistrationAttempt, RegistrationCode
from .visits import Visit, VisitFollowUp, VisitPhoto, VisitProblem
from .webhook_events import EventStatus, WebhookEvent

__all__ = [
    "Agency",
    "AppSetting",
    "Assignment",
    "AssistanceKind",
    "AssistanceRecord",
    "AuditAction",
    "AuditChannel",
    "AuditEvent",
    "Base",
    "Case",
    "CaseClosure",
    "CaseEvent",
    "CaseStatus",
    "CATEGORY_PRIORITY",
    "ConversationState",
    "DashboardLink",
    "DashboardSession",
    "DimensionChange",
    "DimensionPass",
    "EventStatus",
    "ExportJob",
    "ExportJobStatus",
    "ExportRecord",
    "ExitReason",
    "GoalLevel",
    "GoalLevelChange",
    "Household",
    "HouseholdDimension",
    "HouseholdExit",
    "HouseholdPlan",
    "HouseholdStatus",
    "ItemStatus",
    "JpthIndicator",
    "OutboxCategory",
    "OutboxKind",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "PlanItem",
    "PlanItemRevision",
    "PlanItemStatusChange",
    "RateLimit",
    "RegistrationAttempt",
    "RegistrationCode",
    "Role",
    "UsedIdToken",
    "UTCDateTime",
    "utcnow",
    "Visit",
    "VisitFollowUp",
    "VisitPhoto",
    "VisitProblem",
    "WebhookEvent",
]
