"""The needs survey's use cases: open it, kick it off, take in answers, remind, close it. The flows (survey-kickoff,
survey-intake, survey-reminders, survey-close), the CLI and the console call these, and each leaves the same rows
whichever calls it.

Each step is one unit a person would want to see succeed, fail or retry: opening the survey, one document, one
delivery batch. The database decides what was already done (a delivery per document × contact × channel, a reminder
per organisation × step, a task per key), so a run killed anywhere and started again finishes the job without
sending anything twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session

from council.context import Context
from council.delivery.actions import DeliverySummary, deliver
from council.delivery.service import PERSONAL_DIR
from council.documents.drafting import reminder_document, request_subject, summary_document, survey_request_document
from council.documents.facts import audience_members
from council.documents.files import FORMATS
from council.documents.lifecycle import issue_now, latest_issued
from council.documents.stationery import stationery_for
from council.errors import InputError
from council.keys import SURVEY_DEADLINE_TASK, SURVEY_OPEN_TASK, SURVEY_SUMMARY_TASK
from council.planning.cycles import council_and_cycle, find_task, require_cycle
from council.survey.inbox import process_inbox
from council.survey.intake import ImportReport, IntakeSetup, import_files
from council.survey.response_tasks import cancel_unanswered, complete_answered, ensure_response_tasks
from council.survey.rules import SurveyRules, survey_rules_at
from council.survey.service import (
    build_forms,
    close_survey_record,
    mark_sent,
    not_sent_kinds,
    open_survey,
    survey_tally,
)
from council.survey.status import ReminderDue, due_reminders, record_reminders, survey_status
from council.survey.store import Audience, audience_of, get_survey, opens_on
from council.survey.tally import SurveyTally
from council.survey.taxonomy import TAXONOMY_FILE, Taxonomy, load_taxonomy
from council.tasks.tracking import complete_planned_task
from council.themes.candidates import create_theme_candidates
from council.wareki import wareki_date
from models import DocumentKind, Survey, TaskStatus
from models.survey import ANSWERED_STATUSES

RULES_FILE = "survey.yaml"


def survey_rules(ctx: Context) -> SurveyRules:
    return survey_rules_at(ctx.settings.reference_file(RULES_FILE))


def taxonomy(ctx: Context) -> Taxonomy:
    return load_taxonomy(ctx.settings.reference_file(TAXONOMY_FILE))


def _survey(ctx: Context, session: Session, fiscal_year: int) -> Survey:
    return get_survey(session, fiscal_year, ctx.settings.council_code)


def progress(ctx: Context, fiscal_year: int) -> tuple[int, int]:
    """(answered, respondents) of the year's survey."""
    with ctx.transaction() as session:
        statuses = survey_status(session, fiscal_year, ctx.clock.today, council_code=ctx.settings.council_code)
    return sum(1 for status in statuses if status.has_answered), len(statuses)


# ------------------------------------------------------------------------------------------------- open, kick off


@dataclass(frozen=True)
class OpenedSurvey:
    respondents: int
    tasks_created: int
    municipal_window: str
    department_window: str


def open_survey_step(ctx: Context, fiscal_year: int) -> OpenedSurvey:
    """Open the year's survey (windows, respondents) and one response task per respondent (idempotent)."""
    stationery = stationery_for(ctx.settings)
    with ctx.transaction() as session:
        cycle = require_cycle(session, ctx.settings.council_code, fiscal_year)
        survey = open_survey(
            session,
            fiscal_year=fiscal_year,
            now=ctx.clock.now,
            calendar=stationery.calendar,
            rules=survey_rules(ctx),
            council_code=ctx.settings.council_code,
            actor=ctx.actor,
        )
        created = ensure_response_tasks(
            session, cycle, survey, now=ctx.clock.now, actor=ctx.actor, flow_run_id=ctx.flow_run_id
        )
        respondents = len(survey_status(session, fiscal_year, ctx.clock.today, council_code=ctx.settings.council_code))
        return OpenedSurvey(
            respondents=respondents,
            tasks_created=len(created),
            municipal_window=f"{wareki_date(survey.municipal_opens_on)}〜{wareki_date(survey.municipal_closes_on)}",
            department_window=f"{wareki_date(survey.department_opens_on)}〜{wareki_date(survey.department_closes_on)}",
        )


