"""Enumerations of the domain. Values are stored as-is (lower case, English) and checked by the schema."""

from __future__ import annotations

from enum import StrEnum


class OrganizationKind(StrEnum):
    municipality = "municipality"
    department = "department"
    regional_office = "regional_office"
    secretariat = "secretariat"


class Body(StrEnum):
    """The bodies an organisation's contact can sit on."""

    council = "council"  # 県・市町村連携推進会議
    secretariat_meeting = "secretariat_meeting"  # 幹事会
    mayors_meeting = "mayors_meeting"  # 市町村長会議
    roundtable = "roundtable"  # 県・市町村行政懇談会


class MeetingKind(StrEnum):
    secretariat_meeting = "secretariat_meeting"
    council_meeting = "council_meeting"
    mayors_meeting = "mayors_meeting"
    roundtable = "roundtable"


# The body whose members a meeting of each kind is for (its notice's addressees, its calendar's audience).
BODY_OF_MEETING_KIND: dict[MeetingKind, Body] = {
    MeetingKind.council_meeting: Body.council,
    MeetingKind.secretariat_meeting: Body.secretariat_meeting,
    MeetingKind.mayors_meeting: Body.mayors_meeting,
    MeetingKind.roundtable: Body.roundtable,
}


class MeetingStatus(StrEnum):
    planned = "planned"
    confirmed = "confirmed"
    held = "held"
    cancelled = "cancelled"


class CycleStatus(StrEnum):
    planned = "planned"
    active = "active"
    closed = "closed"


class StageStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"


class Lane(StrEnum):
    """The two columns of the source's annual schedule."""

    council = "council"  # 県・市町村連携推進会議 関係
    other = "other"  # その他


class TaskStatus(StrEnum):
    pending = "pending"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class TaskOrigin(StrEnum):
    planned = "planned"  # derived by the planner from calendar/cycle.yaml: re-planning moves it, or cancels it
    auto = "auto"  # created by a flow (e.g. one survey-response task per respondent); the planner leaves it alone
    manual = "manual"  # added by the secretariat; the planner never touches it


class DocumentKind(StrEnum):
    advance_notice = "advance_notice"  # 日程確保のお願い（予告）: a meeting with the mayors is set months ahead
    notice = "notice"  # 開催通知
    agenda = "agenda"  # 次第
    survey_request = "survey_request"  # 調査依頼
    survey_reminder = "survey_reminder"  # 督促
    survey_summary = "survey_summary"  # 調査結果概要
    minutes = "minutes"  # 議事概要
    annual_schedule = "annual_schedule"  # 年間スケジュール
    cancellation = "cancellation"  # 中止のお知らせ
    postponement = "postponement"  # 延期のお知らせ


class DocumentStatus(StrEnum):
    draft = "draft"  # 案: no 文書番号, no date; rendered again from the current state until it is issued
    issued = "issued"  # a record: numbered (letters), dated, its facts and files never change again
    superseded = "superseded"  # an issued version followed by a correction (訂正) or a new edition


class Channel(StrEnum):
    outbox = "outbox"
    smtp = "smtp"


class DeliveryStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"  # permanent: recorded for this recipient, the others go on
    undeliverable = "undeliverable"  # no address on the roster, and the secretariat chose to go on without it


class SurveySection(StrEnum):
    policy = "policy"  # 施策の連携
    operations = "operations"  # 業務の連携
    exchange = "exchange"  # 情報交換・共有／人的交流


class ThemeStatus(StrEnum):
    candidate = "candidate"
    adopted = "adopted"
    under_study = "under_study"
    reported = "reported"
    budgeted = "budgeted"
    decided = "decided"
    deferred = "deferred"
    dropped = "dropped"


class DecisionOutcome(StrEnum):
    """What a meeting did with a theme (recorded with the meeting: its minutes list exactly these)."""

    endorsed = "endorsed"  # a 幹事会 agreed to put it before the council meeting it prepares (案として了承)
    adopted = "adopted"  # the 1st council meeting adopted it as a new collaboration theme
    reported = "reported"  # the roundtable heard how its study stands
    decided = "decided"  # the 2nd council meeting decided it as next year's initiative (新規 / 充実)


class InitiativeKind(StrEnum):
    new = "new"  # 新規
    enhanced = "enhanced"  # 充実


# Status sets, defined once (the tick, the flows, status and tracking all use these).
OPEN_TASK_STATUSES = frozenset({TaskStatus.pending, TaskStatus.in_progress})
CLOSED_TASK_STATUSES = frozenset({TaskStatus.done, TaskStatus.cancelled})
OPEN_MEETING_STATUSES = frozenset({MeetingStatus.planned, MeetingStatus.confirmed})
# Documents are issued for the meetings the secretariat convenes; the 市町村長会議 is convened by others.
DOCUMENTED_MEETING_KINDS = frozenset(
    {MeetingKind.council_meeting, MeetingKind.secretariat_meeting, MeetingKind.roundtable}
)
