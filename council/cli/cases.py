"""`council cases …`: the 先進事例 catalogue — add, import, list; suggest and choose the cases a meeting introduces
(「見える化」); record 横展開; draft or issue the meeting's handout. Each calls a use case of council.cases.actions."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from council import labels
from council.cases.actions import (
    FIRST_MEETING,
    add_case,
    adopt_case,
    case_handout,
    cases,
    choose_cases,
    import_cases,
    suggest,
)
from council.cases.catalogue import CaseView
from council.cli.common import OutputFormat, cli_context, print_json
from council.cli.planning import FiscalYearOption, FormatOption, check_fiscal_year
from council.documents.files import FORMATS
from council.errors import InputError
from council.resources import data_dir
from council.wareki import fiscal_year_label

cases_app = typer.Typer(help="先進事例: the catalogue, a meeting's cases and handout, 横展開.", no_args_is_help=True)
MeetingOption = Annotated[str, typer.Option("--meeting", help="The meeting that introduces them.")]
DEMO_CASES = "cases.csv"  # reference/demo/: the examples the source names (これまでの取組事例)


def _line(view: CaseView) -> str:
    spread = "、".join(f"{name}（{fiscal_year_label(year)}）" for name, year in view.adoptions)
    text = (
        f"{view.code}\t{labels.CASE_SCOPE[view.scope]}\t{view.title}\t{view.organization}\t{view.category_label}"
        f"\t{fiscal_year_label(view.fiscal_year)}"
    )
    return f"{text}\t横展開: {spread}" if spread else text


def _echo(views: list[CaseView], output: OutputFormat) -> None:
    if output == OutputFormat.json:
        print_json([asdict(view) for view in views])
        return
    for view in views:
        typer.echo(_line(view))


@cases_app.command("add")
def add_command(
    title: Annotated[str, typer.Option("--title")],
    scope: Annotated[str, typer.Option("--scope", help="県内 or 県外.")],
    organization: Annotated[str, typer.Option("--organization", help="Who runs it.")],
    category: Annotated[str, typer.Option("--category", help="A theme category (code or label), e.g. shopping.")],
    summary: Annotated[str, typer.Option("--summary")],
    source: Annotated[str, typer.Option("--source", help="Where it was found (出典).")],
    fiscal_year: FiscalYearOption = None,
    code: Annotated[str | None, typer.Option("--code", help="Default: C<fy>-<nn>.")] = None,
) -> None:
    """Add a case to the catalogue (the same again changes nothing)."""
    values = {
        "title": title,
        "scope": scope,
        "organization": organization,
        "category": category,
        "summary": summary,
        "source": source,
        "fiscal_year": str(check_fiscal_year(fiscal_year)),
        "code": code or "",
    }
    view, outcome = add_case(cli_context(), values)
    typer.echo(f"{outcome}: {_line(view)}")


@cases_app.command("import")
def import_command(
    file: Annotated[
        Path | None, typer.Argument(help="CSV: title,scope,organization,category,summary,source,fiscal_year[,code].")
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="The examples the source names (reference/demo/).")] = False,
) -> None:
    """Add or update the cases of a CSV file, all or nothing."""
    if demo == (file is not None):
        raise InputError("give a CSV file or --demo", field="FILE")
    path = data_dir("reference") / "demo" / DEMO_CASES if demo else file
    assert path is not None
    typer.echo(f"cases: {import_cases(cli_context(), path).summary()}")


@cases_app.command("list")
def list_command(
    fiscal_year: Annotated[int | None, typer.Option("--fy", help="Only cases of this year.")] = None,
    category: Annotated[str | None, typer.Option("--category", help="Only this category (code).")] = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """The catalogue, with each case's 横展開."""
    _echo(cases(cli_context(), fiscal_year=fiscal_year, category=category), output)


@cases_app.command("suggest")
def suggest_command(
    fiscal_year: FiscalYearOption = None,
    meeting: MeetingOption = FIRST_MEETING,
    output: FormatOption = OutputFormat.text,
) -> None:
    """The cases in the categories of the year's themes, for the meeting that introduces them."""
    _echo(suggest(cli_context(), check_fiscal_year(fiscal_year), meeting), output)


@cases_app.command("choose")
def choose_command(
    codes: Annotated[list[str] | None, typer.Argument(help="Case codes, in the order to present them.")] = None,
    fiscal_year: FiscalYearOption = None,
    meeting: MeetingOption = FIRST_MEETING,
    suggested: Annotated[bool, typer.Option("--suggested", help="Choose what `cases suggest` lists.")] = False,
) -> None:
    """The cases a meeting introduces: its agenda's 先進事例の紹介 and its handout list exactly these."""
    chosen, changed = choose_cases(
        cli_context(), check_fiscal_year(fiscal_year), codes or [], meeting_key=meeting, suggested=suggested
    )
    typer.echo(f"{meeting}: {len(chosen)} 件{'を選びました' if changed else '（変更なし）'}")
    for view in chosen:
        typer.echo(f"  {_line(view)}")


@cases_app.command("adopt")
def adopt_command(
    code: Annotated[str, typer.Argument(help="The case's code.")],
    municipality: Annotated[str, typer.Option("--municipality", help="Code or name, e.g. 062014 or 山形市.")],
    fiscal_year: FiscalYearOption = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
) -> None:
    """横展開: record that a municipality took a case up in a year (shown in `council status` and next year's
    handout)."""
    year = check_fiscal_year(fiscal_year)
    recorded = adopt_case(cli_context(), code, municipality, year, note)
    typer.echo(
        f"{code}: {municipality}（{fiscal_year_label(year)}）{'を記録しました' if recorded else 'は記録済みです'}"
    )


@cases_app.command("handout")
def handout_command(
    fiscal_year: FiscalYearOption = None,
    meeting: MeetingOption = FIRST_MEETING,
    formats: Annotated[str, typer.Option("--format", help="Output formats, comma-separated.")] = ",".join(FORMATS),
    issue_now: Annotated[bool, typer.Option("--issue", help="Issue it today and send it to the members.")] = False,
) -> None:
    """The meeting's 先進事例 handout: a draft (案) of the chosen cases, or issued and sent with --issue."""
    report = case_handout(
        cli_context(),
        check_fiscal_year(fiscal_year),
        meeting_key=meeting,
        formats=[part.strip() for part in formats.split(",") if part.strip()],
        issue_now=issue_now,
    )
    document = report.rendered.document
    state = "案" if not report.rendered.issued else f"発出 {document.issued_on}（送信 {report.sent} 件）"
    typer.echo(f"{document.title} ({state})")
    for fmt, path in report.rendered.paths.items():
        typer.echo(f"  {fmt}: {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")
