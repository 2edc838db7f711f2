"""SQLModel tables (one concept per class, rules in the schema), the database session and migrations.

Import every table module here so `SQLModel.metadata` is complete for migrations and schema checks.
"""

from models.audit import AuditEvent
from models.cycle import Cycle, Meeting, MeetingDecision, Stage, Task
from models.documents import Delivery, Document, DocumentNumber
from models.enums import (
    Body,
    Channel,
    CycleStatus,
    DecisionOutcome,
    DeliveryStatus,
    DocumentKind,
    DocumentStatus,
    InitiativeKind,
    Lane,
    MeetingKind,
    MeetingStatus,
    OrganizationKind,
    StageStatus,
    SurveySection,
    TaskOrigin,
    TaskStatus,
    ThemeStatus,
)
from models.feeds import FeedItemStamp, FeedSnapshot, FeedToken
from models.orchestration import Approval, ApprovalDecision, ApprovalStatus, TickRun
from models.organizations import Contact, Council, Membership, Organization
from models.survey import (
    ReminderSent,
    Survey,
    SurveyAnswer,
    SurveyRespondent,
    SurveySubmission,
    ThemeSource,
)
from models.themes import Theme, ThemeEvent, ThemeOrganization

__all__ = [
    "Approval",
    "ApprovalDecision",
    "ApprovalStatus",
    "AuditEvent",
    "Body",
    "Channel",
    "Contact",
    "Council",
    "Cycle",
    "CycleStatus",
    "DecisionOutcome",
    "Delivery",
    "DeliveryStatus",
    "Document",
    "DocumentKind",
    "DocumentNumber",
    "DocumentStatus",
    "FeedItemStamp",
    "FeedSnapshot",
    "FeedToken",
    "InitiativeKind",
    "Lane",
    "Meeting",
    "MeetingDecision",
    "MeetingKind",
    "MeetingStatus",
    "Membership",
    "Organization",
    "OrganizationKind",
    "ReminderSent",
    "Stage",
    "StageStatus",
    "Survey",
    "SurveyAnswer",
    "SurveyRespondent",
    "SurveySection",
    "SurveySubmission",
    "Task",
    "TaskOrigin",
    "TaskStatus",
    "Theme",
    "ThemeEvent",
    "ThemeOrganization",
    "ThemeSource",
    "ThemeStatus",
    "TickRun",
]
