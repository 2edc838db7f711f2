# ruff: noqa: E501  (the expected messages are kept whole, one per line, to be read and grepped)
"""The corpus of malformed answer files, each with the one error the intake must report for it.

Generated (not committed) so that each file is a small, visible change from a valid one. `fiscal_year` is the survey
being collected when the import names one (None: any open survey)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from docx import Document
from msoffcrypto.format.ooxml import OOXMLFile
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


def form_with_numeric_code(code: int, rows: list[Row] | None = None) -> bytes:
    """A form whose 団体コード cells were retyped as a number, as Excel keeps 062014 typed into a General cell."""
    workbook = load_workbook(io.BytesIO(form_with_rows(FY, "062014", "山形市", GOOD_ROWS if rows is None else rows)))
    for sheet in ("施策の連携", "業務の連携", "情報交換・共有／人的交流"):
        workbook[sheet]["D2"] = code
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


def encrypted(workbook: bytes, password: str = "himitsu") -> bytes:
    """The workbook as Excel saves it with a password to open (ECMA-376 agile encryption, in an OLE2 container)."""
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(workbook)).encrypt(password, out)
    return out.getvalue()


def _rezip(workbook: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, (replace or {}).get(info.filename, source.read(info.filename)))
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def _sheet_part(workbook: bytes, sheet: str) -> str:
    """The zip entry of a sheet, found through the workbook's own index (sheetN numbering is openpyxl's choice)."""
    names = load_workbook(io.BytesIO(workbook), read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def _docx() -> bytes:
    document = Document()
    document.add_paragraph("連携課題・ニーズ調査の回答です。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _zipped(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


@cache
def corpus() -> tuple[BadFile, ...]:
    good_csv = csv_bytes(FY, "062014", GOOD_ROWS).decode()
    good_form = form_with_rows(FY, "062014", "山形市", GOOD_ROWS)
    long_item = "あ" * 501
    return (
        BadFile(
            "notes.txt",
            b"please find our answers attached",
            "notes.txt: is neither the survey form (xlsx) nor a survey CSV: its first line names none of the columns "
            + CSV_HEADER_LINE,
        ),
        BadFile("empty.csv", b"", "empty.csv: the file is empty"),
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
        BadFile(
            "binary.csv",
            b"\x81\x20\x81\x7f",
            "binary.csv: is neither the survey form (xlsx) nor CSV text in UTF-8 or Shift_JIS (cp932): send the survey "
            "form (.xlsx) or a CSV",
        ),
        BadFile(
            "header-only.csv",
            _csv(CSV_HEADER_LINE + "\n"),
            "header-only.csv: line 2: has no data line: give at least 年度 and 団体コード",
        ),
        # -- what probing found (issue 11, item 11) and the file kinds people send instead --
        BadFile(
            "nul-byte.csv",
            csv_bytes(FY, "062014", [GOOD_ROWS[0], Row(OPERATIONS, "water", item="水道\x00の広域化")]),
            "nul-byte.csv: line 3: contains a NUL character: this is not CSV text (a binary file?)",
        ),
        BadFile(
            "control-character.csv",
            csv_bytes(FY, "062014", [Row(POLICY, "shopping", content="移動販売\x07車")]),
            "control-character.csv: line 2, field 内容: contains the control character U+0007, which no answer can hold",
        ),
        BadFile(
            "four-digit-code.csv",
            csv_bytes(FY, "2014", GOOD_ROWS),
            "four-digit-code.csv: line 2, field 団体コード: '2014' is not a 6-digit municipality code",
        ),
        BadFile(
            "five-digit-code-bad-check-digit.csv",
            csv_bytes(FY, "62015", GOOD_ROWS),
            "five-digit-code-bad-check-digit.csv: line 2, field 団体コード: '062015' has a bad check digit (expected "
            "062014)",
        ),
        BadFile(
            "five-digit-code-bad-check-digit.xlsx",
            form_with_numeric_code(62015),
            "five-digit-code-bad-check-digit.xlsx: sheet 施策の連携, row 2, column 団体コード: '062015' has a bad check "
            "digit (expected 062014)",
        ),
        BadFile(
            "extra-column.xlsx",
            _edit_form("H5", "備考：県の補助制度を希望"),
            "extra-column.xlsx: sheet 施策の連携, row 5, column H: '備考：県の補助制度を希望' is outside the form's columns "
            "A–G: write it in 内容 or 課題, or leave it out",
        ),
        BadFile(
            "extra-header.xlsx",
            _edit_form("I4", "備考", sheet="業務の連携"),
            "extra-header.xlsx: sheet 業務の連携, row 4, column I: '備考' is outside the form's columns A–G: write it in "
            "内容 or 課題, or leave it out",
        ),
        BadFile(
            "password-protected.xlsx",
            encrypted(good_form),
            "password-protected.xlsx: the workbook is password-protected: remove the password (ファイル → 情報 → "
            "ブックの保護 → パスワードを使用して暗号化, then clear it) and send it again",
        ),
        BadFile(
            "answers.docx",
            _docx(),
            "answers.docx: is a Word document (.docx), not an xlsx workbook: send the survey form (.xlsx) or a CSV",
        ),
        BadFile(
            "answers.zip",
            _zipped("answers.csv", good_csv.encode()),
            "answers.zip: is a zip archive, not an xlsx workbook: send the survey form (.xlsx) or a CSV",
        ),
        BadFile(
            "unicode-text.csv",
            good_csv.encode("utf-16"),
            "unicode-text.csv: is UTF-16 text (Excel's 'Unicode text'): save it as 'CSV UTF-8 (comma delimited)'",
        ),
        BadFile(
            "damaged-sheet.xlsx",
            _rezip(good_form, replace={_sheet_part(good_form, "業務の連携"): b"<worksheet><sheetData><row r="}),
            "damaged-sheet.xlsx: not a readable xlsx workbook (ParseError)",
        ),
        BadFile(
            "zip-bomb.xlsx",
            _rezip(good_form, add={"xl/media/image1.png": bytes(41_000_000)}),
            "zip-bomb.xlsx: unpacks to 41.1 MB; an answer form may unpack to at most 40.0 MB",
        ),
        BadFile(
            "far-row.xlsx",
            _edit_form("B1000000", "ずっと下の行"),
            "far-row.xlsx: sheet 施策の連携, row 20055: the sheet goes on below row 20,054: delete the rows below the "
            "answers",
        ),
        BadFile(
            "too-many-rows.csv",
            csv_bytes(FY, "062014", [Row(POLICY, "youth", item=f"施策{n}") for n in range(2001)]),
            "too-many-rows.csv: line 2002: more than 2,000 answers: one file holds at most 2,000 answers",
        ),
        BadFile(
            "too-big.csv",
            csv_bytes(FY, "062014", [Row(POLICY, "youth", item="施策", content="あ" * 1000)] * 1700),
            "too-big.csv: is 5.2 MB; an answer file may be at most 5.0 MB",
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
