"""`council simulate`: a fiscal year run through the real flows, day by day, on a simulated clock.

Each simulated day: the respondents and the secretariat act (council.simulation), then the `tick` flow runs with
`as_of` = that day and does whatever is due through the real flows. Only the days on which something can happen are
ticked (council.tick.decisions.event_days, plus the answers' arrival days): the tick is state-based, so that does
exactly what ticking every day would, in a fraction of the time.

Everything stays in the database and under COUNCIL_HOME. The simulation resumes after the last day it ticked, so a
second run of a finished year finds the year closed and changes nothing; `--fresh` (the CLI) starts over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import col, select

from council.config import get_settings
from council.simulation import answer_arrivals, deliver_answers, do_people_tasks, people_tasks_due
from council.status import YearStatus, year_status
from council.survey.status import respondent_statuses
from council.survey.store import council_id_for
from council.tick.decisions import LOOKAHEAD, due_actions, event_days, next_event_day
from council.tick.state import find_survey_of_cycle, load_cycle_state
from flows.common import business_calendar, run_clock, simulated_clock, survey_rules
from flows.planning import plan_year_flow
from flows.tick import tick
from models import Cycle, CycleStatus, TickRun
from models.db import session_scope

MAX_DAYS = 400  # a year has fewer event days than this; the loop is bounded whatever happens


@dataclass(frozen=True)
class SimulationResult:
    fiscal_year: int
    seed: int
    ticked: tuple[date, ...]  # the days ticked by this run
    status: YearStatus


def _cycle(fiscal_year: int) -> Cycle | None:
    with session_scope() as session:
        return session.exec(
            select(Cycle).where(Cycle.council_id == council_id_for(session), Cycle.fiscal_year == fiscal_year)
        ).first()


def _resume_day(fiscal_year: int, first: date) -> date | None:
    """The last day this year's simulation ticked (None when it has not started)."""
    start, end = first, date(fiscal_year + 1, 4, 30)
    with session_scope() as session:
        return session.exec(
            select(col(TickRun.as_of))
            .where(
                TickRun.council_id == council_id_for(session),
                col(TickRun.as_of) >= start,
                col(TickRun.as_of) <= end,
                col(TickRun.finished_at).is_not(None),
            )
            .order_by(col(TickRun.as_of).desc())
        ).first()


def simulate_year(
    fiscal_year: int, *, seed: int, on_day: Callable[[date, list[str]], None] | None = None
) -> SimulationResult:
    """Run the year (planning it first if needed) up to its close; see the module doc."""
    calendar, rules = business_calendar(), survey_rules()
    ticked: list[date] = []
    with simulated_clock():
        if _cycle(fiscal_year) is None:
            plan_year_flow(fiscal_year, as_of=date(fiscal_year, 2, 1))
        cycle = _cycle(fiscal_year)
        assert cycle is not None
        with session_scope() as session:
            state = load_cycle_state(
                session, cycle, today=date(fiscal_year, 4, 1), calendar=calendar, survey_rules=rules
            )
        first = max(min(event_days(state)), state.year_start - LOOKAHEAD)
        last = _resume_day(fiscal_year, first)
        day: date | None = first if last is None else last + timedelta(days=1)
        for _ in range(MAX_DAYS):
            if day is None:
                break
            cycle = _cycle(fiscal_year)
            if cycle is None or cycle.status == CycleStatus.closed:
                break
            acted = _people_act(cycle, day, seed=seed)
            if acted or _anything_due(cycle, day):  # a tick with nothing due would change nothing: skip it
                tick(as_of=day, fiscal_year=fiscal_year, approval=False)
                ticked.append(day)
                if on_day is not None:
                    on_day(day, acted)
            day = _next_day(cycle, day, seed=seed)
    with session_scope() as session:
        status = year_status(session, fiscal_year=fiscal_year, today=run_clock(ticked[-1] if ticked else None).today)
    return SimulationResult(fiscal_year, seed, tuple(ticked), status)


def _people_act(cycle: Cycle, day: date, *, seed: int) -> list[str]:
    """Before the day's tick: answers arrive in the inbox, the secretariat does its tasks due that day."""
    settings = get_settings()
    calendar, rules = business_calendar(), survey_rules()
    now = run_clock(day).now  # simulated: this runs inside simulated_clock()
    acted: list[str] = []
    with session_scope() as session:
        survey = find_survey_of_cycle(session, cycle)
        if survey is not None:
            arrivals = answer_arrivals(
                respondent_statuses(session, survey, day), seed=seed, fiscal_year=cycle.fiscal_year, calendar=calendar
            )
            dropped = deliver_answers(
                session,
                survey,
                arrivals,
                today=day,
                seed=seed,
                answers_dir=settings.home / "simulation" / "answers",
                inbox=settings.inbox_dir,
            )
            acted += [f"answer from {code}" for code in dropped]
        state = load_cycle_state(session, cycle, today=day, calendar=calendar, survey_rules=rules)
        acted += do_people_tasks(session, cycle, people_tasks_due(state, day), seed=seed, now=now)
    return acted


def _anything_due(cycle: Cycle, day: date) -> bool:
    with session_scope() as session:
        state = load_cycle_state(
            session,
            cycle,
            today=day,
            calendar=business_calendar(),
            survey_rules=survey_rules(),
            inbox=get_settings().inbox_dir,
        )
    return bool(due_actions(state, day))


def _next_day(cycle: Cycle, day: date, *, seed: int) -> date | None:
    calendar, rules = business_calendar(), survey_rules()
    with session_scope() as session:
        state = load_cycle_state(session, cycle, today=day, calendar=calendar, survey_rules=rules)
        survey = find_survey_of_cycle(session, cycle)
        extra: list[date] = []
        if survey is not None:
            extra = [
                arrival.day
                for arrival in answer_arrivals(
                    respondent_statuses(session, survey, day),
                    seed=seed,
                    fiscal_year=cycle.fiscal_year,
                    calendar=calendar,
                )
                if arrival.day is not None
            ]
    return next_event_day(state, day, extra)
