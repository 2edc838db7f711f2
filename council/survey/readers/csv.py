"""Read a CSV answer file (docs/survey-csv.md) as the form's layout: pure, bytes in, RawForm or InputError out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from council.errors import InputError
from council.survey.forms import (
    ANSWER_COLUMNS,
    CSV_ALIASES,
    CSV_FISCAL_YEAR,
    CSV_HEADERS,
    CSV_ORGANIZATION_CODE,
    CSV_ORGANIZATION_NAME,
    CSV_SECTION,
)
from council.survey.readers.form import FileLimits, Location, RawForm, RawRow
from council.survey.readers.rows import fiscal_year, organization_code, too_many_answers
from council.survey.readers.sniff import SEND_INSTEAD

ENCODINGS = ("utf-8-sig", "cp932")
_OPTIONAL = frozenset({CSV_ORGANIZATION_NAME, *(column.header for column in ANSWER_COLUMNS if not column.required)})


def decode(file_name: str, data: bytes) -> str:
    """The file as text: UTF-8 (with or without BOM) or Shift_JIS (cp932), and no NUL character anywhere."""
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise InputError(
            f"is neither the survey form (xlsx) nor CSV text in UTF-8 or Shift_JIS (cp932): {SEND_INSTEAD}",
            file=file_name,
        )
    nul = text.find("\x00")
    if nul >= 0:
        raise InputError(
            "contains a NUL character: this is not CSV text (a binary file?)",
            file=file_name,
            line=text.count("\n", 0, nul) + 1,
        )
    return text


def read_csv(file_name: str, data: bytes, limits: FileLimits) -> RawForm:
    records = csv.reader(io.StringIO(decode(file_name, data), newline=""))
    try:
        first = next(records, [])
        if not any(cell.strip() for cell in first):
            raise InputError("has no header line", file=file_name, line=1)
        header = [CSV_ALIASES.get(cell.strip(), cell.strip()) for cell in first]
        _check_header(file_name, header)
        return _read_lines(file_name, header, records, limits)
    except csv.Error as error:
        raise InputError(f"not valid CSV ({error})", file=file_name, line=records.line_num) from None


def _check_header(file_name: str, header: list[str]) -> None:
    if not any(name in CSV_HEADERS for name in header):
        raise InputError(
            f"is neither the survey form (xlsx) nor a survey CSV: its first line names none of the columns "
            f"{','.join(CSV_HEADERS)}",
            file=file_name,
        )
    for name in header:
        if name not in CSV_HEADERS:
            raise InputError(
                f"unknown column; the columns are {','.join(CSV_HEADERS)}", file=file_name, line=1, field=name
            )
    missing = [name for name in CSV_HEADERS if name not in header and name not in _OPTIONAL]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", file=file_name, line=1)


def _read_lines(file_name: str, header: list[str], records: Iterator[list[str]], limits: FileLimits) -> RawForm:
    year: int | None = None
    code: str | None = None
    first_line = 2
    rows: list[RawRow] = []
    for line, cells in enumerate(records, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise InputError(f"has {len(cells)} fields; the header has {len(header)}", file=file_name, line=line)
        record = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        line_year = fiscal_year(file_name, record[CSV_FISCAL_YEAR], Location(line=line, field=CSV_FISCAL_YEAR))
        line_code = organization_code(
            file_name, record[CSV_ORGANIZATION_CODE], Location(line=line, field=CSV_ORGANIZATION_CODE)
        )
        if year is None:
            year, code, first_line = line_year, line_code, line
        elif line_year != year:
            raise InputError(
                f"{line_year} differs from {year} on line {first_line}: one file answers for one year",
                file=file_name,
                line=line,
                field=CSV_FISCAL_YEAR,
            )
        elif line_code != code:
            raise InputError(
                f"{line_code!r} differs from {code!r}: one file answers for one organisation",
                file=file_name,
                line=line,
                field=CSV_ORGANIZATION_CODE,
            )
        texts = {column.key: record.get(column.header, "") for column in ANSWER_COLUMNS}
        section_text = record[CSV_SECTION]
        if not any(texts.values()) and not section_text:
            continue  # a line that only says who answers: "no needs" is an answer too
        if len(rows) >= limits.max_rows:
            raise too_many_answers(file_name, limits, Location(line=line))
        rows.append(RawRow(None, section_text, line, Location(line=line), texts))
    if year is None or code is None:
        raise InputError("has no data line: give at least 年度 and 団体コード", file=file_name, line=2)
    return RawForm(
        file_name=file_name,
        format="csv",
        fiscal_year=year,
        organization_code=code,
        rows=tuple(rows),
        fiscal_year_at=Location(line=first_line, field=CSV_FISCAL_YEAR),
        organization_code_at=Location(line=first_line, field=CSV_ORGANIZATION_CODE),
    )
