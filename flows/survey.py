"""The needs survey as flows: survey-kickoff, survey-intake, survey-reminders, survey-close.

Each task is one unit a person would want to see succeed, fail or retry: opening the survey, one document set, one
delivery batch, the feeds. The database decides what was already done (a delivery per document × contact × channel,
a reminder per organisation × step, a task per key), so a run killed anywhere and started again finishes the job
without sending anything twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from prefect import flow, task
from sqlmodel import Session

from council.config import get_settings
from council.delivery.service import PERSONAL_DIR
from council.documents.service import render_survey_reminder, render_survey_request, render_survey_summary
from council.survey.inbox import process_inbox
from council.survey.intake import IntakeSetup
from council.survey.service import build_forms, close_survey, mark_sent, open_survey, survey_tally
from council.survey.status import ReminderDue, due_reminders, record_reminders, survey_status
from council.survey.store import council_id_for, get_survey
from council.survey.taxonomy import load_taxonomy
from council.survey_tasks import cancel_unanswered, complete_answered, ensure_response_tasks
from council.themes import create_theme_candidates
from council.tick import SURVEY_DEADLINE_TASK, SURVEY_OPEN_TASK, SURVEY_SUMMARY_TASK
from council.tick_store import require_cycle_of
from council.wareki import fiscal_year_label, wareki_date
from flows.common import (
    TASK_OPTIONS,
    artifact_key,
    business_calendar,
    checkpoint,
    emit,
    flow_actor,
    flow_run_id,
    markdown_table,
    publish_markdown,
    publish_table,
    resource_id,
    run_clock,
    set_progress,
    survey_rules,
)
from flows.delivery import DeliverySummary, complete_planner_task, deliver_task
from flows.planning import publish_feeds_task
from models.db import session_scope


@dataclass(frozen=True)
class KickoffReport:
    fiscal_year: int
    respondents: int
    response_tasks_created: int
    request_document_id: int
    forms: int
    delivery: DeliverySummary
    completed: bool  # the survey:open task is done


@dataclass(frozen=True)
class IntakeReport:
    fiscal_year: int
    accepted: tuple[str, ...]  # organisation codes
    rejected: tuple[str, ...]  # file names
    answered: int
    respondents: int


@dataclass(frozen=True)
class RemindersReport:
    fiscal_year: int
    reminded: tuple[str, ...]  # '<organisation code>:<step>'
    documents: tuple[int, ...]


@dataclass(frozen=True)
class CloseReport:
    fiscal_year: int
    answered: int
    respondents: int
    cancelled_tasks: tuple[str, ...]
    summary_document_id: int
    candidates: tuple[str, ...]
    delivery: DeliverySummary | None = None


# ------------------------------------------------------------------------------------------------- shared tasks


def _progress(session: Session, fiscal_year: int, today: date) -> tuple[int, int]:
    statuses = survey_status(session, fiscal_year, today)
    return sum(1 for s in statuses if s.has_answered), len(statuses)


def update_progress_artifact(fiscal_year: int, answered: int, total: int) -> None:
    percent = 100.0 * answered / total if total else 0.0
    set_progress(
        artifact_key("survey", fiscal_year, "progress"),
        percent,
        f"{fiscal_year_label(fiscal_year)} 連携課題・ニーズ調査：回答 {answered} / {total} 団体",
    )


# ------------------------------------------------------------------------------------------------- survey-kickoff


@dataclass(frozen=True)
class OpenedSurvey:
    respondents: int
    tasks_created: int
    municipal_window: str
    department_window: str


@task(name="open-survey", **TASK_OPTIONS)
def open_survey_task(fiscal_year: int, as_of: date | None) -> OpenedSurvey:
    """Open the year's survey (windows, respondents) and one response task per respondent."""
    clock = run_clock(as_of)
    with session_scope() as session:
        cycle = require_cycle_of(session, council_id_for(session), fiscal_year)
        survey = open_survey(
            session, fiscal_year=fiscal_year, now=clock.now, calendar=business_calendar(), actor=flow_actor()
        )
        created = ensure_response_tasks(
            session, cycle, survey, now=clock.now, actor=flow_actor(), flow_run_id=flow_run_id()
        )
        respondents = len(survey_status(session, fiscal_year, clock.today))
        opened = OpenedSurvey(
            respondents=respondents,
            tasks_created=len(created),
            municipal_window=f"{wareki_date(survey.municipal_opens_on)}〜{wareki_date(survey.municipal_closes_on)}",
            department_window=f"{wareki_date(survey.department_opens_on)}〜{wareki_date(survey.department_closes_on)}",
        )
    checkpoint("survey-kickoff:opened")
    return opened


