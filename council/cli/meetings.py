"""`council meeting …` and `council approve`: pin, prepare, record, cancel or postpone a meeting, and answer the
approval its documents wait for. Each calls the same use case as its flow (council.meetings.actions)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from council.cli.common import cli_context, parse_date, parse_time
from council.cli.planning import FiscalYearOption, check_fiscal_year
from council.clock import TOKYO
from council.errors import InputError
from council.meetings.actions import (
    MeetingChangeReport,
    approve_meeting,
    cancel_meeting,
    postpone_meeting,
    prepare_meeting,
    record_meeting,
)
from council.meetings.adhoc import add_meeting
from council.planning.actions import pin_meeting_action
from council.wareki import wareki_date
from models import ApprovalDecision

MeetingArgument = Annotated[str, typer.Argument(help="Meeting key, e.g. council-1.")]
meeting_app = typer.Typer(
    help="A meeting of a planned year: pin, prepare, record, cancel, postpone, add.", no_args_is_help=True
)


@meeting_app.command("pin")
def pin(
    meeting: Annotated[str, typer.Argument(help="Meeting key (e.g. council-1) or numeric id.")],
    day: Annotated[str, typer.Option("--date", help="The day, YYYY-MM-DD.")],
    at: Annotated[str | None, typer.Option("--time", help="Start time HH:MM (default: keep the current one).")] = None,
    fiscal_year: FiscalYearOption = None,
) -> None:
    """Pin a meeting to a day (and time) and re-plan what depends on it."""
    year = check_fiscal_year(fiscal_year)
    pinned = parse_date(day, "--date")
    start = parse_time(at) if at is not None else None
    report = pin_meeting_action(cli_context(), year, meeting, day=pinned, start=start)
    typer.echo(f"{meeting}: {wareki_date(pinned)} に固定しました")
    typer.echo(f"stored: {report.summary()}")
    for item in report.changed_keys:
        typer.echo(f"  changed: {item}")


@meeting_app.command("prepare")
def prepare(meeting: MeetingArgument, fiscal_year: FiscalYearOption = None) -> None:
    """Draft the notice and/or agenda still owed, and — once approved (`council approve`) or when approvals are
    off — issue and send them (the same as the prepare-meeting flow)."""
    year = check_fiscal_year(fiscal_year)
    report = prepare_meeting(cli_context(), year, meeting)
    if not report.kinds:
        typer.echo(f"{meeting}: 送付すべき開催通知・次第はありません")
    elif report.approval == "requested":
        typer.echo(f"{meeting}: {', '.join(report.kinds)} の案を作成しました。承認待ち: council approve {meeting}")
    elif report.approval == "changes-requested":
        typer.echo(f"{meeting}: 修正依頼があります（{report.comment or ''}）。案を直してから再度実行してください")
        raise typer.Exit(code=1)
    else:
        typer.echo(f"{meeting}: {', '.join(report.kinds)} を発出しました（送信 {report.sent} 件）")


@meeting_app.command("record")
def record(
    meeting: MeetingArgument,
    fiscal_year: FiscalYearOption = None,
    send_minutes: Annotated[bool, typer.Option("--send-minutes", help="Issue and send the minutes now.")] = False,
) -> None:
    """Record a meeting held: its decisions (stored with it), the minutes drafted from them (the record-meeting
    flow's use case)."""
    year = check_fiscal_year(fiscal_year)
    report = record_meeting(cli_context(), year, meeting, send_minutes=send_minutes or None)
    typer.echo(
        f"{meeting}: {'開催済みにしました' if report.held_now else '記録済みです'}（決定 {len(report.decisions)} 件）"
    )
    for code, outcome in report.decisions:
        typer.echo(f"  {code}: {outcome}")


def _changed(report: MeetingChangeReport) -> None:
    verb = "中止" if report.change == "cancelled" else "延期"
    letter = f"、{verb}のお知らせ（文書 {report.letter_id}）を {report.sent} 件送信" if report.letter_id else ""
    typer.echo(f"{report.meeting_key}: {verb}しました{letter}")
    for key in (*report.cancelled_tasks, *report.moved):
        typer.echo(f"  {key}")


@meeting_app.command("cancel")
def cancel(
    meeting: MeetingArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why (printed in the 中止のお知らせ).")],
    fiscal_year: FiscalYearOption = None,
) -> None:
    """Cancel a meeting: its tasks cancelled, a 中止のお知らせ to those who received its notice, feeds updated."""
    _changed(cancel_meeting(cli_context(), check_fiscal_year(fiscal_year), meeting, reason=reason))


@meeting_app.command("postpone")
def postpone(
    meeting: MeetingArgument,
    day: Annotated[str, typer.Option("--date", help="The new day, YYYY-MM-DD.")],
    at: Annotated[str | None, typer.Option("--time", help="New start time HH:MM (default: the same).")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (printed in the 延期のお知らせ).")] = None,
    fiscal_year: FiscalYearOption = None,
) -> None:
    """Move a meeting to another day: re-planned, a 延期のお知らせ to those who received its notice, feeds updated."""
    year = check_fiscal_year(fiscal_year)
    new_day = parse_date(day, "--date")
    start = parse_time(at) if at is not None else None
    _changed(postpone_meeting(cli_context(), year, meeting, day=new_day, start=start, reason=reason))


@meeting_app.command("add")
def add(
    body: Annotated[
        str,
        typer.Option(
            "--body", help="council, secretariat (幹事会), a regional body's code or a working team's (or its theme)."
        ),
    ],
    day: Annotated[str, typer.Option("--date", help="The day, YYYY-MM-DD (a business day after today).")],
    at: Annotated[str, typer.Option("--time", help="Start time HH:MM.")],
    end: Annotated[str | None, typer.Option("--end", help="End time HH:MM (default: calendar/bodies.yaml).")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Default: the body's name and （臨時）.")] = None,
    venue: Annotated[
        str | None, typer.Option("--venue", help="A venue key of calendar/bodies.yaml, or the place.")
    ] = None,
    key: Annotated[str | None, typer.Option("--key", help="Meeting key (default: <body>-adhoc-<yyyymmdd>).")] = None,
    fiscal_year: FiscalYearOption = None,
) -> None:
    """Add a body's meeting held when needed (その他必要に応じて開催): its notice, agenda and minutes then go out
    through the tick like every meeting's. Adding it again changes nothing."""
    year = check_fiscal_year(fiscal_year)
    added = add_meeting(
        cli_context(),
        year,
        body=body,
        day=parse_date(day, "--date"),
        start=parse_time(at),
        end=parse_time(end, "--end") if end is not None else None,
        title=title,
        venue=venue,
        key=key,
    )
    when = wareki_date(added.starts_at.astimezone(TOKYO).date())
    typer.echo(f"{added.key}: {added.title}（{when}）を{'追加しました' if added.added else '追加済みです'}")
    for task in added.tasks:
        typer.echo(f"  {task}")


def approve(
    meeting: MeetingArgument,
    fiscal_year: FiscalYearOption = None,
    comment: Annotated[str | None, typer.Option("--comment", help="Why, or what to change.")] = None,
    reject: Annotated[bool, typer.Option("--reject", help="Request changes instead of approving.")] = False,
) -> None:
    """Answer the approval a meeting's drafts wait for: the answer is recorded; the waiting prepare-meeting run is
    resumed, or — when none waits — the preparation goes on now (issue and send)."""
    year = check_fiscal_year(fiscal_year)
    ctx = cli_context()
    decision = ApprovalDecision.request_changes if reject else ApprovalDecision.approve
    report = approve_meeting(ctx, year, meeting, decision=decision, comment=comment)
    verdict = "修正依頼" if reject else "承認"
    if report.flow_run_id is not None:
        from flows.local import local_prefect  # Prefect is imported only by the commands that talk to it
        from flows.meetings import resume_waiting_run

        answer = {"decision": decision.value, "comment": comment, "approver": ctx.actor}
        with local_prefect(ctx.settings.home, quiet=True):
            resumed = resume_waiting_run(UUID(report.flow_run_id), answer)
        typer.echo(
            f"{meeting}: {verdict}しました（flow run {report.flow_run_id} {'再開' if resumed else 'は終了済み'}）"
        )
        if resumed or reject:
            return
    else:
        typer.echo(f"{meeting}: {verdict}しました")
    if not reject:
        prepared = prepare_meeting(ctx, year, meeting)
        if prepared.approval != "approved":
            raise InputError(f"{meeting}: the drafts changed since they were approved; prepare and approve them again")
        typer.echo(f"{meeting}: {', '.join(prepared.kinds)} を発出しました（送信 {prepared.sent} 件）")


def register(app: typer.Typer) -> None:
    app.add_typer(meeting_app, name="meeting")
    app.command("approve")(approve)
