"""The regular meetings of the regional bodies and the working teams (calendar/bodies.yaml): read, validated, and
turned into the planner's own rules (council.planning.rules.MeetingRule, TaskRule), so a body's meetings are placed on
business days exactly as the council's are. The file format is documented in the file itself."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from council.keys import AGENDA_PREFIX, MINUTES_PREFIX, NOTICE_PREFIX
from council.planning.business_days import MonthDay
from council.planning.rules import (
    Anchor,
    CycleRules,
    MeetingRule,
    TaskRule,
    Venue,
    Window,
    _RulesReader,
    fiscal_date,
    fiscal_order,
)
from council.yamlfile import KeyPath, YamlDocument, load_yaml, reloading
from models.enums import MeetingKind

BODIES_RULES_FILE = "bodies.yaml"
TASK_PREFIXES = (NOTICE_PREFIX, AGENDA_PREFIX, MINUTES_PREFIX)  # the documents the tick prepares and records


@dataclass(frozen=True)
class Occurrence:
    """One meeting of the year: its window and the day it goes on or after."""

    window: Window
    on_or_after: MonthDay | None


@dataclass(frozen=True)
class MeetingSeries:
    """A body's (or a team's) meetings of a year: the title ({body}/{team} and {n}), when, and where (a venue key;
    None: the venue keyed like the body's area)."""

    title: str
    weekdays: tuple[int, ...]
    start: time
    end: time
    venue: str | None
    occurrences: tuple[Occurrence, ...]


@dataclass(frozen=True)
class MeetingTaskRule:
    prefix: str
    title: str  # with {meeting}
    offset: int  # business days, negative = before
    lead_time: str


@dataclass(frozen=True)
class AdHocRule:
    """A meeting added by hand: its default title ({body}), length and venue key."""

    title: str
    hours: int
    venue: str


@dataclass(frozen=True)
class BodiesRules:
    source: Path
    digest: str
    lead_times: Mapping[str, int]
    meeting_tasks: tuple[MeetingTaskRule, ...]
    venues: Mapping[str, Venue]
    regional_default: MeetingSeries
    regional_bodies: Mapping[str, MeetingSeries]  # body code → its series (the default's keys overridden)
    team_stage: str
    team_name: str  # with {theme}
    teams: MeetingSeries
    ad_hoc: AdHocRule

    def series_for_body(self, code: str) -> MeetingSeries:
        return self.regional_bodies.get(code, self.regional_default)

    def venue_label(self, key: str | None, *fallbacks: str) -> str | None:
        """The venue `key` as documents print it, else the first of `fallbacks` that is a venue (an area's code)."""
        for candidate in (key, *fallbacks):
            if candidate is not None and candidate in self.venues:
                return self.venues[candidate].label
        return None


def load_bodies_rules(path: Path) -> BodiesRules:
    document = load_yaml(path)
    return _BodiesReader(document).read_all(hashlib.sha256(path.read_bytes()).hexdigest())


bodies_rules = reloading(load_bodies_rules)  # read once per version of the file


def bodies_rules_path(cycle_file: Path) -> Path:
    """calendar/bodies.yaml next to the cycle's rules."""
    return cycle_file.parent / BODIES_RULES_FILE


class _BodiesReader(_RulesReader):
    def __init__(self, document: YamlDocument) -> None:
        super().__init__(document)

    def read_all(self, digest: str) -> BodiesRules:
        top = self.mapping(
            self.document.data,
            (),
            required=("lead_times", "meeting_tasks", "venues", "regional_bodies", "working_teams", "ad_hoc"),
        )
        lead_times = self.read_plain_lead_times(top["lead_times"])
        venues = self.read_venues(top["venues"])
        if not venues:
            self.fail(("venues",), "define at least one venue")
        tasks = self.read_meeting_tasks(top["meeting_tasks"], lead_times)
        regional = self.mapping(
            top["regional_bodies"], ("regional_bodies",), required=("default",), optional=("bodies",)
        )
        default_path: KeyPath = ("regional_bodies", "default")
        default_raw = self.mapping(
            regional["default"],
            default_path,
            required=("title", "weekdays", "time", "meetings"),
            optional=("venue",),
        )
        default = self.series(default_raw, default_path, venues, placeholders={"body", "n"})
        overrides: dict[str, MeetingSeries] = {}
        bodies_raw = regional.get("bodies") or {}
        if not isinstance(bodies_raw, dict):
            self.fail(("regional_bodies", "bodies"), "expected a mapping of body codes to their own keys")
        for code, raw in bodies_raw.items():
            path: KeyPath = ("regional_bodies", "bodies", str(code))
            own = self.mapping(raw, path, required=(), optional=("title", "weekdays", "time", "meetings", "venue"))
            overrides[str(code)] = self.series({**default_raw, **own}, path, venues, placeholders={"body", "n"})
        teams_path: KeyPath = ("working_teams",)
        teams_raw = self.mapping(
            top["working_teams"],
            teams_path,
            required=("stage", "name", "title", "weekdays", "time", "venue", "meetings"),
        )
        stage = self.text(teams_raw["stage"], (*teams_path, "stage"), max_length=40)
        team_name = self.text(teams_raw["name"], (*teams_path, "name"), max_length=60)
        self.check_placeholders(team_name, (*teams_path, "name"), {"theme"})
        teams = self.series(teams_raw, teams_path, venues, placeholders={"team", "n"})
        ad_hoc_raw = self.mapping(top["ad_hoc"], ("ad_hoc",), required=("title", "hours", "venue"))
        ad_hoc_title = self.text(ad_hoc_raw["title"], ("ad_hoc", "title"))
        self.check_placeholders(ad_hoc_title, ("ad_hoc", "title"), {"body"})
        if ad_hoc_raw["venue"] not in venues:
            self.fail(("ad_hoc", "venue"), f"unknown venue {ad_hoc_raw['venue']!r} (defined: {', '.join(venues)})")
        ad_hoc = AdHocRule(
            title=ad_hoc_title,
            hours=self.integer(ad_hoc_raw["hours"], ("ad_hoc", "hours"), minimum=1, maximum=8),
            venue=ad_hoc_raw["venue"],
        )
        return BodiesRules(
            source=self.document.path,
            digest=digest,
            lead_times=lead_times,
            meeting_tasks=tasks,
            venues=venues,
            regional_default=default,
            regional_bodies=overrides,
            team_stage=stage,
            team_name=team_name,
            teams=teams,
            ad_hoc=ad_hoc,
        )

    def read_plain_lead_times(self, value: Any) -> dict[str, int]:
        if not isinstance(value, dict) or not value:
            self.fail(("lead_times",), "expected a mapping of lead time names to business days")
        return {
            str(name): self.integer(days, ("lead_times", str(name)), minimum=0, maximum=120)
            for name, days in value.items()
        }

    def read_meeting_tasks(self, value: Any, lead_times: Mapping[str, int]) -> tuple[MeetingTaskRule, ...]:
        tasks: list[MeetingTaskRule] = []
        for item, path in self.sequence(value, ("meeting_tasks",)):
            raw = self.mapping(item, path, required=("prefix", "title"), optional=("before", "after"))
            prefix = self.choice(raw["prefix"], (*path, "prefix"), TASK_PREFIXES)
            if any(task.prefix == prefix for task in tasks):
                self.fail((*path, "prefix"), f"{prefix!r} is listed twice")
            title = self.text(raw["title"], (*path, "title"))
            self.check_placeholders(title, (*path, "title"), {"meeting"})
            if ("before" in raw) == ("after" in raw):
                self.fail(path, "give exactly one of 'before' or 'after'")
            direction = "before" if "before" in raw else "after"
            days, lead_time = self.lead(raw[direction], (*path, direction), lead_times)
            if lead_time is None:
                self.fail((*path, direction), "name a lead time (defined under lead_times)")
            tasks.append(MeetingTaskRule(prefix, title, -days if direction == "before" else days, lead_time))
        return tuple(tasks)

    def series(
        self, raw: Mapping[str, Any], path: KeyPath, venues: Mapping[str, Venue], *, placeholders: set[str]
    ) -> MeetingSeries:
        title = self.text(raw["title"], (*path, "title"))
        self.check_placeholders(title, (*path, "title"), placeholders)
        span = self.mapping(raw["time"], (*path, "time"), required=("start", "end"))
        start = self.clock_time(span["start"], (*path, "time", "start"))
        end = self.clock_time(span["end"], (*path, "time", "end"))
        if end <= start:
            self.fail((*path, "time", "end"), f"{end:%H:%M} is not after {start:%H:%M}")
        venue = raw.get("venue")
        if venue is not None and venue not in venues:
            self.fail((*path, "venue"), f"unknown venue {venue!r} (defined: {', '.join(venues)})")
        occurrences: list[Occurrence] = []
        for item, item_path in self.sequence(raw["meetings"], (*path, "meetings")):
            entry = self.mapping(item, item_path, required=("window",), optional=("on_or_after",))
            window = self.window(entry["window"], (*item_path, "window"))
            on_or_after = None
            if entry.get("on_or_after") is not None:
                on_or_after = self.month_day(entry["on_or_after"], (*item_path, "on_or_after"))
                if not window.contains(on_or_after):
                    self.fail((*item_path, "on_or_after"), f"{on_or_after} is outside the window {window}")
            if occurrences and fiscal_order(window.start) <= fiscal_order(occurrences[-1].window.end):
                self.fail((*item_path, "window"), "windows must follow each other through the fiscal year")
            occurrences.append(Occurrence(window, on_or_after))
        if not occurrences:
            self.fail((*path, "meetings"), "list at least one meeting")
        return MeetingSeries(
            title=title,
            weekdays=self.weekdays(raw["weekdays"], (*path, "weekdays"), allow_empty=False),
            start=start,
            end=end,
            venue=venue,
            occurrences=tuple(occurrences),
        )


# ------------------------------------------------------------------------------------------------- for the planner


@dataclass(frozen=True)
class SeriesOf:
    """Whose series it is: the key prefix of its meetings, their kind, how its title is filled, and its stage."""

    key_prefix: str
    kind: MeetingKind
    title_values: Mapping[str, str]
    venue: str | None
    stage: str | None = None


def meeting_rules(
    series: MeetingSeries, owner: SeriesOf, fiscal_year: int, *, earliest: date | None = None
) -> tuple[MeetingRule, ...]:
    """The planner's rules for a series' meetings of `fiscal_year`, numbered 1, 2 … in the year; with `earliest`,
    a meeting whose window ends before it is left out and the others go on or after it."""
    rules: list[MeetingRule] = []
    for occurrence in series.occurrences:
        window = occurrence.window
        on_or_after = occurrence.on_or_after
        if earliest is not None:
            first, last = window.dates(fiscal_year)
            if last < earliest:
                continue
            planned = fiscal_date(on_or_after, fiscal_year) if on_or_after is not None else first
            if planned < earliest:
                on_or_after = MonthDay(earliest.month, earliest.day)
        number = len(rules) + 1
        rules.append(
            MeetingRule(
                key=f"{owner.key_prefix}-{number}",
                kind=owner.kind,
                number=number,
                title=series.title.format(**owner.title_values, n=number),
                stage=owner.stage,
                window=window,
                on_or_after=on_or_after,
                weekdays=series.weekdays,
                start=series.start,
                end=series.end,
                venue=owner.venue,
                prepares=None,
                not_before=(),
                not_after=(),
            )
        )
    return tuple(rules)


def planner_rules(cycle: CycleRules, bodies: BodiesRules, meetings: Sequence[MeetingRule]) -> CycleRules:
    """A CycleRules holding only `meetings` and their document tasks, on the cycle's business calendar."""
    tasks = tuple(
        TaskRule(
            key=f"{task.prefix}:{meeting.key}",
            title=task.title,
            stage=meeting.stage,
            meeting=meeting.key,
            due=Anchor(kind="meeting", key=meeting.key, offset=task.offset, lead_time=task.lead_time),
            meeting_title_template=True,
        )
        for meeting in meetings
        for task in bodies.meeting_tasks
    )
    order = (*(f"meeting:{meeting.key}" for meeting in meetings), *(f"task:{task.key}" for task in tasks))
    return dataclasses.replace(
        cycle,
        source=bodies.source,
        digest=bodies.digest,
        lead_times=dict(bodies.lead_times),
        stages=(),
        meetings=tuple(meetings),
        tasks=tasks,
        order=order,
    )
