"""The tally: the source's 2017 table from answers built to reproduce it, and the counting rules."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from openpyxl import load_workbook
from survey_support import DEPARTMENT_2017, MUNICIPAL_2017, rows_2017, spread, taxonomy

from council.survey.tally import SurveyTally, TallyAnswer, tally_answers
from council.survey.tally_formats import row_labels, tally_csv, tally_payload, tally_text, tally_xlsx
from models import OrganizationKind, SurveySection

MUNICIPALITIES = [f"m{index:02d}" for index in range(35)]
DEPARTMENTS = [f"d{index:02d}" for index in range(17)]

# The source's table (結果の概要): municipal counts and `*` marks, その他 left out as the source does.
SOURCE_TABLE = {
    SurveySection.policy: [(17, True), (8, True), (6, True), (1, True), (16, True), (4, True), (4, False)],
    SurveySection.operations: [(11, False), (5, True), (4, True), (17, True)],
    SurveySection.exchange: [(10, False), (8, True)],
}


def answers_2017() -> list[TallyAnswer]:
    answers = []
    for kind, counts, codes in (
        (OrganizationKind.municipality, MUNICIPAL_2017, MUNICIPALITIES),
        (OrganizationKind.department, DEPARTMENT_2017, DEPARTMENTS),
    ):
        for code, rows in spread(rows_2017(counts), codes).items():
            answers.extend(TallyAnswer(code, kind, row.section, row.category) for row in rows)
    return answers


def assert_source_table(tally: SurveyTally) -> None:
    for section, expected in SOURCE_TABLE.items():
        listed = [(row.municipal_count, row.marked) for row in tally.rows_in(section) if row.label != "その他"]
        assert listed == expected, section
    assert tally.municipal_totals == {
        SurveySection.policy: 87,
        SurveySection.operations: 68,
        SurveySection.exchange: 18,
    }
    assert tally.department_totals == {SurveySection.policy: 32, SurveySection.operations: 6, SurveySection.exchange: 2}
    assert (tally.municipal_total, tally.department_total) == (173, 40)
    assert all(not row.marked for row in tally.rows if row.label == "その他")


def test_the_2017_answers_give_the_source_table() -> None:
    tally = tally_answers(2017, answers_2017(), taxonomy())
    assert_source_table(tally)
    assert (tally.municipal_respondents, tally.department_respondents) == (35, 17)


def test_printed_labels_number_and_mark_like_the_source() -> None:
    tally = tally_answers(2017, answers_2017(), taxonomy())
    labels = [label for label, _ in row_labels(tally, SurveySection.policy)]
    assert labels[0] == "①若者の定着・回帰関係（移住定住、空き家対策、Uターン等）*"
    assert labels[6] == "⑦中山間地振興関係（地域コミュニティ対策等）"
    assert labels[7] == "○その他（健康づくり関係、地域経済の活性化関係等）"
    assert [label for label, _ in row_labels(tally, SurveySection.operations)][2] == "③鳥獣被害対策関係*"
    text = "\n".join(tally_text(tally))
    assert "市町村分 173 件（施策の連携 87 件、業務の連携 68 件、情報交換・共有／人的交流 18 件）" in text
    assert "県部局等分 40 件（施策の連携 32 件、業務の連携 6 件、情報交換・共有／人的交流 2 件）" in text


def test_the_other_category_is_counted_but_never_marked() -> None:
    answers = [
        TallyAnswer("dept", OrganizationKind.department, SurveySection.policy, "policy-other"),
        TallyAnswer("m1", OrganizationKind.municipality, SurveySection.policy, "policy-other"),
    ]
    tally = tally_answers(2026, answers, taxonomy())
    other = next(row for row in tally.rows if row.code == "policy-other")
    assert (other.municipal_count, other.department_count, other.marked) == (1, 1, False)


def test_a_category_no_longer_in_the_taxonomy_falls_into_its_sections_other() -> None:
    answers = [
        TallyAnswer("m1", OrganizationKind.municipality, SurveySection.operations, "snow-removal"),
        TallyAnswer("m1", OrganizationKind.municipality, SurveySection.operations, "youth"),  # wrong section
        TallyAnswer("s", OrganizationKind.secretariat, SurveySection.operations, "water"),  # not counted
        TallyAnswer("ro", OrganizationKind.regional_office, SurveySection.operations, "water"),
    ]
    tally = tally_answers(2026, answers, taxonomy())
    assert next(row for row in tally.rows if row.code == "operations-other").municipal_count == 2
    assert tally.municipal_totals[SurveySection.operations] == 2
    water = next(row for row in tally.rows if row.code == "water")
    assert (water.department_count, water.marked) == (1, True)
    assert (tally.municipal_respondents, tally.department_respondents) == (1, 1)


def test_every_output_format_carries_the_same_numbers() -> None:
    tally = tally_answers(2017, answers_2017(), taxonomy())
    payload = tally_payload(tally)
    assert payload["fiscal_year_label"] == "平成29年度"
    assert payload["municipal"]["by_section"] == {"policy": 87, "operations": 68, "exchange": 18}
    assert json.loads(json.dumps(payload, ensure_ascii=False)) == payload
    rows = list(csv.DictReader(io.StringIO(tally_csv(tally))))
    youth = next(row for row in rows if row["分類コード"] == "youth")
    assert (youth["市町村件数"], youth["県部局等件数"], youth["県部局等の回答あり"]) == ("17", "6", "*")
    assert [row["市町村件数"] for row in rows if row["分類コード"] == "total"] == ["87", "68", "18"]
    stamp = datetime(2017, 7, 1, tzinfo=UTC)
    data = tally_xlsx(tally, stamp=stamp)
    assert data == tally_xlsx(tally, stamp=stamp)
    sheet = load_workbook(io.BytesIO(data)).active
    values = [
        row for row in sheet.iter_rows(values_only=True) if row and row[1] == "④水道事業関係（広域化、業務の共同化等）*"
    ]
    assert values == [("業務の連携", "④水道事業関係（広域化、業務の共同化等）*", 17, 2)]
