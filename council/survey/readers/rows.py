"""The checks both readers share: the fiscal year, the organisation code, text without control characters, the
answer count, and every answer row's values (required fields, section, category, urgency, lengths)."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from council.errors import InputError
from council.survey.forms import ANSWER_COLUMNS, CSV_SECTION, URGENCY_LABELS
from council.survey.readers.form import FileLimits, Location, ParsedAnswer, ParsedForm, RawForm
from council.survey.taxonomy import SECTION_LABELS, Taxonomy
from models.enums import SurveySection
from models.survey import Urgency

_T = TypeVar("_T")

# Characters that XML 1.0 cannot hold (the forms, documents and docx built from answers are XML) and that PostgreSQL
# refuses outright (NUL). Tab, line feed and carriage return are ordinary text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Looked up in a list, so any length check is the lookup's: 'high' is a valid urgency though the form's 高 is 1 long.
_LOOKED_UP = frozenset({"category", "urgency"})

_URGENCY_BY_TEXT: dict[str, Urgency] = {
    **{label: urgency for urgency, label in URGENCY_LABELS.items()},
    **{urgency.value: urgency for urgency in Urgency},
}
_SECTION_BY_TEXT: dict[str, SurveySection] = {
    **{label: section for section, label in SECTION_LABELS.items()},
    **{label.replace("／", "/"): section for section, label in SECTION_LABELS.items()},
    **{section.value: section for section in SurveySection},
}


def _lookup(table: dict[str, _T], text: str) -> _T | None:
    """A label as written, or an ASCII code in any case ('High' is 'high')."""
    return table.get(text, table.get(text.lower()))


def cell_text(value: Any) -> str:
    """A cell's value as the text a person typed: numbers without a trailing .0, surrounding blanks removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def control_character_problem(text: str) -> str | None:
    match = _CONTROL.search(text)
    if match is None:
        return None
    return f"contains the control character U+{ord(match.group()):04X}, which no answer can hold"


def fiscal_year(file_name: str, value: Any, where: Location) -> int:
    text = cell_text(value)
    if not text:
        raise where.error(file_name, "the fiscal year is empty")
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise where.error(file_name, f"{text!r} is not a fiscal year like 2026")
    return int(text)


def organization_code(file_name: str, value: Any, where: Location) -> str:
    """The organisation code as written; a 5-digit number is a municipality code whose leading zero a spreadsheet
    dropped (062014 → 62014), in a form cell or a CSV alike, and gets it back (its check digit is checked later)."""
    text = cell_text(value)
    if not text:
        raise where.error(file_name, "the organisation code is empty")
    problem = control_character_problem(text)
    if problem:
        raise where.error(file_name, problem)
    if len(text) == 5 and text.isascii() and text.isdigit():
        return "0" + text
    return text


def too_many_answers(file_name: str, limits: FileLimits, where: Location) -> InputError:
    return where.error(
        file_name, f"more than {limits.max_rows:,} answers: one file holds at most {limits.max_rows:,} answers"
    )


def check_rows(raw: RawForm, taxonomy: Taxonomy) -> ParsedForm:
    """Check every row's values (required fields, section, category, urgency, lengths): the first bad one raises."""
    answers = []
    for row in raw.rows:
        section = (
            row.section or _SECTION_BY_TEXT.get(row.section_text) or _SECTION_BY_TEXT.get(row.section_text.lower())
        )
        if section is None:
            raise row.at.at_field(CSV_SECTION).error(
                raw.file_name, f"{row.section_text!r} is not one of {'/'.join(SECTION_LABELS.values())}"
            )
        answers.append(_answer(raw.file_name, section, row.row_number, row.texts, taxonomy, row.at))
    return ParsedForm(
        file_name=raw.file_name,
        format=raw.format,
        fiscal_year=raw.fiscal_year,
        organization_code=raw.organization_code,
        answers=tuple(answers),
        fiscal_year_at=raw.fiscal_year_at,
        organization_code_at=raw.organization_code_at,
    )


def _answer(
    file_name: str, section: SurveySection, row_number: int, values: dict[str, str], taxonomy: Taxonomy, at: Location
) -> ParsedAnswer:
    headers = {column.key: column.header for column in ANSWER_COLUMNS}
    for column in ANSWER_COLUMNS:
        value = values[column.key]
        where = at.at_field(column.header)
        if column.required and not value:
            raise where.error(file_name, "is required but empty")
        problem = control_character_problem(value)
        if problem:
            raise where.error(file_name, problem)
        if column.key not in _LOOKED_UP and len(value) > column.max_length:
            raise where.error(file_name, f"is {len(value)} characters long; at most {column.max_length} are allowed")
    category = taxonomy.lookup(section, values["category"])
    if category is None:
        choices = "/".join(category.label for category in taxonomy.in_section(section))
        raise at.at_field(headers["category"]).error(
            file_name, f"{values['category']!r} is not a category of {SECTION_LABELS[section]}; choose one of {choices}"
        )
    urgency = _lookup(_URGENCY_BY_TEXT, values["urgency"])
    if urgency is None:
        raise at.at_field(headers["urgency"]).error(file_name, f"{values['urgency']!r} is not one of 高/中/低")
    return ParsedAnswer(
        section=section,
        row_number=row_number,
        category=category.code,
        item=values["item"],
        urgency=urgency,
        envisioned_form=values["envisioned_form"] or None,
        content=values["content"] or None,
        issues=values["issues"] or None,
    )
