"""Read what the documents need from the database into plain values (the only module here that queries tables).

Times are converted to the meeting's zone (Asia/Tokyo) here; texts from the database are made one line here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from council.config import get_settings
from council.documents.contexts import AgendaItem, ThemeLine
from council.documents.text import meeting_time_span, month_day_weekday, one_line
from council.documents.texts import DocumentTexts, ItemSpec, ThemeSelection
from council.errors import InputError, NotFoundError
from council.wareki import fiscal_year_label, wareki_date
from models.cycle import Cycle, Meeting, Stage
from models.enums import (
    BODY_OF_MEETING_KIND,
    Body,
    InitiativeKind,
    Lane,
    MeetingKind,
    MeetingStatus,
    OrganizationKind,
    ThemeStatus,
)
from models.organizations import Contact, Council, Membership, Organization
from models.survey import Survey
from models.themes import Theme, ThemeOrganization

# Documents are issued for the meetings the secretariat convenes; the 市町村長会議 is convened by others.
DOCUMENTED_MEETING_KINDS = (MeetingKind.council_meeting, MeetingKind.secretariat_meeting, MeetingKind.roundtable)
KIND_ORDER = {
    OrganizationKind.municipality: 0,
    OrganizationKind.department: 1,
    OrganizationKind.regional_office: 2,
    OrganizationKind.secretariat: 3,
}
STATUS_LABELS = {
    ThemeStatus.candidate: "候補",
    ThemeStatus.adopted: "テーマ決定",
    ThemeStatus.under_study: "検討中",
    ThemeStatus.reported: "検討状況報告",
    ThemeStatus.budgeted: "予算計上",
    ThemeStatus.decided: "決定",
    ThemeStatus.deferred: "継続検討",
    ThemeStatus.dropped: "見送り",
}
INITIATIVE_LABELS = {InitiativeKind.new: "新規", InitiativeKind.enhanced: "充実"}


@dataclass(frozen=True)
class Member:
    """One contact sitting on a body, as a letter addresses it."""

    kind: OrganizationKind
    organization: str
    role: str
    title: str  # the contact's title, e.g. 山形市企画担当課長
    sort_order: int


@dataclass(frozen=True)
class MeetingFacts:
    fiscal_year: int
    key: str
    kind: MeetingKind
    title: str  # with the fiscal year: 令和8年度第1回県・市町村連携推進会議
    starts_at: datetime  # local time
    ends_at: datetime
    when: str  # 令和8年7月8日（水）14時00分～16時00分
    venue: str
    purpose: str
    items: tuple[AgendaItem, ...]
    members: tuple[Member, ...]
    prepares: str | None  # the title of the council meeting a 幹事会 prepares


@dataclass(frozen=True)
class Window:
    opens_on: date
    closes_on: date


@dataclass(frozen=True)
class SurveyFacts:
    fiscal_year: int
    municipal: Window | None
    department: Window | None
    members: tuple[Member, ...]


@dataclass(frozen=True)
class StageFacts:
    title: str
    lane: Lane
    start: date
    end: date
    has_meetings: bool  # a meeting (not cancelled) belongs to it


@dataclass(frozen=True)
class ScheduledMeeting:
    title: str
    kind: MeetingKind
    starts_at: datetime  # local time
    when: str
    venue: str


@dataclass(frozen=True)
class ScheduleFacts:
    fiscal_year: int
    council_name: str
    stages: tuple[StageFacts, ...]
    meetings: tuple[ScheduledMeeting, ...]


def load_cycle(session: Session, fiscal_year: int) -> tuple[Council, Cycle]:
    """The configured council's cycle of `fiscal_year` (NotFoundError when it has not been planned)."""
    code = get_settings().council_code
    row = session.exec(
        select(Council, Cycle)
        .join(Cycle, col(Cycle.council_id) == col(Council.id))
        .where(Council.code == code, Cycle.fiscal_year == fiscal_year)
    ).first()
    if row is None:
        raise NotFoundError(
            f"council {code!r} has no plan for fiscal year {fiscal_year} ({fiscal_year_label(fiscal_year)})"
        )
    return row


def meetings_of(session: Session, cycle: Cycle) -> list[Meeting]:
    return list(session.exec(select(Meeting).where(Meeting.cycle_id == cycle.id).order_by(col(Meeting.starts_at))))


def find_meeting(session: Session, cycle: Cycle, key: str) -> Meeting:
    meeting = session.exec(select(Meeting).where(Meeting.cycle_id == cycle.id, Meeting.key == key)).first()
    if meeting is None:
        raise NotFoundError(f"fiscal year {cycle.fiscal_year} has no meeting {key!r}", field="meeting")
    return meeting


