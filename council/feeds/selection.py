"""Which events go in which feed — pure functions of plain records, no session, no clock.

Feeds:
- `council` (public): council meetings, the mayors' meeting, the roundtable and the survey window — nothing else;
- `secretariat` (private): every meeting (幹事会 included), every stage, and the deadlines that are not an
  organisation's own (notice and agenda deadlines …);
- `org-<code>` (private): the meetings of the bodies its contacts sit on (a regional body's or a working team's: of
  those it is a member of), and the deadlines it owns;
- `region-<slug>` (private, or public by configuration): what the region's organisations' feeds hold; a public
  region feed keeps only public events.
Whether an event is public is decided here, once, from its kind; a public feed then only ever takes public events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from council.feeds.config import FeedConfig
from council.feeds.ical import EventStatus, FeedEvent, FeedSpec, Organizer, build_feed
from council.keys import SURVEY_STAGE
from council.wareki import fiscal_year_bounds, fiscal_year_label, fiscal_year_of, wareki_date, wareki_time
from models.enums import BODY_OF_MEETING_KIND, Body, MeetingKind, MeetingStatus, OrganizationKind, TaskStatus

PUBLIC_MEETING_KINDS = frozenset({MeetingKind.council_meeting, MeetingKind.mayors_meeting, MeetingKind.roundtable})
PUBLIC_STAGE_KEYS = frozenset({SURVEY_STAGE})
MEETING_CATEGORY: dict[MeetingKind, str] = {
    MeetingKind.council_meeting: "連携推進会議",
    MeetingKind.secretariat_meeting: "幹事会",
    MeetingKind.mayors_meeting: "市町村長会議",
    MeetingKind.roundtable: "行政懇談会",
    MeetingKind.regional_meeting: "地域連携",
    MeetingKind.team_meeting: "ワーキングチーム",
}
MEETING_EVENT_STATUS: dict[MeetingStatus, EventStatus] = {
    MeetingStatus.planned: EventStatus.tentative,
    MeetingStatus.confirmed: EventStatus.confirmed,
    MeetingStatus.held: EventStatus.confirmed,
    MeetingStatus.cancelled: EventStatus.cancelled,
}
DEADLINE_PREFIX = "【締切】"


# --- records: what the database holds, as plain values -------------------------------------------------------


@dataclass(frozen=True)
class MeetingRecord:
    fiscal_year: int
    key: str
    kind: MeetingKind
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str | None
    status: MeetingStatus
    revision: int
    updated_at: datetime
    agenda_url: str | None = None
    members: frozenset[str] | None = None  # a regional body's or a working team's member organisations


@dataclass(frozen=True)
class StageRecord:
    fiscal_year: int
    key: str
    title: str
    start_date: date
    end_date: date  # inclusive, as the planner stores it
    planned_at: datetime


@dataclass(frozen=True)
class TaskRecord:
    fiscal_year: int
    key: str
    title: str
    due_date: date
    status: TaskStatus
    owner_code: str | None
    meeting_title: str | None
    updated_at: datetime


@dataclass(frozen=True)
class OrganizationRecord:
    code: str
    name: str
    kind: OrganizationKind
    region: str | None
    bodies: frozenset[Body]


@dataclass(frozen=True)
class Directory:
    """Who the feeds are for: the council and its organisations (with the bodies their contacts sit on)."""

    council_code: str
    council_name: str
    prefecture: str
    organizations: tuple[OrganizationRecord, ...]
    organizer: Organizer | None = None
    region_slugs: tuple[tuple[str, str], ...] = ()  # (region name, slug), from the regional offices' codes


@dataclass(frozen=True)
class Schedule:
    meetings: tuple[MeetingRecord, ...] = ()
    stages: tuple[StageRecord, ...] = ()
    tasks: tuple[TaskRecord, ...] = ()


# --- items and feed definitions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedItem:
    """An event and who may see it. `source_changed_at` and `fixed_sequence` are what the record itself knows
    about its last change; publishing refines them with the stored stamps."""

    event: FeedEvent
    public: bool
    for_secretariat: bool
    audience: frozenset[str]  # organisation codes whose feeds hold the event
    source_changed_at: datetime
    fixed_sequence: int | None = None


class FeedKind(StrEnum):
    council = "council"
    secretariat = "secretariat"
    organization = "organization"
    region = "region"


@dataclass(frozen=True)
class FeedDefinition:
    spec: FeedSpec
    kind: FeedKind
    public: bool
    audience: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return self.spec.name


def feed_window(today: date) -> tuple[date, date]:
    """The rolling window: the previous, current and next fiscal year (inclusive bounds)."""
    current = fiscal_year_of(today)
    return fiscal_year_bounds(current - 1)[0], fiscal_year_bounds(current + 1)[1]


def feed_items(directory: Directory, schedule: Schedule, *, today: date, config: FeedConfig) -> list[FeedItem]:
    first, last = feed_window(today)
    secretariat_codes = {org.code for org in directory.organizations if org.kind is OrganizationKind.secretariat}
    items: list[FeedItem] = []
    for meeting in schedule.meetings:
        item = _meeting_item(directory, meeting)
        if _in_window(item.event, first, last) and _still_shown(item.event, meeting.updated_at, today, config):
            items.append(item)
    for stage in schedule.stages:
        item = _stage_item(directory, stage)
        if _in_window(item.event, first, last):
            items.append(item)
    for task in schedule.tasks:
        item = _task_item(directory, task, secretariat_codes)
        if _in_window(item.event, first, last) and _still_shown(item.event, task.updated_at, today, config):
            items.append(item)
    return items


def feed_definitions(directory: Directory, config: FeedConfig) -> list[FeedDefinition]:
    council = directory.council_name
    organizer = directory.organizer
    refresh = config.refresh_interval

    def spec(name: str, title: str, description: str) -> FeedSpec:
        return FeedSpec(name=name, title=title, description=description, organizer=organizer, refresh_interval=refresh)

    definitions = [
        FeedDefinition(
            spec(
                "council",
                council,
                f"{directory.prefecture}の{council}の日程（公開）：連携推進会議、市町村長会議、"
                "県・市町村行政懇談会、連携課題・ニーズ調査の期間",
            ),
            FeedKind.council,
            public=True,
        ),
        FeedDefinition(
            spec(
                "secretariat",
                f"{council}（事務局）",
                "事務局用：幹事会を含むすべての会議、各段階の期間、開催通知・次第等の事務の期限",
            ),
            FeedKind.secretariat,
            public=False,
        ),
    ]
    for org in directory.organizations:
        if org.kind is OrganizationKind.secretariat:
            continue  # the secretariat's calendar is the `secretariat` feed
        definitions.append(
            FeedDefinition(
                spec(f"org-{org.code}", f"{council}（{org.name}）", f"{org.name}が出席する会議と{org.name}の提出期限"),
                FeedKind.organization,
                public=False,
                audience=frozenset({org.code}),
            )
        )
    slugs = dict(directory.region_slugs)
    regions = sorted({org.region for org in directory.organizations if org.region})
    for region in regions:
        slug = slugs.get(region, region)
        members = frozenset(org.code for org in directory.organizations if org.region == region)
        public = region in config.public_regions or slug in config.public_regions
        definitions.append(
            FeedDefinition(
                spec(f"region-{slug}", f"{council}（{region}地域）", f"{region}地域の団体が出席する会議と提出期限"),
                FeedKind.region,
                public=public,
                audience=members,
            )
        )
    return definitions


def select_events(definition: FeedDefinition, items: Sequence[FeedItem]) -> list[FeedEvent]:
    if definition.kind is FeedKind.council:
        chosen = [item for item in items if item.public]
    elif definition.kind is FeedKind.secretariat:
        chosen = [item for item in items if item.for_secretariat]
    else:
        chosen = [item for item in items if item.audience & definition.audience]
    if definition.public:
        chosen = [item for item in chosen if item.public]
    return [item.event for item in chosen]


def assemble_feeds(
    directory: Directory, schedule: Schedule, *, today: date, config: FeedConfig
) -> dict[str, tuple[FeedDefinition, bytes]]:
    """Every feed built from the records alone (the stamps the records carry), keyed by feed name."""
    items = feed_items(directory, schedule, today=today, config=config)
    return {
        definition.name: (definition, build_feed(definition.spec, select_events(definition, items)))
        for definition in feed_definitions(directory, config)
    }


# --- one record → one item -----------------------------------------------------------------------------------


def _meeting_item(directory: Directory, meeting: MeetingRecord) -> FeedItem:
    zone = ZoneInfo(meeting.timezone)
    start = meeting.starts_at.astimezone(zone)
    end = meeting.ends_at.astimezone(zone)
    status = MEETING_EVENT_STATUS[meeting.status]
    lines = []
    if status is EventStatus.cancelled:
        lines.append("※この会議は中止となりました。")
    elif status is EventStatus.tentative:
        lines.append("※日時は予定です（確定後にお知らせします）。")
    lines.append(meeting.title)
    lines.append(f"日時：{_period_text(start, end)}")
    if meeting.venue:
        lines.append(f"場所：{meeting.venue}")
    if meeting.agenda_url:
        lines.append(f"次第：{meeting.agenda_url}")
    event = FeedEvent(
        internal_id=f"{directory.council_code}/{meeting.fiscal_year}/meeting/{meeting.key}",
        summary=meeting.title,
        start=start,
        end=end,
        last_modified=meeting.updated_at,
        sequence=meeting.revision,
        status=status,
        location=meeting.venue,
        description="\n".join(lines),
        url=meeting.agenda_url,
        categories=(MEETING_CATEGORY[meeting.kind],),
    )
    return FeedItem(
        event=event,
        public=meeting.kind in PUBLIC_MEETING_KINDS,
        for_secretariat=True,
        audience=_meeting_audience(directory, meeting),
        source_changed_at=meeting.updated_at,
        fixed_sequence=meeting.revision,
    )


def _meeting_audience(directory: Directory, meeting: MeetingRecord) -> frozenset[str]:
    """The organisations whose feeds hold a meeting: a regional body's or a team's members (so a regional body's
    meetings show in its region's feed), else those whose contacts sit on the meeting's body."""
    if meeting.members is not None:
        return meeting.members
    body = BODY_OF_MEETING_KIND.get(meeting.kind)
    return frozenset(org.code for org in directory.organizations if body is not None and body in org.bodies)


def _stage_item(directory: Directory, stage: StageRecord) -> FeedItem:
    description = "\n".join(
        (
            f"{fiscal_year_label(stage.fiscal_year)} {directory.council_name}",
            stage.title,
            f"期間：{wareki_date(stage.start_date)}～{wareki_date(stage.end_date)}",
        )
    )
    event = FeedEvent(
        internal_id=f"{directory.council_code}/{stage.fiscal_year}/stage/{stage.key}",
        summary=stage.title,
        start=stage.start_date,
        end=stage.end_date + timedelta(days=1),  # DTEND of an all-day event is exclusive
        last_modified=stage.planned_at,
        description=description,
        categories=("期間",),
        busy=False,
    )
    return FeedItem(
        event=event,
        public=stage.key in PUBLIC_STAGE_KEYS,
        for_secretariat=True,
        audience=frozenset(),
        source_changed_at=stage.planned_at,
    )


def _task_item(directory: Directory, task: TaskRecord, secretariat_codes: set[str]) -> FeedItem:
    cancelled = task.status is TaskStatus.cancelled
    lines = ["※この期限は取り消されました。"] if cancelled else []
    lines += [task.title, f"期限：{wareki_date(task.due_date)}"]
    if task.meeting_title:
        lines.append(f"関連する会議：{task.meeting_title}")
    event = FeedEvent(
        internal_id=f"{directory.council_code}/{task.fiscal_year}/task/{task.key}",
        summary=f"{DEADLINE_PREFIX}{task.title}",
        start=task.due_date,
        end=task.due_date + timedelta(days=1),
        last_modified=task.updated_at,
        status=EventStatus.cancelled if cancelled else EventStatus.confirmed,
        description="\n".join(lines),
        categories=("締切",),
        busy=False,
    )
    own = task.owner_code is not None and task.owner_code not in secretariat_codes
    return FeedItem(
        event=event,
        public=False,  # a deadline is internal business, never in a public feed
        for_secretariat=not own,
        audience=frozenset({task.owner_code}) if own and task.owner_code else frozenset(),
        source_changed_at=task.updated_at,
    )


def _period_text(start: datetime, end: datetime) -> str:
    if start.date() == end.date():
        return f"{wareki_date(start.date())}{wareki_time(start)}～{wareki_time(end)}"
    return f"{wareki_date(start.date())}{wareki_time(start)}～{wareki_date(end.date())}{wareki_time(end)}"


def _day_of(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _in_window(event: FeedEvent, first: date, last: date) -> bool:
    end = _day_of(event.end)
    if event.all_day:
        end -= timedelta(days=1)  # back to the inclusive last day
    return _day_of(event.start) <= last and end >= first


def _still_shown(event: FeedEvent, changed_at: datetime, today: date, config: FeedConfig) -> bool:
    """A cancelled event stays (as cancelled) until the retention period has passed after both its cancellation
    and its own date, so every subscriber's client sees the cancellation before the event disappears."""
    if event.status is not EventStatus.cancelled:
        return True
    tz = event.start.tzinfo if isinstance(event.start, datetime) else ZoneInfo("Asia/Tokyo")
    cancelled_on = changed_at.astimezone(tz).date()
    return today <= max(cancelled_on, _day_of(event.start)) + config.cancelled_retention
