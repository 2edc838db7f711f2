"""Queries the survey modules share: the survey of a year, its windows per respondent kind, current answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from council.clock import TOKYO
from council.errors import NotFoundError
from council.reference import get_council
from council.survey.tally import DEPARTMENT_KINDS, TallyAnswer
from council.wareki import fiscal_year_label
from models.enums import OrganizationKind
from models.organizations import Organization
from models.survey import Survey, SurveyAnswer

RESPONDENT_KINDS = (OrganizationKind.municipality, *sorted(DEPARTMENT_KINDS))


class Audience(StrEnum):
    """Who a survey letter is for: each receives its own 調査依頼 on the day its window opens."""

    municipalities = "municipalities"  # 全市町村
    departments = "departments"  # 県庁内各部局等・各総合支庁

    @property
    def kinds(self) -> frozenset[OrganizationKind]:
        return frozenset({OrganizationKind.municipality}) if self is Audience.municipalities else DEPARTMENT_KINDS


def audience_of(kind: OrganizationKind) -> Audience:
    return Audience.municipalities if kind == OrganizationKind.municipality else Audience.departments


def opens_on(survey: Survey, audience: Audience) -> date:
    return survey.municipal_opens_on if audience is Audience.municipalities else survey.department_opens_on


def council_id_for(session: Session, council_code: str) -> int:
    council = get_council(session, council_code)
    assert council.id is not None
    return council.id


def find_survey(session: Session, fiscal_year: int, council_code: str) -> Survey | None:
    return session.exec(
        select(Survey).where(
            Survey.council_id == council_id_for(session, council_code), Survey.fiscal_year == fiscal_year
        )
    ).first()


def get_survey(session: Session, fiscal_year: int, council_code: str) -> Survey:
    survey = find_survey(session, fiscal_year, council_code)
    if survey is None:
        raise NotFoundError(
            f"no survey for {fiscal_year_label(fiscal_year)} ({fiscal_year}): open it with "
            f"`council survey open --fy {fiscal_year}`"
        )
    return survey


def window_for(survey: Survey, kind: OrganizationKind) -> tuple[date, date]:
    """(opens_on, closes_on) of the window that applies to an organisation of `kind`."""
    if kind == OrganizationKind.municipality:
        return survey.municipal_opens_on, survey.municipal_closes_on
    return survey.department_opens_on, survey.department_closes_on


def is_late(survey: Survey, kind: OrganizationKind, moment: datetime) -> bool:
    """Whether an answer received at `moment` comes after its deadline (the whole deadline day, Tokyo time)."""
    return moment.astimezone(TOKYO).date() > window_for(survey, kind)[1]


def current_answers(session: Session, survey: Survey) -> Sequence[tuple[SurveyAnswer, Organization]]:
    rows = session.exec(
        select(SurveyAnswer, Organization)
        .join(Organization, col(Organization.id) == SurveyAnswer.organization_id)
        .where(SurveyAnswer.survey_id == survey.id, col(SurveyAnswer.current).is_(True))
        .order_by(col(Organization.sort_order), col(Organization.code), col(SurveyAnswer.id))
    ).all()
    return [(answer, organization) for answer, organization in rows]


def tally_inputs(session: Session, survey: Survey) -> list[TallyAnswer]:
    return [
        TallyAnswer(
            organization_code=organization.code,
            organization_kind=organization.kind,
            section=answer.section,
            category_code=answer.category,
        )
        for answer, organization in current_answers(session, survey)
    ]