def requests_due_step(ctx: Context, fiscal_year: int) -> list[Audience]:
    """The audiences whose window has opened by today and whose 調査依頼 has not reached everyone yet: not issued,
    or issued while some respondent is still recorded as not sent (a run that died between issue and delivery, or
    an organisation whose address was missing) — issuing and delivering again are idempotent."""
    with ctx.transaction() as session:
        survey = _survey(ctx, session, fiscal_year)
        cycle = require_cycle(session, ctx.settings.council_code, fiscal_year)
        waiting = {audience_of(kind) for kind in not_sent_kinds(session, survey)}
        return [
            audience
            for audience in Audience
            if opens_on(survey, audience) <= ctx.clock.today
            and (
                audience in waiting
                or latest_issued(session, cycle.id or 0, DocumentKind.survey_request, request_subject(audience)) is None
            )
        ]


def issue_request_step(ctx: Context, fiscal_year: int, audience: Audience) -> tuple[int, int, list[int]]:
    """The 調査依頼 of one audience issued today, and each of its respondents' pre-filled forms beside it (delivery
    attaches an organisation's own form to its mail only); returns (document id, forms, organisations)."""
    stationery = stationery_for(ctx.settings)
    with ctx.transaction() as session:
        council, cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)
        plan = survey_request_document(session, stationery, council, cycle, audience)
        rendered = issue_now(
            session,
            stationery,
            cycle=cycle,
            subject=plan.subject,
            make=plan.make,
            on=ctx.clock.today,
            now=ctx.clock.now,
            actor=ctx.actor,
            formats=FORMATS,
        )
        survey = _survey(ctx, session, fiscal_year)
        forms_dir = ctx.settings.home / rendered.document.directory / PERSONAL_DIR
        forms = build_forms(session, survey, forms_dir, taxonomy=taxonomy(ctx), per_respondent=True, audience=audience)
        assert rendered.document.id is not None
        return rendered.document.id, len(forms), audience_members(session, survey, audience)


def record_requests_sent(
    ctx: Context, fiscal_year: int, audience: Audience, delivered_codes: list[str], complete: bool
) -> bool:
    """Respondents whose contact has the request are 'sent'; the survey:open task (the survey's start) is done once
    every municipality has it (or is recorded as undeliverable)."""
    with ctx.transaction() as session:
        mark_sent(session, _survey(ctx, session, fiscal_year), now=ctx.clock.now, organization_codes=delivered_codes)
        cycle = require_cycle(session, ctx.settings.council_code, fiscal_year)
        if audience is not Audience.municipalities or not complete:
            return False
        return complete_planned_task(
            session, cycle, SURVEY_OPEN_TASK, now=ctx.clock.now, actor=ctx.actor, flow_run_id=ctx.flow_run_id
        )


@dataclass(frozen=True)
class RequestBatch:
    audience: Audience
    document_id: int
    forms: int
    delivery: DeliverySummary


def send_requests(ctx: Context, fiscal_year: int) -> tuple[RequestBatch, ...]:
    """Each audience's 調査依頼 on the day its window opens: the municipalities' at the kickoff, the departments' and
    regional offices' when theirs opens — issued that day, with the forms, delivered, recorded."""
    batches = []
    for audience in ctx.step("requests-due", requests_due_step, ctx, fiscal_year):
        document_id, forms, organizations = ctx.step(
            "issue-survey-request", issue_request_step, ctx, fiscal_year, audience
        )
        delivery: DeliverySummary = ctx.step(
            "deliver-document", deliver, ctx, document_id, organization_ids=organizations, label="調査対象"
        )
        ctx.step(
            "record-requests-sent",
            record_requests_sent,
            ctx,
            fiscal_year,
            audience,
            delivery.delivered_codes,
            delivery.not_delivered == 0,
        )
        batches.append(RequestBatch(audience, document_id, forms, delivery))
    return tuple(batches)


