"""The handout of a meeting's 先進事例の紹介 (県内外の先進事例): each case chosen for the meeting, then which
municipalities took up the cases introduced in earlier years (横展開) — facts read here, the context built by a pure
function, rendered by the same builders as every document."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from council import labels
from council.cases.catalogue import CaseView, case_views, chosen_cases
from council.documents.contexts import CaseEntry, CaseField, CaseHandoutContext, DocumentContext, Issue, SpreadLine
from council.documents.drafting import DocumentPlan
from council.documents.facts import full_meeting_title
from council.documents.text import one_line
from council.documents.texts import TableTexts
from council.errors import InputError
from council.survey.taxonomy import Taxonomy
from council.wareki import fiscal_year_label
from models import AdvancedCase, CaseAdoption, Cycle, Meeting, Organization


@dataclass(frozen=True)
class HandoutFacts:
    fiscal_year: int
    meeting_title: str
    cases: tuple[CaseView, ...]
    spread: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # (case title, ((municipality, year), …))


def handout_facts(session: Session, cycle: Cycle, meeting: Meeting, taxonomy: Taxonomy) -> HandoutFacts:
    chosen = chosen_cases(session, meeting)
    if not chosen:
        raise InputError(
            f"no cases are chosen for {meeting.title}: `council cases choose CODE… --meeting {meeting.key}`",
            field="meeting",
        )
    spread: dict[int, list[tuple[str, int]]] = defaultdict(list)
    titles: dict[int, str] = {}
    for adoption, case, organization in session.exec(
        select(CaseAdoption, AdvancedCase, Organization)
        .join(AdvancedCase, col(AdvancedCase.id) == col(CaseAdoption.case_id))
        .join(Organization, col(Organization.id) == col(CaseAdoption.organization_id))
        .where(AdvancedCase.council_id == cycle.council_id, CaseAdoption.fiscal_year < cycle.fiscal_year)
        .order_by(col(AdvancedCase.code), col(CaseAdoption.fiscal_year), col(Organization.sort_order))
    ).all():
        titles[case.id or 0] = one_line(case.title)
        spread[case.id or 0].append((one_line(organization.name), adoption.fiscal_year))
    return HandoutFacts(
        fiscal_year=cycle.fiscal_year,
        meeting_title=full_meeting_title(cycle.fiscal_year, meeting.title),
        cases=tuple(case_views(session, chosen, taxonomy)),
        spread=tuple((titles[case_id], tuple(lines)) for case_id, lines in spread.items()),
    )


def handout_context(facts: HandoutFacts, texts: TableTexts, issue: Issue) -> CaseHandoutContext:
    """Each case with 区分, 実施主体, 分野, 概要 and 出典 (the column headings of documents.yaml), then the 横展開."""
    headings: Sequence[str] = texts.columns[1:]
    title = texts.title.format(year=fiscal_year_label(facts.fiscal_year))
    return CaseHandoutContext(
        issue=issue,
        title=title,
        meeting_title=facts.meeting_title,
        cases=tuple(
            CaseEntry(
                title=one_line(case.title),
                fields=tuple(
                    CaseField(label, one_line(text))
                    for label, text in zip(
                        headings,
                        (
                            labels.CASE_SCOPE[case.scope],
                            case.organization,
                            case.category_label,
                            case.summary,
                            f"{case.source}（{fiscal_year_label(case.fiscal_year)}）",
                        ),
                        strict=True,
                    )
                ),
            )
            for case in facts.cases
        ),
        spread_heading=texts.label,
        spread=tuple(
            SpreadLine(case, "、".join(f"{name}（{fiscal_year_label(year)}）" for name, year in lines))
            for case, lines in facts.spread
        ),
        file_stem=f"{facts.meeting_title}_{title}",
    )


def handout_document(facts: HandoutFacts, texts: TableTexts, meeting_key: str) -> DocumentPlan:
    def make(issue: Issue) -> DocumentContext:
        return handout_context(facts, texts, issue)

    return DocumentPlan(meeting_key, make, None)
