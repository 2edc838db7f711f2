"""Read what the documents need from the database into plain values (the only module here that queries tables).

Times are converted to the meeting's zone (Asia/Tokyo) here; texts from the database are made one line here. Themes
are read as they stood at the moment a document speaks for (a meeting's start at the latest), and a meeting's
decisions as recorded with it: nothing here looks at "today's" theme states for a past meeting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from council.bodies.membership import body_of, convener_of
from council.cases.catalogue import chosen_cases
from council.delivery.recipients import PRIMARY_ROLES, own_audience
from council.documents.text import meeting_time_span, month_day_weekday, one_line
from council.documents.texts import DocumentTexts, ItemSpec
from council.errors import InputError
from council.keys import AGENDA_PREFIX, SURVEY_DEADLINE_TASK, SURVEY_OPEN_TASK, SURVEY_STAGE, meeting_task_key
from council.planning.cycles import find_task
from council.survey.store import Audience
from council.themes.history import ThemeSnapshot, lead_names, themes_as_of
from council.themes.lifecycle import ThemeSelection, meeting_move, selects
from council.wareki import fiscal_year_label, wareki_date
from models import (
    Body,
    CaseScope,
    Contact,
    Council,
    Cycle,
    DecisionOutcome,
    InitiativeKind,
    Lane,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingStatus,
    Membership,
    Organization,
    OrganizationKind,
    Stage,
    Survey,
    SurveyRespondent,
    Theme,
    ThemeStatus,
    WorkingTeam,
)
from models.enums import BODY_OF_MEETING_KIND, COUNCIL_MEETING_KINDS, DOCUMENTED_MEETING_KINDS

KIND_ORDER = {
    OrganizationKind.municipality: 0,
    OrganizationKind.department: 1,
    OrganizationKind.regional_office: 2,
    OrganizationKind.secretariat: 3,
}


@dataclass(frozen=True)
class Member:
    """One contact sitting on a body, as a letter addresses it."""

    kind: OrganizationKind
    organization: str
    role: str
    title: str  # the contact's title, e.g. 山形市企画担当課長
    sort_order: int


@dataclass(frozen=True)
class Members:
    """Whom a letter is for, and how many of each (kind, role) the whole body has: a letter to some of them is
    addressed to 関係… instead of 各…, and one to a single member by its title."""

    addressed: tuple[Member, ...]
    group_sizes: dict[tuple[OrganizationKind, str], int]


@dataclass(frozen=True)
class ThemeFact:
    code: str
    title: str
    status: ThemeStatus  # as the document's moment found it
    initiative_kind: InitiativeKind | None
    deferred_to: int | None
    leads: tuple[str, ...]
    findings: str | None = None  # its working team's 検討結果, as filed by the document's moment


@dataclass(frozen=True)
class CaseFact:
    """An advanced case chosen for a meeting, as its agenda lists it."""

    code: str
    title: str
    scope: CaseScope
    organization: str


@dataclass(frozen=True)
class ItemFacts:
    title: str
    selection: ThemeSelection | None
    themes: tuple[ThemeFact, ...]
    material: str | None
    cases: tuple[CaseFact, ...] = ()


@dataclass(frozen=True)
class DecisionFact:
    """What the meeting did with one theme, as recorded with it."""

    theme: ThemeFact  # status = the status the meeting found it in
    outcome: DecisionOutcome
    status_after: ThemeStatus
    initiative_kind: InitiativeKind | None


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
    items: tuple[ItemFacts, ...]
    members: Members
    prepares: str | None  # the title of the council meeting a 幹事会 prepares
    decisions: tuple[DecisionFact, ...]
    decided_selection: ThemeSelection | None  # the item its decisions belong to
    materials_by: date | None  # the planned day the 次第 and materials go out


@dataclass(frozen=True)
class Window:
    opens_on: date
    closes_on: date


@dataclass(frozen=True)
class SurveyFacts:
    fiscal_year: int
    municipal: Window | None
    department: Window | None
    members: Members


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


def check_documented(meeting: Meeting) -> None:
    if meeting.kind not in DOCUMENTED_MEETING_KINDS:
        raise InputError(f"no documents are issued for meeting {meeting.key!r} ({meeting.kind.value})", field="meeting")


def _member(contact: Contact, organization: Organization) -> Member:
    return Member(
        kind=organization.kind,
        organization=one_line(organization.name),
        role=one_line(contact.role),
        title=one_line(contact.title or f"{organization.name}{contact.role}"),
        sort_order=organization.sort_order,
    )


def _in_letter_order(members: Sequence[Member]) -> tuple[Member, ...]:
    return tuple(
        sorted(
            members, key=lambda member: (KIND_ORDER[member.kind], member.sort_order, member.organization, member.role)
        )
    )


def _group_sizes(members: Sequence[Member]) -> dict[tuple[OrganizationKind, str], int]:
    sizes: dict[tuple[OrganizationKind, str], int] = {}
    for member in members:
        sizes[(member.kind, member.role)] = sizes.get((member.kind, member.role), 0) + 1
    return sizes


def load_members(
    session: Session,
    council_id: int,
    body: Body,
    *,
    organization_ids: Sequence[int] | None = None,
    roles: Mapping[OrganizationKind, str] | None = None,
) -> Members:
    """The active members of `body` (only those of `organization_ids`, in `roles`, when given) in letter order —
    municipalities, departments, regional offices, the secretariat — with the size of each group in the body."""
    query = (
        select(Contact, Organization)
        .join(Membership, col(Membership.contact_id) == col(Contact.id))
        .join(Organization, col(Organization.id) == col(Contact.organization_id))
        .where(Membership.council_id == council_id, Membership.body == body, col(Organization.active).is_(True))
    )
    everyone = [
        (organization.id, _member(contact, organization)) for contact, organization in session.exec(query).all()
    ]
    wanted = set(organization_ids) if organization_ids is not None else None
    addressed = [
        member
        for organization_id, member in everyone
        if (wanted is None or organization_id in wanted) and (roles is None or roles.get(member.kind) == member.role)
    ]
    return Members(addressed=_in_letter_order(addressed), group_sizes=_group_sizes([m for _, m in everyone]))


def meeting_members(session: Session, council_id: int, meeting: Meeting) -> Members:
    """Whom a meeting's letters address: the members of its body on the roster — or, for a regional body's or a
    working team's meeting, its own members (the regional office that convenes it signs, so it is not addressed)."""
    audience = own_audience(session, meeting)
    if audience is None:
        return load_members(session, council_id, BODY_OF_MEETING_KIND[meeting.kind])
    convener = convener_of(session, meeting)
    rows = session.exec(
        select(Contact, Organization)
        .join(Organization, col(Organization.id) == col(Contact.organization_id))
        .where(col(Contact.id).in_(list(audience.contact_ids)), col(Organization.active).is_(True))
    ).all()
    everyone = [
        _member(contact, organization)
        for contact, organization in rows
        if convener is None or organization.id != convener.id
    ]
    return Members(addressed=_in_letter_order(everyone), group_sizes=_group_sizes(everyone))


