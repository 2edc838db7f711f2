"""`council teams …`: working teams (ワーキングチーム) for the adopted themes — propose, form, list, and file a team's
検討結果. Each calls a use case of council.teams.actions."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from council import labels
from council.cli.common import OutputFormat, cli_context, print_json
from council.cli.planning import FiscalYearOption, FormatOption, check_fiscal_year
from council.errors import InputError
from council.teams.actions import TeamView, form_team, list_teams, propose, report_team
from models import TeamRole

teams_app = typer.Typer(
    help="Working teams (ワーキングチーム) for adopted themes: propose, form, list, report.", no_args_is_help=True
)
ThemeArgument = Annotated[str, typer.Argument(help="The adopted theme's code, e.g. T2026-shopping.")]
LeadOption = Annotated[str | None, typer.Option("--lead", help="The lead department (code, name or 企画 …).")]
AddOption = Annotated[list[str] | None, typer.Option("--add", help="An organisation to add (repeatable).")]
WithoutOption = Annotated[list[str] | None, typer.Option("--without", help="An organisation to leave out.")]
FINDINGS_FILE_LIMIT = 20_000  # bytes


def _print_team(view: TeamView) -> None:
    typer.echo(f"{view.code}\t{view.name}\t{labels.TEAM_STATUS[view.status]}\t（{view.theme_code}）")
    for name, role, reason in view.members:
        typer.echo(f"  {labels.TEAM_ROLE[TeamRole(role)]}\t{name}\t{reason}")
    for key, starts_at, status in view.meetings:
        typer.echo(f"  会議 {key}\t{starts_at}\t{status}")
    if view.findings:
        typer.echo(f"  検討結果：{view.findings}")


@teams_app.command("propose")
def propose_command(
    theme: ThemeArgument,
    fiscal_year: FiscalYearOption = None,
    lead: LeadOption = None,
    add: AddOption = None,
    without: WithoutOption = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """The team the survey answers suggest for an adopted theme (nothing is written)."""
    year = check_fiscal_year(fiscal_year)
    proposal = propose(cli_context(), year, theme, lead=lead, add=add or (), without=without or ())
    if output == OutputFormat.json:
        print_json(
            {
                "theme": proposal.theme_code,
                "name": proposal.name,
                "members": [
                    {"code": m.organization.code, "name": m.organization.name, "role": m.role.value, "reason": m.reason}
                    for m in proposal.members
                ],
            }
        )
        return
    typer.echo(f"{proposal.name}（{proposal.theme_code}）")
    for member in proposal.members:
        typer.echo(f"  {labels.TEAM_ROLE[member.role]}\t{member.organization.name}\t{member.reason}")


@teams_app.command("form")
def form_command(
    theme: ThemeArgument,
    fiscal_year: FiscalYearOption = None,
    lead: LeadOption = None,
    add: AddOption = None,
    without: WithoutOption = None,
) -> None:
    """Form the team as proposed (or changed with --lead/--add/--without) and plan its meetings in the working-group
    stage (August–September) on business days. Forming it again changes nothing."""
    year = check_fiscal_year(fiscal_year)
    report = form_team(cli_context(), year, theme, lead=lead, add=add or (), without=without or ())
    typer.echo("設置しました" if report.formed_now else "設置済みです")
    _print_team(report.team)
    if report.formed_now and report.left_out:
        typer.echo(
            f"  ※期間を過ぎた定例会議 {report.left_out} 回は計画していません（必要なら council meeting add で追加）"
        )


@teams_app.command("list")
def list_command(fiscal_year: FiscalYearOption = None, output: FormatOption = OutputFormat.text) -> None:
    """The year's working teams with their members, meetings and 検討結果."""
    views = list_teams(cli_context(), check_fiscal_year(fiscal_year))
    if output == OutputFormat.json:
        print_json([asdict(view) for view in views])
        return
    for view in views:
        _print_team(view)


@teams_app.command("report")
def report_command(
    theme: ThemeArgument,
    fiscal_year: FiscalYearOption = None,
    findings: Annotated[str | None, typer.Option("--findings", help="The 検討結果, one paragraph.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="A UTF-8 text file holding the 検討結果.")] = None,
) -> None:
    """File the team's 検討結果: its theme becomes reported, and the roundtable hears it as the theme's 検討状況."""
    year = check_fiscal_year(fiscal_year)
    if (findings is None) == (file is None):
        raise InputError("give the 検討結果 with --findings or --file", field="--findings")
    if file is not None:
        try:
            if file.stat().st_size > FINDINGS_FILE_LIMIT:
                raise InputError(f"larger than {FINDINGS_FILE_LIMIT} bytes", file=str(file))
            findings = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError("file not found", file=str(file)) from None
        except UnicodeDecodeError as error:
            raise InputError(f"not UTF-8 text ({error.reason})", file=str(file)) from None
    assert findings is not None
    report = report_team(cli_context(), year, theme, findings)
    done = "検討結果を登録しました" if report.changed else "登録済みです"
    typer.echo(f"{report.team.name}: {done}（テーマ {labels.THEME_STATUS[report.theme_status]}）")


def register(app: typer.Typer) -> None:
    app.add_typer(teams_app, name="teams")