@dataclass(frozen=True)
class KickoffReport:
    fiscal_year: int
    opened: OpenedSurvey
    requests: tuple[RequestBatch, ...]  # the letters sent by this run (none when they had all gone already)
    completed: bool  # the survey:open task is done

    @property
    def sent(self) -> int:
        return sum(batch.delivery.sent for batch in self.requests)

    @property
    def not_delivered(self) -> int:
        return sum(batch.delivery.not_delivered for batch in self.requests)

    @property
    def undeliverable(self) -> int:
        return sum(batch.delivery.undeliverable for batch in self.requests)

    @property
    def forms(self) -> int:
        return sum(batch.forms for batch in self.requests)


def kickoff_survey(ctx: Context, fiscal_year: int) -> KickoffReport:
    """The secretariat's trigger: open the survey (a response task per organisation) and send the 調査依頼 of every
    audience whose window has opened, with the forms. Run again on the day the departments' window opens, it sends
    theirs. Safe to repeat: nobody gets a letter twice."""
    opened = ctx.step("open-survey", open_survey_step, ctx, fiscal_year)
    batches = send_requests(ctx, fiscal_year)
    completed = ctx.step("survey-started", survey_started, ctx, fiscal_year)
    return KickoffReport(fiscal_year, opened, batches, completed)


def survey_started(ctx: Context, fiscal_year: int) -> bool:
    with ctx.transaction() as session:
        cycle = require_cycle(session, ctx.settings.council_code, fiscal_year)
        task = find_task(session, cycle, SURVEY_OPEN_TASK)
        return task is not None and task.status == TaskStatus.done


# ------------------------------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class ImportedFile:
    name: str
    outcome: str
    fiscal_year: int | None
    organization_code: str | None
    answer_count: int
    late: bool
    submission_id: int | None
    error: str | None
    summary: str

    @classmethod
    def of(cls, report: ImportReport) -> ImportedFile:
        return cls(
            report.original_name,
            report.outcome,
            report.fiscal_year,
            report.organization_code,
            report.answer_count,
            report.late,
            report.submission_id,
            report.error,
            report.summary(),
        )


def import_step(ctx: Context, paths: list[Path] | None, fiscal_year: int | None) -> list[ImportedFile]:
    """Import the given answer files, or every file waiting in the inbox: each file is its own transaction."""
    setup = IntakeSetup(
        session_factory=ctx.transaction,
        council_code=ctx.settings.council_code,
        home=ctx.settings.home,
        archive_dir=ctx.settings.archive_dir,
        actor=ctx.actor,
        taxonomy=taxonomy(ctx),
    )
    if paths is None:
        reports = process_inbox(ctx.settings.inbox_dir, setup, now=ctx.clock.now, fiscal_year=fiscal_year)
    else:
        reports = import_files(paths, setup, now=ctx.clock.now, fiscal_year=fiscal_year)
    return [ImportedFile.of(report) for report in reports]


def complete_responses_step(ctx: Context, fiscal_year: int) -> list[str]:
    """Mark done the response tasks of the organisations that answered; returns their codes."""
    with ctx.transaction() as session:
        cycle = require_cycle(session, ctx.settings.council_code, fiscal_year)
        survey = _survey(ctx, session, fiscal_year)
        return complete_answered(
            session, cycle, survey, now=ctx.clock.now, actor=ctx.actor, flow_run_id=ctx.flow_run_id
        )


@dataclass(frozen=True)
class IntakeReport:
    files: tuple[ImportedFile, ...]
    years: tuple[int, ...]  # the fiscal years whose respondents' tasks were brought up to date

    @property
    def rejected(self) -> tuple[ImportedFile, ...]:
        return tuple(item for item in self.files if item.outcome == "rejected")


def import_answers(
    ctx: Context, paths: Sequence[Path] | None = None, *, fiscal_year: int | None = None
) -> IntakeReport:
    """Take in answer files (the given ones, or the inbox's), each all-or-nothing, and complete the response tasks
    of those who answered (a late answer to last year's survey is accepted too)."""
    files = ctx.step("import-answers", import_step, ctx, list(paths) if paths is not None else None, fiscal_year)
    years = sorted({f.fiscal_year for f in files if f.outcome == "accepted" and f.fiscal_year is not None})
    for year in years:
        ctx.step("complete-response-tasks", complete_responses_step, ctx, year)
    return IntakeReport(tuple(files), tuple(years))


# ------------------------------------------------------------------------------------------------- reminders


