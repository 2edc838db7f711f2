"""tick: the daily heartbeat. Whatever is due on `as_of` is done, each through its own flow, and the day is recorded.

The decisions are council.tick.decisions's (state-based, so a rerun changes nothing and a tick after missed days catches up);
this flow only performs them, in rounds: an action may make another due the same day (closing the survey lets its
stage finish), so the tick looks again, at most MAX_ROUNDS times, and never does the same piece of work twice in one
run. One failing action does not stop the others; the run then ends failed, after recording the day.

When the tick itself runs as a deployment and approvals are on, meeting preparations are started as deployment runs
of their own (they suspend while waiting for approval and free the worker); otherwise they run as child flows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date

from prefect import flow, get_run_logger, task
from prefect.deployments import run_deployment

from council.config import get_settings
from council.meetings.approvals import approval_required
from council.survey.store import council_id_for
from council.tick.decisions import BOOKKEEPING, Action, ActionKind, due_actions, missed_days
from council.tick.state import (
    active_cycles,
    apply_bookkeeping,
    begin_tick,
    finish_tick,
    last_tick_before,
    load_cycle_state,
)
from flows.common import (
    TASK_OPTIONS,
    artifact_key,
    business_calendar,
    flow_actor,
    flow_run_id,
    markdown_table,
    publish_markdown,
    run_clock,
    running_as_deployment,
    survey_rules,
)
from flows.meetings import prepare_meeting, record_meeting
from flows.planning import publish_feeds_task
from flows.survey import survey_close, survey_intake, survey_kickoff, survey_reminders
from models.db import session_scope

MAX_ROUNDS = 4
PREPARE_MEETING_DEPLOYMENT = "prepare-meeting/prepare-meeting"


class TickFailedError(Exception):
    """Some of the day's actions failed (the others were done; the next tick tries the failed ones again)."""


@dataclass(frozen=True)
class TickReport:
    as_of: date
    missed_days: int
    performed: tuple[str, ...]
    failed: tuple[str, ...]


@task(name="begin-tick", **TASK_OPTIONS)
def begin_tick_task(as_of: date) -> int:
    """Record that the day is being ticked; returns how many days before it went without a tick."""
    clock = run_clock(as_of)
    with session_scope() as session:
        council_id = council_id_for(session)
        previous = last_tick_before(session, council_id, clock.today)
        begin_tick(session, council_id, clock.today, now=clock.now, flow_run_id=flow_run_id())
    return missed_days(previous, clock.today)


@task(name="due-actions", **TASK_OPTIONS)
def due_actions_task(as_of: date, fiscal_year: int | None, done: list[tuple[int, str, str]]) -> list[Action]:
    """What is due today in every open fiscal year (or in `fiscal_year`), leaving out what this run already did."""
    calendar, rules = business_calendar(), survey_rules()
    inbox = get_settings().inbox_dir
    seen = {(year, ActionKind(kind), subject) for year, kind, subject in done}
    actions: list[Action] = []
    with session_scope() as session:
        for cycle in active_cycles(session, council_id_for(session), as_of, fiscal_year):
            state = load_cycle_state(session, cycle, today=as_of, calendar=calendar, survey_rules=rules, inbox=inbox)
            actions += [action for action in due_actions(state, as_of) if action.identity not in seen]
    return actions


@task(name="bookkeeping", **TASK_OPTIONS)
def bookkeeping_task(action: Action, as_of: date) -> list[str]:
    """A state change that needs no document: the year opens or closes, a stage starts or ends, tasks overdue."""
    clock = run_clock(as_of)
    with session_scope() as session:
        return apply_bookkeeping(
            session, council_id_for(session), action, now=clock.now, actor=flow_actor(), flow_run_id=flow_run_id()
        )


@task(name="finish-tick", **TASK_OPTIONS)
def finish_tick_task(as_of: date, labels: list[str]) -> None:
    clock = run_clock(as_of)
    with session_scope() as session:
        finish_tick(session, council_id_for(session), clock.today, labels=labels, now=clock.now)


def perform(action: Action, as_of: date, approval: bool | None) -> None:
    """Do one due action through its flow (a child run of this tick)."""
    year = action.fiscal_year
    if action.kind in BOOKKEEPING:
        bookkeeping_task.with_options(task_run_name=action.label)(action, as_of)
    elif action.kind == ActionKind.kickoff_survey:
        survey_kickoff(year, as_of=as_of, publish=False)
    elif action.kind == ActionKind.collect_answers:
        survey_intake(year, as_of=as_of)
    elif action.kind == ActionKind.send_reminders:
        survey_reminders(year, as_of=as_of)
    elif action.kind == ActionKind.close_survey:
        survey_close(year, as_of=as_of, publish=False)
    elif action.kind == ActionKind.prepare_meeting:
        wants_approval = approval if approval is not None else approval_required(os.environ)
        if wants_approval and running_as_deployment():
            run_deployment(
                PREPARE_MEETING_DEPLOYMENT,
                parameters={
                    "fiscal_year": year,
                    "meeting_key": action.subject,
                    "as_of": as_of.isoformat(),
                    "kinds": list(action.kinds),
                    "approval": True,
                },
                timeout=0,
                idempotency_key=f"prepare-meeting-{year}-{action.subject}-{'-'.join(action.kinds)}-{as_of}",
            )
        else:
            prepare_meeting(
                year, action.subject, as_of=as_of, kinds=list(action.kinds), approval=wants_approval, publish=False
            )
    elif action.kind == ActionKind.record_meeting:
        record_meeting(year, action.subject, as_of=as_of, publish=False)
    else:  # pragma: no cover - every ActionKind is handled above
        raise ValueError(f"unknown action {action.kind}")


@flow(name="tick")
def tick(as_of: date | None = None, fiscal_year: int | None = None, approval: bool | None = None) -> TickReport:
    """The daily heartbeat (deployed on a daily 08:30 Asia/Tokyo cron): do whatever is due on `as_of` (default
    today) — stage starts and ends, the survey's kickoff, intake, reminders and close, meeting preparations and
    records, overdue flags — idempotently, catching up after missed days."""
    logger = get_run_logger()
    clock = run_clock(as_of)
    missed = begin_tick_task(clock.today)
    if missed:
        logger.info("%d day(s) went without a tick before %s: catching up", missed, clock.today)
    performed: list[str] = []
    failed: list[str] = []
    done: set[tuple[int, str, str]] = set()
    for _ in range(MAX_ROUNDS):
        actions = due_actions_task(clock.today, fiscal_year, sorted(done))
        if not actions:
            break
        for action in actions:
            done.add((action.fiscal_year, action.kind.value, action.subject))
            try:
                perform(action, clock.today, approval)
            except Exception as error:  # one failure must not keep the rest of the day from being done
                logger.error("%s failed: %s", action.label, error)
                failed.append(f"{action.label}: {error}")
            else:
                performed.append(action.label)
    if performed:
        publish_feeds_task(clock.today)
    finish_tick_task(clock.today, performed)
    if performed or failed:
        rows = [(label, "done") for label in performed] + [(label, "failed") for label in failed]
        publish_markdown(
            artifact_key("tick", "log"),
            f"# tick {clock.today.isoformat()}\n\n"
            + (f"{missed} day(s) without a tick before this one.\n\n" if missed else "")
            + markdown_table(("action", "result"), rows),
            description=f"What the tick did on {clock.today.isoformat()}",
        )
    if failed:
        raise TickFailedError("; ".join(failed))
    return TickReport(as_of=clock.today, missed_days=missed, performed=tuple(performed), failed=tuple(failed))
