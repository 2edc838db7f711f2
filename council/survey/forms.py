"""The survey's answer form (回答票): one Excel workbook per respondent, and the equivalent CSV format.

The layout constants here are the contract between the form that goes out and the intake that reads it back
(council.survey.intake); docs/survey-csv.md documents the CSV format.

Workbook: sheet 記入要領 (instructions), then one sheet per section (施策の連携, 業務の連携, 情報交換・共有／人的交流):
row 1 the title, row 2 年度 / 団体コード / 団体名 (pre-filled), row 4 the column headers, rows 5… the answers.
A hidden sheet 選択肢 holds the drop-down lists. Bytes are reproducible: the same inputs give the same file.

Printed, every sheet is A4 and one page wide (fit to width; the section sheets landscape, the instructions portrait),
a section sheet repeats its rows 1–4 on each page, and the header names the respondent, the sheet and the page.
Sheets are protected without a password (a guard against slips, not a lock): only the answer cells (columns B–G
from row 5 down, including rows a respondent inserts) can be edited; the workbook's structure (sheet names, the
hidden list) is locked too.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from council.survey.taxonomy import SECTION_LABELS, Taxonomy
from council.wareki import fiscal_year_label
from council.zipfiles import reproducible
from models.enums import SurveySection
from models.survey import Urgency

SURVEY_TITLE = "県と市町村及び市町村間の連携課題・ニーズ調査"
INSTRUCTIONS_SHEET = "記入要領"
LISTS_SHEET = "選択肢"
SECTION_SHEETS: dict[SurveySection, str] = dict(SECTION_LABELS)

# Row 2 of every section sheet: labels in A/C/E, values in B/D/F.
FISCAL_YEAR_CELL = "B2"
ORGANIZATION_CODE_CELL = "D2"
ORGANIZATION_NAME_CELL = "F2"
HEADER_ROW = 4
FIRST_DATA_ROW = 5
BLANK_ROWS = 50  # rows prepared with borders and drop-downs; more may be added below

URGENCY_LABELS: dict[Urgency, str] = {Urgency.high: "高", Urgency.medium: "中", Urgency.low: "低"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as printed in the form and in the CSV header
    required: bool
    max_length: int
    width: int


# Answer columns, in order, from column B (column A is the row number No.).
ANSWER_COLUMNS: tuple[Column, ...] = (
    Column("item", "今後、連携が必要と考えられる施策・業務等", True, 500, 36),
    Column("category", "分類", True, 40, 26),
    Column("urgency", "緊急性", True, 2, 8),
    Column("envisioned_form", "想定される連携の形", False, 500, 28),
    Column("content", "内容", False, 2000, 40),
    Column("issues", "課題", False, 2000, 40),
)
NUMBER_HEADER = "No."

# The CSV format: one file per organisation, one answer per line (see docs/survey-csv.md).
CSV_FISCAL_YEAR = "年度"
CSV_ORGANIZATION_CODE = "団体コード"
CSV_ORGANIZATION_NAME = "団体名"
CSV_SECTION = "区分"
CSV_HEADERS: tuple[str, ...] = (
    CSV_FISCAL_YEAR,
    CSV_ORGANIZATION_CODE,
    CSV_ORGANIZATION_NAME,
    CSV_SECTION,
    *(column.header for column in ANSWER_COLUMNS),
)
# ASCII aliases accepted in a CSV header, for files produced by other systems.
CSV_ALIASES: dict[str, str] = {
    "fiscal_year": CSV_FISCAL_YEAR,
    "organization_code": CSV_ORGANIZATION_CODE,
    "organization_name": CSV_ORGANIZATION_NAME,
    "section": CSV_SECTION,
    **{column.key: column.header for column in ANSWER_COLUMNS},
}

_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_FONT = "游ゴシック"
INPUT_STYLE = "回答欄"
NUMBER_STYLE = "番号"
LOCKED_STYLE = "固定"  # an empty cell above the answers: locked, and written (a cell without a style is not)
_UNLOCKED = Protection(locked=False)
INSTRUCTIONS_WIDTH = 110  # characters: column A of the instructions, wide enough for its longest line
PRINT_TITLE_ROWS = f"1:{HEADER_ROW}"
# Inches, as Excel stores them: about 1 cm at the sides, room for the header at the top.
PRINT_MARGINS = PageMargins(left=0.4, right=0.4, top=0.8, bottom=0.6, header=0.3, footer=0.3)


def _add_cell_styles(workbook: Workbook) -> None:
    """Named styles: assigning one by name is ~20× faster than assigning fill, border and alignment per cell."""
    workbook.add_named_style(
        NamedStyle(
            name=INPUT_STYLE,
            fill=_INPUT_FILL,
            border=_BOX,
            alignment=Alignment(vertical="top", wrap_text=True),
            protection=_UNLOCKED,
        )
    )
    workbook.add_named_style(NamedStyle(name=NUMBER_STYLE, border=_BOX, alignment=Alignment(horizontal="center")))
    workbook.add_named_style(NamedStyle(name=LOCKED_STYLE, protection=Protection(locked=True)))


@dataclass(frozen=True)
class FormRespondent:
    """Who a form is for."""

    code: str
    name: str


def build_form_workbook(fiscal_year: int, respondent: FormRespondent, taxonomy: Taxonomy) -> Workbook:
    workbook = Workbook()
    _add_cell_styles(workbook)
    instructions = workbook.active
    assert instructions is not None
    instructions.title = INSTRUCTIONS_SHEET
    _write_instructions(instructions, fiscal_year, respondent, taxonomy)
    lists = workbook.create_sheet(LISTS_SHEET)
    list_ranges = _write_lists(lists, taxonomy)
    lists.sheet_state = "hidden"
    for section, sheet_name in SECTION_SHEETS.items():
        sheet = workbook.create_sheet(sheet_name)
        _write_section(sheet, section, fiscal_year, respondent, list_ranges)
    workbook.active = 1  # open on the first section: the instructions are one click away
    for sheet in workbook.worksheets:
        sheet.protection = SheetProtection(
            sheet=True,
            # What a respondent may still do (False: not protected): insert rows, resize rows and columns.
            insertRows=False,
            formatRows=False,
            formatColumns=False,
        )
    workbook.security = WorkbookProtection(lockStructure=True)
    address_form(workbook, respondent)
    return workbook


def address_form(workbook: Workbook, respondent: FormRespondent) -> None:
    """Write who the form is for: the instructions' second line, row 2 of every section sheet, the print header."""
    workbook[INSTRUCTIONS_SHEET]["A2"] = f"回答団体：{respondent.name}（団体コード {respondent.code}）"
    for sheet_name in SECTION_SHEETS.values():
        workbook[sheet_name][ORGANIZATION_CODE_CELL] = respondent.code
        workbook[sheet_name][ORGANIZATION_NAME_CELL] = respondent.name
    for sheet_name in (INSTRUCTIONS_SHEET, *SECTION_SHEETS.values()):
        header = workbook[sheet_name].oddHeader
        header.left.text = _header_text(f"{respondent.name}（{respondent.code}）")
        header.center.text = "&A"  # the sheet's name
        header.right.text = "&P / &N"


