"""SQLModel tables (one concept per class, rules in the schema), the database session and migrations.

Names are loaded when first used (PEP 562), so that importing an enum does not import SQLAlchemy: the CLI starts
in a fraction of a second. `models.tables` imports every table module, for a complete `SQLModel.metadata`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.audit import AuditEvent
    from models.bodies import Area, RegionalBody, RegionalBodyMember, RegionalInitiative
    from models.cases import AdvancedCase, CaseAdoption, CaseSelection
    from models.cycle import Cycle, Meeting, MeetingDecision, Stage, Task
    from models.documents import Delivery, Document, DocumentNumber
    from models.enums import (
        Body,
        CaseScope,
        Channel,
        CycleStatus,
        DecisionOutcome,
        DeliveryStatus,
        DocumentKind,
        DocumentStatus,
        InitiativeKind,
        Lane,
        MeetingKind,
        MeetingOrigin,
        MeetingStatus,
        OrganizationKind,
        StageStatus,
        SurveySection,
        TaskOrigin,
        TaskStatus,
        TeamRole,
        TeamStatus,
        ThemeStatus,
    )
    from models.feeds import FeedItemStamp, FeedSnapshot, FeedToken
    from models.orchestration import Approval, ApprovalDecision, ApprovalStatus, TickRun
    from models.organizations import Contact, Council, Membership, Organization
    from models.survey import ReminderSent, Survey, SurveyAnswer, SurveyRespondent, SurveySubmission, ThemeSource
    from models.teams import WorkingTeam, WorkingTeamMember
    from models.themes import Theme, ThemeEvent, ThemeOrganization

_HOMES: dict[str, str] = {
    "AdvancedCase": "models.cases",
    "Approval": "models.orchestration",
    "ApprovalDecision": "models.orchestration",
    "ApprovalStatus": "models.orchestration",
    "Area": "models.bodies",
    "AuditEvent": "models.audit",
    "Body": "models.enums",
    "CaseAdoption": "models.cases",
    "CaseScope": "models.enums",
    "CaseSelection": "models.cases",
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
    "MeetingOrigin": "models.enums",
    "MeetingStatus": "models.enums",
    "Membership": "models.organizations",
    "Organization": "models.organizations",
    "OrganizationKind": "models.enums",
    "RegionalBody": "models.bodies",
    "RegionalBodyMember": "models.bodies",
    "RegionalInitiative": "models.bodies",
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
    "TeamRole": "models.enums",
    "TeamStatus": "models.enums",
    "Theme": "models.themes",
    "ThemeEvent": "models.themes",
    "ThemeOrganization": "models.themes",
    "ThemeSource": "models.survey",
    "ThemeStatus": "models.enums",
    "TickRun": "models.orchestration",
    "WorkingTeam": "models.teams",
    "WorkingTeamMember": "models.teams",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__all__ = [
    "AdvancedCase",
    "Approval",
    "ApprovalDecision",
    "ApprovalStatus",
    "Area",
    "AuditEvent",
    "Body",
    "CaseAdoption",
    "CaseScope",
    "CaseSelection",
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
    "MeetingOrigin",
    "MeetingStatus",
    "Membership",
    "Organization",
    "OrganizationKind",
    "RegionalBody",
    "RegionalBodyMember",
    "RegionalInitiative",
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
    "TeamRole",
    "TeamStatus",
    "Theme",
    "ThemeEvent",
    "ThemeOrganization",
    "ThemeSource",
    "ThemeStatus",
    "TickRun",
    "WorkingTeam",
    "WorkingTeamMember",
]
