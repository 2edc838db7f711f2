# ruff: noqa: E501  (the expected messages are kept whole, one per line, to be read and grepped)
"""The corpus of malformed answer files, each with the one error the intake must report for it.

Generated (not committed) so that each file is a small, visible change from a valid one. `fiscal_year` is the survey
being collected when the import names one (None: any open survey)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from openpyxl import load_workbook
from survey_support import FY, Row, csv_bytes, form_with_rows

from models import SurveySection

POLICY, OPERATIONS = SurveySection.policy, SurveySection.operations
GOOD_ROWS = [
    Row(POLICY, "買い物支援関係", item="移動販売車の導入"),
    Row(OPERATIONS, "水道事業関係", item="水道の広域化"),
]
CSV_HEADER_LINE = (
    "年度,団体コード,団体名,区分,今後、連携が必要と考えられる施策・業務等,分類,緊急性,想定される連携の形,内容,課題"
)


@dataclass(frozen=True)
class BadFile:
    name: str
    data: bytes
    error: str
    fiscal_year: int | None = None


def _edit_form(edit: str, value: object, *, sheet: str = "施策の連携", rows: list[Row] | None = None) -> bytes:
    workbook = load_workbook(io.BytesIO(form_with_rows(FY, "062014", "山形市", GOOD_ROWS if rows is None else rows)))
    workbook[sheet][edit] = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _without_sheet(name: str) -> bytes:
    workbook = load_workbook(io.BytesIO(form_with_rows(FY, "062014", "山形市", GOOD_ROWS)))
    del workbook[name]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


@cache
def corpus() -> tuple[BadFile, ...]:
    good_csv = csv_bytes(FY, "062014", GOOD_ROWS).decode()
    good_form = form_with_rows(FY, "062014", "山形市", GOOD_ROWS)
    long_item = "あ" * 501
    return (
        BadFile(
            "notes.txt",
            b"please find our answers attached",
            "notes.txt: not an xlsx or csv file (the name ends in '.txt'); send the survey form (.xlsx) or a CSV",
        ),
        BadFile("empty.csv", b"", "empty.csv: the file is empty"),
        BadFile(
            "not-a-workbook.xlsx", good_csv.encode(), "not-a-workbook.xlsx: not a readable xlsx workbook (BadZipFile)"
        ),
        BadFile(
            "workbook-named.csv",
            good_form,
            "workbook-named.csv: is a zip archive (an xlsx workbook?), not CSV text: name it .xlsx",
        ),
        BadFile(
            "missing-sheet.xlsx",
            _without_sheet("業務の連携"),
            "missing-sheet.xlsx: sheet(s) 業務の連携 missing: this is not the survey form (sheets found: 記入要領, 選択肢, "
            "施策の連携, 情報交換・共有／人的交流)",
        ),
        BadFile(
            "header-changed.xlsx",
            _edit_form("C4", "分野"),
            "header-changed.xlsx: sheet 施策の連携, row 4, column C: header '分野' should be '分類': keep the form's layout",
        ),
        BadFile(
            "bad-urgency.xlsx",
            _edit_form("D5", "至急"),
            "bad-urgency.xlsx: sheet 施策の連携, row 5, column 緊急性: '至急' is not one of 高/中/低",
        ),
        BadFile(
            "unknown-category.xlsx",
            _edit_form("C6", "除雪関係", sheet="業務の連携", rows=[*GOOD_ROWS, Row(OPERATIONS, "その他")]),
            "unknown-category.xlsx: sheet 業務の連携, row 6, column 分類: '除雪関係' is not a category of 業務の連携; "
            "choose one of 専門的・技術的業務関係/災害対応業務関係/鳥獣被害対策関係/水道事業関係/その他",
        ),
        BadFile(
            "category-of-another-section.xlsx",
            _edit_form("C5", "水道事業関係"),
            "category-of-another-section.xlsx: sheet 施策の連携, row 5, column 分類: '水道事業関係' is not a category of "
            "施策の連携; choose one of 若者の定着・回帰関係/買い物支援関係/生活交通対策関係/離島振興関係/観光振興関係/"
            "子育て支援関係/中山間地振興関係/その他",
        ),
        BadFile(
            "empty-item.xlsx",
            _edit_form("B5", None),
            "empty-item.xlsx: sheet 施策の連携, row 5, column 今後、連携が必要と考えられる施策・業務等: is required but empty",
        ),
        BadFile(
            "form-of-2025.xlsx",
            form_with_rows(2025, "062014", "山形市", GOOD_ROWS),
            "form-of-2025.xlsx: sheet 施策の連携, row 2, column 年度: there is no 令和7年度 (2025) survey: is this a form "
            "of another year?",
        ),
        BadFile(
            "form-of-2025-while-collecting-2026.csv",
            csv_bytes(2025, "062014", GOOD_ROWS),
            "form-of-2025-while-collecting-2026.csv: line 2, field 年度: this form is for 令和7年度 (2025), not the "
            "令和8年度 (2026) survey",
            fiscal_year=FY,
        ),
        BadFile(
            "bad-check-digit.xlsx",
            form_with_rows(FY, "062015", "山形市", GOOD_ROWS),
            "bad-check-digit.xlsx: sheet 施策の連携, row 2, column 団体コード: '062015' has a bad check digit "
            "(expected 062014)",
        ),
        BadFile(
            "unknown-municipality.csv",
            csv_bytes(FY, "131016", GOOD_ROWS),  # 千代田区: a valid code, not in this council
            "unknown-municipality.csv: line 2, field 団体コード: unknown organisation '131016'",
        ),
        BadFile(
            "unknown-department.csv",
            csv_bytes(FY, "dept-unknown", GOOD_ROWS),
            "unknown-department.csv: line 2, field 団体コード: unknown organisation 'dept-unknown'",
        ),
        BadFile(
            "secretariat.csv",
            csv_bytes(FY, "secretariat", GOOD_ROWS),
            "secretariat.csv: line 2, field 団体コード: 市町村課 (secretariat) is not asked in the 令和8年度 survey",
        ),
        BadFile(
            "codes-differ-between-sheets.xlsx",
            _edit_form("D2", "062022", sheet="業務の連携"),
            "codes-differ-between-sheets.xlsx: sheet 業務の連携, row 2, column 団体コード: '062022' differs from "
            "'062014' on sheet 施策の連携",
        ),
        BadFile(
            "bad-urgency.csv",
            csv_bytes(FY, "062014", [GOOD_ROWS[0], Row(OPERATIONS, "water", urgency="至急")]),
            "bad-urgency.csv: line 3, field 緊急性: '至急' is not one of 高/中/低",
        ),
        BadFile(
            "unknown-column.csv",
            _csv(good_csv.replace(",課題\n", ",備考\n", 1)),
            "unknown-column.csv: line 1, field 備考: unknown column; the columns are " + CSV_HEADER_LINE,
        ),
        BadFile(
            "missing-column.csv",
            _csv(CSV_HEADER_LINE.replace(",緊急性", "") + "\n2026,062014,山形市,施策の連携,移動販売,shopping,,,\n"),
            "missing-column.csv: line 1: missing column(s) 緊急性",
        ),
        BadFile(
            "short-line.csv",
            _csv(CSV_HEADER_LINE + "\n2026,062014,山形市,施策の連携,移動販売,shopping,高,,\n"),
            "short-line.csv: line 2: has 9 fields; the header has 10",
        ),
        BadFile(
            "two-organisations.csv",
            _csv(good_csv + "2026,062022,米沢市,施策の連携,観光,tourism,高,,,\n"),
            "two-organisations.csv: line 4, field 団体コード: '062022' differs from '062014': one file answers for one "
            "organisation",
        ),
        BadFile(
            "bad-section.csv",
            _csv(CSV_HEADER_LINE + "\n2026,062014,山形市,施策,移動販売,shopping,高,,,\n"),
            "bad-section.csv: line 2, field 区分: '施策' is not one of 施策の連携/業務の連携/情報交換・共有／人的交流",
        ),
        BadFile(
            "wareki-year.csv",
            _csv(CSV_HEADER_LINE + "\n令和8,062014,山形市,施策の連携,移動販売,shopping,高,,,\n"),
            "wareki-year.csv: line 2, field 年度: '令和8' is not a fiscal year like 2026",
        ),
        BadFile(
            "too-long.csv",
            csv_bytes(FY, "062014", [Row(POLICY, "shopping", item=long_item)]),
            "too-long.csv: line 2, field 今後、連携が必要と考えられる施策・業務等: is 501 characters long; at most 500 "
            "are allowed",
        ),
        BadFile("binary.csv", b"\x81\x20\x81\x7f", "binary.csv: is neither UTF-8 nor Shift_JIS (cp932) text"),
        BadFile(
            "header-only.csv",
            _csv(CSV_HEADER_LINE + "\n"),
            "header-only.csv: line 2: has no data line: give at least 年度 and 団体コード",
        ),
    )


def write_corpus(folder: Path) -> list[tuple[Path, BadFile]]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for bad in corpus():
        path = folder / bad.name
        path.write_bytes(bad.data)
        written.append((path, bad))
    return written