def _header_text(text: str) -> str:
    """Text for a print header: '&' starts a code there (&A, &P …), so a literal one is doubled."""
    return text.replace("&", "&&")


def _print_setup(sheet: Worksheet, *, area: str, title_rows: str | None = None, landscape: bool = True) -> None:
    """A4 (landscape), one page wide (as many pages tall as it takes), `title_rows` repeated on every page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE if landscape else sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PRINT_MARGINS
    sheet.print_area = area
    if title_rows:
        sheet.print_title_rows = title_rows


def form_bytes(fiscal_year: int, respondent: FormRespondent, taxonomy: Taxonomy, *, stamp: datetime) -> bytes:
    return reproducible_xlsx(build_form_workbook(fiscal_year, respondent, taxonomy), stamp=stamp)


def form_file_name(fiscal_year: int, respondent: FormRespondent) -> str:
    return f"survey-{fiscal_year}-{respondent.code}.xlsx"


def write_forms(
    fiscal_year: int, respondents: Sequence[FormRespondent], taxonomy: Taxonomy, out_dir: Path, *, stamp: datetime
) -> list[Path]:
    """One pre-filled form per respondent in `out_dir`; rewriting gives byte-identical files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    if not respondents:
        return paths
    workbook = build_form_workbook(fiscal_year, respondents[0], taxonomy)  # built once, re-addressed per respondent
    for respondent in respondents:
        path = out_dir / form_file_name(fiscal_year, respondent)
        address_form(workbook, respondent)
        data = reproducible_xlsx(workbook, stamp=stamp)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        paths.append(path)
    return paths


