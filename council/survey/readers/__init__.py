"""Answer-file readers: bytes in, the form's values out, or one InputError naming the file, sheet/line and field.

Pure: no database, no settings, no clock. What a file is comes from its content (sniff), not its name; then
xlsx (the survey form) or csv (docs/survey-csv.md) reads it as the form's layout, and rows checks the values both
share. The intake (council.survey.intake) checks the rest against the database: the survey, the organisation.
"""

from __future__ import annotations

from council.survey.readers.csv import read_csv
from council.survey.readers.form import (
    DEFAULT_LIMITS,
    FileFormat,
    FileLimits,
    Location,
    ParsedAnswer,
    ParsedForm,
    RawForm,
    RawRow,
)
from council.survey.readers.rows import check_rows
from council.survey.readers.sniff import sniff
from council.survey.readers.xlsx import read_xlsx
from council.survey.taxonomy import Taxonomy

__all__ = [
    "DEFAULT_LIMITS",
    "FileFormat",
    "FileLimits",
    "Location",
    "ParsedAnswer",
    "ParsedForm",
    "RawForm",
    "RawRow",
    "check_rows",
    "parse_file",
    "read_file",
    "sniff",
]


def read_file(file_name: str, data: bytes, limits: FileLimits = DEFAULT_LIMITS) -> RawForm:
    """Read an answer file as the form's layout: who, which year, which rows. Values are checked by check_rows."""
    too_large = limits.size_problem(file_name, len(data))
    if too_large is not None:
        raise too_large
    if sniff(file_name, data) == "xlsx":
        return read_xlsx(file_name, data, limits)
    return read_csv(file_name, data, limits)


def parse_file(file_name: str, data: bytes, taxonomy: Taxonomy, limits: FileLimits = DEFAULT_LIMITS) -> ParsedForm:
    """Read an answer file into values, checked against the form layout and the taxonomy (no database)."""
    return check_rows(read_file(file_name, data, limits), taxonomy)
