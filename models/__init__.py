"""SQLModel tables (one concept per class, rules in the schema), the database session and migrations.

Names are loaded when first used (PEP 562), so that importing an enum does not import SQLAlchemy: the CLI starts
in a fraction of a second. `models.tables` imports every table module, for a complete `SQLModel.metadata`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from models.survey import ReminderSent, Survey, SurveyAnswer, SurveyRespondent, SurveySubmission, ThemeSource
    from models.themes import Theme, ThemeEvent, ThemeOrganization

_HOMES: dict[str, str] = {
    "Approval": "models.orchestration",
    "ApprovalDecision": "models.orchestration",
    "ApprovalStatus": "models.orchestration",
    "AuditEvent": "models.audit",
    "Body": "models.enums",
    "Channel": "models.enums",
    "Contact": "models.organizations",
    "Council": "models.organizations",
    "Cycle": "models.cycle",
    "CycleStatus": "models.enums",
    "DecisionOutcome": "models.enums",
    "Delivery": "models.documents",
    "DeliveryStatus": "models.enums",
    "Document": "models.documents",
    "DocumentKind": "models.enums",
    "DocumentNumber": "models.documents",
    "DocumentStatus": "models.enums",
    "FeedItemStamp": "models.feeds",
    "FeedSnapshot": "models.feeds",
    "FeedToken": "models.feeds",
    "InitiativeKind": "models.enums",
    "Lane": "models.enums",
    "Meeting": "models.cycle",
    "MeetingDecision": "models.cycle",
    "MeetingKind": "models.enums",
    "MeetingStatus": "models.enums",
    "Membership": "models.organizations",
    "Organization": "models.organizations",
    "OrganizationKind": "models.enums",
    "ReminderSent": "models.survey",
    "Stage": "models.cycle",
    "StageStatus": "models.enums",
    "Survey": "models.survey",
    "SurveyAnswer": "models.survey",
    "SurveyRespondent": "models.survey",
    "SurveySection": "models.enums",
    "SurveySubmission": "models.survey",
    "Task": "models.cycle",
    "TaskOrigin": "models.enums",
    "TaskStatus": "models.enums",
    "Theme": "models.themes",
    "ThemeEvent": "models.themes",
    "ThemeOrganization": "models.themes",
    "ThemeSource": "models.survey",
    "ThemeStatus": "models.enums",
    "TickRun": "models.orchestration",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


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