def check_documented(meeting: Meeting) -> None:
    if meeting.kind not in DOCUMENTED_MEETING_KINDS:
        raise InputError(f"no documents are issued for meeting {meeting.key!r} ({meeting.kind.value})", field="meeting")
    if meeting.status == MeetingStatus.cancelled:
        raise InputError(f"meeting {meeting.key!r} is cancelled", field="meeting")


def load_members(
    session: Session, council_id: int, body: Body, *, organization_ids: Sequence[int] | None = None
) -> tuple[Member, ...]:
    """The active members of `body` (only those of `organization_ids` when given), in letter order:
    municipalities, departments, regional offices, the secretariat."""
    query = (
        select(Contact, Organization)
        .join(Membership, col(Membership.contact_id) == col(Contact.id))
        .join(Organization, col(Organization.id) == col(Contact.organization_id))
        .where(Membership.council_id == council_id, Membership.body == body, col(Organization.active).is_(True))
    )
    if organization_ids is not None:
        query = query.where(col(Organization.id).in_(list(organization_ids)))
    rows = session.exec(query).all()
    members = [
        Member(
            kind=organization.kind,
            organization=one_line(organization.name),
            role=one_line(contact.role),
            title=one_line(contact.title or f"{organization.name}{contact.role}"),
            sort_order=organization.sort_order,
        )
        for contact, organization in rows
    ]
    members.sort(key=lambda member: (KIND_ORDER[member.kind], member.sort_order, member.organization, member.role))
    return tuple(members)


def meeting_facts(
    session: Session, council: Council, cycle: Cycle, meeting: Meeting, texts: DocumentTexts
) -> MeetingFacts:
    assert council.id is not None
    zone = ZoneInfo(meeting.timezone)
    starts_at, ends_at = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
    spec = texts.meeting_spec(meeting.key, meeting.kind)
    items = _items(session, council.id, cycle.fiscal_year, spec.items)
    purpose = spec.purpose
    prepares: str | None = None
    if meeting.prepares_meeting_id is not None:
        prepared = session.get(Meeting, meeting.prepares_meeting_id)
        if prepared is not None:
            prepares = full_meeting_title(cycle.fiscal_year, prepared.title)
            prepared_spec = texts.meeting_spec(prepared.key, prepared.kind)
            items = _items(session, council.id, cycle.fiscal_year, prepared_spec.items)
            prepared_date = wareki_date(prepared.starts_at.astimezone(ZoneInfo(prepared.timezone)).date())
            purpose = purpose.format(prepared=prepares, prepared_date=prepared_date)
    if "{" in purpose:  # a 幹事会 that prepares nothing: drop the sentence that would name it
        purpose = ""
    return MeetingFacts(
        fiscal_year=cycle.fiscal_year,
        key=meeting.key,
        kind=meeting.kind,
        title=full_meeting_title(cycle.fiscal_year, meeting.title),
        starts_at=starts_at,
        ends_at=ends_at,
        when=meeting_time_span(starts_at, ends_at),
        venue=one_line(meeting.venue or "") or "（調整中）",
        purpose=purpose,
        items=items,
        members=load_members(session, council.id, BODY_OF_MEETING_KIND[meeting.kind]),
        prepares=prepares,
    )


def full_meeting_title(fiscal_year: int, title: str) -> str:
    """'第1回県・市町村連携推進会議' → '令和8年度第1回県・市町村連携推進会議' (unchanged when it already says so)."""
    label = fiscal_year_label(fiscal_year)
    title = one_line(title)
    return title if title.startswith(label) else f"{label}{title}"


def _items(session: Session, council_id: int, fiscal_year: int, specs: Sequence[ItemSpec]) -> tuple[AgendaItem, ...]:
    return tuple(
        AgendaItem(
            title=spec.title,
            themes=theme_lines(session, council_id, fiscal_year, spec.themes) if spec.themes else (),
            material=spec.material,
        )
        for spec in specs
    )


def theme_lines(
    session: Session, council_id: int, fiscal_year: int, selection: ThemeSelection
) -> tuple[ThemeLine, ...]:
    """The themes an agenda item lists, by code, each with its tags (〔新規〕, its lead departments …)."""
    themes = [theme for theme in _themes_of_council(session, council_id) if _selected(theme, fiscal_year, selection)]
    themes.sort(key=lambda theme: theme.code)
    leads = _lead_names(session, [theme.id for theme in themes if theme.id is not None])
    lines = []
    for theme in themes:
        tags = ""
        if selection == ThemeSelection.in_progress:
            tags += f"（{STATUS_LABELS[theme.status]}）"
        if theme.initiative_kind is not None:
            tags += f"〔{INITIATIVE_LABELS[theme.initiative_kind]}〕"
        elif theme.status == ThemeStatus.budgeted:
            tags += f"（{STATUS_LABELS[theme.status]}）"
        if theme.status == ThemeStatus.deferred:
            tags += f"（{STATUS_LABELS[theme.status]}）"
        names = leads.get(theme.id or 0)
        if names:
            tags += f"〔{'、'.join(names)}〕"
        lines.append(ThemeLine(title=one_line(theme.title), tags=tags))
    return tuple(lines)


