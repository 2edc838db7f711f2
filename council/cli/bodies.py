"""`council bodies …`: the regional promotion bodies (地域における推進体制) — list them, plan their meetings of a year,
and the regional table of a year's initiatives. Each calls a use case of council.bodies.actions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from council.bodies.actions import list_bodies, plan_body_meetings
from council.cli.common import OutputFormat, cli_context, print_json
from council.cli.planning import FiscalYearOption, FormatOption, check_fiscal_year

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


def register(app: typer.Typer) -> None:
    app.add_typer(bodies_app, name="bodies")
