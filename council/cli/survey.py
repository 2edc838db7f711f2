"""`council survey …`: open the year's survey, write the forms, import answers, follow who answered, tally."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from council.cli.common import cli_context, print_json
from council.labels import RESPONSE_STATUS
from council.survey.actions import (
    IntakeReport,
    close_survey,
    due_reminders_step,
    forms_step,
    import_answers,
    open_only,
    send_reminders,
    tally_of,
)
from council.survey.status import survey_status
from council.survey.store import get_survey
from council.survey.tally_formats import tally_csv, tally_payload, tally_text, tally_xlsx
from council.wareki import fiscal_year_label

survey_app = typer.Typer(help="The yearly needs survey (連携課題・ニーズ調査).", no_args_is_help=True)

FiscalYear = Annotated[int, typer.Option("--fy", help="Fiscal year, e.g. 2026 (= 令和8年度).")]


class StatusFormat(StrEnum):
    text = "text"
    json = "json"


class TallyFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


@survey_app.command("open")
def open_command(fy: FiscalYear) -> None:
    """Open the year's survey without sending anything (idempotent): windows from the plan, respondents from the
    roster, a response task each. The request goes out with `council survey kickoff`."""
    opened = open_only(cli_context(), fy)
    typer.echo(
        f"{fiscal_year_label(fy)} survey open: municipalities {opened.municipal_window}, "
        f"departments {opened.department_window}; {opened.respondents} respondents"
    )


@survey_app.command("forms")
def forms_command(
    fy: FiscalYear,
    out: Annotated[Path, typer.Option("--out", help="Folder to write one form per respondent into.")],
) -> None:
    """Write the pre-filled answer form (xlsx) of every respondent."""
    paths = forms_step(cli_context(), fy, out)
    typer.echo(f"{len(paths)} forms written to {out}")


def _report(report: IntakeReport) -> None:
    for item in report.files:
        typer.echo(item.summary, err=item.outcome == "rejected")
    if report.rejected:
        raise typer.Exit(code=2)


@survey_app.command("import")
def import_command(
    files: Annotated[
        list[Path], typer.Argument(help="Answer files (.xlsx forms or .csv).", exists=True, dir_okay=False)
    ],
    fy: Annotated[int | None, typer.Option("--fy", help="Reject forms of any other fiscal year.")] = None,
) -> None:
    """Import answer files, each as one transaction (all rows or none), and complete the response tasks of those
    who answered. Exit code 2 if any file was rejected."""
    _report(import_answers(cli_context(), files, fiscal_year=fy))


@survey_app.command("inbox")
def inbox_command(
    fy: Annotated[int | None, typer.Option("--fy", help="Reject forms of any other fiscal year.")] = None,
) -> None:
    """Import every file in COUNCIL_HOME/inbox (the survey-intake flow's use case), moving each to inbox/processed
    or inbox/rejected."""
    ctx = cli_context()
    report = import_answers(ctx, fiscal_year=fy)
    if not report.files:
        typer.echo(f"inbox {ctx.settings.inbox_dir} is empty")
    _report(report)


@survey_app.command("status")
def status_command(
    fy: FiscalYear, output: Annotated[StatusFormat, typer.Option("--format")] = StatusFormat.text
) -> None:
    """Who was sent the request, who answered (on time or late), who is overdue."""
    ctx = cli_context()
    with ctx.transaction() as session:
        statuses = survey_status(session, fy, ctx.clock.today, council_code=ctx.settings.council_code)
    if output == StatusFormat.json:
        print_json([{**asdict(status), "has_answered": status.has_answered} for status in statuses])
        return
    for status in statuses:
        overdue = " 期限超過" if status.overdue else ""
        reminders = f" 督促:{','.join(status.reminders)}" if status.reminders else ""
        typer.echo(
            f"{status.organization_code}\t{status.organization_name}\t{RESPONSE_STATUS[status.status]}"
            f"\t期限 {status.deadline}\t{status.answer_count}件{overdue}{reminders}"
        )
    answered = sum(1 for status in statuses if status.has_answered)
    typer.echo(f"answered {answered}/{len(statuses)}")


@survey_app.command("reminders")
def reminders_command(
    fy: FiscalYear,
    send: Annotated[
        bool, typer.Option("--send", help="Send them (the survey-reminders flow's use case), not just list them.")
    ] = False,
) -> None:
    """The reminders (督促) due today; with --send, issue and send them, each step recorded so it never goes out
    twice."""
    ctx = cli_context()
    if send:
        report = send_reminders(ctx, fy)
        for batch in report.batches:
            new = f" 新たな期限 {batch.new_deadline}" if batch.new_deadline else ""
            typer.echo(
                f"{batch.step}\t期限 {batch.deadline}{new}\t文書 {batch.document_id}\t"
                f"{len(batch.organizations)} 団体\t送信 {batch.sent}"
            )
        typer.echo(f"{len(report.reminded)} reminder(s) sent")
        return
    due = due_reminders_step(ctx, fy)
    for reminder in due:
        new = f"\t新たな期限 {reminder.new_deadline}" if reminder.new_deadline else ""
        who = f"{reminder.organization_code}\t{reminder.organization_name}"
        typer.echo(f"{who}\t{reminder.step}\t期限 {reminder.deadline}{new}")
    typer.echo(f"{len(due)} reminder(s) due (send them with --send)")


@survey_app.command("close")
def close_command(fy: FiscalYear) -> None:
    """Close the survey (the survey-close flow's use case): respondents' tasks settled, the 調査結果概要 issued and
    sent, the new theme candidates created; prints the tally."""
    ctx = cli_context()
    report = close_survey(ctx, fy)
    typer.echo(
        f"closed: {report.closed.answered}/{report.closed.respondents} answered; summary document "
        f"{report.summary_document_id} sent to {report.delivery.sent}; {len(report.candidates)} candidate theme(s)"
    )
    for line in tally_text(tally_of(ctx, fy)):
        typer.echo(line)


@survey_app.command("tally")
def tally_command(
    fy: FiscalYear,
    output: Annotated[TallyFormat, typer.Option("--format")] = TallyFormat.text,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Counts per section × category, municipalities and departments separately, `*` where departments answered."""
    ctx = cli_context()
    tally = tally_of(ctx, fy)
    with ctx.transaction() as session:
        stamp = get_survey(session, fy, ctx.settings.council_code).opened_at
    if output == TallyFormat.xlsx:
        if out is None:
            raise typer.BadParameter("--format xlsx needs --out FILE", param_hint="--out")
        out.write_bytes(tally_xlsx(tally, stamp=stamp))
        typer.echo(f"tally written to {out}")
        return
    if output == TallyFormat.json:
        text = json.dumps(tally_payload(tally), ensure_ascii=False, indent=2) + "\n"
    elif output == TallyFormat.csv:
        text = tally_csv(tally)
    else:
        text = "\n".join(tally_text(tally)) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"tally written to {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(survey_app, name="survey")
