"""`council survey kickoff`, `council status`, `council tick`, `council simulate`: the commands that run the Prefect
flows (flows/), and the year's status.

The flows are imported inside the commands that run them: importing Prefect costs about a second, which the other
commands of the CLI should not pay.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer

from council.cli.common import OutputFormat, cli_context, echo_lines, parse_date, print_json
from council.cli.planning import check_fiscal_year
from council.cli.survey import survey_app
from council.clock import now_utc
from council.config import get_settings, reset_settings
from council.errors import InputError
from council.labels import AUDIENCE_LABELS
from council.status import MeetingLine, YearStatus, payload, year_status
from council.wareki import fiscal_year_label, fiscal_year_of, wareki_date
from models.db import engine_for, session_scope, upgrade_to_head

FiscalYear = Annotated[int, typer.Option("--fy", help="Fiscal year, e.g. 2026 (= 令和8年度).")]
OptionalFiscalYear = Annotated[
    int | None, typer.Option("--fy", help="Fiscal year, e.g. 2026 (= 令和8年度). Default: the current one.")
]


def _parse_day(text: str | None) -> date | None:
    return None if text is None else parse_date(text, "--as-of")


# ------------------------------------------------------------------------------------------------- survey kickoff


def kickoff(
    fy: FiscalYear,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Act as on this day (YYYY-MM-DD).")] = None,
) -> None:
    """Start the year's survey now: open it, send the 調査依頼 and the forms, create the response tasks (the same
    flow as the `survey-kickoff` deployment; safe to repeat)."""
    from flows.local import local_prefect
    from flows.survey import survey_kickoff

    day = _parse_day(as_of)
    settings = get_settings()
    with local_prefect(settings.home, quiet=True):
        report = survey_kickoff(fy, as_of=day)
    typer.echo(f"{fiscal_year_label(fy)} 調査: 対象 {report.opened.respondents} 団体")
    for batch in report.requests:
        delivery = batch.delivery
        typer.echo(
            f"  調査依頼（{AUDIENCE_LABELS[batch.audience]}）文書 {batch.document_id}: 送信 {delivery.sent} 件"
            f"（送信済 {delivery.already_sent} 件、宛先なし {delivery.undeliverable} 件、"
            f"未送付 {delivery.not_delivered} 件）"
        )
    if not report.requests:
        typer.echo("  送付すべき調査依頼はありません（送付済み、または回答期間の開始前）")
    if report.not_delivered:
        typer.echo("some recipients do not have the request yet: see `council deliveries` and run it again", err=True)
        raise typer.Exit(code=1)


# ------------------------------------------------------------------------------------------------- status


def status(
    fy: OptionalFiscalYear = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Judge overdue as on this day (YYYY-MM-DD).")] = None,
) -> None:
    """Where the year stands: stages with progress, meetings, overdue tasks, each organisation's survey status."""
    ctx = cli_context(_parse_day(as_of))
    today = ctx.clock.today
    year = fy if fy is not None else fiscal_year_of(today)
    with ctx.transaction() as session:
        result = year_status(session, fiscal_year=year, today=today, council_code=ctx.settings.council_code)
    if output == OutputFormat.json:
        print_json(payload(result))
    else:
        echo_lines(status_lines(result))


def status_lines(result: YearStatus) -> list[str]:
    lines = [
        f"{fiscal_year_label(result.fiscal_year)}（{wareki_date(result.as_of)}現在）cycle {result.cycle_status}, "
        f"last tick {result.last_tick.isoformat() if result.last_tick else '-'}",
        "",
        "stages:",
    ]
    lines += [
        f"  {s.key:<18} {s.status:<12} {s.start.isoformat()}..{s.end.isoformat()}  "
        f"tasks {s.tasks_closed}/{s.tasks_total} ({s.progress:.0%})  {s.title}"
        for s in result.stages
    ]
    lines += ["", "meetings:"]
    lines += [
        f"  {m.key:<16} {m.status:<10} {m.starts_at[:16].replace('T', ' ')}  rev {m.revision}{_approval(m)}  {m.title}"
        for m in result.meetings
    ]
    lines += ["", "tasks: " + ", ".join(f"{name} {count}" for name, count in result.tasks.items())]
    if result.overdue:
        lines += ["overdue:"] + [
            f"  {t.due.isoformat()} (+{t.days_overdue}d) {t.key}  {t.title}" for t in result.overdue
        ]
    if result.survey_status is not None:
        answered = sum(1 for r in result.respondents if r.status in ("answered", "late"))
        lines += ["", f"survey ({result.survey_status}): {answered}/{len(result.respondents)} answered"]
        for r in result.respondents:
            reminders = f"  reminders {','.join(r.reminders)}" if r.reminders else ""
            overdue = "  OVERDUE" if r.overdue else ""
            lines.append(
                f"  {r.code:<14} {r.status:<9} deadline {r.deadline.isoformat()}  answers {r.answers:>2}"
                f"{reminders}{overdue}  {r.name}"
            )
    lines += [
        "",
        "documents issued: " + (", ".join(f"{k} {v}" for k, v in result.documents.items()) or "none"),
        "drafts (案): " + (", ".join(f"{k} {v}" for k, v in result.drafts.items()) or "none"),
        "deliveries: " + (", ".join(f"{k} {v}" for k, v in result.deliveries.items()) or "none"),
    ]
    if result.undeliverable:
        lines += ["undeliverable (no e-mail address on the roster):"] + [f"  {line}" for line in result.undeliverable]
    lines.append(f"feeds: {result.feeds}")
    if result.cases.chosen or result.cases.adoptions:
        lines += ["", "先進事例:"]
        lines += [f"  {meeting}: {code} {title}" for meeting, code, title in result.cases.chosen]
        lines += [f"  横展開 {code} {title}: {name}" for code, title, name in result.cases.adoptions]
    return lines


