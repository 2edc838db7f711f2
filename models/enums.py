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
    regional_meeting = "regional_meeting"  # a regional promotion body's meeting (地域における推進体制: 情報交換)
    team_meeting = "team_meeting"  # a working team's meeting (ワーキングチーム)


class MeetingOrigin(StrEnum):
    """Where a meeting comes from: who may move it, and which plan speaks for it."""

    cycle = "cycle"  # the council's yearly cycle (calendar/cycle.yaml): the planner places it
    bodies = "bodies"  # a regional body's or a working team's regular meetings (calendar/bodies.yaml)
    manual = "manual"  # added by the secretariat (`council meeting add`: その他必要に応じて開催)


# The body whose members a meeting of each kind is for (its notice's addressees, its calendar's audience). A regional
# body's or a working team's meeting is for that body's or team's own members (models.bodies, models.teams).
BODY_OF_MEETING_KIND: dict[MeetingKind, Body] = {
    MeetingKind.council_meeting: Body.council,
    MeetingKind.secretariat_meeting: Body.secretariat_meeting,
    MeetingKind.mayors_meeting: Body.mayors_meeting,
    MeetingKind.roundtable: Body.roundtable,
}

# The meetings of the council's own bodies (the schedule's and the public calendar's), as opposed to a regional body's
# or a working team's.
COUNCIL_MEETING_KINDS = frozenset(BODY_OF_MEETING_KIND)


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
    regional_initiatives = "regional_initiatives"  # 地域における主な連携の取組み (the regional table)
    case_handout = "case_handout"  # 県内外の先進事例 (the 1st meeting's handout)


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


class TeamStatus(StrEnum):
    """A working team's state: formed for an adopted theme, then reported (its 検討結果 filed)."""

    formed = "formed"
    reported = "reported"


class TeamRole(StrEnum):
    """Why an organisation is on a working team."""

    lead = "lead"  # the lead department (主担当)
    department = "department"  # a department concerned (the theme's lead departments)
    municipality = "municipality"  # a municipality that asked for it in the survey
    regional_office = "regional_office"  # a regional office that asked for it


class CaseScope(StrEnum):
    """Where an advanced case (先進事例) comes from."""

    in_prefecture = "in_prefecture"  # 県内
    out_of_prefecture = "out_of_prefecture"  # 県外


# Status sets, defined once (the tick, the flows, status and tracking all use these).
OPEN_TASK_STATUSES = frozenset({TaskStatus.pending, TaskStatus.in_progress})
CLOSED_TASK_STATUSES = frozenset({TaskStatus.done, TaskStatus.cancelled})
OPEN_MEETING_STATUSES = frozenset({MeetingStatus.planned, MeetingStatus.confirmed})
# Documents are issued for the meetings the secretariat convenes; the 市町村長会議 is convened by others.
DOCUMENTED_MEETING_KINDS = frozenset(
    {
        MeetingKind.council_meeting,
        MeetingKind.secretariat_meeting,
        MeetingKind.roundtable,
        MeetingKind.regional_meeting,
        MeetingKind.team_meeting,
    }
)
