"""What the secretariat does with themes — add, edit, move one step, decide, defer, drop, carry into the next year —
as use cases the CLI, the console and the flows call. Each is one transaction and writes the theme's history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from council.context import Context
from council.errors import InputError
from council.survey.actions import taxonomy
from council.themes.carry_over import CarryOverReport, carry_over
from council.themes.catalogue import add_theme, decide_theme, defer_theme, drop_theme, get_theme, update_theme
from council.themes.views import ThemeView, list_themes
from models import InitiativeKind, SurveySection, ThemeStatus


@dataclass(frozen=True)
class ThemeMoved:
    code: str
    title: str
    status: ThemeStatus


def _view(ctx: Context, code: str) -> ThemeView:
    with ctx.transaction() as session:
        theme = get_theme(session, code, council_code=ctx.settings.council_code)
        views = list_themes(session, council_code=ctx.settings.council_code)
    return next(view for view in views if view.code == theme.code)


def add_theme_action(
    ctx: Context,
    *,
    fiscal_year: int,
    title: str,
    section: SurveySection,
    category: str,
    summary: str | None = None,
    leads: Sequence[str] = (),
    related: Sequence[str] = (),
    code: str | None = None,
) -> ThemeView:
    with ctx.transaction() as session:
        theme = add_theme(
            session,
            fiscal_year=fiscal_year,
            title=title,
            section=section,
            category=category,
            now=ctx.clock.now,
            actor=ctx.actor,
            summary=summary,
            leads=leads,
            related=related,
            code=code,
            taxonomy=taxonomy(ctx),
            council_code=ctx.settings.council_code,
        )
        added = theme.code
    return _view(ctx, added)


def edit_theme(
    ctx: Context,
    code: str,
    *,
    title: str | None = None,
    summary: str | None = None,
    section: SurveySection | None = None,
    category: str | None = None,
    add_leads: Sequence[str] = (),
    remove_leads: Sequence[str] = (),
    add_related: Sequence[str] = (),
    remove_related: Sequence[str] = (),
    status: ThemeStatus | None = None,
    comment: str | None = None,
) -> ThemeView:
    with ctx.transaction() as session:
        update_theme(
            session,
            code,
            now=ctx.clock.now,
            actor=ctx.actor,
            title=title,
            summary=summary,
            section=section,
            category=category,
            add_leads=add_leads,
            remove_leads=remove_leads,
            add_related=add_related,
            remove_related=remove_related,
            status=status,
            comment=comment,
            taxonomy=taxonomy(ctx),
            council_code=ctx.settings.council_code,
        )
    return _view(ctx, code)


def move_theme(
    ctx: Context,
    code: str,
    target: ThemeStatus,
    *,
    initiative_kind: InitiativeKind | None = None,
    to_year: int | None = None,
    comment: str | None = None,
) -> ThemeMoved:
    """Move a theme one step: adopted, under_study, reported, budgeted, candidate (a deferred one back), decided
    (with 新規/充実), deferred (to a later year) or dropped — each step as the lifecycle allows."""
    council = ctx.settings.council_code
    with ctx.transaction() as session:
        if target == ThemeStatus.decided:
            if initiative_kind is None:
                raise InputError("deciding needs the kind of initiative: new (新規) or enhanced (充実)", field="--kind")
            theme = decide_theme(
                session,
                code,
                initiative_kind,
                council_code=council,
                now=ctx.clock.now,
                actor=ctx.actor,
                comment=comment,
            )
        elif target == ThemeStatus.deferred:
            if to_year is None:
                raise InputError("deferring needs the fiscal year to study it again", field="--to")
            theme = defer_theme(
                session, code, to_year, council_code=council, now=ctx.clock.now, actor=ctx.actor, comment=comment
            )
        elif target == ThemeStatus.dropped:
            theme = drop_theme(session, code, council_code=council, now=ctx.clock.now, actor=ctx.actor, comment=comment)
        else:
            theme = update_theme(
                session,
                code,
                now=ctx.clock.now,
                actor=ctx.actor,
                status=target,
                comment=comment,
                taxonomy=taxonomy(ctx),
                council_code=council,
            )
        return ThemeMoved(theme.code, theme.title, theme.status)


def carry_over_action(ctx: Context, from_year: int, to_year: int) -> CarryOverReport:
    with ctx.transaction() as session:
        return carry_over(
            session, from_year, to_year, now=ctx.clock.now, actor=ctx.actor, council_code=ctx.settings.council_code
        )
