"""The yearly cycle's rules (calendar/cycle.yaml): read, validated, and turned into plain values for the planner.

Every mistake in the file is an InputError naming the file, the line and the key path, e.g.
``calendar/cycle.yaml: line 31: stages[2].window.start: '13-01' is not a month-day 'MM-DD'``.
The file format is documented in the file itself.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any, Literal, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from council.planning.business_days import BusinessCalendar, MonthDay
from council.yamlfile import KeyPath, YamlDocument, format_key_path, load_yaml, reloading
from models.enums import Lane, MeetingKind

WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SECRETARIAT_LEAD_TIME = "secretariat_meeting"
MAX_BUSINESS_DAYS = 120  # about half a year: any lead time or offset beyond it is a mistake, not a plan

_STAGE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_MEETING_KEY = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_TASK_KEY = re.compile(r"^[a-z][a-z0-9_:-]{0,79}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")

AnchorKind = Literal["stage", "task", "meeting"]


def fiscal_date(month_day: MonthDay, fiscal_year: int) -> date:
    """The date of `month_day` in a fiscal year: April–December in its own year, January–March in the next."""
    return month_day.in_year(fiscal_year if month_day.month >= 4 else fiscal_year + 1)


def fiscal_order(month_day: MonthDay) -> tuple[int, int]:
    """Sort key of a month-day within a fiscal year (April first)."""
    return ((month_day.month - 4) % 12, month_day.day)


def weekdays_label(weekdays: tuple[int, ...]) -> str:
    """(1, 2, 3) → 'Tue/Wed/Thu'."""
    return "/".join(WEEKDAY_LABELS[day] for day in weekdays)


@dataclass(frozen=True)
class Window:
    """A month-day range within the fiscal year (start before end in fiscal order)."""

    start: MonthDay
    end: MonthDay

    def dates(self, fiscal_year: int) -> tuple[date, date]:
        return fiscal_date(self.start, fiscal_year), fiscal_date(self.end, fiscal_year)

    def contains(self, month_day: MonthDay) -> bool:
        return fiscal_order(self.start) <= fiscal_order(month_day) <= fiscal_order(self.end)

    def __str__(self) -> str:
        return f"{self.start}..{self.end}"


@dataclass(frozen=True)
class Anchor:
    """A date taken from another item, moved by `offset` business days (negative = before).

    Stages give their first (`at='start'`) or last (`at='end'`) business day; tasks their due date; meetings their day.
    `lead_time` names the lead time the offset came from, for explanations.
    """

    kind: AnchorKind
    key: str
    at: Literal["start", "end"] = "end"
    offset: int = 0
    lead_time: str | None = None

    @property
    def item_id(self) -> str:
        return f"{self.kind}:{self.key}"

    def describe_base(self) -> str:
        if self.kind == "stage":
            return f"{'first' if self.at == 'start' else 'last'} business day of stage {self.key}"
        return f"task {self.key}" if self.kind == "task" else f"meeting {self.key}"

    def describe_offset(self) -> str:
        if self.offset == 0:
            return ""
        days = abs(self.offset)
        named = f" ({self.lead_time})" if self.lead_time else ""
        unit = "business day" if days == 1 else "business days"
        return f"{days} {unit}{named} {'before' if self.offset < 0 else 'after'} "


@dataclass(frozen=True)
class StageRule:
    key: str
    title: str
    lane: Lane
    window: Window
    sort_order: int


@dataclass(frozen=True)
class MeetingRule:
    key: str
    kind: MeetingKind
    number: int | None
    title: str  # may contain {fiscal_year_label} and {fiscal_year}
    stage: str | None
    window: Window
    on_or_after: MonthDay | None
    weekdays: tuple[int, ...]  # Monday 0 … Sunday 6, ascending
    start: time
    end: time
    venue: str | None
    prepares: str | None
    not_before: tuple[Anchor, ...]
    not_after: tuple[Anchor, ...]

    def title_for(self, fiscal_year_label: str, fiscal_year: int) -> str:
        return self.title.format(fiscal_year_label=fiscal_year_label, fiscal_year=fiscal_year)


@dataclass(frozen=True)
class TaskRule:
    key: str
    title: str  # final text; meeting-task titles are filled in per year (see `meeting_title_template`)
    stage: str | None
    meeting: str | None
    due: Anchor
    not_before: tuple[Anchor, ...] = ()
    not_after: tuple[Anchor, ...] = ()
    meeting_title_template: bool = False  # title contains {meeting}


@dataclass(frozen=True)
class ClosedDays:
    weekdays: frozenset[int]
    national_holidays: bool
    year_end: tuple[MonthDay, MonthDay] | None
    extra_closed: frozenset[date]
    extra_open: frozenset[date]


@dataclass(frozen=True)
class Venue:
    """A place meetings are held: 山形県庁, 本庁舎, 2階 講堂."""

    name: str
    building: str = ""
    room: str = ""

    @property
    def label(self) -> str:
        """'山形県庁 本庁舎2階 講堂' — as notices, agendas, the schedule and feeds print it."""
        return " ".join(part for part in (self.name, f"{self.building}{self.room}") if part)


@dataclass(frozen=True)
class CycleRules:
    """The validated content of cycle.yaml. `order` lists every item ('stage:KEY', 'meeting:KEY', 'task:KEY') after
    everything it depends on, so the planner can compute them in one pass."""

    source: Path
    digest: str  # sha256 of the file's bytes, stored with the plan
    timezone: str
    closed_days: ClosedDays
    lead_times: Mapping[str, int]
    stages: tuple[StageRule, ...]
    meetings: tuple[MeetingRule, ...]
    tasks: tuple[TaskRule, ...]
    order: tuple[str, ...]

    def business_calendar(self) -> BusinessCalendar:
        closed = self.closed_days
        return BusinessCalendar(
            closed_weekdays=closed.weekdays,
            national_holidays=closed.national_holidays,
            year_end_start=closed.year_end[0] if closed.year_end else None,
            year_end_end=closed.year_end[1] if closed.year_end else None,
            extra_closed=closed.extra_closed,
            extra_open=closed.extra_open,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def secretariat_lead_time(self) -> int:
        return self.lead_times[SECRETARIAT_LEAD_TIME]

    def stage(self, key: str) -> StageRule:
        return next(rule for rule in self.stages if rule.key == key)

    def meeting(self, key: str) -> MeetingRule:
        return next(rule for rule in self.meetings if rule.key == key)

    def task(self, key: str) -> TaskRule:
        return next(rule for rule in self.tasks if rule.key == key)

    @property
    def task_keys(self) -> frozenset[str]:
        return frozenset(rule.key for rule in self.tasks)


def load_rules(path: Path) -> CycleRules:
    """Read and validate a cycle file; any problem is an InputError with file, line and key path."""
    document = load_yaml(path)
    return _RulesReader(document).read(hashlib.sha256(path.read_bytes()).hexdigest())


cycle_rules = reloading(load_rules)  # the same, read once per version of the file


def _lead_times_named(value: Any) -> Iterator[str]:
    """Every lead time name an anchor or a meeting task of the rules refers to."""
    if isinstance(value, tuple | list):
        for item in value:
            yield from _lead_times_named(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if field.name == "lead_time" and isinstance(item, str):
                yield item
            else:
                yield from _lead_times_named(item)


class _RulesReader:
    """Walks the YAML data with its key path, so every error can say where it is."""

    def __init__(self, document: YamlDocument) -> None:
        self.document = document

    def fail(self, key_path: KeyPath, message: str) -> NoReturn:
        raise self.document.error(key_path, message)

    # ---- shapes -------------------------------------------------------------------------------------------------

    def mapping(
        self, value: Any, key_path: KeyPath, *, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(key_path, f"expected a mapping with keys {', '.join(required + optional)}")
        for key in value:
            if key not in required and key not in optional:
                allowed = ", ".join(required + optional)
                self.fail((*key_path, str(key)), f"unknown key {key!r} (allowed: {allowed})")
        for key in required:
            if key not in value:
                self.fail(key_path, f"missing key {key!r}")
        return value

    def sequence(self, value: Any, key_path: KeyPath) -> Iterator[tuple[Any, KeyPath]]:
        if value is None:
            return iter(())
        if not isinstance(value, list):
            self.fail(key_path, "expected a list")
        return ((item, (*key_path, index)) for index, item in enumerate(value))

    def text(self, value: Any, key_path: KeyPath, *, max_length: int = 200) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(key_path, f"expected a non-empty text, got {value!r}")
        if len(value) > max_length:
            self.fail(key_path, f"longer than {max_length} characters")
        return value

    def key(self, value: Any, key_path: KeyPath, pattern: re.Pattern[str], what: str) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            self.fail(key_path, f"{value!r} is not a valid {what} key ({pattern.pattern})")
        return value

    def integer(self, value: Any, key_path: KeyPath, *, minimum: int, maximum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key_path, f"expected a whole number, got {value!r}")
        if value < minimum:
            self.fail(key_path, f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            self.fail(key_path, f"must be at most {maximum}, got {value}")
        return value

    def boolean(self, value: Any, key_path: KeyPath) -> bool:
        if not isinstance(value, bool):
            self.fail(key_path, f"expected true or false, got {value!r}")
        return value

    def month_day(self, value: Any, key_path: KeyPath) -> MonthDay:
        match = _MONTH_DAY.match(value) if isinstance(value, str) else None
        if match is None:
            self.fail(key_path, f"{value!r} is not a month-day 'MM-DD' (quote it)")
        month, day = int(match.group(1)), int(match.group(2))
        if (month, day) == (2, 29):
            self.fail(key_path, "02-29 does not exist every year; use 02-28 or 03-01")
        try:
            return MonthDay(month, day)
        except ValueError:
            self.fail(key_path, f"{value!r} is not a month-day 'MM-DD'")

    def clock_time(self, value: Any, key_path: KeyPath) -> time:
        match = _TIME.match(value) if isinstance(value, str) else None
        if match is None:
            self.fail(key_path, f"{value!r} is not a time 'HH:MM' (quote it: unquoted 14:00 is a number in YAML)")
        return time(int(match.group(1)), int(match.group(2)))

    def calendar_date(self, value: Any, key_path: KeyPath) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(key_path, f"{value!r} is not a date 'YYYY-MM-DD'")

    def weekdays(self, value: Any, key_path: KeyPath, *, allow_empty: bool) -> tuple[int, ...]:
        days: set[int] = set()
        for item, item_path in self.sequence(value, key_path):
            if item not in WEEKDAY_CODES:
                self.fail(item_path, f"{item!r} is not a weekday ({' '.join(WEEKDAY_CODES)})")
            days.add(WEEKDAY_CODES.index(item))
        if not days and not allow_empty:
            self.fail(key_path, "name at least one weekday")
        return tuple(sorted(days))

    def choice(self, value: Any, key_path: KeyPath, choices: tuple[str, ...]) -> str:
        if value not in choices:
            self.fail(key_path, f"{value!r} is not one of {', '.join(choices)}")
        return str(value)

    def window(self, value: Any, key_path: KeyPath) -> Window:
        raw = self.mapping(value, key_path, required=("start", "end"))
        start = self.month_day(raw["start"], (*key_path, "start"))
        end = self.month_day(raw["end"], (*key_path, "end"))
        if fiscal_order(end) < fiscal_order(start):
            self.fail((*key_path, "end"), f"{end} is before {start} in the fiscal year (April–March)")
        return Window(start, end)

    def lead(self, value: Any, key_path: KeyPath, lead_times: Mapping[str, int]) -> tuple[int, str | None]:
        """A number of business days, given as a number or as the name of a lead time."""
        if isinstance(value, str):
            if value not in lead_times:
                self.fail(key_path, f"{value!r} is not a lead time (defined: {', '.join(lead_times)})")
            return lead_times[value], value
        return self.integer(value, key_path, minimum=0, maximum=MAX_BUSINESS_DAYS), None

    def anchor(self, value: Any, key_path: KeyPath, lead_times: Mapping[str, int]) -> Anchor:
        raw = self.mapping(value, key_path, required=(), optional=("stage", "task", "meeting", "at", "before", "after"))
        kinds = [kind for kind in ("stage", "task", "meeting") if kind in raw]
        if len(kinds) != 1:
            self.fail(key_path, "name exactly one of stage, task or meeting")
        kind: AnchorKind = kinds[0]  # type: ignore[assignment]
        key = self.text(raw[kind], (*key_path, kind), max_length=80)
        at: Literal["start", "end"] = "end"
        if "at" in raw:
            if kind != "stage":
                self.fail((*key_path, "at"), "'at' applies to stages only")
            at = "start" if self.choice(raw["at"], (*key_path, "at"), ("start", "end")) == "start" else "end"
        if "before" in raw and "after" in raw:
            self.fail(key_path, "give 'before' or 'after', not both")
        offset, lead_time = 0, None
        for direction, sign in (("before", -1), ("after", 1)):
            if direction in raw:
                days, lead_time = self.lead(raw[direction], (*key_path, direction), lead_times)
                offset = sign * days
        return Anchor(kind=kind, key=key, at=at, offset=offset, lead_time=lead_time)

    def anchors(self, value: Any, key_path: KeyPath, lead_times: Mapping[str, int]) -> tuple[Anchor, ...]:
        return tuple(self.anchor(item, item_path, lead_times) for item, item_path in self.sequence(value, key_path))

    # ---- sections -----------------------------------------------------------------------------------------------

    def read(self, digest: str) -> CycleRules:
        top = self.mapping(
            self.document.data,
            (),
            required=("timezone", "closed_days", "lead_times", "stages", "meetings"),
            optional=("tasks", "meeting_tasks", "venues"),
        )
        zone = self.text(top["timezone"], ("timezone",), max_length=64)
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(("timezone",), f"{zone!r} is not a known time zone")
        closed_days = self.read_closed_days(top["closed_days"])
        lead_times = self.read_lead_times(top["lead_times"])
        stages = self.read_stages(top["stages"])
        venues = self.read_venues(top.get("venues"))
        meetings, meeting_paths = self.read_meetings(top["meetings"], stages, lead_times, venues)
        stage_tasks, stage_task_paths = self.read_tasks(top.get("tasks"), stages, meetings, lead_times)
        tasks, task_paths = self.expand_meeting_tasks(
            top.get("meeting_tasks"), meetings, stage_tasks, stage_task_paths, lead_times
        )
        self.check_references(stages, meetings, meeting_paths, tasks, task_paths)
        self.check_lead_times_used(lead_times, (meetings, tasks))
        order = self.dependency_order(stages, meetings, meeting_paths, tasks, task_paths)
        return CycleRules(
            source=self.document.path,
            digest=digest,
            timezone=zone,
            closed_days=closed_days,
            lead_times=lead_times,
            stages=stages,
            meetings=meetings,
            tasks=tasks,
            order=order,
        )

    def check_lead_times_used(self, lead_times: Mapping[str, int], rules: Any) -> None:
        """A lead time no rule uses is a typo (`notise:` for `notice:`): refused, not silently ignored."""
        used = {SECRETARIAT_LEAD_TIME} | set(_lead_times_named(rules))
        for name in lead_times:
            if name not in used:
                close = difflib.get_close_matches(name, sorted(used), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.fail(("lead_times", name), f"lead time {name!r} is not used by any rule{hint}")

    def read_closed_days(self, value: Any) -> ClosedDays:
        path: KeyPath = ("closed_days",)
        raw = self.mapping(
            value,
            path,
            required=("weekdays", "national_holidays"),
            optional=("year_end", "extra_closed", "extra_open"),
        )
        year_end = None
        if raw.get("year_end") is not None:
            span = self.mapping(raw["year_end"], (*path, "year_end"), required=("start", "end"))
            year_end = (
                self.month_day(span["start"], (*path, "year_end", "start")),
                self.month_day(span["end"], (*path, "year_end", "end")),
            )
        return ClosedDays(
            weekdays=frozenset(self.weekdays(raw["weekdays"], (*path, "weekdays"), allow_empty=True)),
            national_holidays=self.boolean(raw["national_holidays"], (*path, "national_holidays")),
            year_end=year_end,
            extra_closed=frozenset(
                self.calendar_date(item, item_path)
                for item, item_path in self.sequence(raw.get("extra_closed"), (*path, "extra_closed"))
            ),
            extra_open=frozenset(
                self.calendar_date(item, item_path)
                for item, item_path in self.sequence(raw.get("extra_open"), (*path, "extra_open"))
            ),
        )

    def read_lead_times(self, value: Any) -> dict[str, int]:
        path: KeyPath = ("lead_times",)
        if not isinstance(value, dict):
            self.fail(path, "expected a mapping of lead time names to business days")
        raw = self.mapping(value, path, required=(SECRETARIAT_LEAD_TIME,), optional=tuple(map(str, value)))
        lead_times: dict[str, int] = {}
        for name, days in raw.items():
            if not isinstance(name, str) or not _STAGE_KEY.match(name):
                self.fail((*path, str(name)), f"{name!r} is not a valid lead time name")
            # A 幹事会 must come strictly before the meeting it prepares: zero days would allow the same day.
            minimum = 1 if name == SECRETARIAT_LEAD_TIME else 0
            lead_times[name] = self.integer(days, (*path, name), minimum=minimum, maximum=MAX_BUSINESS_DAYS)
        return lead_times

    def read_stages(self, value: Any) -> tuple[StageRule, ...]:
        stages: list[StageRule] = []
        for index, (item, path) in enumerate(self.sequence(value, ("stages",))):
            raw = self.mapping(item, path, required=("key", "title", "lane", "window"))
            key = self.key(raw["key"], (*path, "key"), _STAGE_KEY, "stage")
            if any(stage.key == key for stage in stages):
                self.fail((*path, "key"), f"stage {key!r} is defined twice")
            lane = Lane(self.choice(raw["lane"], (*path, "lane"), tuple(lane.value for lane in Lane)))
            stages.append(
                StageRule(
                    key=key,
                    title=self.text(raw["title"], (*path, "title")),
                    lane=lane,
                    window=self.window(raw["window"], (*path, "window")),
                    sort_order=index,
                )
            )
        if not stages:
            self.fail(("stages",), "define at least one stage")
        return tuple(stages)

    def read_venues(self, value: Any) -> dict[str, Venue]:
        venues: dict[str, Venue] = {}
        if value is None:
            return venues
        if not isinstance(value, dict):
            self.fail(("venues",), "expected a mapping of venue keys to name, building and room")
        for key, item in value.items():
            path: KeyPath = ("venues", str(key))
            venue_key = self.key(key, path, _STAGE_KEY, "venue")
            raw = self.mapping(item, path, required=("name",), optional=("building", "room"))
            venues[venue_key] = Venue(
                name=self.text(raw["name"], (*path, "name"), max_length=60),
                building=self.optional_text(raw.get("building"), (*path, "building")),
                room=self.optional_text(raw.get("room"), (*path, "room")),
            )
        return venues

    def optional_text(self, value: Any, key_path: KeyPath) -> str:
        return "" if value is None else self.text(value, key_path, max_length=60)

    def meeting_venue(self, raw: Mapping[str, Any], path: KeyPath, venues: Mapping[str, Venue]) -> str | None:
        """The venue as documents and feeds print it. With `venues:` defined a meeting names one by key (and may
        give its own `room:`); without, `venue:` is the place as text."""
        value, room = raw.get("venue"), raw.get("room")
        if value is None:
            if room is not None:
                self.fail((*path, "room"), "a room needs a venue")
            return None
        if not venues:
            if room is not None:
                self.fail((*path, "room"), "a room needs a venue defined under venues:")
            return self.text(value, (*path, "venue"))
        if value not in venues:
            self.fail((*path, "venue"), f"unknown venue {value!r} (defined: {', '.join(venues)})")
        venue = venues[value]
        if room is not None:
            venue = dataclasses.replace(venue, room=self.text(room, (*path, "room"), max_length=60))
        return venue.label

    def read_meetings(
        self,
        value: Any,
        stages: tuple[StageRule, ...],
        lead_times: Mapping[str, int],
        venues: Mapping[str, Venue],
    ) -> tuple[tuple[MeetingRule, ...], dict[str, KeyPath]]:
        meetings: list[MeetingRule] = []
        paths: dict[str, KeyPath] = {}
        stage_keys = {stage.key for stage in stages}
        for item, path in self.sequence(value, ("meetings",)):
            raw = self.mapping(
                item,
                path,
                required=("key", "kind", "title", "window", "weekdays", "time"),
                optional=("number", "stage", "on_or_after", "venue", "room", "prepares", "not_before", "not_after"),
            )
            key = self.key(raw["key"], (*path, "key"), _MEETING_KEY, "meeting")
            if key in paths:
                self.fail((*path, "key"), f"meeting {key!r} is defined twice")
            kind = MeetingKind(self.choice(raw["kind"], (*path, "kind"), tuple(kind.value for kind in MeetingKind)))
            title = self.text(raw["title"], (*path, "title"))
            self.check_placeholders(title, (*path, "title"), {"fiscal_year_label", "fiscal_year"})
            stage = raw.get("stage")
            if stage is not None and stage not in stage_keys:
                self.fail((*path, "stage"), f"unknown stage {stage!r}")
            window = self.window(raw["window"], (*path, "window"))
            on_or_after = None
            if raw.get("on_or_after") is not None:
                on_or_after = self.month_day(raw["on_or_after"], (*path, "on_or_after"))
                if not window.contains(on_or_after):
                    self.fail((*path, "on_or_after"), f"{on_or_after} is outside the window {window}")
            span = self.mapping(raw["time"], (*path, "time"), required=("start", "end"))
            start = self.clock_time(span["start"], (*path, "time", "start"))
            end = self.clock_time(span["end"], (*path, "time", "end"))
            if end <= start:
                self.fail((*path, "time", "end"), f"{end:%H:%M} is not after {start:%H:%M}")
            prepares = raw.get("prepares")
            if prepares is not None:
                prepares = self.key(prepares, (*path, "prepares"), _MEETING_KEY, "meeting")
                if prepares == key:
                    self.fail((*path, "prepares"), "a meeting cannot prepare itself")
                if on_or_after is not None:
                    self.fail((*path, "on_or_after"), "a meeting that prepares another is placed from that meeting")
            number = raw.get("number")
            meetings.append(
                MeetingRule(
                    key=key,
                    kind=kind,
                    number=None if number is None else self.integer(number, (*path, "number"), minimum=1),
                    title=title,
                    stage=stage,
                    window=window,
                    on_or_after=on_or_after,
                    weekdays=self.weekdays(raw["weekdays"], (*path, "weekdays"), allow_empty=False),
                    start=start,
                    end=end,
                    venue=self.meeting_venue(raw, path, venues),
                    prepares=prepares,
                    not_before=self.anchors(raw.get("not_before"), (*path, "not_before"), lead_times),
                    not_after=self.anchors(raw.get("not_after"), (*path, "not_after"), lead_times),
                )
            )
            paths[key] = path
        for meeting in meetings:
            if meeting.prepares is not None and meeting.prepares not in paths:
                self.fail((*paths[meeting.key], "prepares"), f"unknown meeting {meeting.prepares!r}")
        return tuple(meetings), paths

    def read_tasks(
        self,
        value: Any,
        stages: tuple[StageRule, ...],
        meetings: tuple[MeetingRule, ...],
        lead_times: Mapping[str, int],
    ) -> tuple[list[TaskRule], dict[str, KeyPath]]:
        tasks: list[TaskRule] = []
        paths: dict[str, KeyPath] = {}
        stage_keys = {stage.key for stage in stages}
        meeting_keys = {meeting.key for meeting in meetings}
        for item, path in self.sequence(value, ("tasks",)):
            raw = self.mapping(
                item, path, required=("key", "title", "due"), optional=("stage", "meeting", "not_before", "not_after")
            )
            key = self.key(raw["key"], (*path, "key"), _TASK_KEY, "task")
            if key in paths:
                self.fail((*path, "key"), f"task {key!r} is defined twice")
            stage, meeting = raw.get("stage"), raw.get("meeting")
            if stage is not None and stage not in stage_keys:
                self.fail((*path, "stage"), f"unknown stage {stage!r}")
            if meeting is not None and meeting not in meeting_keys:
                self.fail((*path, "meeting"), f"unknown meeting {meeting!r}")
            tasks.append(
                TaskRule(
                    key=key,
                    title=self.text(raw["title"], (*path, "title")),
                    stage=stage,
                    meeting=meeting,
                    due=self.anchor(raw["due"], (*path, "due"), lead_times),
                    not_before=self.anchors(raw.get("not_before"), (*path, "not_before"), lead_times),
                    not_after=self.anchors(raw.get("not_after"), (*path, "not_after"), lead_times),
                )
            )
            paths[key] = path
        return tasks, paths

    def expand_meeting_tasks(
        self,
        value: Any,
        meetings: tuple[MeetingRule, ...],
        tasks: list[TaskRule],
        task_paths: dict[str, KeyPath],
        lead_times: Mapping[str, int],
    ) -> tuple[tuple[TaskRule, ...], dict[str, KeyPath]]:
        """One task per meeting and `meeting_tasks` entry, keyed '<prefix>:<meeting-key>'."""
        expanded = list(tasks)
        paths = dict(task_paths)
        kinds = tuple(kind.value for kind in MeetingKind)
        for item, path in self.sequence(value, ("meeting_tasks",)):
            raw = self.mapping(item, path, required=("prefix", "title"), optional=("before", "after", "kinds"))
            prefix = self.key(raw["prefix"], (*path, "prefix"), _STAGE_KEY, "task prefix")
            title = self.text(raw["title"], (*path, "title"))
            self.check_placeholders(title, (*path, "title"), {"meeting"})
            if ("before" in raw) == ("after" in raw):
                self.fail(path, "give exactly one of 'before' or 'after'")
            direction = "before" if "before" in raw else "after"
            days, lead_time = self.lead(raw[direction], (*path, direction), lead_times)
            wanted = {
                self.choice(kind, kind_path, kinds)
                for kind, kind_path in self.sequence(raw.get("kinds"), (*path, "kinds"))
            }
            for meeting in meetings:
                if wanted and meeting.kind.value not in wanted:
                    continue
                key = f"{prefix}:{meeting.key}"
                if key in paths:
                    self.fail(path, f"task {key!r} is already defined at {format_key_path(paths[key])}")
                expanded.append(
                    TaskRule(
                        key=key,
                        title=title,
                        stage=meeting.stage,
                        meeting=meeting.key,
                        due=Anchor(
                            kind="meeting",
                            key=meeting.key,
                            offset=-days if direction == "before" else days,
                            lead_time=lead_time,
                        ),
                        meeting_title_template=True,
                    )
                )
                paths[key] = path
        return tuple(expanded), paths

    def check_placeholders(self, text: str, key_path: KeyPath, allowed: set[str]) -> None:
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as error:
            self.fail(key_path, f"bad placeholder in {text!r}: {error}")
        unknown = fields - allowed
        if unknown:
            self.fail(key_path, f"unknown placeholder {{{sorted(unknown)[0]}}} (allowed: {', '.join(sorted(allowed))})")

    def check_references(
        self,
        stages: tuple[StageRule, ...],
        meetings: tuple[MeetingRule, ...],
        meeting_paths: dict[str, KeyPath],
        tasks: tuple[TaskRule, ...],
        task_paths: dict[str, KeyPath],
    ) -> None:
        known = {
            "stage": {stage.key for stage in stages},
            "meeting": {meeting.key for meeting in meetings},
            "task": {task.key for task in tasks},
        }

        def check(anchor: Anchor, key_path: KeyPath) -> None:
            if anchor.key not in known[anchor.kind]:
                self.fail((*key_path, anchor.kind), f"unknown {anchor.kind} {anchor.key!r}")

        for meeting in meetings:
            for field in ("not_before", "not_after"):
                for index, anchor in enumerate(getattr(meeting, field)):
                    check(anchor, (*meeting_paths[meeting.key], field, index))
        for task in tasks:
            path = task_paths[task.key]
            if not task.meeting_title_template:
                check(task.due, (*path, "due"))
            for field in ("not_before", "not_after"):
                for index, anchor in enumerate(getattr(task, field)):
                    check(anchor, (*path, field, index))

    def dependency_order(
        self,
        stages: tuple[StageRule, ...],
        meetings: tuple[MeetingRule, ...],
        meeting_paths: dict[str, KeyPath],
        tasks: tuple[TaskRule, ...],
        task_paths: dict[str, KeyPath],
    ) -> tuple[str, ...]:
        """Every item after what it depends on (file order otherwise); a cycle is an error naming its items."""
        depends: dict[str, list[str]] = {f"stage:{stage.key}": [] for stage in stages}
        paths: dict[str, KeyPath] = {}
        for meeting in meetings:
            item = f"meeting:{meeting.key}"
            depends[item] = [anchor.item_id for anchor in (*meeting.not_before, *meeting.not_after)]
            if meeting.prepares is not None:
                depends[item].append(f"meeting:{meeting.prepares}")
            paths[item] = meeting_paths[meeting.key]
        for task in tasks:
            item = f"task:{task.key}"
            depends[item] = [anchor.item_id for anchor in (task.due, *task.not_before, *task.not_after)]
            paths[item] = task_paths[task.key]
        order: list[str] = []
        state: dict[str, str] = {}

        def visit(item: str, trail: list[str]) -> None:
            if state.get(item) == "done":
                return
            if state.get(item) == "active":
                cycle = [*trail[trail.index(item) :], item]
                self.fail(paths.get(item, ()), f"dependency cycle: {' → '.join(cycle)}")
            state[item] = "active"
            for dependency in depends[item]:
                visit(dependency, [*trail, item])
            state[item] = "done"
            order.append(item)

        for item in depends:
            visit(item, [])
        return tuple(order)