def full_meeting_title(fiscal_year: int, title: str) -> str:
    """'第1回県・市町村連携推進会議' → '令和8年度第1回県・市町村連携推進会議' (unchanged when it already says so)."""
    label = fiscal_year_label(fiscal_year)
    title = one_line(title)
    return title if title.startswith(label) else f"{label}{title}"


def local_times(meeting: Meeting) -> tuple[datetime, datetime]:
    zone = ZoneInfo(meeting.timezone)
    return meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)


def meeting_when(meeting: Meeting) -> str:
    return meeting_time_span(*local_times(meeting))


def meeting_facts(
    session: Session, council: Council, cycle: Cycle, meeting: Meeting, texts: DocumentTexts, *, as_of: datetime
) -> MeetingFacts:
    """A meeting as its documents show it: themes as they stood at `as_of` (never later than the meeting's start),
    decisions as recorded with the meeting."""
    assert council.id is not None
    starts_at, ends_at = local_times(meeting)
    moment = min(as_of, meeting.starts_at)
    snapshots = themes_as_of(session, council.id, moment)
    findings = team_findings(session, [snapshot.id for snapshot in snapshots], moment)
    spec = texts.meeting_spec(meeting.key, meeting.kind)
    item_specs, purpose, prepares = spec.items, spec.purpose, None
    move = meeting_move(meeting.kind, meeting.number)
    prepared_meeting: Meeting | None = None
    if meeting.prepares_meeting_id is not None:
        prepared = session.get(Meeting, meeting.prepares_meeting_id)
        if prepared is not None:
            prepared_meeting = prepared
            prepares = full_meeting_title(cycle.fiscal_year, prepared.title)
            item_specs = texts.meeting_spec(prepared.key, prepared.kind).items
            prepared_date = wareki_date(local_times(prepared)[0].date())
            purpose = purpose.format(prepared=prepares, prepared_date=prepared_date)
            move = meeting_move(prepared.kind, prepared.number)
    names = owner_names(session, meeting)
    purpose = fill_names(purpose, names)
    item_specs = tuple(replace(spec, title=fill_names(spec.title, names)) for spec in item_specs)
    if "{" in purpose:  # a 幹事会 that prepares nothing: drop the sentence that would name it
        purpose = ""
    cases = tuple(
        CaseFact(case.code, one_line(case.title), case.scope, one_line(case.organization))
        for case in chosen_cases(session, prepared_meeting or meeting)
    )
    agenda_task = find_task(session, cycle, meeting_task_key(AGENDA_PREFIX, meeting.key))
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
        items=tuple(
            replace(_item(spec, snapshots, cycle.fiscal_year, findings), cases=cases if spec.cases else ())
            for spec in item_specs
        ),
        members=meeting_members(session, council.id, meeting),
        prepares=prepares,
        decisions=recorded_decisions(session, meeting),
        decided_selection=move.selection if move is not None else None,
        materials_by=agenda_task.due_date if agenda_task is not None else None,
    )


