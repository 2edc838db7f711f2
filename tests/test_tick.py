"""council.tick.decisions: what is due on a day, from a year's state (pure, no database, no Prefect)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from council.tick.decisions import (
    Action,
    ActionKind,
    CycleState,
    MeetingState,
    StageState,
    SurveyState,
    TaskState,
    due_actions,
    event_days,
    is_automated,
    missed_days,
    next_event_day,
)
from models.enums import CycleStatus, MeetingKind, MeetingStatus, StageStatus, TaskStatus

FY = 2026


def task(
    key: str, due: date, status: TaskStatus = TaskStatus.pending, stage: str | None = None, meeting: str | None = None
) -> TaskState:
    return TaskState(key=key, due=due, status=status, stage_key=stage, meeting_key=meeting)


def meeting(key: str, day: date, kind: MeetingKind = MeetingKind.council_meeting, **kw: object) -> MeetingState:
    values: dict[str, object] = {
        "key": key,
        "kind": kind,
        "day": day,
        "status": MeetingStatus.planned,
        "stage_key": "first_meeting",
        "documented": kind != MeetingKind.mayors_meeting,
    }
    values.update(kw)
    return MeetingState(**values)  # type: ignore[arg-type]


def year(**kw: object) -> CycleState:
    values: dict[str, object] = {
        "fiscal_year": FY,
        "status": CycleStatus.active,
        "stages": (
            StageState("survey", date(2026, 4, 1), date(2026, 4, 30), StageStatus.in_progress),
            StageState("first_meeting", date(2026, 6, 1), date(2026, 7, 31), StageStatus.planned),
        ),
        "meetings": (meeting("council-1", date(2026, 7, 1)),),
        "tasks": (
            task("survey:open", date(2026, 4, 1), stage="survey"),
            task("notice:council-1", date(2026, 6, 17), stage="first_meeting", meeting="council-1"),
            task("agenda:council-1", date(2026, 6, 26), stage="first_meeting", meeting="council-1"),
            task("minutes:council-1", date(2026, 7, 15), stage="first_meeting", meeting="council-1"),
        ),
    }
    values.update(kw)
    return CycleState(**values)  # type: ignore[arg-type]


def kinds(actions: list[Action]) -> list[tuple[ActionKind, str]]:
    return [(action.kind, action.subject) for action in actions]


def replace_task(state: CycleState, key: str, **changes: object) -> CycleState:
    tasks = tuple(dataclasses.replace(t, **changes) if t.key == key else t for t in state.tasks)  # type: ignore[arg-type]
    return dataclasses.replace(state, tasks=tasks)


def test_the_year_opens_and_the_survey_starts_on_its_day() -> None:
    state = year(status=CycleStatus.planned)
    assert kinds(due_actions(state, date(2026, 4, 1))) == [
        (ActionKind.activate_cycle, ""),
        (ActionKind.kickoff_survey, ""),
    ]


def test_nothing_is_due_before_its_day() -> None:
    state = replace_task(year(status=CycleStatus.planned), "survey:open", due=date(2026, 4, 2))
    assert kinds(due_actions(state, date(2026, 3, 31))) == []


def test_a_missed_kickoff_is_caught_up_until_someone_does_it() -> None:
    state = year()
    assert (ActionKind.kickoff_survey, "") in kinds(due_actions(state, date(2026, 4, 10)))
    done = replace_task(state, "survey:open", status=TaskStatus.done)
    assert (ActionKind.kickoff_survey, "") not in kinds(due_actions(done, date(2026, 4, 10)))


def test_the_survey_moves_by_its_state() -> None:
    survey = SurveyState(is_open=True, deadline=date(2026, 4, 30), closes_on=date(2026, 5, 12), reminders_due=3)
    state = replace_task(year(survey=survey, inbox_files=2), "survey:open", status=TaskStatus.done)
    assert kinds(due_actions(state, date(2026, 5, 1)))[:2] == [
        (ActionKind.collect_answers, ""),
        (ActionKind.send_reminders, ""),
    ]
    assert (ActionKind.close_survey, "") in kinds(due_actions(state, date(2026, 5, 12)))
    closed = dataclasses.replace(state, survey=dataclasses.replace(survey, is_open=False), inbox_files=0)
    assert not {ActionKind.send_reminders, ActionKind.close_survey} & {
        a.kind for a in due_actions(closed, date(2026, 5, 13))
    }


def test_a_meeting_is_prepared_with_the_documents_due() -> None:
    state = year()
    (prepare,) = [a for a in due_actions(state, date(2026, 6, 17)) if a.kind == ActionKind.prepare_meeting]
    assert prepare.kinds == ("notice",)
    (prepare,) = [a for a in due_actions(state, date(2026, 6, 26)) if a.kind == ActionKind.prepare_meeting]
    assert prepare.kinds == ("notice", "agenda")


def test_no_preparation_while_approval_is_awaited_or_after_the_meeting() -> None:
    waiting = year(meetings=(meeting("council-1", date(2026, 7, 1), awaiting_approval=True),))
    assert ActionKind.prepare_meeting not in {a.kind for a in due_actions(waiting, date(2026, 6, 20))}
    late = year()
    assert ActionKind.prepare_meeting not in {a.kind for a in due_actions(late, date(2026, 7, 2))}


def test_undocumented_meetings_are_never_prepared_but_are_recorded() -> None:
    mayors = meeting("mayors-meeting", date(2026, 5, 20), MeetingKind.mayors_meeting, stage_key="mayors_meeting")
    state = year(
        meetings=(mayors,),
        tasks=(task("notice:mayors-meeting", date(2026, 5, 1), meeting="mayors-meeting"),),
    )
    assert ActionKind.prepare_meeting not in {a.kind for a in due_actions(state, date(2026, 5, 10))}
    assert (ActionKind.record_meeting, "mayors-meeting") in kinds(due_actions(state, date(2026, 5, 21)))
    assert not is_automated("notice:mayors-meeting", state.meetings)


def test_a_meeting_is_recorded_the_day_after_and_its_minutes_once_due() -> None:
    state = year()
    assert (ActionKind.record_meeting, "council-1") not in kinds(due_actions(state, date(2026, 7, 1)))
    assert (ActionKind.record_meeting, "council-1") in kinds(due_actions(state, date(2026, 7, 2)))
    held = year(meetings=(meeting("council-1", date(2026, 7, 1), status=MeetingStatus.held),))
    assert ActionKind.record_meeting not in {a.kind for a in due_actions(held, date(2026, 7, 14))}
    (record,) = [a for a in due_actions(held, date(2026, 7, 15)) if a.kind == ActionKind.record_meeting]
    assert record.kinds == ("minutes",)


def test_overdue_tasks_are_flagged_once() -> None:
    state = year()
    (flag,) = [a for a in due_actions(state, date(2026, 4, 2)) if a.kind == ActionKind.flag_overdue]
    assert flag.task_keys == ("survey:open",)
    flagged = replace_task(state, "survey:open", flagged_overdue=True)
    assert ActionKind.flag_overdue not in {a.kind for a in due_actions(flagged, date(2026, 4, 2))}


def test_a_stage_finishes_after_its_window_once_its_work_is_settled() -> None:
    state = year()
    assert (ActionKind.finish_stage, "survey") not in kinds(due_actions(state, date(2026, 5, 1)))  # survey:open open
    settled = replace_task(state, "survey:open", status=TaskStatus.done)
    assert (ActionKind.finish_stage, "survey") in kinds(due_actions(settled, date(2026, 5, 1)))
    assert (ActionKind.finish_stage, "survey") not in kinds(due_actions(settled, date(2026, 4, 30)))


def test_the_year_closes_when_every_stage_is_done_after_march() -> None:
    done = tuple(dataclasses.replace(s, status=StageStatus.done) for s in year().stages)
    state = year(stages=done, tasks=(), meetings=())
    assert kinds(due_actions(state, date(2027, 3, 31))) == []
    assert kinds(due_actions(state, date(2027, 4, 1))) == [(ActionKind.close_cycle, "")]
    assert due_actions(dataclasses.replace(state, status=CycleStatus.closed), date(2027, 4, 1)) == []


def test_actions_come_in_the_day_s_order() -> None:
    state = year(status=CycleStatus.planned)
    order = [a.kind for a in due_actions(state, date(2026, 7, 2))]
    assert order == sorted(order, key=list(ActionKind).index)
    assert order[0] == ActionKind.activate_cycle
    assert order[-1] == ActionKind.flag_overdue


def test_labels_name_the_work() -> None:
    action = Action(FY, ActionKind.prepare_meeting, "council-1", kinds=("notice", "agenda"))
    assert action.label == "prepare-meeting 2026 council-1 (notice, agenda)"
    assert Action(FY, ActionKind.flag_overdue, task_keys=("a", "b")).label == "flag-overdue 2026 (2 tasks)"


def test_the_schedule_s_next_edition_is_issued_on_its_planned_day_or_after() -> None:
    state = year(schedule_draft_on=date(2026, 6, 2))
    assert (ActionKind.issue_schedule, "") not in kinds(due_actions(state, date(2026, 6, 1)))
    assert (ActionKind.issue_schedule, "") in kinds(due_actions(state, date(2026, 6, 2)))
    assert (ActionKind.issue_schedule, "") in kinds(due_actions(state, date(2026, 6, 5)))  # caught up
    assert date(2026, 6, 2) in event_days(state)
    assert (ActionKind.issue_schedule, "") not in kinds(due_actions(year(), date(2026, 6, 5)))  # no draft waiting


def test_event_days_cover_every_change() -> None:
    state = year()
    days = event_days(state)
    assert date(2026, 7, 2) in days
    assert date(2026, 6, 17) in days
    assert date(2027, 4, 1) in days
    assert next_event_day(state, date(2026, 6, 17)) == date(2026, 6, 18)
    assert next_event_day(state, date(2027, 4, 1)) is None
    assert next_event_day(state, date(2027, 4, 1), extra=[date(2027, 4, 3)]) == date(2027, 4, 3)


@pytest.mark.parametrize(
    ("last", "today", "missed"),
    [
        (None, date(2026, 4, 1), 0),
        (date(2026, 4, 1), date(2026, 4, 2), 0),
        (date(2026, 4, 1), date(2026, 4, 5), 3),
        (date(2026, 4, 5), date(2026, 4, 5), 0),
    ],
)
def test_missed_days(last: date | None, today: date, missed: int) -> None:
    assert missed_days(last, today) == missed


@given(st.integers(min_value=0, max_value=420))
def test_doing_what_is_due_leaves_nothing_due_the_same_day(offset: int) -> None:
    """Performing every due action (as its effect on the state) makes the same day's tick find nothing new: the tick
    is idempotent on any day of the year."""
    today = date(2026, 3, 1) + timedelta(days=offset)
    state = year(status=CycleStatus.planned, schedule_draft_on=date(2026, 4, 2))
    for _ in range(6):
        actions = due_actions(state, today)
        if not actions:
            break
        state = _apply(state, actions, today)
    assert due_actions(state, today) == []


def _apply(state: CycleState, actions: list[Action], today: date) -> CycleState:
    tasks = {t.key: t for t in state.tasks}
    meetings = {m.key: m for m in state.meetings}
    stages = {s.key: s for s in state.stages}
    status = state.status
    schedule_draft_on = state.schedule_draft_on
    for action in actions:
        if action.kind == ActionKind.activate_cycle:
            status = CycleStatus.active
        elif action.kind == ActionKind.close_cycle:
            status = CycleStatus.closed
        elif action.kind == ActionKind.start_stage:
            stages[action.subject] = dataclasses.replace(stages[action.subject], status=StageStatus.in_progress)
        elif action.kind == ActionKind.finish_stage:
            stages[action.subject] = dataclasses.replace(stages[action.subject], status=StageStatus.done)
        elif action.kind == ActionKind.kickoff_survey:
            tasks["survey:open"] = dataclasses.replace(tasks["survey:open"], status=TaskStatus.done)
        elif action.kind == ActionKind.prepare_meeting:
            for kind in action.kinds:
                key = f"{kind}:{action.subject}"
                tasks[key] = dataclasses.replace(tasks[key], status=TaskStatus.done)
        elif action.kind == ActionKind.record_meeting:
            meetings[action.subject] = dataclasses.replace(meetings[action.subject], status=MeetingStatus.held)
            if action.kinds:
                key = f"minutes:{action.subject}"
                tasks[key] = dataclasses.replace(tasks[key], status=TaskStatus.done)
        elif action.kind == ActionKind.issue_schedule:
            schedule_draft_on = None
        elif action.kind == ActionKind.flag_overdue:
            for key in action.task_keys:
                tasks[key] = dataclasses.replace(tasks[key], flagged_overdue=True)
    return dataclasses.replace(
        state,
        status=status,
        schedule_draft_on=schedule_draft_on,
        tasks=tuple(tasks.values()),
        meetings=tuple(meetings.values()),
        stages=tuple(stages.values()),
    )