@task(name="render-survey-request", **TASK_OPTIONS)
def render_request_task(fiscal_year: int, as_of: date | None) -> tuple[int, int]:
    """The 調査依頼 (one document, versioned) and each respondent's pre-filled form; returns (document id, forms)."""
    clock = run_clock(as_of)
    with session_scope() as session:
        rendered = render_survey_request(session, fiscal_year=fiscal_year, now=clock.now)
        survey = get_survey(session, fiscal_year)
        # Each organisation's own form goes with its mail only (council.delivery: <document>/personal/<code>/).
        forms_dir = get_settings().home / rendered.document.directory / PERSONAL_DIR
        forms = build_forms(session, survey, forms_dir, per_respondent=True)
        assert rendered.document.id is not None
        document_id = rendered.document.id
    checkpoint("survey-kickoff:rendered")
    return document_id, len(forms)


@task(name="record-requests-sent", **TASK_OPTIONS)
def record_sent_task(fiscal_year: int, as_of: date | None, delivery: DeliverySummary) -> bool:
    """Respondents whose contact has the request are 'sent'; the survey:open task is done once everyone has it."""
    clock = run_clock(as_of)
    with session_scope() as session:
        mark_sent(session, fiscal_year, now=clock.now, organization_codes=delivery.delivered_codes)
        completed = delivery.not_delivered == 0 and complete_planner_task(session, fiscal_year, SURVEY_OPEN_TASK, as_of)
    return completed


@flow(name="survey-kickoff")
def survey_kickoff(fiscal_year: int, as_of: date | None = None, publish: bool = True) -> KickoffReport:
    """The secretariat's trigger: open the survey, render the request letter and the forms, deliver them, create a
    response task per organisation, update the feeds, and show it all as artifacts."""
    clock = run_clock(as_of)
    opened = open_survey_task(fiscal_year, clock.today)
    document_id, forms = render_request_task(fiscal_year, clock.today)
    delivery = deliver_task(document_id, clock.today)
    completed = record_sent_task(fiscal_year, clock.today, delivery)
    if publish:
        publish_feeds_task(clock.today)
    label = fiscal_year_label(fiscal_year)
    publish_markdown(
        artifact_key("survey", fiscal_year, "kickoff"),
        f"# {label} 連携課題・ニーズ調査の開始\n\n"
        f"- 調査対象：{opened.respondents} 団体（回答タスク 新規 {opened.tasks_created} 件）\n"
        f"- 回答期間（市町村）：{opened.municipal_window}\n"
        f"- 回答期間（県庁内各部局等・各総合支庁）：{opened.department_window}\n"
        f"- 調査依頼：文書 {document_id}、回答票 {forms} 件\n"
        f"- 送付：送信 {delivery.sent} 件、送信済 {delivery.already_sent} 件、未送付 {delivery.not_delivered} 件\n",
        description=f"{label} 調査開始の概要",
    )
    publish_table(
        artifact_key("survey", fiscal_year, "recipients"),
        [
            {
                "宛先": line.recipient,
                "団体コード": line.organization_code,
                "メール": line.email or "",
                "状態": line.outcome,
            }
            for line in delivery.lines
        ],
        description=f"{label} 調査依頼の送付先と送付状況",
    )
    with session_scope() as session:
        answered, total = _progress(session, fiscal_year, clock.today)
    update_progress_artifact(fiscal_year, answered, total)
    return KickoffReport(
        fiscal_year=fiscal_year,
        respondents=opened.respondents,
        response_tasks_created=opened.tasks_created,
        request_document_id=document_id,
        forms=forms,
        delivery=delivery,
        completed=completed,
    )


# ------------------------------------------------------------------------------------------------- survey-intake


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


@task(name="import-answers", **TASK_OPTIONS)
def import_answers_task(as_of: date | None) -> list[ImportedFile]:
    """Import every answer file waiting in the inbox, whatever year its form names (a late answer to last year's
    survey is still accepted); each file is its own transaction, see council.survey.intake."""
    clock = run_clock(as_of)
    settings = get_settings()
    setup = IntakeSetup(
        session_factory=session_scope,
        council_code=settings.council_code,
        home=settings.home,
        archive_dir=settings.archive_dir,
        actor=flow_actor(),
        taxonomy=load_taxonomy(),
    )
    reports = process_inbox(settings.inbox_dir, setup, now=clock.now)
    return [
        ImportedFile(
            r.original_name,
            r.outcome,
            r.fiscal_year,
            r.organization_code,
            r.answer_count,
            r.late,
            r.submission_id,
            r.error,
        )
        for r in reports
    ]


