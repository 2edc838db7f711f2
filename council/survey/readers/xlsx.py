"""Read a filled-in survey form (xlsx) as the form's layout: pure, bytes in, RawForm or InputError out.

The zip is looked at before openpyxl opens it (is it a workbook at all, how big does it unpack); openpyxl then reads
the sheets lazily, so a damaged sheet fails while its rows are read and is reported like a damaged file."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from council.errors import InputError
from council.survey.forms import ANSWER_COLUMNS, FIRST_DATA_ROW, HEADER_ROW, NUMBER_HEADER, SECTION_SHEETS
from council.survey.readers.form import FileLimits, Location, RawForm, RawRow, file_size
from council.survey.readers.rows import cell_text, fiscal_year, organization_code, too_many_answers
from council.survey.readers.sniff import SEND_INSTEAD

FISCAL_YEAR_FIELD = "年度"
ORGANIZATION_CODE_FIELD = "団体コード"
ORGANIZATION_CODE_ROW = 2
EXPECTED_HEADERS = (NUMBER_HEADER, *(column.header for column in ANSWER_COLUMNS))
LAST_COLUMN = get_column_letter(len(EXPECTED_HEADERS))


def _shortened(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def check_archive(file_name: str, data: bytes, limits: FileLimits) -> None:
    """A zip that holds a workbook and does not unpack beyond the limit (a zip bomb costs nothing but this look)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise InputError(
            f"not a readable xlsx workbook: the zip archive is damaged ({error.__class__.__name__})", file=file_name
        ) from None
    names = [entry.filename for entry in entries]
    if not any(name.startswith("xl/") for name in names):
        kind = "a Word document (.docx)" if any(name.startswith("word/") for name in names) else "a zip archive"
        raise InputError(f"is {kind}, not an xlsx workbook: {SEND_INSTEAD}", file=file_name)
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limits.max_unpacked_bytes:
        raise InputError(
            f"unpacks to {file_size(unpacked)}; an answer form may unpack to at most "
            f"{file_size(limits.max_unpacked_bytes)}",
            file=file_name,
        )


def read_xlsx(file_name: str, data: bytes, limits: FileLimits) -> RawForm:
    check_archive(file_name, data, limits)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises KeyError, ValueError, ParseError, TypeError … on damaged parts
        raise _unreadable(file_name, error) from None
    try:
        return _read_workbook(file_name, workbook, limits)
    except InputError:
        raise
    except Exception as error:  # a damaged sheet, found while its rows are read
        raise _unreadable(file_name, error) from None
    finally:
        workbook.close()


def _unreadable(file_name: str, error: Exception) -> InputError:
    return InputError(f"not a readable xlsx workbook ({error.__class__.__name__})", file=file_name)


def _read_workbook(file_name: str, workbook: Any, limits: FileLimits) -> RawForm:
    missing = [name for name in SECTION_SHEETS.values() if name not in workbook.sheetnames]
    if missing:
        raise InputError(
            f"sheet(s) {', '.join(missing)} missing: this is not the survey form (sheets found: "
            f"{', '.join(workbook.sheetnames)})",
            file=file_name,
        )
    year: int | None = None
    code: str | None = None
    first_sheet = ""
    rows_read: list[RawRow] = []
    for section, sheet_name in SECTION_SHEETS.items():
        sheet = workbook[sheet_name]
        sheet.reset_dimensions()  # rows as long as their cells, not as the (possibly huge) declared dimension
        for row_number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if row_number > limits.max_sheet_rows:
                raise Location(sheet=sheet_name, row=row_number).error(
                    file_name,
                    f"the sheet goes on below row {limits.max_sheet_rows:,}: delete the rows below the answers",
                )
            values = [*cells, *([None] * (len(EXPECTED_HEADERS) - len(cells)))]
            if row_number == ORGANIZATION_CODE_ROW:
                year_at = Location(sheet=sheet_name, row=row_number, field=FISCAL_YEAR_FIELD)
                code_at = Location(sheet=sheet_name, row=row_number, field=ORGANIZATION_CODE_FIELD)
                sheet_year = fiscal_year(file_name, values[1], year_at)
                sheet_code = organization_code(file_name, values[3], code_at)
                if year is None:
                    year, code, first_sheet = sheet_year, sheet_code, sheet_name
                elif sheet_year != year:
                    raise year_at.error(file_name, f"{sheet_year} differs from {year} on sheet {first_sheet}")
                elif sheet_code != code:
                    raise code_at.error(file_name, f"{sheet_code!r} differs from {code!r} on sheet {first_sheet}")
            if row_number >= HEADER_ROW:
                _check_outside_columns(file_name, sheet_name, row_number, values)
            if row_number == HEADER_ROW:
                for index, expected in enumerate(EXPECTED_HEADERS):
                    if cell_text(values[index]) != expected:
                        raise Location(sheet=sheet_name, row=row_number, field=get_column_letter(index + 1)).error(
                            file_name,
                            f"header {cell_text(values[index])!r} should be {expected!r}: keep the form's layout",
                        )
            elif row_number >= FIRST_DATA_ROW:
                texts = {column.key: cell_text(values[index + 1]) for index, column in enumerate(ANSWER_COLUMNS)}
                if any(texts.values()):
                    at = Location(sheet=sheet_name, row=row_number)
                    if len(rows_read) >= limits.max_rows:
                        raise too_many_answers(file_name, limits, at)
                    rows_read.append(RawRow(section, sheet_name, row_number, at, texts))
        if year is None:
            raise Location(sheet=sheet_name, row=ORGANIZATION_CODE_ROW, field=FISCAL_YEAR_FIELD).error(
                file_name, "the fiscal year is empty"
            )
    assert year is not None
    assert code is not None
    first = next(iter(SECTION_SHEETS.values()))
    return RawForm(
        file_name=file_name,
        format="xlsx",
        fiscal_year=year,
        organization_code=code,
        rows=tuple(rows_read),
        fiscal_year_at=Location(sheet=first, row=ORGANIZATION_CODE_ROW, field=FISCAL_YEAR_FIELD),
        organization_code_at=Location(sheet=first, row=ORGANIZATION_CODE_ROW, field=ORGANIZATION_CODE_FIELD),
    )


def _check_outside_columns(file_name: str, sheet_name: str, row_number: int, values: list[Any]) -> None:
    """Nothing is written right of the form's columns: it would be lost, so the file is refused, as a CSV with an
    unknown column is."""
    for index in range(len(EXPECTED_HEADERS), len(values)):
        text = cell_text(values[index])
        if text:
            raise Location(sheet=sheet_name, row=row_number, field=get_column_letter(index + 1)).error(
                file_name,
                f"{_shortened(text)} is outside the form's columns A–{LAST_COLUMN}: write it in 内容 or 課題, "
                "or leave it out",
            )
