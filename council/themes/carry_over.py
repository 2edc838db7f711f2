"""Into the next year: the initiatives decided this year and the themes deferred to it come into its plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from council.errors import InputError
from council.survey.store import council_id_for
from council.themes.catalogue import _id, transition
from council.themes.views import initiatives_decided_in
from council.wareki import fiscal_year_label
from models.enums import ThemeStatus
from models.themes import Theme, ThemeEvent


@dataclass(frozen=True)
class CarryOverReport:
    from_year: int
    to_year: int
    initiatives: tuple[str, ...]  # codes of decided themes that became the new year's initiatives
    revived: tuple[str, ...]  # codes of deferred themes back as candidates


def carry_over(
    session: Session,
    from_year: int,
    to_year: int,
    *,
    now: datetime,
    actor: str,
    council_code: str,
) -> CarryOverReport:
    """Bring into `to_year`'s plan the initiatives decided in `from_year` and the themes deferred to `to_year`
    (they come back as candidates). Idempotent: a theme already in `to_year` is left alone."""
    if to_year <= from_year:
        raise InputError(f"carry over goes forward: {to_year} is not after {from_year}")
    council_id = council_id_for(session, council_code)
    decided_views = {view.code for view in initiatives_decided_in(session, from_year, council_code=council_code)}
    initiatives, revived = [], []
    decided = session.exec(
        select(Theme).where(
            Theme.council_id == council_id,
            Theme.status == ThemeStatus.decided,
            Theme.current_fiscal_year == from_year,
        )
    ).all()
    for theme in decided:
        if theme.code not in decided_views:
            continue
        session.add(
            ThemeEvent(
                theme_id=_id(theme),
                occurred_at=now,
                actor=actor,
                from_status=theme.status,
                to_status=theme.status,
                fiscal_year=to_year,
                comment=f"initiative of {fiscal_year_label(to_year)}",
                detail={"carried_from": from_year},
            )
        )
        theme.current_fiscal_year = to_year
        theme.updated_at = now
        session.add(theme)
        initiatives.append(theme.code)
    deferred = session.exec(
        select(Theme).where(
            Theme.council_id == council_id,
            Theme.status == ThemeStatus.deferred,
            Theme.deferred_to_year == to_year,
        )
    ).all()
    for theme in deferred:
        theme.current_fiscal_year = to_year
        transition(
            session,
            theme,
            ThemeStatus.candidate,
            now=now,
            actor=actor,
            comment=f"deferred theme back in {fiscal_year_label(to_year)}",
        )
        revived.append(theme.code)
    session.flush()
    return CarryOverReport(from_year, to_year, tuple(sorted(initiatives)), tuple(sorted(revived)))
