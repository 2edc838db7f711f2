"""The survey tally: answers counted per section × category, municipalities and departments separately.

A category is marked `*` when prefectural departments (or regional offices) also answered in it, except the
catch-all その他 (the source: 「県各部局等から関連する回答があったものには「*」を付している。（その他以外）」).
Pure: it takes the answers and the taxonomy, and returns a value for the 調査結果概要 and the tally outputs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from council.survey.taxonomy import Category, Taxonomy
from models.enums import OrganizationKind, SurveySection

DEPARTMENT_KINDS = frozenset({OrganizationKind.department, OrganizationKind.regional_office})


@dataclass(frozen=True)
class CategoryCount:
    section: SurveySection
    code: str
    label: str
    note: str
    municipal_count: int
    department_count: int
    marked: bool


@dataclass(frozen=True)
class SurveyTally:
    fiscal_year: int
    rows: tuple[CategoryCount, ...]
    municipal_totals: dict[SurveySection, int]
    department_totals: dict[SurveySection, int]
    municipal_respondents: int
    department_respondents: int

    @property
    def municipal_total(self) -> int:
        return sum(self.municipal_totals.values())

    @property
    def department_total(self) -> int:
        return sum(self.department_totals.values())

    def rows_in(self, section: SurveySection) -> tuple[CategoryCount, ...]:
        return tuple(row for row in self.rows if row.section == section)

    def marked_rows(self) -> tuple[CategoryCount, ...]:
        return tuple(row for row in self.rows if row.marked)


@dataclass(frozen=True)
class TallyAnswer:
    """What the tally needs of one current answer."""

    organization_code: str
    organization_kind: OrganizationKind
    section: SurveySection
    category_code: str


def tally_answers(fiscal_year: int, answers: Iterable[TallyAnswer], taxonomy: Taxonomy) -> SurveyTally:
    """Count `answers` into one row per taxonomy category, in taxonomy order.

    Answers from the secretariat are not counted. An answer whose category has since left the taxonomy (or sits in
    another section) is counted under its section's その他 — it still counts in the totals, as the source's 87 does.
    """
    municipal: Counter[tuple[SurveySection, str]] = Counter()
    departmental: Counter[tuple[SurveySection, str]] = Counter()
    municipal_respondents: set[str] = set()
    department_respondents: set[str] = set()
    municipal_totals = dict.fromkeys(SurveySection, 0)
    department_totals = dict.fromkeys(SurveySection, 0)

    for answer in answers:
        if answer.organization_kind == OrganizationKind.municipality:
            counter, totals, respondents = municipal, municipal_totals, municipal_respondents
        elif answer.organization_kind in DEPARTMENT_KINDS:
            counter, totals, respondents = departmental, department_totals, department_respondents
        else:
            continue
        category = _category_for(taxonomy, answer.section, answer.category_code)
        totals[answer.section] += 1
        respondents.add(answer.organization_code)
        if category is not None:
            counter[(category.section, category.code)] += 1

    rows = tuple(
        CategoryCount(
            section=category.section,
            code=category.code,
            label=category.label,
            note=category.note,
            municipal_count=municipal[(category.section, category.code)],
            department_count=departmental[(category.section, category.code)],
            marked=not category.is_other and departmental[(category.section, category.code)] > 0,
        )
        for section in SurveySection
        for category in taxonomy.in_section(section)
    )
    return SurveyTally(
        fiscal_year=fiscal_year,
        rows=rows,
        municipal_totals=municipal_totals,
        department_totals=department_totals,
        municipal_respondents=len(municipal_respondents),
        department_respondents=len(department_respondents),
    )


def _category_for(taxonomy: Taxonomy, section: SurveySection, code: str) -> Category | None:
    category = taxonomy.by_code(code)
    if category is not None and category.section == section:
        return category
    return taxonomy.other_of(section)
