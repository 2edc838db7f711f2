"""tick: the daily heartbeat (council.tick.heartbeat) as a flow. Whatever is due on `as_of` is done — each action
the work of its own flow (survey-kickoff, prepare-meeting …) run inside the tick's run: the same use case, the same
tasks, artifacts and events, without a child flow run per action (each cost the API a second on this machine) — and
the day is recorded; on a closed day nothing is sent.

A meeting preparation that waits for approval is a run of its own, because the wait pauses the run: a deployment run
when the tick runs as a deployment (it suspends and frees the worker), a child flow otherwise.
"""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger
from prefect.deployments import run_deployment

from council.context import Context
from council.planning.actions import issue_schedule_step
from council.tick.decisions import BOOKKEEPING, Action, ActionKind
from council.tick.heartbeat import Performer, TickReport, bookkeeping_step, run_tick
from flows.common import artifact_key, flow_context, markdown_table, publish_markdown, running_as_deployment
from flows.meetings import prepare_meeting_flow, run_prepare_meeting, run_record_meeting
from flows.survey import run_survey_close, run_survey_intake, run_survey_kickoff, run_survey_reminders

PREPARE_MEETING_DEPLOYMENT = "prepare-meeting/prepare-meeting"


class TickFailedError(Exception):
    """Some of the day's actions failed (the others were done; the next tick tries the failed ones again)."""


def performer(approval: bool | None) -> Performer:
    """How the tick flow does one action: the work of that action's flow, in the tick's run."""

    def perform(ctx: Context, action: Action) -> object:
        year, day = action.fiscal_year, ctx.clock.today
        if action.kind in BOOKKEEPING:
            return ctx.step(action.label, bookkeeping_step, ctx, action)
        if action.kind in (ActionKind.kickoff_survey, ActionKind.send_requests):
            return run_survey_kickoff(ctx, year, publish=False)
        if action.kind == ActionKind.collect_answers:
            return run_survey_intake(ctx, year)
        if action.kind == ActionKind.send_reminders:
            return run_survey_reminders(ctx, year)
        if action.kind == ActionKind.close_survey:
            return run_survey_close(ctx, year, publish=False)
        if action.kind == ActionKind.prepare_meeting:
            wants_approval = approval if approval is not None else ctx.settings.approval
            if wants_approval and running_as_deployment():
                return run_deployment(
                    PREPARE_MEETING_DEPLOYMENT,
                    parameters={
                        "fiscal_year": year,
                        "meeting_key": action.subject,
                        "as_of": day.isoformat(),
                        "kinds": list(action.kinds),
                        "approval": True,
                    },
                    timeout=0,
                    idempotency_key=f"prepare-meeting-{year}-{action.subject}-{'-'.join(action.kinds)}-{day}",
                )
            if wants_approval:
                return prepare_meeting_flow(
                    year, action.subject, as_of=day, kinds=list(action.kinds), approval=True, publish=False
                )
            return run_prepare_meeting(
                ctx, year, action.subject, kinds=list(action.kinds), approval=False, publish=False
            )
        if action.kind == ActionKind.record_meeting:
            return run_record_meeting(ctx, year, action.subject, send_minutes=None, publish=False)
        if action.kind == ActionKind.issue_schedule:
            return ctx.step("issue-annual-schedule", issue_schedule_step, ctx, year)
        raise ValueError(f"unknown action {action.kind}")  # pragma: no cover - every ActionKind is handled above

    return perform


@flow(name="tick")
def tick(as_of: date | None = None, fiscal_year: int | None = None, approval: bool | None = None) -> TickReport:
    """The daily heartbeat (deployed on a daily 08:30 Asia/Tokyo cron): do whatever is due on `as_of` (default
    today) — stage starts and ends, the survey's kickoff, intake, reminders and close, meeting preparations and
    records, the schedule's next edition, overdue flags — idempotently, catching up after missed days."""
    logger = get_run_logger()
    ctx = flow_context(as_of)

    def log_failure(action: Action, error: Exception) -> None:
        logger.error("%s failed: %s", action.label, error)

    report = run_tick(ctx, fiscal_year=fiscal_year, perform=performer(approval), on_failure=log_failure)
    if report.missed_days:
        logger.info("%d day(s) went without a tick before %s: caught up", report.missed_days, report.as_of)
    if report.performed or report.failed:
        rows = [(label, "done") for label in report.performed] + [(label, "failed") for label in report.failed]
        publish_markdown(
            artifact_key("tick", "log"),
            f"# tick {report.as_of}\n\n"
            + (f"{report.missed_days} day(s) without a tick before this one.\n\n" if report.missed_days else "")
            + markdown_table(("action", "result"), rows),
            description=f"What the tick did on {report.as_of}",
        )
    if report.failed:
        raise TickFailedError("; ".join(report.failed))
    return report
