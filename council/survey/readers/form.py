"""What the readers produce: an answer file read as the form's layout (RawForm), then checked (ParsedForm); where
each value was read (Location, for InputError); and how much a reader takes in (FileLimits)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from council.errors import InputError
from council.survey.forms import BLANK_ROWS, FIRST_DATA_ROW
from models.enums import SurveySection
from models.survey import Urgency

FileFormat = Literal["xlsx", "csv"]


@dataclass(frozen=True)
class FileLimits:
    """How much one answer file may hold. Checked before parsing, so that a huge file or a zip bomb costs nothing:
    the file's size, the unpacked size of an xlsx (the sum the zip declares; the zip reader never inflates an entry
    past its declared size), and the answers it carries; an xlsx sheet is read down to max_sheet_rows only."""

    max_bytes: int = 5_000_000
    max_unpacked_bytes: int = 40_000_000
    max_rows: int = 2_000

    @property
    def max_sheet_rows(self) -> int:
        """The form's own rows (header and the prepared blank rows), then room for ten times the answers."""
        return FIRST_DATA_ROW + BLANK_ROWS - 1 + self.max_rows * 10

    def size_problem(self, file_name: str, size: int) -> InputError | None:
        if size <= self.max_bytes:
            return None
        return InputError(
            f"is {file_size(size)}; an answer file may be at most {file_size(self.max_bytes)}", file=file_name
        )


DEFAULT_LIMITS = FileLimits()


def file_size(size: int) -> str:
    """'5.2 MB', or '800 bytes' below a megabyte."""
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size:,} bytes"


@dataclass(frozen=True)
class Location:
    """Where in a file a value was read: for InputError."""

    sheet: str | None = None
    row: int | None = None
    line: int | None = None
    field: str | None = None

    def at_field(self, field: str) -> Location:
        return Location(sheet=self.sheet, row=self.row, line=self.line, field=field)

    def error(self, file: str, message: str) -> InputError:
        return InputError(message, file=file, sheet=self.sheet, row=self.row, line=self.line, field=self.field)


@dataclass(frozen=True)
class RawRow:
    """A non-empty answer row as read, before its values are checked."""

    section: SurveySection | None  # known from the sheet (xlsx); from the 区分 column (csv) in `section_text`
    section_text: str
    row_number: int
    at: Location
    texts: dict[str, str]


@dataclass(frozen=True)
class RawForm:
    """A file read as the form's layout: who answers for which year, and its rows (not yet checked)."""

    file_name: str
    format: FileFormat
    fiscal_year: int
    organization_code: str
    rows: tuple[RawRow, ...]
    fiscal_year_at: Location
    organization_code_at: Location


@dataclass(frozen=True)
class ParsedAnswer:
    section: SurveySection
    row_number: int
    category: str  # taxonomy code
    item: str
    urgency: Urgency
    envisioned_form: str | None
    content: str | None
    issues: str | None


@dataclass(frozen=True)
class ParsedForm:
    file_name: str
    format: FileFormat
    fiscal_year: int
    organization_code: str
    answers: tuple[ParsedAnswer, ...]
    fiscal_year_at: Location
    organization_code_at: Location
