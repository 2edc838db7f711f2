"""council.simulation: the simulated respondents and secretariat (reproducible from a seed)."""

from __future__ import annotations

from datetime import date

from council.planning.business_days import BusinessCalendar
from council.simulation import LATE_BUSINESS_DAYS, answer_arrivals, budgeted, people_tasks_due
from council.survey.status import RespondentStatus
from council.tick.decisions import CycleState, MeetingState, TaskState
from models.enums import CycleStatus, MeetingKind, MeetingStatus, OrganizationKind, TaskStatus
from models.survey import ResponseStatus

CALENDAR = BusinessCalendar()
OPENS, DEADLINE = date(2026, 4, 1), date(2026, 4, 30)


def respondents(count: int) -> list[RespondentStatus]:
    return [
        RespondentStatus(
            organization_id=index,
            organization_code=f"{index:06d}",
            organization_name=f"団体{index}",
            kind=OrganizationKind.municipality,
            status=ResponseStatus.sent,
            opens_on=OPENS,
            deadline=DEADLINE,
            sent_at=None,
            answered_at=None,
            answer_count=0,
            reminders=(),
            overdue=False,
        )
        for index in range(count)
    ]


def test_arrivals_are_reproducible_and_depend_on_the_seed() -> None:
    first = answer_arrivals(respondents(60), seed=1, fiscal_year=2026, calendar=CALENDAR)
    again = answer_arrivals(respondents(60), seed=1, fiscal_year=2026, calendar=CALENDAR)
    other = answer_arrivals(respondents(60), seed=2, fiscal_year=2026, calendar=CALENDAR)
    assert first == again
    assert first != other


def test_arrivals_are_plausible() -> None:
    arrivals = answer_arrivals(respondents(400), seed=7, fiscal_year=2026, calendar=CALENDAR)
    on_time = [a for a in arrivals if a.day is not None and a.day <= DEADLINE]
    late = [a for a in arrivals if a.day is not None and a.day > DEADLINE]
    never = [a for a in arrivals if a.day is None]
    assert 0.7 < len(on_time) / 400 < 0.9
    assert 0.08 < len(late) / 400 < 0.25
    assert 0 < len(never) / 400 < 0.1
    assert all(a.day is None or CALENDAR.is_business_day(a.day) for a in arrivals)
    assert all(a.day is None or a.day >= OPENS for a in arrivals)
    latest = CALENDAR.add_business_days(DEADLINE, LATE_BUSINESS_DAYS)
    assert max(a.day for a in late if a.day is not None) <= latest


def test_the_secretariat_does_only_people_s_tasks_and_only_when_due() -> None:
    council_1 = MeetingState(
        "council-1", MeetingKind.council_meeting, date(2026, 7, 1), MeetingStatus.planned, None, True
    )
    mayors = MeetingState(
        "mayors-meeting", MeetingKind.mayors_meeting, date(2026, 5, 20), MeetingStatus.planned, None, False
    )
    tasks = (
        TaskState("working_groups:report", date(2026, 9, 30), TaskStatus.pending, None, None),
        TaskState("themes:candidates", date(2026, 5, 29), TaskStatus.done, None, None),
        TaskState("notice:council-1", date(2026, 6, 17), TaskStatus.pending, None, "council-1"),
        TaskState("notice:mayors-meeting", date(2026, 5, 1), TaskStatus.pending, None, "mayors-meeting"),
        TaskState("survey-response:062014", date(2026, 4, 30), TaskStatus.pending, None, None),
    )
    state = CycleState(2026, CycleStatus.active, (), (council_1, mayors), tasks)
    assert people_tasks_due(state, date(2026, 5, 1)) == ["notice:mayors-meeting"]
    assert people_tasks_due(state, date(2026, 9, 30)) == ["notice:mayors-meeting", "working_groups:report"]


def test_budget_choices_are_reproducible_and_partial() -> None:
    codes = [f"T2026-{index:02d}" for index in range(40)]
    chosen = budgeted(codes, seed=3)
    assert chosen == budgeted(codes, seed=3)
    assert 0 < len(chosen) < len(codes)