@task(name="complete-response-tasks", **TASK_OPTIONS)
def complete_responses_task(fiscal_year: int, as_of: date | None) -> tuple[list[str], int, int]:
    """Mark done the response tasks of the organisations that answered; returns (codes, answered, respondents)."""
    clock = run_clock(as_of)
    with session_scope() as session:
        cycle = require_cycle_of(session, council_id_for(session), fiscal_year)
        survey = get_survey(session, fiscal_year)
        codes = complete_answered(session, cycle, survey, now=clock.now, actor=flow_actor(), flow_run_id=flow_run_id())
        answered, total = _progress(session, fiscal_year, clock.today)
    return codes, answered, total


@flow(name="survey-intake")
def survey_intake(fiscal_year: int, as_of: date | None = None) -> IntakeReport:
    """Import the answers waiting in the inbox, complete the respondents' tasks, update the progress artifact and
    emit 'response received' (and, with the last one, 'all responses received')."""
    clock = run_clock(as_of)
    with session_scope() as session:
        answered_before, _ = _progress(session, fiscal_year, clock.today)
    files = import_answers_task(clock.today)
    accepted = [f for f in files if f.outcome == "accepted" and f.organization_code and f.fiscal_year]
    for year in sorted({f.fiscal_year for f in accepted if f.fiscal_year and f.fiscal_year != fiscal_year}):
        _, other_answered, other_total = complete_responses_task(year, clock.today)
        update_progress_artifact(year, other_answered, other_total)
    _, answered, total = complete_responses_task(fiscal_year, clock.today)
    survey = resource_id(fiscal_year, "survey")
    for imported in accepted:
        emit(
            "council.survey.response-received",
            resource=resource_id(imported.fiscal_year or fiscal_year, "survey"),
            natural_key=f"{imported.fiscal_year}|{imported.organization_code}|{imported.submission_id}",
            payload={
                "organization_code": imported.organization_code,
                "answers": imported.answer_count,
                "late": imported.late,
            },
        )
    if total and answered == total and answered_before < total:
        emit(
            "council.survey.all-responses-received",
            resource=survey,
            natural_key=str(fiscal_year),
            payload={"respondents": total},
        )
    update_progress_artifact(fiscal_year, answered, total)
    return IntakeReport(
        fiscal_year=fiscal_year,
        accepted=tuple(
            sorted(f.organization_code for f in accepted if f.organization_code and f.fiscal_year == fiscal_year)
        ),
        rejected=tuple(f.name for f in files if f.outcome == "rejected"),
        answered=answered,
        respondents=total,
    )


# ------------------------------------------------------------------------------------------------- survey-reminders


@task(name="select-reminders", **TASK_OPTIONS)
def select_reminders_task(fiscal_year: int, as_of: date | None) -> list[ReminderDue]:
    """The 督促 due today, by the survey's rules (each step at most once per organisation)."""
    clock = run_clock(as_of)
    with session_scope() as session:
        return due_reminders(session, fiscal_year, clock.today, business_calendar(), survey_rules().reminders)


@task(name="render-reminder", **TASK_OPTIONS)
def render_reminder_task(fiscal_year: int, as_of: date | None, reminders: list[ReminderDue]) -> int:
    """One 督促 document for one step and deadline, addressed to the organisations that have not answered."""
    clock = run_clock(as_of)
    first = reminders[0]
    with session_scope() as session:
        rendered = render_survey_reminder(
            session,
            fiscal_year=fiscal_year,
            respondents=[reminder.organization_id for reminder in reminders],
            deadline=first.deadline,
            step=first.step,
            now=clock.now,
        )
        assert rendered.document.id is not None
        return rendered.document.id


@task(name="record-reminders", **TASK_OPTIONS)
def record_reminders_task(fiscal_year: int, as_of: date | None, reminders: list[ReminderDue]) -> int:
    clock = run_clock(as_of)
    with session_scope() as session:
        return len(record_reminders(session, fiscal_year, reminders, now=clock.now))


