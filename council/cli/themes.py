"""`council themes …`: the secretariat edits collaboration themes through the year and carries them over."""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum
from typing import Annotated

import typer

from council.cli.common import cli_context, print_json
from council.labels import INITIATIVE_KIND
from council.survey.actions import candidates_step
from council.themes.actions import add_theme_action, carry_over_action, edit_theme, move_theme
from council.themes.views import ThemeView, list_themes, theme_history
from council.wareki import fiscal_year_label
from models.enums import InitiativeKind, SurveySection, ThemeStatus

themes_app = typer.Typer(
    help="Collaboration themes: candidate → adopted → … → decided (新規/充実).", no_args_is_help=True
)

ThemeCode = Annotated[str, typer.Argument(help="Theme code, e.g. T2026-shopping or T2026-03.")]
Comment = Annotated[str | None, typer.Option("--comment", help="Why (kept in the theme's history).")]


class ListFormat(StrEnum):
    text = "text"
    json = "json"


def _line(view: ThemeView) -> str:
    leads = f" {view.lead_label}" if view.leads else ""
    return f"{view.code}\t{view.status_label}\t{view.title}{leads}\t({fiscal_year_label(view.current_fiscal_year)})"


@themes_app.command("list")
def list_command(
    fy: Annotated[int | None, typer.Option("--fy", help="Only themes in this fiscal year's plan.")] = None,
    status: Annotated[ThemeStatus | None, typer.Option("--status")] = None,
    output: Annotated[ListFormat, typer.Option("--format")] = ListFormat.text,
) -> None:
    """List themes (by code)."""
    ctx = cli_context()
    with ctx.transaction() as session:
        views = list_themes(session, fiscal_year=fy, status=status, council_code=ctx.settings.council_code)
    if output == ListFormat.json:
        print_json(
            [{**asdict(view), "lead_label": view.lead_label, "status_label": view.status_label} for view in views]
        )
        return
    for view in views:
        typer.echo(_line(view))


@themes_app.command("add")
def add_command(
    fy: Annotated[int, typer.Option("--fy", help="Fiscal year the theme starts in.")],
    title: Annotated[str, typer.Option("--title")],
    section: Annotated[SurveySection, typer.Option("--section")],
    category: Annotated[str, typer.Option("--category", help="Taxonomy code, e.g. shopping.")],
    lead: Annotated[
        list[str] | None, typer.Option("--lead", help="Lead department: 企画, dept-kikaku … (repeat).")
    ] = None,
    related: Annotated[list[str] | None, typer.Option("--related", help="Related municipality (repeat).")] = None,
    summary: Annotated[str | None, typer.Option("--summary")] = None,
    code: Annotated[str | None, typer.Option("--code", help="Default: T<fy>-<next number>.")] = None,
) -> None:
    """Add a candidate theme."""
    view = add_theme_action(
        cli_context(),
        fiscal_year=fy,
        title=title,
        section=section,
        category=category,
        summary=summary,
        leads=lead or (),
        related=related or (),
        code=code,
    )
    typer.echo(f"added {view.code}: {view.title}")


@themes_app.command("update")
def update_command(
    theme: ThemeCode,
    title: Annotated[str | None, typer.Option("--title")] = None,
    summary: Annotated[str | None, typer.Option("--summary")] = None,
    section: Annotated[SurveySection | None, typer.Option("--section")] = None,
    category: Annotated[str | None, typer.Option("--category")] = None,
    lead: Annotated[list[str] | None, typer.Option("--lead", help="Add a lead department (repeat).")] = None,
    remove_lead: Annotated[list[str] | None, typer.Option("--remove-lead")] = None,
    related: Annotated[list[str] | None, typer.Option("--related", help="Add a related municipality (repeat).")] = None,
    remove_related: Annotated[list[str] | None, typer.Option("--remove-related")] = None,
    status: Annotated[
        ThemeStatus | None, typer.Option("--status", help="Next step: adopted, under_study, reported, budgeted …")
    ] = None,
    comment: Comment = None,
) -> None:
    """Edit a theme and/or move it one step along its lifecycle."""
    view = edit_theme(
        cli_context(),
        theme,
        title=title,
        summary=summary,
        section=section,
        category=category,
        add_leads=lead or (),
        remove_leads=remove_lead or (),
        add_related=related or (),
        remove_related=remove_related or (),
        status=status,
        comment=comment,
    )
    typer.echo(f"{view.code}: {view.status.value}")


@themes_app.command("decide")
def decide_command(
    theme: ThemeCode,
    kind: Annotated[InitiativeKind, typer.Option("--kind", help="new (新規) or enhanced (充実).")],
    comment: Comment = None,
) -> None:
    """Decided as next year's initiative (2nd meeting)."""
    moved = move_theme(cli_context(), theme, ThemeStatus.decided, initiative_kind=kind, comment=comment)
    typer.echo(f"{moved.code}: decided〔{INITIATIVE_KIND[kind]}〕")


@themes_app.command("defer")
def defer_command(
    theme: ThemeCode,
    to: Annotated[int, typer.Option("--to", help="Fiscal year to take it up again.")],
    comment: Comment = None,
) -> None:
    """Defer to a later fiscal year; it comes back as a candidate then (carry-over)."""
    moved = move_theme(cli_context(), theme, ThemeStatus.deferred, to_year=to, comment=comment)
    typer.echo(f"{moved.code}: deferred to {fiscal_year_label(to)}")


@themes_app.command("drop")
def drop_command(theme: ThemeCode, comment: Comment = None) -> None:
    """Drop a theme (kept, with its history)."""
    moved = move_theme(cli_context(), theme, ThemeStatus.dropped, comment=comment)
    typer.echo(f"{moved.code}: dropped")


@themes_app.command("history")
def history_command(theme: ThemeCode) -> None:
    """Every step and edit of a theme."""
    ctx = cli_context()
    with ctx.transaction() as session:
        events = theme_history(session, theme, council_code=ctx.settings.council_code)
    for event in events:
        start = event.from_status.value if event.from_status else "-"
        typer.echo(
            f"{event.occurred_at.isoformat()}\t{event.actor}\t{start} → {event.to_status.value}\t{event.comment or ''}"
        )


@themes_app.command("candidates")
def candidates_command(fy: Annotated[int, typer.Option("--fy")]) -> None:
    """Create candidate themes from the survey tally (idempotent; the threshold is reference/survey.yaml's)."""
    codes = candidates_step(cli_context(), fy)
    for code in codes:
        typer.echo(code)
    typer.echo(f"{len(codes)} candidate theme(s)")


@themes_app.command("carry-over")
def carry_over_command(
    from_year: Annotated[int, typer.Option("--from")],
    to_year: Annotated[int, typer.Option("--to")],
) -> None:
    """Bring decided initiatives and themes deferred to --to into that year's plan (idempotent)."""
    report = carry_over_action(cli_context(), from_year, to_year)
    typer.echo(f"initiatives: {', '.join(report.initiatives) or '-'}")
    typer.echo(f"deferred themes back as candidates: {', '.join(report.revived) or '-'}")


def register(app: typer.Typer) -> None:
    app.add_typer(themes_app, name="themes")
