"""Planning a fiscal year and pinning its meetings, and the annual schedule (年間スケジュール) that shows the plan:
the use cases the plan-year flow, the CLI and the console call.

The schedule is an edition document: when the plan changes, its next edition is drafted (案) for the next business
day, and the tick issues it on that day. An issued edition never changes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, time

from sqlmodel import Session

from council.audit import record_change
from council.context import Context
from council.documents.drafting import SCHEDULE_SUBJECT, schedule_document
from council.documents.files import FORMATS
from council.documents.lifecycle import current_draft, draft, issue
from council.documents.stationery import stationery_for
from council.feeds.actions import publish_feeds_step
from council.planning.cycles import council_and_cycle, find_meeting
from council.planning.rules import cycle_rules
from council.planning.store import StoreReport, pin_meeting, plan_and_store
from council.wareki import wareki_date
from models import DocumentKind


@dataclass(frozen=True)
class PlanSummary:
    fiscal_year: int
    added: int
    changed: int
    unchanged: int
    changed_keys: tuple[str, ...]
    schedule_document_id: int | None
    planned_task_keys: tuple[str, ...] = ()  # the tasks the rules derive (the plan's own)
    explanations: tuple[tuple[str, str], ...] = ()  # why each date ('meeting:council-1', '…の第1水曜日 …')

    def summary(self) -> str:
        return f"{self.added} added, {self.changed} changed, {self.unchanged} unchanged"


def _summary(report: StoreReport, schedule_id: int | None) -> PlanSummary:
    return PlanSummary(
        report.fiscal_year,
        report.added,
        report.changed,
        report.unchanged,
        tuple(report.added_keys + report.changed_keys),
        schedule_id,
        tuple(sorted(report.plan.task_keys)),
        tuple(report.plan.explanations().items()),
    )


def store_plan_step(ctx: Context, fiscal_year: int) -> PlanSummary:
    """Step: plan the year from the cycle rules and the stored pins, and store it (one transaction)."""
    with ctx.transaction() as session:
        report = plan_and_store(
            session,
            fiscal_year=fiscal_year,
            rules=cycle_rules(ctx.settings.cycle_file),
            now=ctx.clock.now,
            actor=ctx.actor,
            council_code=ctx.settings.council_code,
            flow_run_id=ctx.flow_run_id,
        )
    return _summary(report, None)


def refresh_schedule_step(ctx: Context, fiscal_year: int) -> int | None:
    """Step: the 年間スケジュール as the plan stands — its next edition drafted for the next business day, or the
    issued edition when that already says the same. Returns the document's id."""
    stationery = stationery_for(ctx.settings)
    with ctx.transaction() as session:
        council, cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)
        planned = stationery.calendar.next_business_day(ctx.clock.today)
        plan = schedule_document(session, stationery, council, cycle, planned_issue_on=planned)
        rendered = draft(
            session,
            stationery,
            cycle=cycle,
            subject=plan.subject,
            make=plan.make,
            planned_issue_on=plan.planned_issue_on,
            formats=FORMATS,
            now=ctx.clock.now,
        )
        return rendered.document.id


def issue_schedule_step(ctx: Context, fiscal_year: int) -> int | None:
    """Step: issue the schedule's draft edition when its day has come (today, a business day)."""
    stationery = stationery_for(ctx.settings)
    with ctx.transaction() as session:
        council, cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)
        pending = current_draft(session, cycle.id or 0, DocumentKind.annual_schedule, SCHEDULE_SUBJECT)
        due = pending is not None and (pending.planned_issue_on or ctx.clock.today) <= ctx.clock.today
        if pending is None or not due or not stationery.calendar.is_business_day(ctx.clock.today):
            return None
        assert council.id is not None
        rendered = issue(
            session,
            stationery,
            pending,
            council_id=council.id,
            on=ctx.clock.today,
            now=ctx.clock.now,
            actor=ctx.actor,
            formats=FORMATS,
        )
        return rendered.document.id


def plan_year(ctx: Context, fiscal_year: int, *, publish: bool = True) -> PlanSummary:
    """Plan and store a fiscal year, draft its 年間スケジュール, and publish the feeds."""
    stored: PlanSummary = ctx.step("store-plan", store_plan_step, ctx, fiscal_year)
    schedule = ctx.step("draft-annual-schedule", refresh_schedule_step, ctx, fiscal_year)
    if publish:
        ctx.step("publish-feeds", publish_feeds_step, ctx)
    return dataclasses.replace(stored, schedule_document_id=schedule)


def replan_with_pin(
    ctx: Context, session: Session, fiscal_year: int, meeting_key: str, day: date, start: time | None, *, action: str
) -> StoreReport:
    """Pin a meeting to `day` and re-plan what depends on it, in the caller's transaction; `action` names the change
    in the audit log (meeting.pinned, meeting.postponed)."""
    cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)[1]
    meeting = find_meeting(session, cycle, meeting_key)
    before = {"starts_at": meeting.starts_at, "ends_at": meeting.ends_at}
    report = pin_meeting(
        session,
        fiscal_year=fiscal_year,
        meeting=meeting_key,
        day=day,
        start=start,
        rules=cycle_rules(ctx.settings.cycle_file),
        now=ctx.clock.now,
        actor=ctx.actor,
        council_code=ctx.settings.council_code,
        flow_run_id=ctx.flow_run_id,
    )
    if action != "meeting.pinned":
        record_change(
            session,
            action=action,
            row=meeting,
            before=before,
            after={"starts_at": meeting.starts_at, "ends_at": meeting.ends_at, "to": wareki_date(day)},
            now=ctx.clock.now,
            actor=ctx.actor,
            key=f"{fiscal_year}/{meeting_key}",
            flow_run_id=ctx.flow_run_id,
        )
    return report


def pin_step(ctx: Context, fiscal_year: int, meeting_key: str, day: date, start: time | None) -> PlanSummary:
    with ctx.transaction() as session:
        report = replan_with_pin(ctx, session, fiscal_year, meeting_key, day, start, action="meeting.pinned")
    return _summary(report, None)


def pin_meeting_action(
    ctx: Context, fiscal_year: int, meeting_key: str, *, day: date, start: time | None = None
) -> PlanSummary:
    """Fix a meeting's date by hand and re-plan what depends on it; the schedule's next edition and the feeds
    follow."""
    stored: PlanSummary = ctx.step("pin-meeting", pin_step, ctx, fiscal_year, meeting_key, day, start)
    schedule = ctx.step("draft-annual-schedule", refresh_schedule_step, ctx, fiscal_year)
    ctx.step("publish-feeds", publish_feeds_step, ctx)
    return dataclasses.replace(stored, schedule_document_id=schedule)
