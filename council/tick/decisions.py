"""The daily heartbeat's decisions: given a fiscal year's stored state and a date, what is due.

Pure: the state comes in as plain values (council.tick.state reads it from the database), the actions go out; the
`tick` flow performs them. Every action is state-based — "due on or before today and not done yet" — so the same
date can be ticked any number of times, and a tick after days without one catches up by construction: whatever fell
due meanwhile is still not done, so it is due now. What may only happen on its own day is not caught up late: a
notice is not sent after its meeting; a survey reminder step that was missed is replaced by the current one (the
survey's own rule, see council.survey.status).

Which planner tasks the system completes itself (`AUTOMATED_TASK_PREFIXES`, for documented meetings) and which are
people's (everything else: the working-group report, the budget check, the candidates' compilation …): the tick
never completes people's tasks, it only flags them overdue; the simulation's default decisions do them on time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from council.keys import (
    MINUTES_PREFIX,
    PREPARATION_PREFIXES,
    RESPONSE_TASK_PREFIX,
    SURVEY_DEADLINE_TASK,
    SURVEY_OPEN_TASK,
    SURVEY_SUMMARY_TASK,
    meeting_task_key,
)
from council.planning.planner import TASKS_BEFORE_YEAR
from models.enums import (
    OPEN_MEETING_STATUSES,
    OPEN_TASK_STATUSES,
    CycleStatus,
    MeetingKind,
    MeetingStatus,
    StageStatus,
    TaskStatus,
)

ONE_DAY = timedelta(days=1)
# Preparations for the first meetings may fall due before April 1 (a notice lead time reaches back into March).
LOOKAHEAD = TASKS_BEFORE_YEAR


class ActionKind(StrEnum):
    activate_cycle = "activate-cycle"
    start_stage = "start-stage"
    kickoff_survey = "kickoff-survey"
    send_requests = "send-requests"  # an audience's 調査依頼 on the day its window opens (after the kickoff)
    collect_answers = "collect-answers"
    send_reminders = "send-reminders"
    close_survey = "close-survey"
    prepare_meeting = "prepare-meeting"
    record_meeting = "record-meeting"
    issue_schedule = "issue-schedule"
    finish_stage = "finish-stage"
    flag_overdue = "flag-overdue"
    close_cycle = "close-cycle"


# The order a day's actions are performed in: the year opens, stages start, the survey moves, meetings are prepared
# and recorded, then the bookkeeping that depends on all of that.
ACTION_ORDER = tuple(ActionKind)
BOOKKEEPING = frozenset(
    {
        ActionKind.activate_cycle,
        ActionKind.start_stage,
        ActionKind.finish_stage,
        ActionKind.flag_overdue,
        ActionKind.close_cycle,
    }
)


@dataclass(frozen=True, order=True)
class Action:
    """One thing due. `subject` names what it is about (a stage or meeting key, '' for the year or the survey);
    `kinds` lists the documents to prepare (prepare-meeting) and `task_keys` the tasks to flag (flag-overdue)."""

    fiscal_year: int
    kind: ActionKind
    subject: str = ""
    kinds: tuple[str, ...] = ()
    task_keys: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """'prepare-meeting 2026 council-1 (notice, agenda)' — for logs, artifacts and the TickRun record."""
        text = f"{self.kind.value} {self.fiscal_year}"
        if self.subject:
            text += f" {self.subject}"
        if self.kinds:
            text += f" ({', '.join(self.kinds)})"
        if self.task_keys:
            text += f" ({len(self.task_keys)} task{'s' if len(self.task_keys) != 1 else ''})"
        return text

    @property
    def identity(self) -> tuple[int, ActionKind, str]:
        """What makes two actions the same piece of work within one tick (kinds and task lists may grow)."""
        return (self.fiscal_year, self.kind, self.subject)


@dataclass(frozen=True)
class TaskState:
    key: str
    due: date
    status: TaskStatus
    stage_key: str | None  # its own stage, else its meeting's
    meeting_key: str | None
    flagged_overdue: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TASK_STATUSES


@dataclass(frozen=True)
class MeetingState:
    key: str
    kind: MeetingKind
    day: date  # in Asia/Tokyo
    status: MeetingStatus
    stage_key: str | None
    documented: bool  # the secretariat issues its notice, agenda and minutes
    awaiting_approval: bool = False


@dataclass(frozen=True)
class StageState:
    key: str
    start: date
    end: date
    status: StageStatus


@dataclass(frozen=True)
class SurveyState:
    """The year's survey: `closes_on` is the day the tick closes it (after the last reminder step)."""

    is_open: bool
    deadline: date
    closes_on: date
    reminders_due: int = 0  # reminders the survey's rules select for today
    reminder_days: tuple[date, ...] = ()
    requests_due: int = 0  # audiences whose window has opened and whose 調査依頼 has not gone out
    opening_days: tuple[date, ...] = ()  # the days the audiences' windows open