def due_reminders_step(ctx: Context, fiscal_year: int) -> list[ReminderDue]:
    """The 督促 due today by the survey's rules (each step at most once per organisation; none on a closed day)."""
    stationery = stationery_for(ctx.settings)
    with ctx.transaction() as session:
        survey = _survey(ctx, session, fiscal_year)
        return due_reminders(session, survey, ctx.clock.today, stationery.calendar, survey_rules(ctx))


def issue_reminder_step(ctx: Context, fiscal_year: int, reminders: list[ReminderDue]) -> int:
    """One 督促 for one step, deadline and audience, issued today, to the organisations that have not answered,
    referring to the 調査依頼 they received."""
    stationery = stationery_for(ctx.settings)
    first = reminders[0]
    with ctx.transaction() as session:
        council, cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)
        plan = reminder_document(
            session,
            stationery,
            council,
            cycle,
            organization_ids=[reminder.organization_id for reminder in reminders],
            audience=audience_of(first.kind),
            step=first.step,
            deadline=first.deadline,
            new_deadline=first.new_deadline,
        )
        rendered = issue_now(
            session,
            stationery,
            cycle=cycle,
            subject=plan.subject,
            make=plan.make,
            on=ctx.clock.today,
            now=ctx.clock.now,
            actor=ctx.actor,
            formats=FORMATS,
        )
        assert rendered.document.id is not None
        return rendered.document.id


def record_reminders_step(ctx: Context, fiscal_year: int, reminders: list[ReminderDue]) -> int:
    with ctx.transaction() as session:
        return len(record_reminders(session, _survey(ctx, session, fiscal_year), reminders, now=ctx.clock.now))


@dataclass(frozen=True)
class ReminderBatch:
    step: str
    deadline: date
    new_deadline: date | None
    document_id: int
    organizations: tuple[str, ...]  # codes
    sent: int


@dataclass(frozen=True)
class RemindersReport:
    fiscal_year: int
    batches: tuple[ReminderBatch, ...]

    @property
    def reminded(self) -> tuple[str, ...]:
        return tuple(f"{code}:{batch.step}" for batch in self.batches for code in batch.organizations)


def send_reminders(ctx: Context, fiscal_year: int) -> RemindersReport:
    """Send the 督促 due today to the organisations that have not answered: per step, deadline and audience, one
    letter and one delivery batch, then the step is recorded (never sent twice)."""
    due: list[ReminderDue] = ctx.step("select-reminders", due_reminders_step, ctx, fiscal_year)
    groups: dict[tuple[str, date, Audience], list[ReminderDue]] = defaultdict(list)
    for reminder in due:
        groups[(reminder.step, reminder.deadline, audience_of(reminder.kind))].append(reminder)
    batches = []
    for (step, deadline, _audience), reminders in sorted(groups.items()):
        document_id = ctx.step("issue-reminder", issue_reminder_step, ctx, fiscal_year, reminders)
        delivery: DeliverySummary = ctx.step(
            "deliver-document",
            deliver,
            ctx,
            document_id,
            organization_ids=[r.organization_id for r in reminders],
            label="未回答の調査対象",
        )
        ctx.step("record-reminders", record_reminders_step, ctx, fiscal_year, reminders)
        batches.append(
            ReminderBatch(
                step,
                deadline,
                reminders[0].new_deadline,
                document_id,
                tuple(r.organization_code for r in reminders),
                delivery.sent,
            )
        )
    return RemindersReport(fiscal_year, tuple(batches))


# ------------------------------------------------------------------------------------------------- close


@dataclass(frozen=True)
class ClosedSurvey:
    answered: int
    respondents: int
    cancelled_tasks: tuple[str, ...]