def _themes_of_council(session: Session, council_id: int) -> list[Theme]:
    return list(session.exec(select(Theme).where(Theme.council_id == council_id)))


def _selected(theme: Theme, fiscal_year: int, selection: ThemeSelection) -> bool:
    status, year = theme.status, theme.current_fiscal_year
    if selection == ThemeSelection.new_candidates:
        return status == ThemeStatus.candidate and year == fiscal_year
    if selection == ThemeSelection.in_progress:
        return status in (ThemeStatus.adopted, ThemeStatus.under_study, ThemeStatus.reported) and year == fiscal_year
    if selection == ThemeSelection.next_year_initiatives:
        return status in (ThemeStatus.budgeted, ThemeStatus.decided) and year in (fiscal_year, fiscal_year + 1)
    # next_year_candidates: candidates still open this year or already moved to next year, and themes deferred to it
    if status == ThemeStatus.candidate:
        return year in (fiscal_year, fiscal_year + 1)
    return status == ThemeStatus.deferred and theme.deferred_to_year == fiscal_year + 1


def _lead_names(session: Session, theme_ids: Sequence[int]) -> dict[int, list[str]]:
    if not theme_ids:
        return {}
    rows = session.exec(
        select(ThemeOrganization, Organization)
        .join(Organization, col(Organization.id) == col(ThemeOrganization.organization_id))
        .where(col(ThemeOrganization.theme_id).in_(theme_ids), ThemeOrganization.role == "lead")
        .order_by(col(ThemeOrganization.id))
    ).all()
    names: dict[int, list[str]] = defaultdict(list)
    for link, organization in rows:
        names[link.theme_id].append(one_line(organization.short_name or organization.name))
    return names


def survey_facts(session: Session, council: Council, cycle: Cycle) -> SurveyFacts:
    """The survey's windows: from the Survey row when the survey is open, else from the cycle's `survey` stage."""
    assert council.id is not None
    survey = session.exec(
        select(Survey).where(Survey.council_id == council.id, Survey.fiscal_year == cycle.fiscal_year)
    ).first()
    municipal: Window | None = None
    department: Window | None = None
    if survey is not None:
        municipal = Window(survey.municipal_opens_on, survey.municipal_closes_on)
        department = Window(survey.department_opens_on, survey.department_closes_on)
    else:
        stage = session.exec(select(Stage).where(Stage.cycle_id == cycle.id, Stage.key == "survey")).first()
        if stage is not None:
            municipal = department = Window(stage.start_date, stage.end_date)
    return SurveyFacts(
        fiscal_year=cycle.fiscal_year,
        municipal=municipal,
        department=department,
        members=load_members(session, council.id, Body.council),
    )


def schedule_facts(session: Session, council: Council, cycle: Cycle) -> ScheduleFacts:
    stages = session.exec(
        select(Stage).where(Stage.cycle_id == cycle.id).order_by(col(Stage.sort_order), col(Stage.start_date))
    ).all()
    meetings = []
    stages_with_meetings: set[int] = set()
    for meeting in meetings_of(session, cycle):
        if meeting.status == MeetingStatus.cancelled:
            continue
        if meeting.stage_id is not None:
            stages_with_meetings.add(meeting.stage_id)
        local = meeting.starts_at.astimezone(ZoneInfo(meeting.timezone))
        meetings.append(
            ScheduledMeeting(
                title=one_line(meeting.title),
                kind=meeting.kind,
                starts_at=local,
                when=f"{month_day_weekday(local.date())} {local.hour}時{local.minute:02d}分",
                venue=one_line(meeting.venue or "") or "（調整中）",
            )
        )
    return ScheduleFacts(
        fiscal_year=cycle.fiscal_year,
        council_name=one_line(council.name),
        stages=tuple(
            StageFacts(
                title=one_line(stage.title),
                lane=stage.lane,
                start=stage.start_date,
                end=stage.end_date,
                has_meetings=stage.id in stages_with_meetings,
            )
            for stage in stages
        ),
        meetings=tuple(meetings),
    )