@dataclass(frozen=True)
class CycleState:
    fiscal_year: int
    status: CycleStatus
    stages: tuple[StageState, ...]
    meetings: tuple[MeetingState, ...]
    tasks: tuple[TaskState, ...]
    survey: SurveyState | None = None
    inbox_files: int = 0  # answer files waiting in the inbox
    schedule_draft_on: date | None = None  # the planned issue day of the 年間スケジュール's next edition, if drafted
    year_start: date = field(init=False)
    year_end: date = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "year_start", date(self.fiscal_year, 4, 1))
        object.__setattr__(self, "year_end", date(self.fiscal_year + 1, 3, 31))

    def task(self, key: str) -> TaskState | None:
        return next((task for task in self.tasks if task.key == key), None)


def is_automated(task_key: str, meetings: Iterable[MeetingState]) -> bool:
    """Whether a flow completes this task (else it is a person's)."""
    if task_key in (SURVEY_OPEN_TASK, SURVEY_DEADLINE_TASK, SURVEY_SUMMARY_TASK) or task_key.startswith(
        RESPONSE_TASK_PREFIX
    ):
        return True
    prefix, _, meeting_key = task_key.partition(":")
    if prefix not in (*PREPARATION_PREFIXES, MINUTES_PREFIX):
        return False
    return any(meeting.key == meeting_key and meeting.documented for meeting in meetings)


def _open_due(state: CycleState, key: str, today: date) -> bool:
    task = state.task(key)
    return task is not None and task.is_open and task.due <= today


def _survey_actions(state: CycleState, today: date) -> list[Action]:
    fiscal_year = state.fiscal_year
    actions: list[Action] = []
    survey = state.survey
    if (survey is None or survey.is_open) and _open_due(state, SURVEY_OPEN_TASK, today):
        actions.append(Action(fiscal_year, ActionKind.kickoff_survey))
    if survey is not None and survey.is_open and survey.requests_due and not _open_due(state, SURVEY_OPEN_TASK, today):
        actions.append(Action(fiscal_year, ActionKind.send_requests))
    if survey is not None and state.inbox_files:
        actions.append(Action(fiscal_year, ActionKind.collect_answers))
    if survey is not None and survey.is_open:
        if survey.reminders_due:
            actions.append(Action(fiscal_year, ActionKind.send_reminders))
        if today >= survey.closes_on:
            actions.append(Action(fiscal_year, ActionKind.close_survey))
    return actions


def _meeting_actions(state: CycleState, today: date) -> list[Action]:
    actions: list[Action] = []
    for meeting in state.meetings:
        if meeting.status in OPEN_MEETING_STATUSES and meeting.documented and not meeting.awaiting_approval:
            # Documents only go out before the meeting: a notice found unsent afterwards stays overdue for people.
            due = tuple(
                kind for kind in PREPARATION_PREFIXES if _open_due(state, meeting_task_key(kind, meeting.key), today)
            )
            if due and today <= meeting.day:
                actions.append(Action(state.fiscal_year, ActionKind.prepare_meeting, meeting.key, kinds=due))
        held_yesterday_or_before = meeting.day < today
        if meeting.status in OPEN_MEETING_STATUSES and held_yesterday_or_before:
            actions.append(Action(state.fiscal_year, ActionKind.record_meeting, meeting.key))
        elif (
            meeting.status == MeetingStatus.held
            and meeting.documented
            and _open_due(state, meeting_task_key(MINUTES_PREFIX, meeting.key), today)
        ):
            actions.append(Action(state.fiscal_year, ActionKind.record_meeting, meeting.key, kinds=(MINUTES_PREFIX,)))
    return actions