def owner_names(session: Session, meeting: Meeting) -> dict[str, str]:
    """What a regional body's or a team's meeting texts may name: {body} (the body), {team} and {theme}."""
    body = body_of(session, meeting)
    if body is not None:
        return {"body": one_line(body.name)}
    team = session.get(WorkingTeam, meeting.working_team_id) if meeting.working_team_id is not None else None
    theme = session.get(Theme, team.theme_id) if team is not None else None
    if team is not None and theme is not None:
        return {"team": one_line(team.name), "theme": one_line(theme.title)}
    return {}


def fill_names(text: str, names: Mapping[str, str]) -> str:
    for name, value in names.items():
        text = text.replace(f"{{{name}}}", value)
    return text


def _fact(snapshot: ThemeSnapshot, findings: Mapping[int, str]) -> ThemeFact:
    return ThemeFact(
        code=snapshot.code,
        title=one_line(snapshot.title),
        status=snapshot.status,
        initiative_kind=snapshot.initiative_kind,
        deferred_to=snapshot.deferred_to,
        leads=tuple(one_line(name) for name in snapshot.leads),
        findings=findings.get(snapshot.id),
    )


def team_findings(session: Session, theme_ids: Sequence[int], moment: datetime) -> dict[int, str]:
    """The 検討結果 each theme's working team had filed by `moment`, by theme id."""
    if not theme_ids:
        return {}
    teams = session.exec(
        select(WorkingTeam).where(
            col(WorkingTeam.theme_id).in_(list(theme_ids)),
            col(WorkingTeam.reported_at).is_not(None),
            col(WorkingTeam.reported_at) <= moment,
        )
    ).all()
    return {team.theme_id: one_line(team.findings or "") for team in teams if team.findings}


def _item(
    spec: ItemSpec, snapshots: Sequence[ThemeSnapshot], fiscal_year: int, findings: Mapping[int, str]
) -> ItemFacts:
    themes: tuple[ThemeFact, ...] = ()
    if spec.themes is not None:
        selection = spec.themes
        shown = findings if selection == ThemeSelection.in_progress else {}  # the 検討状況 the roundtable hears
        themes = tuple(
            _fact(snapshot, shown)
            for snapshot in snapshots
            if selects(selection, snapshot.status, snapshot.year, snapshot.deferred_to, fiscal_year)
        )
    return ItemFacts(title=spec.title, selection=spec.themes, themes=themes, material=spec.material)


