"""New theme candidates from the survey's tally: every category marked `*` or answered by enough municipalities."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, select

from council.survey.store import current_answers, get_survey
from council.survey.tally import DEPARTMENT_KINDS, SurveyTally
from council.survey.taxonomy import Taxonomy
from council.themes.catalogue import _id, _link
from council.themes.history import LEAD, RELATED
from council.wareki import fiscal_year_label
from models.enums import OrganizationKind, ThemeStatus
from models.organizations import Organization
from models.survey import ThemeSource
from models.themes import Theme, ThemeEvent


def candidate_title(label: str) -> str:
    """若者の定着・回帰関係 → 若者の定着・回帰."""
    return label.removesuffix("関係") or label


def create_theme_candidates(
    session: Session,
    tally: SurveyTally,
    *,
    council_code: str,
    now: datetime,
    actor: str,
    min_municipal_answers: int = 10,
    taxonomy: Taxonomy,
) -> list[Theme]:
    """One candidate per category marked `*` or answered by at least `min_municipal_answers` municipalities
    (never その他), coded T<fy>-<category>. Idempotent: an existing candidate is kept, and only gains the answers and
    organisations it lacked (late answers); nothing is removed."""
    categories = taxonomy
    survey = get_survey(session, tally.fiscal_year, council_code)
    council_id = survey.council_id
    answers = current_answers(session, survey)
    themes = []
    for row in tally.rows:
        category = categories.by_code(row.code)
        if category is None or category.is_other:
            continue
        if not (row.marked or row.municipal_count >= min_municipal_answers):
            continue
        code = f"T{tally.fiscal_year}-{row.code}"
        theme = session.exec(select(Theme).where(Theme.council_id == council_id, Theme.code == code)).first()
        if theme is None:
            theme = Theme(
                council_id=council_id,
                code=code,
                origin_fiscal_year=tally.fiscal_year,
                current_fiscal_year=tally.fiscal_year,
                title=candidate_title(row.label),
                section=row.section,
                category=row.code,
                summary=(
                    f"{fiscal_year_label(tally.fiscal_year)}調査：市町村 {row.municipal_count} 件、"
                    f"県部局等 {row.department_count} 件"
                ),
                updated_at=now,
            )
            session.add(theme)
            session.flush()
            session.add(
                ThemeEvent(
                    theme_id=_id(theme),
                    occurred_at=now,
                    actor=actor,
                    from_status=None,
                    to_status=ThemeStatus.candidate,
                    fiscal_year=tally.fiscal_year,
                    comment="from the survey tally",
                    detail={"municipal_count": row.municipal_count, "department_count": row.department_count},
                )
            )
        matching = [(a, o) for a, o in answers if a.section == row.section and a.category == row.code]
        known = set(session.exec(select(ThemeSource.answer_id).where(ThemeSource.theme_id == theme.id)).all())
        for answer, _ in matching:
            if answer.id not in known:
                assert answer.id is not None
                session.add(ThemeSource(theme_id=_id(theme), answer_id=answer.id))
        _link(session, theme, _unique(o for _, o in matching if o.kind in DEPARTMENT_KINDS), LEAD)
        _link(session, theme, _unique(o for _, o in matching if o.kind == OrganizationKind.municipality), RELATED)
        session.flush()
        themes.append(theme)
    return themes


def _unique(organizations: Iterable[Organization]) -> list[Organization]:
    seen: dict[int, Organization] = {}
    for organization in organizations:
        seen.setdefault(_id(organization), organization)
    return list(seen.values())