def _stage_is_finished(state: CycleState, stage: StageState, today: date) -> bool:
    """A stage is done once its window has passed and its tasks and meetings are settled."""
    if today <= stage.end or stage.status == StageStatus.done:
        return False
    if any(task.is_open for task in state.tasks if task.stage_key == stage.key):
        return False
    return not any(m.status in OPEN_MEETING_STATUSES for m in state.meetings if m.stage_key == stage.key)


def due_actions(state: CycleState, today: date) -> list[Action]:
    """Everything due on `today` for one fiscal year, in the order to perform it (see ACTION_ORDER)."""
    if state.status == CycleStatus.closed or today < state.year_start - LOOKAHEAD:
        return []
    fiscal_year = state.fiscal_year
    actions: list[Action] = []
    if state.status == CycleStatus.planned and today >= state.year_start:
        actions.append(Action(fiscal_year, ActionKind.activate_cycle))
    actions += [
        Action(fiscal_year, ActionKind.start_stage, stage.key)
        for stage in state.stages
        if stage.status == StageStatus.planned and stage.start <= today
    ]
    actions += _survey_actions(state, today)
    actions += _meeting_actions(state, today)
    if state.schedule_draft_on is not None and state.schedule_draft_on <= today:
        actions.append(Action(fiscal_year, ActionKind.issue_schedule))
    actions += [
        Action(fiscal_year, ActionKind.finish_stage, stage.key)
        for stage in state.stages
        if _stage_is_finished(state, stage, today)
    ]
    newly_overdue = tuple(
        sorted(task.key for task in state.tasks if task.is_open and task.due < today and not task.flagged_overdue)
    )
    if newly_overdue:
        actions.append(Action(fiscal_year, ActionKind.flag_overdue, task_keys=newly_overdue))
    settled = all(stage.status == StageStatus.done for stage in state.stages)
    if settled and state.stages and today > state.year_end:
        actions.append(Action(fiscal_year, ActionKind.close_cycle))
    return sorted(actions, key=lambda action: (ACTION_ORDER.index(action.kind), action.subject))


def event_days(state: CycleState) -> list[date]:
    """The days on which something of this year can fall due: stage starts and the days after their ends, task due
    days and the days after, meeting days and the days after, reminder days, the survey's closing day, the year's
    first day and the day after its last. Ticking on these days alone does what ticking every day would."""
    days: set[date] = {state.year_start, state.year_end + ONE_DAY}
    for stage in state.stages:
        days.update((stage.start, stage.end + ONE_DAY))
    for task in state.tasks:
        days.update((task.due, task.due + ONE_DAY))
    for meeting in state.meetings:
        days.update((meeting.day, meeting.day + ONE_DAY))
    if state.survey is not None:
        days.update(state.survey.reminder_days)
        days.update(state.survey.opening_days)
        days.update((state.survey.closes_on, state.survey.deadline + ONE_DAY))
    if state.schedule_draft_on is not None:
        days.add(state.schedule_draft_on)
    return sorted(days)


def next_event_day(state: CycleState, after: date, extra: Sequence[date] = ()) -> date | None:
    """The first day after `after` on which something can fall due (or one of `extra`), None when nothing is left."""
    later = [day for day in (*event_days(state), *extra) if day > after]
    return min(later) if later else None


def missed_days(last_tick: date | None, today: date) -> int:
    """How many days since the last tick went without one (0 when yesterday was ticked, or on the first tick)."""
    if last_tick is None or last_tick >= today:
        return 0
    return (today - last_tick).days - 1