@flow(name="survey-reminders")
def survey_reminders(fiscal_year: int, as_of: date | None = None) -> RemindersReport:
    """Send the 督促 due today to the organisations that have not answered: per step, one document and one
    delivery batch, then record the step (never sent twice)."""
    clock = run_clock(as_of)
    due = select_reminders_task(fiscal_year, clock.today)
    groups: dict[tuple[str, date], list[ReminderDue]] = defaultdict(list)
    for reminder in due:
        groups[(reminder.step, reminder.deadline)].append(reminder)
    documents, rows = [], []
    for (step, deadline), reminders in sorted(groups.items()):
        document_id = render_reminder_task(fiscal_year, clock.today, reminders)
        delivery = deliver_task(
            document_id, clock.today, [r.organization_id for r in reminders], label="未回答の調査対象"
        )
        record_reminders_task(fiscal_year, clock.today, reminders)
        documents.append(document_id)
        rows += [
            {"団体": r.organization_name, "段階": step, "回答期限": wareki_date(deadline), "送付": delivery.sent}
            for r in reminders
        ]
    if rows:
        publish_table(
            artifact_key("survey", fiscal_year, "reminders"),
            rows,
            description=f"{fiscal_year_label(fiscal_year)} 督促（{wareki_date(clock.today)}）",
        )
    with session_scope() as session:
        answered, total = _progress(session, fiscal_year, clock.today)
    update_progress_artifact(fiscal_year, answered, total)
    return RemindersReport(
        fiscal_year=fiscal_year,
        reminded=tuple(f"{r.organization_code}:{r.step}" for r in due),
        documents=tuple(documents),
    )


# ------------------------------------------------------------------------------------------------- survey-close


@task(name="close-survey", **TASK_OPTIONS)
def close_survey_task(fiscal_year: int, as_of: date | None) -> tuple[int, int, list[str]]:
    """Close the survey; respondents' tasks: done for those who answered, cancelled for the others. Returns
    (answered, respondents, cancelled organisation codes)."""
    clock = run_clock(as_of)
    actor, run_id = flow_actor(), flow_run_id()
    with session_scope() as session:
        close_survey(session, fiscal_year, now=clock.now, actor=actor)
        cycle = require_cycle_of(session, council_id_for(session), fiscal_year)
        survey = get_survey(session, fiscal_year)
        complete_answered(session, cycle, survey, now=clock.now, actor=actor, flow_run_id=run_id)
        cancelled = cancel_unanswered(session, cycle, survey, now=clock.now, actor=actor, flow_run_id=run_id)
        complete_planner_task(session, fiscal_year, SURVEY_DEADLINE_TASK, as_of)
        answered, total = _progress(session, fiscal_year, clock.today)
    return answered, total, cancelled


@task(name="render-survey-summary", **TASK_OPTIONS)
def render_summary_task(fiscal_year: int, as_of: date | None) -> int:
    """The 調査結果概要 from the tally."""
    clock = run_clock(as_of)
    with session_scope() as session:
        tally = survey_tally(session, fiscal_year)
        rendered = render_survey_summary(session, fiscal_year=fiscal_year, tally=tally, now=clock.now)
        assert rendered.document.id is not None
        return rendered.document.id


@task(name="create-theme-candidates", **TASK_OPTIONS)
def candidates_task(fiscal_year: int, as_of: date | None) -> list[str]:
    """New theme candidates from the tally (idempotent); the survey:summary task is done."""
    clock = run_clock(as_of)
    with session_scope() as session:
        tally = survey_tally(session, fiscal_year)
        themes = create_theme_candidates(
            session,
            tally,
            now=clock.now,
            actor=flow_actor(),
            min_municipal_answers=survey_rules().candidate_min_municipal_answers,
        )
        complete_planner_task(session, fiscal_year, SURVEY_SUMMARY_TASK, as_of)
        return [theme.code for theme in themes]


@flow(name="survey-close")
def survey_close(fiscal_year: int, as_of: date | None = None, publish: bool = True) -> CloseReport:
    """Close the survey, tally it, render and send the 調査結果概要, and create the new theme candidates."""
    clock = run_clock(as_of)
    answered, total, cancelled = close_survey_task(fiscal_year, clock.today)
    document_id = render_summary_task(fiscal_year, clock.today)
    delivery = deliver_task(document_id, clock.today)
    candidates = candidates_task(fiscal_year, clock.today)
    if publish:
        publish_feeds_task(clock.today)
    label = fiscal_year_label(fiscal_year)
    publish_markdown(
        artifact_key("survey", fiscal_year, "close"),
        f"# {label} 連携課題・ニーズ調査の締切\n\n"
        f"- 回答：{answered} / {total} 団体（未回答 {len(cancelled)} 団体の回答タスクは取消）\n"
        f"- 調査結果概要：文書 {document_id}（送信 {delivery.sent} 件）\n"
        f"- 新たな連携テーマ候補：{len(candidates)} 件\n\n"
        + markdown_table(("テーマ候補",), [(code,) for code in candidates]),
        description=f"{label} 調査の締切と結果",
    )
    update_progress_artifact(fiscal_year, answered, total)
    return CloseReport(
        fiscal_year=fiscal_year,
        answered=answered,
        respondents=total,
        cancelled_tasks=tuple(cancelled),
        summary_document_id=document_id,
        candidates=tuple(candidates),
        delivery=delivery,
    )