def _approval(meeting: MeetingLine) -> str:
    if meeting.awaiting_approval:
        return f"  (waiting for approval: council approve {meeting.key})"
    if meeting.approval == "changes_requested":
        return f"  (修正依頼: {meeting.approval_comment or '-'})"
    return ""


# ------------------------------------------------------------------------------------------------- tick


def tick_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="The day to tick (YYYY-MM-DD); default today.")] = None,
    fy: OptionalFiscalYear = None,
) -> None:
    """Do whatever is due today (the same flow as the daily `tick` deployment; safe to repeat)."""
    from flows.local import local_prefect
    from flows.tick import tick

    day = _parse_day(as_of)
    if fy is not None:
        check_fiscal_year(fy)
    with local_prefect(get_settings().home, quiet=True):
        report = tick(as_of=day, fiscal_year=fy)
    if report.closed_day:
        typer.echo(f"tick {report.as_of}: a closed day — nothing is dated or sent; the next business day catches up")
        return
    caught_up = f", catching up {report.missed_days} day(s) without a tick" if report.missed_days else ""
    typer.echo(f"tick {report.as_of}: {len(report.performed)} action(s){caught_up}")
    for label in report.performed:
        typer.echo(f"  {label}")


# ------------------------------------------------------------------------------------------------- simulate


def _start_over() -> None:
    """--fresh: remove this installation's data (the embedded SQLite database and COUNCIL_HOME's folders)."""
    settings = get_settings()
    url = sa.engine.make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        raise InputError("--fresh only removes an embedded SQLite database; use an empty database instead")
    engine_for(settings.database_url).dispose()
    if url.database:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
    for folder in ("documents", "outbox", "feeds", "inbox", "archive", "simulation", "prefect"):
        shutil.rmtree(settings.home / folder, ignore_errors=True)
    reset_settings()


def simulate(
    fy: FiscalYear,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start over: remove the database and COUNCIL_HOME's data.")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the synthetic answers and decisions.")] = 1,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's log lines too.")] = False,
) -> None:
    """Run a whole fiscal year through the real flows on a simulated clock (synthetic answers, default decisions)
    on the embedded defaults, and print a summary. Running it again changes nothing; --fresh starts over."""
    from council.simulation import install
    from flows.local import local_prefect
    from flows.simulation import simulate_year

    if fresh:
        _start_over()
    settings = get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = engine_for(settings.database_url)
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        installed = install(session, reference_dir=settings.reference_dir, now=now_utc(), actor=settings.actor)
    typer.echo(installed)

    def progress(day: date, acted: list[str]) -> None:
        people = f"  ({len(acted)} by people)" if acted else ""
        typer.echo(f"  ticked {day.isoformat()}{people}")

    with local_prefect(settings.home, quiet=not verbose):
        result = simulate_year(settings, fy, seed=seed, on_day=progress)
    if not result.ticked:
        typer.echo(f"{fiscal_year_label(fy)}: already simulated to its close; nothing to do (--fresh starts over)")
    echo_lines(simulation_summary(result.status, settings.home))


def simulation_summary(result: YearStatus, home: Path) -> list[str]:
    done = sum(1 for s in result.stages if s.status == "done")
    answered = sum(1 for r in result.respondents if r.status in ("answered", "late"))
    return [
        f"{fiscal_year_label(result.fiscal_year)}: cycle {result.cycle_status}",
        f"  stages done: {done}/{len(result.stages)}",
        f"  meetings held: {sum(1 for m in result.meetings if m.status == 'held')}/{len(result.meetings)}",
        f"  survey: {answered}/{len(result.respondents)} answered",
        "  documents issued: " + ", ".join(f"{k} {v}" for k, v in result.documents.items()),
        "  deliveries: " + ", ".join(f"{k} {v}" for k, v in result.deliveries.items()),
        f"  feeds: {result.feeds}",
        "  tasks: " + ", ".join(f"{k} {v}" for k, v in result.tasks.items()),
        f"  everything is under {home}",
    ]


def register(app: typer.Typer) -> None:
    survey_app.command("kickoff")(kickoff)  # the survey family owns the `survey` group; kickoff joins it
    app.command("status")(status)
    app.command("tick")(tick_command)
    app.command("simulate")(simulate)