def reproducible_xlsx(workbook: Workbook, *, stamp: datetime) -> bytes:
    """The workbook's bytes with fixed document properties and zip timestamps (openpyxl stamps the wall clock)."""
    naive_utc = stamp.astimezone(UTC).replace(tzinfo=None)
    for sheet in workbook.worksheets:
        # openpyxl remembers this from a previous write: reset it, or a second write differs from the first
        sheet.column_dimensions.max_outline = None
    workbook.properties.creator = "council-cycle"
    workbook.properties.created = naive_utc
    workbook.properties.modified = naive_utc
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    return reproducible(raw.getvalue())


def _write_lists(sheet: Worksheet, taxonomy: Taxonomy) -> dict[SurveySection, str]:
    """Category labels of each section in a column of the hidden sheet; returns the range per section."""
    ranges: dict[SurveySection, str] = {}
    for index, section in enumerate(SECTION_SHEETS, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index, value=SECTION_LABELS[section])
        labels = [category.label for category in taxonomy.in_section(section)]
        for row, label in enumerate(labels, start=2):
            sheet.cell(row=row, column=index, value=label)
        ranges[section] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${max(2, len(labels) + 1)}"
    return ranges


def _write_section(
    sheet: Worksheet,
    section: SurveySection,
    fiscal_year: int,
    respondent: FormRespondent,
    list_ranges: dict[SurveySection, str],
) -> None:
    title = f"{fiscal_year_label(fiscal_year)} {SURVEY_TITLE} 回答票（{SECTION_LABELS[section]}）"
    sheet["A1"] = title
    sheet["A1"].font = Font(name=_FONT, bold=True, size=12)
    for label_cell, label, value_cell, value in (
        ("A2", "年度", FISCAL_YEAR_CELL, fiscal_year),
        ("C2", "団体コード", ORGANIZATION_CODE_CELL, respondent.code),
        ("E2", "団体名", ORGANIZATION_NAME_CELL, respondent.name),
    ):
        sheet[label_cell] = label
        sheet[label_cell].font = Font(name=_FONT, bold=True)
        sheet[value_cell] = value
        sheet[value_cell].number_format = "@" if isinstance(value, str) else "0"
        # A code wider than its column (dept-kikaku under 緊急性's 8 characters) shrinks instead of being cut.
        sheet[value_cell].alignment = Alignment(horizontal="left", shrink_to_fit=True)
    sheet["A3"] = "※ 黄色のセルに記入してください（年度・団体コードは変更しないでください）。"
    sheet["A3"].font = Font(name=_FONT, size=9)

    headers = (NUMBER_HEADER, *(column.header for column in ANSWER_COLUMNS))
    widths = (6, *(column.width for column in ANSWER_COLUMNS))
    for index, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=header)
        cell.font = Font(name=_FONT, bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    last_row = FIRST_DATA_ROW + BLANK_ROWS - 1
    for row in range(FIRST_DATA_ROW, last_row + 1):
        sheet.cell(row=row, column=1, value=row - FIRST_DATA_ROW + 1).style = NUMBER_STYLE
        for index in range(2, len(headers) + 1):
            sheet.cell(row=row, column=index).style = INPUT_STYLE
    # Rows a respondent adds below the prepared ones are answer rows too: the answer columns are unlocked by
    # default, and every cell of the rows above the answers is written, so it stays locked.
    for index in range(2, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(index)].protection = _UNLOCKED
    for row in range(1, HEADER_ROW):
        for index in range(1, len(headers) + 1):
            cell = sheet.cell(row=row, column=index)
            if cell.value is None:
                cell.style = LOCKED_STYLE
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=2)
    _print_setup(sheet, area=f"A1:{get_column_letter(len(headers))}{last_row}", title_rows=PRINT_TITLE_ROWS)

    category_letter = get_column_letter(column_index("category"))
    urgency_letter = get_column_letter(column_index("urgency"))
    category_list = DataValidation(
        type="list",
        formula1=list_ranges[section],
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="分類",
        error="一覧から選択してください。",
    )
    urgency_list = DataValidation(
        type="list",
        formula1='"' + ",".join(URGENCY_LABELS.values()) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="緊急性",
        error="高・中・低から選択してください。",
    )
    category_list.add(f"{category_letter}{FIRST_DATA_ROW}:{category_letter}{last_row}")
    urgency_list.add(f"{urgency_letter}{FIRST_DATA_ROW}:{urgency_letter}{last_row}")
    sheet.add_data_validation(category_list)
    sheet.add_data_validation(urgency_list)


