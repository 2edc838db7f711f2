"""`council simulate`: a fiscal year run through the real flows, day by day, on a simulated clock.

Each simulated business day: the respondents and the secretariat act (council.simulation, through the same use
cases as the CLI), then the `tick` flow runs with `as_of` = that day and does whatever is due through the real
flows. Only the days on which something can happen are ticked (council.tick.decisions.event_days, plus the answers'
arrival days), and never a closed day: the tick is state-based, so that does exactly what ticking every day would, in
a fraction of the time.

Everything stays in the database and under COUNCIL_HOME. The simulation resumes after the last day it ticked, so a
second run of a finished year finds the year closed and changes nothing; `--fresh` (the CLI) starts over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import col, select

from council.config import Settings
from council.context import Context
from council.documents.stationery import stationery_for
from council.planning.cycles import find_cycle
from council.reference import get_council
from council.simulation import answer_arrivals, deliver_answers, do_people_tasks, people_tasks_due
from council.status import YearStatus, year_status
from council.survey.actions import survey_rules, taxonomy
from council.survey.status import respondent_statuses
from council.tick.decisions import LOOKAHEAD, due_actions, event_days, next_event_day
from council.tick.state import find_survey_of_cycle, load_cycle_state
from flows.common import flow_context, simulated_clock
from flows.planning import plan_year_flow
from flows.tick import tick
from models import Cycle, CycleStatus, TickRun

MAX_DAYS = 400  # a year has fewer event days than this; the loop is bounded whatever happens


@dataclass(frozen=True)
class SimulationResult:
    fiscal_year: int
    seed: int
    ticked: tuple[date, ...]  # the days ticked by this run
    status: YearStatus


def _cycle(ctx: Context, fiscal_year: int) -> Cycle | None:
    with ctx.transaction() as session:
        council = get_council(session, ctx.settings.council_code)
        assert council.id is not None
        return find_cycle(session, council.id, fiscal_year)


def _resume_day(ctx: Context, fiscal_year: int, first: date) -> date | None:
    """The last day this year's simulation ticked (None when it has not started)."""
    start, end = first, date(fiscal_year + 1, 4, 30)
    with ctx.transaction() as session:
        council = get_council(session, ctx.settings.council_code)
        return session.exec(
            select(col(TickRun.as_of))
            .where(
                TickRun.council_id == council.id,
                col(TickRun.as_of) >= start,
                col(TickRun.as_of) <= end,
                col(TickRun.finished_at).is_not(None),
            )
            .order_by(col(TickRun.as_of).desc())
        ).first()


def simulate_year(
    settings: Settings, fiscal_year: int, *, seed: int, on_day: Callable[[date, list[str]], None] | None = None
) -> SimulationResult:
    """Run the year (planning it first if needed) up to its close; see the module doc."""
    ticked: list[date] = []
    with simulated_clock():
        ctx = flow_context(date(fiscal_year, 2, 1), settings).acting_as("simulation")
        calendar = stationery_for(settings).calendar
        if _cycle(ctx, fiscal_year) is None:
            plan_year_flow(fiscal_year, as_of=date(fiscal_year, 2, 1))
        cycle = _cycle(ctx, fiscal_year)
        assert cycle is not None
        with ctx.transaction() as session:
            state = load_cycle_state(
                session, cycle, today=date(fiscal_year, 4, 1), calendar=calendar, survey_rules=survey_rules(ctx)
            )
        first = max(min(event_days(state)), state.year_start - LOOKAHEAD)
        last = _resume_day(ctx, fiscal_year, first)
        day: date | None = first if last is None else last + timedelta(days=1)
        for _ in range(MAX_DAYS):
            if day is None:
                break
            if not calendar.is_business_day(day):  # nothing happens on a closed day: go on with the next open one
                day = calendar.next_business_day(day)
                continue
            today = ctx.on(day)
            cycle = _cycle(today, fiscal_year)
            if cycle is None or cycle.status == CycleStatus.closed:
                break
            acted = _people_act(today, cycle, seed=seed)
            if acted or _anything_due(today, cycle):  # a tick with nothing due would change nothing: skip it
                tick(as_of=day, fiscal_year=fiscal_year, approval=False)
                ticked.append(day)
                if on_day is not None:
                    on_day(day, acted)
            day = _next_day(today, cycle, seed=seed)
    with ctx.transaction() as session:
        as_of = ticked[-1] if ticked else date(fiscal_year + 1, 3, 31)
        status = year_status(session, fiscal_year=fiscal_year, today=as_of, council_code=settings.council_code)
    return SimulationResult(fiscal_year, seed, tuple(ticked), status)


def _people_act(ctx: Context, cycle: Cycle, *, seed: int) -> list[str]:
    """Before the day's tick: answers arrive in the inbox, the secretariat does its tasks due that day."""
    calendar, day = stationery_for(ctx.settings).calendar, ctx.clock.today
    acted: list[str] = []
    with ctx.transaction() as session:
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
                answers_dir=ctx.settings.home / "simulation" / "answers",
                inbox=ctx.settings.inbox_dir,
                taxonomy=taxonomy(ctx),
            )
            acted += [f"answer from {code}" for code in dropped]
        state = load_cycle_state(session, cycle, today=day, calendar=calendar, survey_rules=survey_rules(ctx))
    acted += do_people_tasks(ctx, cycle.fiscal_year, people_tasks_due(state, day), seed=seed)
    return acted


def _anything_due(ctx: Context, cycle: Cycle) -> bool:
    with ctx.transaction() as session:
        state = load_cycle_state(
            session,
            cycle,
            today=ctx.clock.today,
            calendar=stationery_for(ctx.settings).calendar,
            survey_rules=survey_rules(ctx),
            inbox=ctx.settings.inbox_dir,
        )
    return bool(due_actions(state, ctx.clock.today))


def _next_day(ctx: Context, cycle: Cycle, *, seed: int) -> date | None:
    calendar, day = stationery_for(ctx.settings).calendar, ctx.clock.today
    with ctx.transaction() as session:
        state = load_cycle_state(session, cycle, today=day, calendar=calendar, survey_rules=survey_rules(ctx))
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
    following = next_event_day(state, day, extra)
    # Whatever fell due on a closed day is done on the next business day: look there too.
    return min(following, calendar.next_business_day(following)) if following is not None else None
