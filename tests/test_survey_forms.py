"""The answer form: what goes out pre-filled, and that the intake reads back what a respondent writes in it."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from survey_support import Row, form_with_rows, taxonomy

from council.survey.forms import FormRespondent, form_bytes, form_file_name, write_forms
from council.survey.readers import parse_file
from models import SurveySection
from models.survey import Urgency

STAMP = datetime(2026, 5, 29, tzinfo=UTC)
YAMAGATA = FormRespondent("062014", "山形市")


def test_the_form_is_pre_filled_with_sections_drop_downs_and_instructions() -> None:
    workbook = load_workbook(io.BytesIO(form_bytes(2026, YAMAGATA, taxonomy(), stamp=STAMP)))
    assert workbook.sheetnames == ["記入要領", "選択肢", "施策の連携", "業務の連携", "情報交換・共有／人的交流"]
    assert workbook["選択肢"].sheet_state == "hidden"
    sheet = workbook["業務の連携"]
    assert sheet["A1"].value == "令和8年度 県と市町村及び市町村間の連携課題・ニーズ調査 回答票（業務の連携）"
    assert (sheet["B2"].value, sheet["D2"].value, sheet["F2"].value) == (2026, "062014", "山形市")
    headers = [cell.value for cell in sheet[4]]
    assert headers == [
        "No.",
        "今後、連携が必要と考えられる施策・業務等",
        "分類",
        "緊急性",
        "想定される連携の形",
        "内容",
        "課題",
    ]
    validations = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert validations == {"C5:C54": "'選択肢'!$B$2:$B$6", "D5:D54": '"高,中,低"'}
    lists = workbook["選択肢"]
    assert [lists.cell(row=r, column=2).value for r in range(2, 7)] == [
        "専門的・技術的業務関係",
        "災害対応業務関係",
        "鳥獣被害対策関係",
        "水道事業関係",
        "その他",
    ]
    instructions = "\n".join(str(c.value) for c in workbook["記入要領"]["A"] if c.value)
    assert "令和8年度 県と市町村及び市町村間の連携課題・ニーズ調査 記入要領" in instructions
    assert "若者の定着・回帰関係（移住定住、空き家対策、Uターン等）" in instructions
    assert "高・中・低" in instructions


def test_forms_are_reproducible_and_rewriting_leaves_files_alone(tmp_path) -> None:
    categories = taxonomy()
    assert form_bytes(2026, YAMAGATA, categories, stamp=STAMP) == form_bytes(2026, YAMAGATA, categories, stamp=STAMP)
    paths = write_forms(
        2026, [YAMAGATA, FormRespondent("dept-kikaku", "企画振興部")], categories, tmp_path, stamp=STAMP
    )
    assert [p.name for p in paths] == ["survey-2026-062014.xlsx", "survey-2026-dept-kikaku.xlsx"]
    kikaku = FormRespondent("dept-kikaku", "企画振興部")
    assert paths[1].read_bytes() == form_bytes(2026, kikaku, categories, stamp=STAMP)
    assert paths[0].read_bytes() == form_bytes(2026, YAMAGATA, categories, stamp=STAMP)
    before = paths[0].stat().st_mtime_ns
    write_forms(2026, [YAMAGATA], categories, tmp_path, stamp=STAMP)
    assert paths[0].stat().st_mtime_ns == before
    assert form_file_name(2026, YAMAGATA) == paths[0].name


def test_a_blank_form_reads_back_as_an_answer_with_no_needs() -> None:
    parsed = parse_file("blank.xlsx", form_bytes(2026, YAMAGATA, taxonomy(), stamp=STAMP), taxonomy())
    assert (parsed.fiscal_year, parsed.organization_code, parsed.answers) == (2026, "062014", ())


def test_a_filled_form_reads_back_row_by_row() -> None:
    rows = [
        Row(
            SurveySection.policy,
            "買い物支援関係",
            item="移動販売車の導入",
            urgency="高",
            envisioned_form="県の補助",
            content="中山間地域の移動販売",
            issues="事業者の確保",
        ),
        Row(SurveySection.policy, "その他", item="健康づくり", urgency="低"),
        Row(SurveySection.exchange, "人的交流関係（人事交流、研修派遣等）", item="人事交流", urgency="中"),
    ]
    parsed = parse_file("filled.xlsx", form_with_rows(2026, "062014", "山形市", rows), taxonomy())
    assert [(a.section, a.row_number, a.category, a.urgency) for a in parsed.answers] == [
        (SurveySection.policy, 5, "shopping", Urgency.high),
        (SurveySection.policy, 6, "policy-other", Urgency.low),
        (SurveySection.exchange, 5, "personnel", Urgency.medium),
    ]
    first = parsed.answers[0]
    assert (first.item, first.envisioned_form, first.content, first.issues) == (
        "移動販売車の導入",
        "県の補助",
        "中山間地域の移動販売",
        "事業者の確保",
    )
    assert parsed.answers[1].envisioned_form is None


def test_the_form_prints_one_page_wide_and_only_its_answer_cells_are_editable() -> None:
    workbook = load_workbook(io.BytesIO(form_bytes(2026, YAMAGATA, taxonomy(), stamp=STAMP)))
    assert workbook.security is not None
    assert workbook.security.lockStructure  # sheet names and the hidden list stay as the importer expects
    for name in ("施策の連携", "業務の連携", "情報交換・共有／人的交流"):
        sheet = workbook[name]
        setup = sheet.page_setup
        assert (setup.paperSize, setup.orientation, setup.fitToWidth, setup.fitToHeight) == (9, "landscape", 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$1:$4"
        assert sheet.print_area == f"'{name}'!$A$1:$G$54"
        assert sheet.oddHeader.left.text == "山形市（062014）"
        assert sheet.oddHeader.center.text == "&A"
        protection = sheet.protection
        assert protection.sheet
        assert not protection.insertRows  # a respondent may add answer rows
        for cell in ("A1", "B2", "D2", "F2", "G2", "B3", "B4", "A5", "A54"):
            assert sheet[cell].protection.locked, (name, cell)
        for cell in ("B5", "D5", "G5", "B54", "G54"):
            assert not sheet[cell].protection.locked, (name, cell)
        for letter in "BCDEFG":  # rows added below the prepared ones are answer cells too
            assert not sheet.column_dimensions[letter].protection.locked, (name, letter)
    assert workbook["記入要領"].protection.sheet
    assert workbook["記入要領"].page_setup.orientation == "portrait"
    assert workbook["選択肢"].protection.sheet


def test_a_header_code_in_a_respondent_name_prints_as_text() -> None:
    workbook = load_workbook(io.BytesIO(form_bytes(2026, FormRespondent("062014", "A&P町"), taxonomy(), stamp=STAMP)))
    assert workbook["施策の連携"].oddHeader.left.text == "A&&P町（062014）"