def column_index(key: str) -> int:
    """1-based sheet column of an answer column (column A is No.)."""
    return 2 + next(index for index, column in enumerate(ANSWER_COLUMNS) if column.key == key)


def _write_instructions(sheet: Worksheet, fiscal_year: int, respondent: FormRespondent, taxonomy: Taxonomy) -> None:
    lines: list[tuple[str, bool]] = [
        (f"{fiscal_year_label(fiscal_year)} {SURVEY_TITLE} 記入要領", True),
        (f"回答団体：{respondent.name}（団体コード {respondent.code}）", False),
        ("", False),
        ("1 調査の内容", True),
        # One sentence on two rows: a cell's text never wraps (row heights are not recomputed by every program).
        ("「施策の連携」「業務の連携」「情報交換・共有／人的交流」のそれぞれについて、", False),
        ("今後、連携が必要と考えられる施策・業務等、緊急性、想定される連携の形・内容・課題を記入してください。", False),
        ("2 記入方法", True),
        ("・区分ごとのシートに、1行に1件ずつ記入してください（行が足りない場合は下に追加してください）。", False),
        ("・「今後、連携が必要と考えられる施策・業務等」「分類」「緊急性」は必ず記入してください。", False),
        ("・「分類」は一覧から選択してください（下表）。該当がない場合は「その他」を選択してください。", False),
        ("・「緊急性」は 高・中・低 から選択してください。", False),
        ("・該当がない区分は空欄のままで結構です。シート名・見出し・年度・団体コードは変更しないでください。", False),
        ("3 分類", True),
    ]
    row = 1
    for text, bold in lines:
        sheet.cell(row=row, column=1, value=text).font = Font(name=_FONT, bold=bold)
        row += 1
    for section in SECTION_SHEETS:
        sheet.cell(row=row, column=1, value=f"（{SECTION_LABELS[section]}）").font = Font(name=_FONT, bold=True)
        row += 1
        for category in taxonomy.in_section(section):
            sheet.cell(row=row, column=1, value=f"　{category.label}{category.note}")
            row += 1
    sheet.cell(row=row + 1, column=1, value="4 緊急性").font = Font(name=_FONT, bold=True)
    sheet.cell(row=row + 2, column=1, value="　高：早急に連携が必要　中：数年以内に連携が必要　低：中長期的に検討")
    sheet.column_dimensions["A"].width = INSTRUCTIONS_WIDTH
    _print_setup(sheet, area=f"A1:A{row + 2}", landscape=False)  # a page to read: portrait
