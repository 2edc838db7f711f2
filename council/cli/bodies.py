"""`council bodies …`: the regional promotion bodies (地域における推進体制) — list them, plan their meetings of a year,
and the regional table of a year's initiatives. Each calls a use case of council.bodies.actions."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from council.bodies.actions import import_regional_table, list_bodies, plan_body_meetings, regional_table_document
from council.cli.common import OutputFormat, cli_context, print_json
from council.cli.planning import FiscalYearOption, FormatOption, check_fiscal_year
from council.documents.files import FORMATS
from council.errors import InputError
from council.resources import data_dir
from council.wareki import fiscal_year_label

bodies_app = typer.Typer(
    help="Regional promotion bodies (地域における推進体制): list, plan their meetings, the regional table.",
    no_args_is_help=True,
)


@bodies_app.command("list")
def list_command(
    fiscal_year: Annotated[
        int | None, typer.Option("--fy", help="Also list the bodies' meetings of this year.")
    ] = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """The regional bodies with their area, convening office and members (and a year's meetings)."""
    year = check_fiscal_year(fiscal_year) if fiscal_year is not None else None
    views = list_bodies(cli_context(), fiscal_year=year)
    if output == OutputFormat.json:
        print_json([asdict(view) for view in views])
        return
    for view in views:
        retired = "" if view.active else "（廃止）"
        typer.echo(
            f"{view.code}\t{view.name}{retired}\t{view.region}/{view.area}\t{view.convener}\t{len(view.members)}名"
        )
        for key, starts_at, status in view.meetings:
            typer.echo(f"  {key}\t{starts_at}\t{status}")


@bodies_app.command("plan")
def plan_command(
    fiscal_year: FiscalYearOption = None,
    explain: Annotated[bool, typer.Option("--explain", help="Say why each meeting is on its day.")] = False,
) -> None:
    """Plan the regional bodies' regular meetings of a planned year from calendar/bodies.yaml (safe to repeat: what
    moved is updated, a meeting already notified keeps its day)."""
    year = check_fiscal_year(fiscal_year)
    summary = plan_body_meetings(cli_context(), year)
    typer.echo(f"regional bodies FY{year}: {summary.summary()}")
    for item in (*summary.added, *summary.changed, *summary.cancelled):
        if item.startswith("meeting:"):
            typer.echo(f"  {item}")
    if explain:
        for item, why in summary.explanations:
            typer.echo(f"{item}: {why}")


table_app = typer.Typer(
    help="The regional table (【参考】地域における…の主な連携の取組み): import a year's rows, render or issue it.",
    no_args_is_help=True,
)
DEMO_TABLE = ("regional_initiatives_2018.csv", 2018)  # the source's table, in reference/demo/


@table_app.command("import")
def table_import(
    file: Annotated[Path | None, typer.Argument(help="CSV with the columns area,kind,content[,body].")] = None,
    fiscal_year: FiscalYearOption = None,
    demo: Annotated[bool, typer.Option("--demo", help="The source's FY2018 table (reference/demo/).")] = False,
) -> None:
    """Make a year's regional table the file's rows (all or nothing; importing it again changes nothing)."""
    if demo == (file is not None):
        raise InputError("give a CSV file or --demo", field="FILE")
    if demo:
        name, year = DEMO_TABLE
        path, year = data_dir("reference") / "demo" / name, fiscal_year or year
    else:
        assert file is not None
        path, year = file, check_fiscal_year(fiscal_year)
    report = import_regional_table(cli_context(), path, year)
    typer.echo(f"regional table {fiscal_year_label(year)}: {report.summary()}")


@table_app.command("render")
def table_render(
    fiscal_year: FiscalYearOption = None,
    formats: Annotated[str, typer.Option("--format", help="Output formats, comma-separated.")] = ",".join(FORMATS),
    issue_now: Annotated[bool, typer.Option("--issue", help="Issue it today (a business day).")] = False,
) -> None:
    """The year's regional table as a document: a draft (案) from the current rows, or issued with --issue."""
    year = check_fiscal_year(fiscal_year)
    rendered = regional_table_document(
        cli_context(), year, formats=[part.strip() for part in formats.split(",") if part.strip()], issue_now=issue_now
    )
    state = "案" if not rendered.issued else f"発出 {rendered.document.issued_on}"
    typer.echo(f"{rendered.document.title} ({state})")
    for fmt, path in rendered.paths.items():
        typer.echo(f"  {fmt}: {path}")


def register(app: typer.Typer) -> None:
    bodies_app.add_typer(table_app, name="table")
    app.add_typer(bodies_app, name="bodies")