def recorded_decisions(session: Session, meeting: Meeting) -> tuple[DecisionFact, ...]:
    rows = session.exec(
        select(MeetingDecision, Theme)
        .join(Theme, col(Theme.id) == col(MeetingDecision.theme_id))
        .where(MeetingDecision.meeting_id == meeting.id)
        .order_by(col(Theme.code))
    ).all()
    leads = lead_names(session, [theme.id for _, theme in rows if theme.id is not None])
    findings = team_findings(session, [theme.id for _, theme in rows if theme.id is not None], meeting.starts_at)
    return tuple(
        DecisionFact(
            theme=ThemeFact(
                code=theme.code,
                title=one_line(theme.title),
                status=decision.status_before,
                initiative_kind=None,
                deferred_to=None,
                leads=tuple(one_line(name) for name in leads.get(theme.id or 0, ())),
                findings=findings.get(theme.id or 0) if decision.outcome == DecisionOutcome.reported else None,
            ),
            outcome=decision.outcome,
            status_after=decision.status_after,
            initiative_kind=decision.initiative_kind,
        )
        for decision, theme in rows
    )


def survey_facts(
    session: Session,
    council: Council,
    cycle: Cycle,
    *,
    organization_ids: Sequence[int] | None = None,
    audience: Audience | None = None,
) -> SurveyFacts:
    """The survey's windows — from the Survey row once it is open, else from the plan (the survey:open and
    survey:deadline tasks, or the `survey` stage) — and the members it is addressed to: `organization_ids`, or the
    respondents of `audience` (its window only), or the whole council."""
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
        stage = session.exec(select(Stage).where(Stage.cycle_id == cycle.id, Stage.key == SURVEY_STAGE)).first()
        opens, closes = find_task(session, cycle, SURVEY_OPEN_TASK), find_task(session, cycle, SURVEY_DEADLINE_TASK)
        if opens is not None and closes is not None:
            municipal = department = Window(opens.due_date, closes.due_date)
        elif stage is not None:
            municipal = department = Window(stage.start_date, stage.end_date)
    if audience is not None:
        if organization_ids is None:
            organization_ids = audience_members(session, survey, audience)
        municipal, department = (municipal, None) if audience is Audience.municipalities else (None, department)
    return SurveyFacts(
        fiscal_year=cycle.fiscal_year,
        municipal=municipal,
        department=department,
        members=load_members(
            session,
            council.id,
            Body.council,
            organization_ids=organization_ids,
            roles=PRIMARY_ROLES if organization_ids is not None else None,
        ),
    )


def audience_members(session: Session, survey: Survey | None, audience: Audience) -> list[int]:
    """The organisations a letter to `audience` goes to: the survey's respondents of that kind (or, before the survey
    is open, every active organisation of that kind)."""
    query = select(Organization.id).where(col(Organization.kind).in_(list(audience.kinds)))
    if survey is not None:
        query = query.join(SurveyRespondent, col(SurveyRespondent.organization_id) == col(Organization.id)).where(
            SurveyRespondent.survey_id == survey.id
        )
    else:
        query = query.where(col(Organization.active).is_(True))
    return [organization_id for organization_id in session.exec(query).all() if organization_id is not None]


def schedule_facts(session: Session, council: Council, cycle: Cycle) -> ScheduleFacts:
    stages = session.exec(
        select(Stage).where(Stage.cycle_id == cycle.id).order_by(col(Stage.sort_order), col(Stage.start_date))
    ).all()
    meetings = []
    stages_with_meetings: set[int] = set()
    for meeting in session.exec(select(Meeting).where(Meeting.cycle_id == cycle.id).order_by(col(Meeting.starts_at))):
        if meeting.status == MeetingStatus.cancelled or meeting.kind not in COUNCIL_MEETING_KINDS:
            continue  # a regional body's or a team's meetings are in their own calendars, not the council's schedule
        if meeting.stage_id is not None:
            stages_with_meetings.add(meeting.stage_id)
        local = local_times(meeting)[0]
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
