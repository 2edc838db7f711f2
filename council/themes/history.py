"""Themes as they stood at a given moment, read from their history (ThemeEvent): an agenda lists the themes as the
meeting found them, not as they stand today."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from models import InitiativeKind, Organization, Theme, ThemeEvent, ThemeOrganization, ThemeStatus

LEAD = "lead"
RELATED = "related"


@dataclass(frozen=True)
class ThemeSnapshot:
    id: int
    code: str
    title: str
    status: ThemeStatus
    year: int  # the fiscal year whose plan it was in; for a decided theme, the year that decided it
    initiative_kind: InitiativeKind | None
    deferred_to: int | None
    leads: tuple[str, ...]  # short names of the lead departments: 企画, 県土 …


def lead_names(session: Session, theme_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Short names of each theme's lead departments, in the order they were linked."""
    if not theme_ids:
        return {}
    rows = session.exec(
        select(ThemeOrganization, Organization)
        .join(Organization, col(Organization.id) == col(ThemeOrganization.organization_id))
        .where(col(ThemeOrganization.theme_id).in_(list(theme_ids)), ThemeOrganization.role == LEAD)
        .order_by(col(ThemeOrganization.id))
    ).all()
    names: dict[int, list[str]] = defaultdict(list)
    for link, organization in rows:
        names[link.theme_id].append(organization.short_name or organization.name)
    return {theme_id: tuple(found) for theme_id, found in names.items()}


def themes_as_of(session: Session, council_id: int, moment: datetime) -> list[ThemeSnapshot]:
    """Every theme of the council that existed at `moment`, in the status its history gives it then, by code."""
    themes = {theme.id: theme for theme in session.exec(select(Theme).where(Theme.council_id == council_id))}
    events = session.exec(
        select(ThemeEvent)
        .where(col(ThemeEvent.theme_id).in_(list(themes)), col(ThemeEvent.occurred_at) <= moment)
        .order_by(col(ThemeEvent.occurred_at), col(ThemeEvent.id))
    ).all()
    last: dict[int, ThemeEvent] = {}
    kinds: dict[int, InitiativeKind] = {}
    deferred: dict[int, int] = {}
    decided_in: dict[int, int] = {}  # not the year it was carried into: it runs there, it is not decided again
    for event in events:
        last[event.theme_id] = event
        detail = event.detail or {}
        if event.to_status == ThemeStatus.decided and event.from_status != ThemeStatus.decided:
            decided_in[event.theme_id] = event.fiscal_year
        if event.to_status == ThemeStatus.decided and "initiative_kind" in detail:
            kinds[event.theme_id] = InitiativeKind(detail["initiative_kind"])
        if event.to_status == ThemeStatus.deferred and detail.get("deferred_to_year") is not None:
            deferred[event.theme_id] = int(detail["deferred_to_year"])
    leads = lead_names(session, list(last))
    snapshots = []
    for theme_id, event in last.items():
        theme = themes[theme_id]
        status = event.to_status
        snapshots.append(
            ThemeSnapshot(
                id=theme_id,
                code=theme.code,
                title=theme.title,
                status=status,
                year=decided_in.get(theme_id, event.fiscal_year)
                if status == ThemeStatus.decided
                else event.fiscal_year,
                initiative_kind=kinds.get(theme_id) if status == ThemeStatus.decided else None,
                deferred_to=deferred.get(theme_id) if status == ThemeStatus.deferred else None,
                leads=leads.get(theme_id, ()),
            )
        )
    return sorted(snapshots, key=lambda snapshot: snapshot.code)
