"""The planner: from the cycle's rules, a fiscal year, the business calendar and the secretariat's pins, every stage
window, every meeting (day and time) and every derived task with its due date — and why each date was chosen.

Pure and deterministic: no session, no clock. Whatever cannot be satisfied is a PlanningError naming the rule and the
dates involved; the planner never moves anything silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from council.errors import PlanningError
from council.planning.business_days import BusinessCalendar
from council.planning.rules import Anchor, CycleRules, MeetingRule, StageRule, TaskRule, fiscal_date, weekdays_label
from council.wareki import WEEKDAYS_JA, fiscal_year_label
from models.enums import Lane, MeetingKind


@dataclass(frozen=True)
class Pin:
    """A meeting day fixed by hand; `start` None keeps the rule's start time.

    `fixed_because` is set when the day is fixed by the meeting's state rather than by the secretariat's pin (e.g.
    'confirmed', 'held'): the planner treats it the same, but the meeting is not marked pinned.
    """

    day: date
    start: time | None = None
    fixed_because: str | None = None


@dataclass(frozen=True)
class PlannedStage:
    key: str
    title: str
    lane: Lane
    start: date
    end: date
    sort_order: int
    explanation: str


@dataclass(frozen=True)
class PlannedMeeting:
    key: str
    kind: MeetingKind
    number: int | None
    title: str
    stage_key: str | None
    prepares_key: str | None
    start: datetime  # aware, in the rules' time zone
    end: datetime
    venue: str | None
    pinned: bool
    explanation: str

    @property
    def day(self) -> date:
        return self.start.date()


@dataclass(frozen=True)
class PlannedTask:
    key: str
    title: str
    due: date
    stage_key: str | None
    meeting_key: str | None
    explanation: str


@dataclass(frozen=True)
class YearPlan:
    fiscal_year: int
    rules_digest: str
    timezone: str
    stages: tuple[PlannedStage, ...]  # in the rules' order
    meetings: tuple[PlannedMeeting, ...]  # by start
    tasks: tuple[PlannedTask, ...]  # by due date, then key

    def stage(self, key: str) -> PlannedStage:
        return next(stage for stage in self.stages if stage.key == key)

    def meeting(self, key: str) -> PlannedMeeting:
        return next(meeting for meeting in self.meetings if meeting.key == key)

    def task(self, key: str) -> PlannedTask:
        return next(task for task in self.tasks if task.key == key)

    @property
    def task_keys(self) -> frozenset[str]:
        return frozenset(task.key for task in self.tasks)

    def explanations(self) -> dict[str, str]:
        """Why every date is what it is, keyed 'stage:KEY', 'meeting:KEY', 'task:KEY'."""
        reasons = {f"stage:{stage.key}": stage.explanation for stage in self.stages}
        reasons.update({f"meeting:{meeting.key}": meeting.explanation for meeting in self.meetings})
        reasons.update({f"task:{task.key}": task.explanation for task in self.tasks})
        return reasons


def plan_year(rules: CycleRules, fiscal_year: int, calendar: BusinessCalendar, pins: Mapping[str, Pin]) -> YearPlan:
    """The plan of `fiscal_year`. Raises PlanningError for a pin on a closed day or outside its window, a 幹事会 not
    strictly before its council meeting, a window without a business day, or a lead time that cannot be met."""
    return _Planner(rules, fiscal_year, calendar, pins).plan()


ONE_DAY = timedelta(days=1)
TASKS_BEFORE_YEAR = timedelta(days=60)  # the tick looks this far ahead of a year
TASKS_AFTER_YEAR = timedelta(days=60)


def _skipped(notes: list[str], opening: str = "; ", closing: str = "") -> str:
    return f"{opening}{', '.join(notes)} skipped{closing}" if notes else ""


def md(day: date) -> str:
    """'07-20'."""
    return f"{day.month:02d}-{day.day:02d}"


def day_label(day: date) -> str:
    """'2026-07-01 (水)'."""
    return f"{day.isoformat()} ({WEEKDAYS_JA[day.weekday()]})"


class _Planner:
    def __init__(
        self, rules: CycleRules, fiscal_year: int, calendar: BusinessCalendar, pins: Mapping[str, Pin]
    ) -> None:
        unknown = sorted(set(pins) - {meeting.key for meeting in rules.meetings})
        if unknown:
            raise PlanningError(f"FY{fiscal_year}: pin for unknown meeting {unknown[0]!r}")
        self.rules = rules
        self.fiscal_year = fiscal_year
        self.calendar = calendar
        self.pins = pins
        self.label = fiscal_year_label(fiscal_year)
        # Without pins, a conflict is the rules' own: name the file. With pins, the pins are the likely cause.
        self.blame = None if pins else str(rules.source)
        self.stages: dict[str, PlannedStage] = {}
        self.meetings: dict[str, PlannedMeeting] = {}
        self.tasks: dict[str, PlannedTask] = {}

    def plan(self) -> YearPlan:
        for item in self.rules.order:
            kind, key = item.split(":", 1)
            if kind == "stage":
                self.stages[key] = self.plan_stage(self.rules.stage(key))
            elif kind == "meeting":
                self.meetings[key] = self.plan_meeting(self.rules.meeting(key))
            else:
                self.tasks[key] = self.plan_task(self.rules.task(key))
        self.check_bounds()
        return YearPlan(
            fiscal_year=self.fiscal_year,
            rules_digest=self.rules.digest,
            timezone=self.rules.timezone,
            stages=tuple(self.stages[rule.key] for rule in self.rules.stages),
            meetings=tuple(sorted(self.meetings.values(), key=lambda meeting: (meeting.start, meeting.key))),
            tasks=tuple(sorted(self.tasks.values(), key=lambda task: (task.due, task.key))),
        )

    def check_bounds(self) -> None:
        """Every task of the year falls between TASKS_BEFORE_YEAR before its first day (a notice for an April
        meeting goes out in March) and TASKS_AFTER_YEAR after its last (the minutes of a March meeting): anything
        else is a mistake in the rules, refused before the plan is stored."""
        first, last = date(self.fiscal_year, 4, 1), date(self.fiscal_year + 1, 3, 31)
        for task in self.tasks.values():
            if not first - TASKS_BEFORE_YEAR <= task.due <= last + TASKS_AFTER_YEAR:
                raise PlanningError(
                    f"FY{self.fiscal_year} task {task.key}: due {task.due.isoformat()}, outside the fiscal year "
                    f"{first.isoformat()}..{last.isoformat()} by more than the rules allow "
                    f"({TASKS_BEFORE_YEAR.days} days before, {TASKS_AFTER_YEAR.days} after): check its lead time",
                    file=str(self.rules.source),
                )

    # ---- anchors ------------------------------------------------------------------------------------------------

    def base_date(self, anchor: Anchor) -> date:
        if anchor.kind == "stage":
            stage = self.stages[anchor.key]
            return stage.start if anchor.at == "start" else stage.end
        if anchor.kind == "task":
            return self.tasks[anchor.key].due
        return self.meetings[anchor.key].day

    def resolve(self, anchor: Anchor) -> tuple[date, str]:
        """The anchor's date and how it was reached: '10 business days (notice) before meeting council-1 (…)'."""
        base = self.base_date(anchor)
        return (
            self.calendar.add_business_days(base, anchor.offset),
            f"{anchor.describe_offset()}{anchor.describe_base()} ({day_label(base)})",
        )

    def bounds(
        self, not_before: tuple[Anchor, ...], not_after: tuple[Anchor, ...]
    ) -> tuple[list[tuple[date, str]], list[tuple[date, str]]]:
        return [self.resolve(anchor) for anchor in not_before], [self.resolve(anchor) for anchor in not_after]

    # ---- stages -------------------------------------------------------------------------------------------------

    def plan_stage(self, rule: StageRule) -> PlannedStage:
        window_start, window_end = rule.window.dates(self.fiscal_year)
        open_days = list(self.calendar.business_days_in(window_start, window_end))
        if not open_days:
            raise PlanningError(
                f"FY{self.fiscal_year} stage {rule.key}: window {window_start}..{window_end} has no business day",
                file=self.blame,
            )
        start, end = open_days[0], open_days[-1]
        parts = [f"window {rule.window} ({window_start}..{window_end})"]
        before_start = self.closed_between(window_start, start - ONE_DAY)
        after_end = self.closed_between(end + ONE_DAY, window_end)
        parts.append(f"starts on its first business day {day_label(start)}{_skipped(before_start, ' (', ')')}")
        parts.append(f"ends on its last business day {day_label(end)}{_skipped(after_end, ' (', ')')}")
        return PlannedStage(
            key=rule.key,
            title=rule.title,
            lane=rule.lane,
            start=start,
            end=end,
            sort_order=rule.sort_order,
            explanation="; ".join(parts),
        )

    def closed_between(self, first: date, last: date, weekdays: tuple[int, ...] | None = None) -> list[str]:
        """'07-20 祝日（海の日）' for every closed day in [first, last] (only on `weekdays` when given)."""
        notes: list[str] = []
        day = first
        while day <= last:
            reason = self.calendar.closure_reason(day)
            if reason is not None and (weekdays is None or day.weekday() in weekdays):
                notes.append(f"{md(day)} {reason}")
            day += timedelta(days=1)
        return notes

    # ---- meetings -----------------------------------------------------------------------------------------------

    def plan_meeting(self, rule: MeetingRule) -> PlannedMeeting:
        window_start, window_end = rule.window.dates(self.fiscal_year)
        if next(self.calendar.business_days_in(window_start, window_end), None) is None:
            raise self.error(rule, f"window {rule.window} ({window_start}..{window_end}) has no business day")
        lower, upper = self.bounds(rule.not_before, rule.not_after)
        if rule.prepares is not None:
            prepared = self.meetings[rule.prepares]
            latest = self.calendar.add_business_days(prepared.day, -self.rules.secretariat_lead_time)
            upper.append(
                (
                    latest,
                    f"{self.rules.secretariat_lead_time} business days (secretariat_meeting) before "
                    f"meeting {prepared.key} ({day_label(prepared.day)})",
                )
            )
        pin = self.pins.get(rule.key)
        if pin is not None:
            day, reason = self.check_pin(rule, pin, window_start, window_end, lower, upper)
        else:
            day, reason = self.choose_day(rule, window_start, window_end, lower, upper)
        start_time = pin.start if pin is not None and pin.start is not None else rule.start
        duration = datetime.combine(day, rule.end) - datetime.combine(day, rule.start)
        start = datetime.combine(day, start_time, tzinfo=self.rules.zone)
        end = start + duration
        if end.date() != day:
            raise self.error(rule, f"a meeting starting at {start_time:%H:%M} would end after midnight")
        return PlannedMeeting(
            key=rule.key,
            kind=rule.kind,
            number=rule.number,
            title=rule.title_for(self.label, self.fiscal_year),
            stage_key=rule.stage,
            prepares_key=rule.prepares,
            start=start,
            end=end,
            venue=rule.venue,
            pinned=pin is not None and pin.fixed_because is None,
            explanation=f"{reason}; {start:%H:%M}–{end:%H:%M}",
        )

    def error(self, rule: MeetingRule, message: str) -> PlanningError:
        return PlanningError(f"FY{self.fiscal_year} meeting {rule.key}: {message}", file=self.blame)

    def check_pin(
        self,
        rule: MeetingRule,
        pin: Pin,
        window_start: date,
        window_end: date,
        lower: list[tuple[date, str]],
        upper: list[tuple[date, str]],
    ) -> tuple[date, str]:
        day = pin.day
        closed = self.calendar.closure_reason(day)
        if closed is not None:
            raise self.error(rule, f"pinned to {day_label(day)}, a closed day ({closed})")
        if not window_start <= day <= window_end:
            raise self.error(rule, f"pinned to {day_label(day)}, outside its window {window_start}..{window_end}")
        if rule.prepares is not None:
            prepared = self.meetings[rule.prepares]
            if day >= prepared.day:
                raise self.error(
                    rule,
                    f"pinned to {day_label(day)}, not strictly before meeting {prepared.key} "
                    f"({day_label(prepared.day)}) that it prepares",
                )
        for bound, why in lower:
            if day < bound:
                raise self.error(rule, f"lead time cannot be met: pinned to {day_label(day)}, before {bound} = {why}")
        for bound, why in upper:
            if day > bound:
                raise self.error(rule, f"lead time cannot be met: pinned to {day_label(day)}, after {bound} = {why}")
        if pin.fixed_because is not None:
            return day, f"kept on {day_label(day)} because the meeting is {pin.fixed_because}"
        return day, f"pinned by the secretariat to {day_label(day)}"

    def choose_day(
        self,
        rule: MeetingRule,
        window_start: date,
        window_end: date,
        lower: list[tuple[date, str]],
        upper: list[tuple[date, str]],
    ) -> tuple[date, str]:
        earliest = max([window_start, *(bound for bound, _ in lower)])
        latest = min([window_end, *(bound for bound, _ in upper)])
        limits = [f"not before {bound} = {why}" for bound, why in lower if bound > window_start]
        limits += [f"not after {bound} = {why}" for bound, why in upper if bound < window_end]
        candidates = list(self.calendar.business_days_in(earliest, latest))
        if not candidates:
            raise self.error(
                rule,
                f"lead time cannot be met: no business day in window {window_start}..{window_end}"
                + (f" ({'; '.join(limits)})" if limits else ""),
            )
        preferred = [day for day in candidates if day.weekday() in rule.weekdays]
        label = weekdays_label(rule.weekdays)
        fallback = ""
        if not preferred:
            fallback = f"no {label} business day possible, so any business day; "
            preferred = candidates
            label = "business day"
        window = f"in window {rule.window}"
        constraints = f" ({'; '.join(limits)})" if limits else ""
        if rule.prepares is not None:
            day = preferred[-1]
            skipped = _skipped(self.closed_between(day + ONE_DAY, latest, rule.weekdays))
            reason = f"{fallback}latest {label} on/before {md(latest)} {window}{constraints}: {day_label(day)}{skipped}"
            return day, reason
        anchor = fiscal_date(rule.on_or_after, self.fiscal_year) if rule.on_or_after else window_start
        on_or_after = [day for day in preferred if day >= anchor]
        if on_or_after:
            day = on_or_after[0]
            skipped = _skipped(self.closed_between(max(anchor, earliest), day - ONE_DAY, rule.weekdays))
            reason = f"{fallback}first {label} on/after {md(max(anchor, earliest))} {window}{constraints}: "
            return day, f"{reason}{day_label(day)}{skipped}"
        day = preferred[-1]
        reason = f"{fallback}no {label} on/after {md(anchor)} {window}{constraints}, so the latest before it: "
        return day, f"{reason}{day_label(day)}"

    # ---- tasks --------------------------------------------------------------------------------------------------

    def plan_task(self, rule: TaskRule) -> PlannedTask:
        due, why = self.resolve(rule.due)
        lower, upper = self.bounds(rule.not_before, rule.not_after)
        for bound, bound_why in lower:
            if due < bound:
                raise PlanningError(
                    f"FY{self.fiscal_year} task {rule.key}: lead time cannot be met: "
                    f"due {due} ({why}) is before {bound} = {bound_why}",
                    file=self.blame,
                )
        for bound, bound_why in upper:
            if due > bound:
                raise PlanningError(
                    f"FY{self.fiscal_year} task {rule.key}: lead time cannot be met: "
                    f"due {due} ({why}) is after {bound} = {bound_why}",
                    file=self.blame,
                )
        title = rule.title
        if rule.meeting_title_template and rule.meeting is not None:
            title = rule.title.format(meeting=self.meetings[rule.meeting].title)
        return PlannedTask(
            key=rule.key,
            title=title,
            due=due,
            stage_key=rule.stage,
            meeting_key=rule.meeting,
            explanation=f"{why}: {day_label(due)}",
        )
