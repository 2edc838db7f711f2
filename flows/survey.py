"""The needs survey as flows: survey-kickoff, survey-intake, survey-reminders, survey-close.

Each flow runs its use case (council.survey.actions) with every step as a task, then makes the run visible:
artifacts (summary, recipients, progress) and events. The CLI and the console run the very same use cases.
"""

from __future__ import annotations

from datetime import date

from prefect import flow

from council.context import Context
from council.labels import AUDIENCE_LABELS
from council.survey.actions import (
    CloseReport,
    IntakeReport,
    KickoffReport,
    RemindersReport,
    close_survey,
    import_answers,
    kickoff_survey,
    progress,
    send_reminders,
)
from council.wareki import fiscal_year_label, wareki_date
from flows.common import (
    artifact_key,
    emit,
    flow_context,
    markdown_table,
    publish_markdown,
    publish_table,
    resource_id,
    set_progress,
)
from flows.planning import publish_feeds_task


def update_progress_artifact(ctx: Context, fiscal_year: int) -> tuple[int, int]:
    answered, total = progress(ctx, fiscal_year)
    percent = 100.0 * answered / total if total else 0.0
    set_progress(
        artifact_key("survey", fiscal_year, "progress"),
        percent,
        f"{fiscal_year_label(fiscal_year)} 連携課題・ニーズ調査：回答 {answered} / {total} 団体",
    )
    return answered, total


@flow(name="survey-kickoff")
def survey_kickoff(fiscal_year: int, as_of: date | None = None, publish: bool = True) -> KickoffReport:
    """The secretariat's trigger: open the survey (a response task per organisation), issue and deliver the 調査依頼
    with the forms to every audience whose window has opened (the tick runs it again on the day the departments'
    window opens), update the feeds, and show it all as artifacts."""
    return run_survey_kickoff(flow_context(as_of), fiscal_year, publish=publish)


def run_survey_kickoff(ctx: Context, fiscal_year: int, *, publish: bool) -> KickoffReport:
    """survey-kickoff's work in the running flow (its own run, or the tick's)."""
    report = kickoff_survey(ctx, fiscal_year)
    if publish:
        publish_feeds_task(ctx)
    label = fiscal_year_label(fiscal_year)
    opened = report.opened
    letters = "".join(
        f"- 調査依頼（{AUDIENCE_LABELS[batch.audience]}）：文書 {batch.document_id}、回答票 {batch.forms} 件、"
        f"送信 {batch.delivery.sent} 件、送信済 {batch.delivery.already_sent} 件、"
        f"宛先なし {batch.delivery.undeliverable} 件、未送付 {batch.delivery.not_delivered} 件\n"
        for batch in report.requests
    )
    publish_markdown(
        artifact_key("survey", fiscal_year, "kickoff"),
        f"# {label} 連携課題・ニーズ調査\n\n"
        f"- 調査対象：{opened.respondents} 団体（回答タスク 新規 {opened.tasks_created} 件）\n"
        f"- 回答期間（市町村）：{opened.municipal_window}\n"
        f"- 回答期間（県庁内各部局等・各総合支庁）：{opened.department_window}\n" + letters,
        description=f"{label} 調査の開始と調査依頼",
    )
    if report.requests:
        publish_table(
            artifact_key("survey", fiscal_year, "recipients"),
            [
                {
                    "宛先": line.recipient,
                    "団体コード": line.organization_code,
                    "メール": line.email or "",
                    "状態": line.outcome,
                }
                for batch in report.requests
                for line in batch.delivery.lines
            ],
            description=f"{label} 調査依頼の送付先と送付状況",
        )
    update_progress_artifact(ctx, fiscal_year)
    return report


@flow(name="survey-intake")
def survey_intake(fiscal_year: int, as_of: date | None = None) -> IntakeReport:
    """Import the answers waiting in the inbox, complete the respondents' tasks, update the progress artifact and
    emit 'response received' (and, with the last one, 'all responses received')."""
    return run_survey_intake(flow_context(as_of), fiscal_year)


def run_survey_intake(ctx: Context, fiscal_year: int) -> IntakeReport:
    """survey-intake's work in the running flow (its own run, or the tick's)."""
    answered_before, _ = progress(ctx, fiscal_year)
    report = import_answers(ctx)
    for imported in report.files:
        if imported.outcome != "accepted" or imported.fiscal_year is None:
            continue
        emit(
            "council.survey.response-received",
            resource=resource_id(imported.fiscal_year, "survey"),
            natural_key=f"{imported.fiscal_year}|{imported.organization_code}|{imported.submission_id}",
            payload={
                "organization_code": imported.organization_code,
                "answers": imported.answer_count,
                "late": imported.late,
            },
        )
    for year in sorted({*report.years, fiscal_year}):
        answered, total = update_progress_artifact(ctx, year)
        if year == fiscal_year and total and answered == total and answered_before < total:
            emit(
                "council.survey.all-responses-received",
                resource=resource_id(fiscal_year, "survey"),
                natural_key=str(fiscal_year),
                payload={"respondents": total},
            )
    return report


@flow(name="survey-reminders")
def survey_reminders(fiscal_year: int, as_of: date | None = None) -> RemindersReport:
    """Send the 督促 due today to the organisations that have not answered: per step, one letter and one delivery
    batch, then the step is recorded (never sent twice)."""
    return run_survey_reminders(flow_context(as_of), fiscal_year)


def run_survey_reminders(ctx: Context, fiscal_year: int) -> RemindersReport:
    """survey-reminders' work in the running flow (its own run, or the tick's)."""
    report = send_reminders(ctx, fiscal_year)
    rows = [
        {
            "団体": code,
            "段階": batch.step,
            "回答期限": wareki_date(batch.deadline),
            "新たな期限": wareki_date(batch.new_deadline) if batch.new_deadline else "",
            "送付": batch.sent,
        }
        for batch in report.batches
        for code in batch.organizations
    ]
    if rows:
        publish_table(
            artifact_key("survey", fiscal_year, "reminders"),
            rows,
            description=f"{fiscal_year_label(fiscal_year)} 督促（{wareki_date(ctx.clock.today)}）",
        )
    update_progress_artifact(ctx, fiscal_year)
    return report


@flow(name="survey-close")
def survey_close(fiscal_year: int, as_of: date | None = None, publish: bool = True) -> CloseReport:
    """Close the survey, tally it, issue and send the 調査結果概要, and create the new theme candidates."""
    return run_survey_close(flow_context(as_of), fiscal_year, publish=publish)


def run_survey_close(ctx: Context, fiscal_year: int, *, publish: bool) -> CloseReport:
    """survey-close's work in the running flow (its own run, or the tick's)."""
    report = close_survey(ctx, fiscal_year)
    if publish:
        publish_feeds_task(ctx)
    label = fiscal_year_label(fiscal_year)
    closed = report.closed
    publish_markdown(
        artifact_key("survey", fiscal_year, "close"),
        f"# {label} 連携課題・ニーズ調査の締切\n\n"
        f"- 回答：{closed.answered} / {closed.respondents} 団体"
        f"（未回答 {len(closed.cancelled_tasks)} 団体の回答タスクは取消）\n"
        f"- 調査結果概要：文書 {report.summary_document_id}（送信 {report.delivery.sent} 件）\n"
        f"- 新たな連携テーマ候補：{len(report.candidates)} 件\n\n"
        + markdown_table(("テーマ候補",), [(code,) for code in report.candidates]),
        description=f"{label} 調査の締切と結果",
    )
    update_progress_artifact(ctx, fiscal_year)
    return report
