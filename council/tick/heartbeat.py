"""The daily heartbeat as a use case: whatever is due on the day is done, and the day is recorded.

The decisions are council.tick.decisions' (state-based, so a rerun changes nothing and a tick after missed days
catches up); this module performs them in rounds — an action may make another due the same day (closing the survey
lets its stage finish), so it looks again, at most MAX_ROUNDS times, never doing the same piece of work twice in one
run. One failing action does not stop the others. On a closed day (weekend, holiday, 年末年始) nothing is dated or
sent: the tick records the day and leaves the catch-up to the next business day.

`perform` is how one action is done: `perform_directly` calls the use cases (the CLI); the tick flow passes one that
runs each as a child flow, so the Prefect UI shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from council.context import Context
from council.documents.stationery import stationery_for
from council.feeds.actions import publish_feeds_step
from council.meetings.actions import prepare_meeting, record_meeting
from council.planning.actions import issue_schedule_step
from council.planning.cycles import council_and_cycle
from council.reference import get_council
from council.survey.actions import close_survey, import_answers, kickoff_survey, send_reminders, survey_rules
from council.tick.decisions import BOOKKEEPING, Action, ActionKind, due_actions, missed_days
from council.tick.state import (
    active_cycles,
    apply_bookkeeping,
    begin_tick,
    finish_tick,
    last_tick_before,
    load_cycle_state,
)
from council.wareki import wareki_date

MAX_ROUNDS = 4
CLOSED_DAY = "closed day: nothing is dated or sent; the next business day catches up"
Performer = Callable[[Context, Action], object]  # how one action is done


@dataclass(frozen=True)
class TickReport:
    as_of: str  # ISO date
    missed_days: int
    performed: tuple[str, ...]
    failed: tuple[str, ...]
    closed_day: bool = False


def begin_step(ctx: Context) -> int:
    """Record that the day is being ticked; returns how many days before it went without a tick."""
    with ctx.transaction() as session:
        council = get_council(session, ctx.settings.council_code)
        assert council.id is not None
        previous = last_tick_before(session, council.id, ctx.clock.today)
        begin_tick(session, council.id, ctx.clock.today, now=ctx.clock.now, flow_run_id=ctx.flow_run_id)
    return missed_days(previous, ctx.clock.today)


def due_step(ctx: Context, fiscal_year: int | None, done: list[tuple[int, str, str]]) -> list[Action]:
    """What is due today in every open fiscal year (or in `fiscal_year`), leaving out what this run already did."""
    calendar, rules = stationery_for(ctx.settings).calendar, survey_rules(ctx)
    seen = {(year, ActionKind(kind), subject) for year, kind, subject in done}
    actions: list[Action] = []
    with ctx.transaction() as session:
        council = get_council(session, ctx.settings.council_code)
        assert council.id is not None
        for cycle in active_cycles(session, council.id, ctx.clock.today, fiscal_year):
            state = load_cycle_state(
                session,
                cycle,
                today=ctx.clock.today,
                calendar=calendar,
                survey_rules=rules,
                inbox=ctx.settings.inbox_dir,
            )
            actions += [action for action in due_actions(state, ctx.clock.today) if action.identity not in seen]
    return actions


def bookkeeping_step(ctx: Context, action: Action) -> list[str]:
    """A state change that needs no document: the year opens or closes, a stage starts or ends, tasks overdue."""
    with ctx.transaction() as session:
        council = get_council(session, ctx.settings.council_code)
        return apply_bookkeeping(
            session, council, action, now=ctx.clock.now, actor=ctx.actor, flow_run_id=ctx.flow_run_id
        )


def finish_step(ctx: Context, labels: list[str]) -> None:
    with ctx.transaction() as session:
        council = get_council(session, ctx.settings.council_code)
        assert council.id is not None
        finish_tick(session, council.id, ctx.clock.today, labels=labels, now=ctx.clock.now)


def perform_directly(ctx: Context, action: Action) -> object:
    """Do one due action by calling its use case (the CLI's tick; the flow's runs each as a child flow)."""
    year = action.fiscal_year
    if action.kind in BOOKKEEPING:
        return ctx.step(action.label, bookkeeping_step, ctx, action)
    if action.kind in (ActionKind.kickoff_survey, ActionKind.send_requests):
        return kickoff_survey(ctx, year)  # idempotent: opens what is not open, sends the letters whose day came
    if action.kind == ActionKind.collect_answers:
        return import_answers(ctx)
    if action.kind == ActionKind.send_reminders:
        return send_reminders(ctx, year)
    if action.kind == ActionKind.close_survey:
        return close_survey(ctx, year)
    if action.kind == ActionKind.prepare_meeting:
        return prepare_meeting(ctx, year, action.subject, kinds=action.kinds)
    if action.kind == ActionKind.record_meeting:
        return record_meeting(ctx, year, action.subject)
    if action.kind == ActionKind.issue_schedule:
        return ctx.step("issue-annual-schedule", issue_schedule_step, ctx, year)
    raise ValueError(f"unknown action {action.kind}")  # pragma: no cover - every ActionKind is handled above


def run_tick(
    ctx: Context,
    *,
    fiscal_year: int | None = None,
    perform: Performer = perform_directly,
    on_failure: Callable[[Action, Exception], None] | None = None,
) -> TickReport:
    """Everything due on ctx's day — stage starts and ends, the survey's kickoff, intake, reminders and close,
    meeting preparations and records, the schedule's next edition, overdue flags — idempotently, catching up after
    missed days; then the feeds once, and the day recorded."""
    if fiscal_year is not None:
        with ctx.transaction() as session:
            council_and_cycle(session, ctx.settings.council_code, fiscal_year)  # refuses a year that is not planned
    missed = ctx.step("begin-tick", begin_step, ctx)
    if not stationery_for(ctx.settings).calendar.is_business_day(ctx.clock.today):
        ctx.step("finish-tick", finish_step, ctx, [f"{wareki_date(ctx.clock.today)}: {CLOSED_DAY}"])
        return TickReport(ctx.clock.today.isoformat(), missed, (), (), closed_day=True)
    performed: list[str] = []
    failed: list[str] = []
    done: set[tuple[int, str, str]] = set()
    for _ in range(MAX_ROUNDS):
        actions: list[Action] = ctx.step("due-actions", due_step, ctx, fiscal_year, sorted(done))
        if not actions:
            break
        for action in actions:
            done.add((action.fiscal_year, action.kind.value, action.subject))
            try:
                perform(ctx, action)
            except Exception as error:  # one failure must not keep the rest of the day from being done
                if on_failure is not None:
                    on_failure(action, error)
                failed.append(f"{action.label}: {error}")
            else:
                performed.append(action.label)
    if performed:
        ctx.step("publish-feeds", publish_feeds_step, ctx)
    ctx.step("finish-tick", finish_step, ctx, performed)
    return TickReport(ctx.clock.today.isoformat(), missed, tuple(performed), tuple(failed))