def close_step(ctx: Context, fiscal_year: int) -> ClosedSurvey:
    """Close the survey; respondents' tasks: done for those who answered, cancelled for the others; the
    survey:deadline task done."""
    with ctx.transaction() as session:
        survey = _survey(ctx, session, fiscal_year)
        cycle = require_cycle(session, ctx.settings.council_code, fiscal_year)
        close_survey_record(session, survey, now=ctx.clock.now, actor=ctx.actor)
        complete_answered(session, cycle, survey, now=ctx.clock.now, actor=ctx.actor, flow_run_id=ctx.flow_run_id)
        cancelled = cancel_unanswered(
            session, cycle, survey, now=ctx.clock.now, actor=ctx.actor, flow_run_id=ctx.flow_run_id
        )
        complete_planned_task(
            session, cycle, SURVEY_DEADLINE_TASK, now=ctx.clock.now, actor=ctx.actor, flow_run_id=ctx.flow_run_id
        )
        statuses = survey_status(session, fiscal_year, ctx.clock.today, council_code=ctx.settings.council_code)
    answered = sum(1 for status in statuses if status.status in ANSWERED_STATUSES)
    return ClosedSurvey(answered, len(statuses), tuple(cancelled))


def tally_of(ctx: Context, fiscal_year: int) -> SurveyTally:
    with ctx.transaction() as session:
        return survey_tally(session, _survey(ctx, session, fiscal_year), taxonomy=taxonomy(ctx))


def issue_summary_step(ctx: Context, fiscal_year: int) -> int:
    """The 調査結果概要 from the tally, issued today."""
    stationery = stationery_for(ctx.settings)
    tally = tally_of(ctx, fiscal_year)
    with ctx.transaction() as session:
        council, cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)
        plan = summary_document(session, stationery, council, cycle, tally)
        rendered = issue_now(
            session,
            stationery,
            cycle=cycle,
            subject=plan.subject,
            make=plan.make,
            on=ctx.clock.today,
            now=ctx.clock.now,
            actor=ctx.actor,
            formats=FORMATS,
        )
        assert rendered.document.id is not None
        return rendered.document.id


def candidates_step(ctx: Context, fiscal_year: int) -> list[str]:
    """New theme candidates from the tally (idempotent); the survey:summary task is done."""
    tally = tally_of(ctx, fiscal_year)
    with ctx.transaction() as session:
        themes = create_theme_candidates(
            session,
            tally,
            council_code=ctx.settings.council_code,
            now=ctx.clock.now,
            actor=ctx.actor,
            min_municipal_answers=survey_rules(ctx).candidate_min_municipal_answers,
            taxonomy=taxonomy(ctx),
        )
        cycle = require_cycle(session, ctx.settings.council_code, fiscal_year)
        complete_planned_task(
            session, cycle, SURVEY_SUMMARY_TASK, now=ctx.clock.now, actor=ctx.actor, flow_run_id=ctx.flow_run_id
        )
        return [theme.code for theme in themes]


@dataclass(frozen=True)
class CloseReport:
    fiscal_year: int
    closed: ClosedSurvey
    summary_document_id: int
    candidates: tuple[str, ...]
    delivery: DeliverySummary


def close_survey(ctx: Context, fiscal_year: int) -> CloseReport:
    """Close the survey, tally it, issue and send the 調査結果概要, and create the new theme candidates."""
    if not stationery_for(ctx.settings).calendar.is_business_day(ctx.clock.today):
        raise InputError(f"{wareki_date(ctx.clock.today)} is a closed day: close the survey on a business day")
    closed: ClosedSurvey = ctx.step("close-survey", close_step, ctx, fiscal_year)
    document_id = ctx.step("issue-survey-summary", issue_summary_step, ctx, fiscal_year)
    delivery: DeliverySummary = ctx.step("deliver-document", deliver, ctx, document_id)
    candidates = ctx.step("create-theme-candidates", candidates_step, ctx, fiscal_year)
    return CloseReport(fiscal_year, closed, document_id, tuple(candidates), delivery)


def open_only(ctx: Context, fiscal_year: int) -> OpenedSurvey:
    """Open the survey without sending anything (`council survey open`): the request goes out with the kickoff."""
    return ctx.step("open-survey", open_survey_step, ctx, fiscal_year)


def forms_step(ctx: Context, fiscal_year: int, out_dir: Path) -> list[Path]:
    with ctx.transaction() as session:
        return build_forms(session, _survey(ctx, session, fiscal_year), out_dir, taxonomy=taxonomy(ctx))


def answered_codes(ctx: Context, fiscal_year: int) -> list[str]:
    with ctx.transaction() as session:
        return [
            status.organization_code
            for status in survey_status(session, fiscal_year, ctx.clock.today, council_code=ctx.settings.council_code)
            if status.has_answered
        ]
