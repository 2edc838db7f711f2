"""Themes as lists and status pages show them, with their history and the initiatives of a year."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from council.labels import INITIATIVE_KIND, THEME_STATUS
from council.survey.store import council_id_for
from council.themes.catalogue import _id, get_theme
from council.themes.history import LEAD, RELATED
from council.wareki import fiscal_year_label
from models.enums import InitiativeKind, SurveySection, ThemeStatus
from models.organizations import Organization
from models.survey import ThemeSource
from models.themes import Theme, ThemeEvent, ThemeOrganization


@dataclass(frozen=True)
class ThemeView:
    """A theme as lists, agendas and the plan show it."""

    code: str
    title: str
    section: SurveySection
    category: str
    status: ThemeStatus
    initiative_kind: InitiativeKind | None
    deferred_to_year: int | None
    origin_fiscal_year: int
    current_fiscal_year: int
    decided_in_year: int | None  # the fiscal year whose 2nd meeting decided it (initiative of the next year)
    leads: tuple[str, ...]  # short names, in the order given: 企画, 県土, 農林
    related: tuple[str, ...]  # municipality names
    source_count: int
    summary: str | None

    @property
    def lead_label(self) -> str:
        """〔企画、県土、農林〕 as the source prints a theme's lead departments."""
        return f"〔{'、'.join(self.leads)}〕" if self.leads else ""

    @property
    def status_label(self) -> str:
        label = THEME_STATUS[self.status]
        if self.initiative_kind is not None:
            label += f"〔{INITIATIVE_KIND[self.initiative_kind]}〕"
        if self.deferred_to_year is not None:
            label += f"（{fiscal_year_label(self.deferred_to_year)}以降に検討）"
        return label


def _views(session: Session, themes: Sequence[Theme]) -> list[ThemeView]:
    ids = [_id(theme) for theme in themes]
    names: dict[tuple[int, str], list[str]] = {}
    for link, organization in session.exec(
        select(ThemeOrganization, Organization)
        .join(Organization, col(Organization.id) == ThemeOrganization.organization_id)
        .where(col(ThemeOrganization.theme_id).in_(ids))
        .order_by(col(ThemeOrganization.id))
    ).all():
        label = organization.short_name or organization.name if link.role == LEAD else organization.name
        names.setdefault((link.theme_id, link.role), []).append(label)
    sources: dict[int, int] = {}
    for theme_id in session.exec(select(ThemeSource.theme_id).where(col(ThemeSource.theme_id).in_(ids))).all():
        sources[theme_id] = sources.get(theme_id, 0) + 1
    decided: dict[int, int] = {}
    for event in session.exec(
        select(ThemeEvent)
        .where(col(ThemeEvent.theme_id).in_(ids), ThemeEvent.to_status == ThemeStatus.decided)
        .where(col(ThemeEvent.from_status) != ThemeStatus.decided)
        .order_by(col(ThemeEvent.id))
    ).all():
        decided[event.theme_id] = event.fiscal_year
    return [
        ThemeView(
            code=theme.code,
            title=theme.title,
            section=theme.section,
            category=theme.category,
            status=theme.status,
            initiative_kind=theme.initiative_kind,
            deferred_to_year=theme.deferred_to_year,
            origin_fiscal_year=theme.origin_fiscal_year,
            current_fiscal_year=theme.current_fiscal_year,
            decided_in_year=decided.get(_id(theme)) if theme.status == ThemeStatus.decided else None,
            leads=tuple(names.get((_id(theme), LEAD), ())),
            related=tuple(names.get((_id(theme), RELATED), ())),
            source_count=sources.get(_id(theme), 0),
            summary=theme.summary,
        )
        for theme in themes
    ]


def list_themes(
    session: Session,
    *,
    fiscal_year: int | None = None,
    status: ThemeStatus | None = None,
    council_code: str,
) -> list[ThemeView]:
    """Themes in a fiscal year's plan (current_fiscal_year), or all, by code."""
    query = select(Theme).where(Theme.council_id == council_id_for(session, council_code))
    if fiscal_year is not None:
        query = query.where(Theme.current_fiscal_year == fiscal_year)
    if status is not None:
        query = query.where(Theme.status == status)
    return _views(session, session.exec(query.order_by(col(Theme.code))).all())


def theme_history(session: Session, code: str, *, council_code: str) -> list[ThemeEvent]:
    theme = get_theme(session, code, council_code=council_code)
    return list(session.exec(select(ThemeEvent).where(ThemeEvent.theme_id == theme.id).order_by(col(ThemeEvent.id))))


def initiatives_decided_in(session: Session, fiscal_year: int, *, council_code: str) -> list[ThemeView]:
    """Decided at `fiscal_year`'s 2nd meeting: next year's initiatives (次年度の連携の取組み)."""
    return [
        view
        for view in list_themes(session, status=ThemeStatus.decided, council_code=council_code)
        if view.decided_in_year == fiscal_year
    ]


def initiatives_of_year(session: Session, fiscal_year: int, *, council_code: str) -> list[ThemeView]:
    """The initiatives running in `fiscal_year` (decided in the year before)."""
    return initiatives_decided_in(session, fiscal_year - 1, council_code=council_code)
