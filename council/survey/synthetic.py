"""Synthetic, reproducible survey answers for the whole-year simulation, written as real answer files (xlsx forms and
CSVs) so that they go through the same intake as real ones.

Who answers what is drawn from a seeded generator per organisation, weighted by the source's 2017 results (young
people's settlement, tourism and water supply are frequent; the remote island is rare), so a simulated tally looks
like a real year. Same inputs, same files, byte for byte.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from council.survey.forms import (
    ANSWER_COLUMNS,
    CSV_HEADERS,
    FIRST_DATA_ROW,
    SECTION_SHEETS,
    URGENCY_LABELS,
    FormRespondent,
    build_form_workbook,
    column_index,
    reproducible_xlsx,
)
from council.survey.taxonomy import SECTION_LABELS, Category, Taxonomy
from models.enums import OrganizationKind, SurveySection
from models.survey import Urgency

# Answers per category in 2017 (municipalities), the weights of the draw; categories not listed weigh 3.
WEIGHTS_2017: Mapping[str, int] = {
    "youth": 17,
    "shopping": 8,
    "transport": 6,
    "islands": 1,
    "tourism": 16,
    "childcare": 4,
    "hilly-areas": 4,
    "policy-other": 31,
    "specialist": 11,
    "disaster": 5,
    "wildlife": 4,
    "water": 17,
    "operations-other": 31,
    "personnel": 10,
    "information": 8,
    "exchange-other": 1,
}
# Mean answers per organisation and section in 2017: 87/68/18 over 35 municipalities, 32/6/2 over 17 departments.
MEAN_ANSWERS: Mapping[bool, Mapping[SurveySection, float]] = {
    True: {SurveySection.policy: 2.5, SurveySection.operations: 1.9, SurveySection.exchange: 0.5},
    False: {SurveySection.policy: 1.9, SurveySection.operations: 0.35, SurveySection.exchange: 0.12},
}
FORMS = ("協議会・ワーキングチームの設置", "県による財政支援", "共同実施", "専門職員の派遣", "情報共有の場の設定")
ISSUES = ("財源の確保", "人材の不足", "関係機関との調整", "事業効果の検証", "")


class OrganizationLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> OrganizationKind: ...


@dataclass(frozen=True)
class SyntheticAnswer:
    section: SurveySection
    category: Category
    item: str
    urgency: Urgency
    envisioned_form: str
    content: str
    issues: str


@dataclass(frozen=True)
class SyntheticFile:
    organization_code: str
    path: Path
    answer_count: int


def _draw_count(rng: random.Random, mean: float) -> int:
    """A small count with the given mean: the sum of Bernoulli trials (no numpy needed)."""
    trials = max(1, round(mean * 2))
    return sum(1 for _ in range(trials) if rng.random() < mean / trials)


def synthetic_rows(
    fiscal_year: int, organization: OrganizationLike, seed: int, taxonomy: Taxonomy
) -> list[SyntheticAnswer]:
    rng = random.Random(f"{seed}:{fiscal_year}:{organization.code}")
    municipal = organization.kind == OrganizationKind.municipality
    rows = []
    for section in SurveySection:
        categories = list(taxonomy.in_section(section))
        weights = [WEIGHTS_2017.get(category.code, 3) for category in categories]
        for number in range(_draw_count(rng, MEAN_ANSWERS[municipal][section])):
            category = rng.choices(categories, weights=weights)[0]
            topic = category.note.strip("（）").split("、")[0] if category.note else category.label
            rows.append(
                SyntheticAnswer(
                    section=section,
                    category=category,
                    item=f"{topic}に係る{SECTION_LABELS[section]}（{organization.name}・{number + 1}）",
                    urgency=rng.choice(list(Urgency)),
                    envisioned_form=rng.choice(FORMS),
                    content=f"{organization.name}と県・近隣市町村が連携して{topic}に取り組む。",
                    issues=rng.choice(ISSUES),
                )
            )
    return rows


def _xlsx(
    fiscal_year: int,
    organization: OrganizationLike,
    rows: Sequence[SyntheticAnswer],
    taxonomy: Taxonomy,
    stamp: datetime,
) -> bytes:
    workbook = build_form_workbook(fiscal_year, FormRespondent(organization.code, organization.name), taxonomy)
    next_row = dict.fromkeys(SurveySection, FIRST_DATA_ROW)
    for answer in rows:
        sheet = workbook[SECTION_SHEETS[answer.section]]
        row = next_row[answer.section]
        next_row[answer.section] += 1
        values = {
            "item": answer.item,
            "category": answer.category.label,
            "urgency": URGENCY_LABELS[answer.urgency],
            "envisioned_form": answer.envisioned_form,
            "content": answer.content,
            "issues": answer.issues,
        }
        for column in ANSWER_COLUMNS:
            sheet.cell(row=row, column=column_index(column.key), value=values[column.key] or None)
    return reproducible_xlsx(workbook, stamp=stamp)


def _csv(fiscal_year: int, organization: OrganizationLike, rows: Sequence[SyntheticAnswer]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    if not rows:
        writer.writerow([fiscal_year, organization.code, organization.name, "", "", "", "", "", "", ""])
    for answer in rows:
        writer.writerow(
            [
                fiscal_year,
                organization.code,
                organization.name,
                SECTION_LABELS[answer.section],
                answer.item,
                answer.category.label,
                URGENCY_LABELS[answer.urgency],
                answer.envisioned_form,
                answer.content,
                answer.issues,
            ]
        )
    return buffer.getvalue().encode("utf-8")


def synthetic_answers(
    fiscal_year: int,
    organizations: Sequence[OrganizationLike],
    seed: int,
    out_dir: Path,
    *,
    stamp: datetime,
    csv_share: float = 0.2,
    taxonomy: Taxonomy,
) -> list[SyntheticFile]:
    """One answer file per organisation in `out_dir`: mostly filled-in xlsx forms, about `csv_share` of them CSVs.
    Import them with council.survey.intake.import_file (or drop them in the inbox) at the simulated time."""
    categories = taxonomy
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for organization in organizations:
        rows = synthetic_rows(fiscal_year, organization, seed, categories)
        as_csv = random.Random(f"{seed}:{fiscal_year}:{organization.code}:format").random() < csv_share
        if as_csv:
            path, data = (
                out_dir / f"answers-{fiscal_year}-{organization.code}.csv",
                _csv(fiscal_year, organization, rows),
            )
        else:
            path = out_dir / f"answers-{fiscal_year}-{organization.code}.xlsx"
            data = _xlsx(fiscal_year, organization, rows, categories, stamp)
        path.write_bytes(data)
        files.append(SyntheticFile(organization.code, path, len(rows)))
    return files
