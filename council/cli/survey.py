"""`council survey …`: open the year's survey, write the forms, import answers, follow who answered, tally."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from council.business_days import BusinessCalendar
from council.cli.common import print_json
from council.clock import now_utc, today_in_tokyo
from council.config import get_settings
from council.rules import load_rules as load_cycle_rules
from council.survey.inbox import process_inbox
from council.survey.intake import ImportReport, IntakeSetup, import_files
from council.survey.rules import load_rules
from council.survey.service import build_forms, close_survey, mark_sent, open_survey, survey_tally
from council.survey.status import due_reminders, record_reminders, survey_status
from council.survey.store import get_survey
from council.survey.tally_formats import tally_csv, tally_payload, tally_text, tally_xlsx
from council.survey.taxonomy import load_taxonomy
from council.wareki import fiscal_year_label
from models.db import session_scope

survey_app = typer.Typer(help="The yearly needs survey (連携課題・ニーズ調査).", no_args_is_help=True)

FiscalYear = Annotated[int, typer.Option("--fy", help="Fiscal year, e.g. 2026 (= 令和8年度).")]


def _calendar() -> BusinessCalendar:
    """The offices' business days as configured in the cycle rules (calendar/cycle.yaml)."""
    return load_cycle_rules(get_settings().cycle_file).business_calendar()


STATUS_LABELS = {"not_sent": "未送付", "sent": "未回答", "answered": "回答済", "late": "回答済（期限後）"}


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
    """Open the year's survey (idempotent): windows from the cycle's survey stage, respondents from the roster."""
    with session_scope() as session:
        survey = open_survey(session, fiscal_year=fy, now=now_utc(), calendar=_calendar(), actor=get_settings().actor)
        count = len(survey_status(session, fy, today_in_tokyo()))
    typer.echo(
        f"{fiscal_year_label(fy)} survey open: "
        f"municipalities {survey.municipal_opens_on}–{survey.municipal_closes_on}, "
        f"departments {survey.department_opens_on}–{survey.department_closes_on}; {count} respondents"
    )


@survey_app.command("forms")
def forms_command(
    fy: FiscalYear,
    out: Annotated[Path, typer.Option("--out", help="Folder to write one form per respondent into.")],
) -> None:
    """Write the pre-filled answer form (xlsx) of every respondent."""
    with session_scope() as session:
        paths = build_forms(session, get_survey(session, fy), out)
    typer.echo(f"{len(paths)} forms written to {out}")


@survey_app.command("mark-sent")
def mark_sent_command(
    fy: FiscalYear,
    organization: Annotated[
        list[str] | None, typer.Option("--org", help="Organisation code (repeat); default: every respondent.")
    ] = None,
) -> None:
    """Record that the request (調査依頼) went out, for reminders and status."""
    with session_scope() as session:
        changed = mark_sent(session, fy, now=now_utc(), organization_codes=organization)
    typer.echo(f"{changed} respondent(s) marked sent")


def _intake() -> IntakeSetup:
    settings = get_settings()
    return IntakeSetup(
        session_factory=session_scope,
        council_code=settings.council_code,
        home=settings.home,
        archive_dir=settings.archive_dir,
        actor=settings.actor,
        taxonomy=load_taxonomy(),
    )


def _report(reports: list[ImportReport]) -> None:
    for report in reports:
        typer.echo(report.summary(), err=report.outcome == "rejected")
    if any(report.outcome == "rejected" for report in reports):
        raise typer.Exit(code=2)


@survey_app.command("import")
def import_command(
    files: Annotated[
        list[Path], typer.Argument(help="Answer files (.xlsx forms or .csv).", exists=True, dir_okay=False)
    ],
    fy: Annotated[int | None, typer.Option("--fy", help="Reject forms of any other fiscal year.")] = None,
) -> None:
    """Import answer files, each as one transaction (all rows or none). Exit code 2 if any file was rejected."""
    _report(import_files(files, _intake(), now=now_utc(), fiscal_year=fy))


@survey_app.command("inbox")
def inbox_command(
    fy: Annotated[int | None, typer.Option("--fy", help="Reject forms of any other fiscal year.")] = None,
) -> None:
    """Import every file in COUNCIL_HOME/inbox, moving each to inbox/processed or inbox/rejected."""
    inbox = get_settings().inbox_dir
    reports = process_inbox(inbox, _intake(), now=now_utc(), fiscal_year=fy)
    if not reports:
        typer.echo(f"inbox {inbox} is empty")
    _report(reports)


@survey_app.command("status")
def status_command(
    fy: FiscalYear, output: Annotated[StatusFormat, typer.Option("--format")] = StatusFormat.text
) -> None:
    """Who was sent the request, who answered (on time or late), who is overdue."""
    today = today_in_tokyo()
    with session_scope() as session:
        statuses = survey_status(session, fy, today)
    if output == StatusFormat.json:
        print_json([{**asdict(status), "has_answered": status.has_answered} for status in statuses])
        return
    for status in statuses:
        overdue = " 期限超過" if status.overdue else ""
        reminders = f" 督促:{','.join(status.reminders)}" if status.reminders else ""
        typer.echo(
            f"{status.organization_code}\t{status.organization_name}\t{STATUS_LABELS[status.status.value]}"
            f"\t期限 {status.deadline}\t{status.answer_count}件{overdue}{reminders}"
        )
    answered = sum(1 for status in statuses if status.has_answered)
    typer.echo(f"answered {answered}/{len(statuses)}")


@survey_app.command("reminders")
def reminders_command(
    fy: FiscalYear,
    record: Annotated[bool, typer.Option("--record", help="Record them as sent (after sending the 督促).")] = False,
) -> None:
    """The reminders (督促) due today; with --record, mark them sent so they never go out twice."""
    today = today_in_tokyo()
    with session_scope() as session:
        due = due_reminders(session, fy, today, _calendar(), load_rules().reminders)
        if record:
            record_reminders(session, fy, due, now=now_utc())
    for reminder in due:
        typer.echo(
            f"{reminder.organization_code}\t{reminder.organization_name}\t{reminder.step}\t期限 {reminder.deadline}"
        )
    typer.echo(f"{len(due)} reminder(s) due{' and recorded' if record else ''}")


@survey_app.command("close")
def close_command(fy: FiscalYear) -> None:
    """Close the survey (no more reminders) and print the tally."""
    with session_scope() as session:
        tally = close_survey(session, fy, now=now_utc(), actor=get_settings().actor)
    for line in tally_text(tally):
        typer.echo(line)


@survey_app.command("tally")
def tally_command(
    fy: FiscalYear,
    output: Annotated[TallyFormat, typer.Option("--format")] = TallyFormat.text,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Counts per section × category, municipalities and departments separately, `*` where departments answered."""
    with session_scope() as session:
        tally = survey_tally(session, fy)
        stamp = get_survey(session, fy).opened_at
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
