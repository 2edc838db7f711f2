"""Survey intake: parse, validate and import one answer file (xlsx form or CSV) as one transaction.

Every received file is archived under COUNCIL_HOME/archive/survey by its sha256 and recorded as a SurveySubmission,
accepted or rejected. The answers of a file go in all together or not at all: a rejected file leaves the answers and
the respondents untouched, and its SurveySubmission (with the error) is committed in a transaction of its own.
A resubmission replaces the organisation's current answers; the replaced ones stay as history.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from openpyxl import load_workbook
from sqlmodel import Session, col, select

from council.audit import record_change
from council.codes import municipality_code_problem
from council.errors import InputError
from council.files import write_atomically
from council.survey.forms import (
    ANSWER_COLUMNS,
    CSV_ALIASES,
    CSV_FISCAL_YEAR,
    CSV_HEADERS,
    CSV_ORGANIZATION_CODE,
    CSV_ORGANIZATION_NAME,
    CSV_SECTION,
    FIRST_DATA_ROW,
    HEADER_ROW,
    NUMBER_HEADER,
    SECTION_SHEETS,
    URGENCY_LABELS,
)
from council.survey.store import find_survey, is_late
from council.survey.taxonomy import SECTION_LABELS, Taxonomy
from council.wareki import fiscal_year_label
from models.enums import SurveySection
from models.organizations import Organization
from models.survey import (
    ResponseStatus,
    SubmissionOutcome,
    Survey,
    SurveyAnswer,
    SurveyRespondent,
    SurveySubmission,
    Urgency,
)

SessionFactory = Callable[[], AbstractContextManager[Session]]
ImportOutcome = Literal["accepted", "rejected", "duplicate"]
FISCAL_YEAR_FIELD = "年度"
ORGANIZATION_CODE_FIELD = "団体コード"
ORGANIZATION_CODE_ROW = 2
MAX_ERROR_LENGTH = 2000

_URGENCY_BY_TEXT: dict[str, Urgency] = {
    **{label: urgency for urgency, label in URGENCY_LABELS.items()},
    **{urgency.value: urgency for urgency in Urgency},
}
_SECTION_BY_TEXT: dict[str, SurveySection] = {
    **{label: section for section, label in SECTION_LABELS.items()},
    **{label.replace("／", "/"): section for section, label in SECTION_LABELS.items()},
    **{section.value: section for section in SurveySection},
}


@dataclass(frozen=True)
class Location:
    """Where in a file a value was read: for InputError."""

    sheet: str | None = None
    row: int | None = None
    line: int | None = None
    field: str | None = None

    def error(self, file: str, message: str) -> InputError:
        return InputError(message, file=file, sheet=self.sheet, row=self.row, line=self.line, field=self.field)


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
    format: Literal["xlsx", "csv"]
    fiscal_year: int
    organization_code: str
    rows: tuple[RawRow, ...]
    fiscal_year_at: Location
    organization_code_at: Location


@dataclass(frozen=True)
class ParsedForm:
    file_name: str
    format: Literal["xlsx", "csv"]
    fiscal_year: int
    organization_code: str
    answers: tuple[ParsedAnswer, ...]
    fiscal_year_at: Location
    organization_code_at: Location


@dataclass
class ImportReport:
    path: Path
    original_name: str
    sha256: str
    outcome: ImportOutcome
    fiscal_year: int | None = None
    organization_code: str | None = None
    answer_count: int = 0
    replaced_count: int = 0
    late: bool = False
    error: str | None = None
    submission_id: int | None = None
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.outcome == "rejected":
            return f"rejected {self.original_name}: {self.error}"
        if self.outcome == "duplicate":
            return f"unchanged {self.original_name}: already imported for {self.organization_code}"
        replaced = f", replacing {self.replaced_count}" if self.replaced_count else ""
        late = " (late)" if self.late else ""
        return f"accepted {self.original_name}: {self.organization_code}, {self.answer_count} answer(s){replaced}{late}"


# ---------------------------------------------------------------------------------------------------- parsing


def parse_file(file_name: str, data: bytes, taxonomy: Taxonomy) -> ParsedForm:
    """Read an answer file into values, checked against the form layout and the taxonomy (no database)."""
    return check_rows(read_file(file_name, data), taxonomy)


def read_file(file_name: str, data: bytes) -> RawForm:
    """Read an answer file as the form's layout: who, which year, which rows. Values are checked by check_rows."""
    suffix = Path(file_name).suffix.lower()
    if not data:
        raise InputError("the file is empty", file=file_name)
    if suffix == ".xlsx":
        return read_xlsx(file_name, data)
    if suffix == ".csv":
        return read_csv(file_name, data)
    raise InputError(
        f"not an xlsx or csv file (the name ends in {suffix or 'nothing'!r}); send the survey form (.xlsx) or a CSV",
        file=file_name,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _fiscal_year(file_name: str, value: Any, where: Location) -> int:
    text = _text(value)
    if not text:
        raise where.error(file_name, "the fiscal year is empty")
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise where.error(file_name, f"{text!r} is not a fiscal year like 2026")
    return int(text)


def _organization_code(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{int(value):06d}"  # a municipality code typed as a number loses its leading zero
    return _text(value)


def _answer(
    file_name: str, section: SurveySection, row_number: int, values: dict[str, str], taxonomy: Taxonomy, at: Location
) -> ParsedAnswer:
    def where(key: str) -> Location:
        header = next(column.header for column in ANSWER_COLUMNS if column.key == key)
        return Location(sheet=at.sheet, row=at.row, line=at.line, field=header)

    for column in ANSWER_COLUMNS:
        value = values[column.key]
        if column.required and not value:
            raise where(column.key).error(file_name, "is required but empty")
        if len(value) > column.max_length:
            raise where(column.key).error(
                file_name, f"is {len(value)} characters long; at most {column.max_length} are allowed"
            )
    category = taxonomy.lookup(section, values["category"])
    if category is None:
        choices = "/".join(category.label for category in taxonomy.in_section(section))
        raise where("category").error(
            file_name, f"{values['category']!r} is not a category of {SECTION_LABELS[section]}; choose one of {choices}"
        )
    urgency = _URGENCY_BY_TEXT.get(values["urgency"])
    if urgency is None:
        raise where("urgency").error(file_name, f"{values['urgency']!r} is not one of 高/中/低")
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


def read_xlsx(file_name: str, data: bytes) -> RawForm:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise InputError(f"not a readable xlsx workbook ({error.__class__.__name__})", file=file_name) from None
    try:
        missing = [name for name in SECTION_SHEETS.values() if name not in workbook.sheetnames]
        if missing:
            raise InputError(
                f"sheet(s) {', '.join(missing)} missing: this is not the survey form (sheets found: "
                f"{', '.join(workbook.sheetnames)})",
                file=file_name,
            )
        fiscal_year: int | None = None
        organization_code: str | None = None
        first = Location()
        rows_read: list[RawRow] = []
        expected_headers = (NUMBER_HEADER, *(column.header for column in ANSWER_COLUMNS))
        for section, sheet_name in SECTION_SHEETS.items():
            rows = workbook[sheet_name].iter_rows(values_only=True)
            for row_number, cells in enumerate(rows, start=1):
                values = [*cells, *([None] * (len(expected_headers) - len(cells)))]
                if row_number == ORGANIZATION_CODE_ROW:
                    year_at = Location(sheet=sheet_name, row=row_number, field=FISCAL_YEAR_FIELD)
                    code_at = Location(sheet=sheet_name, row=row_number, field=ORGANIZATION_CODE_FIELD)
                    year = _fiscal_year(file_name, values[1], year_at)
                    code = _organization_code(values[3])
                    if not code:
                        raise code_at.error(file_name, "the organisation code is empty")
                    if fiscal_year is None:
                        fiscal_year, organization_code, first = year, code, Location(sheet=sheet_name, row=row_number)
                    elif year != fiscal_year:
                        raise year_at.error(file_name, f"{year} differs from {fiscal_year} on sheet {first.sheet}")
                    elif code != organization_code:
                        raise code_at.error(
                            file_name, f"{code!r} differs from {organization_code!r} on sheet {first.sheet}"
                        )
                elif row_number == HEADER_ROW:
                    for index, expected in enumerate(expected_headers):
                        if _text(values[index]) != expected:
                            raise Location(sheet=sheet_name, row=row_number, field=chr(ord("A") + index)).error(
                                file_name,
                                f"header {_text(values[index])!r} should be {expected!r}: keep the form's layout",
                            )
                elif row_number >= FIRST_DATA_ROW:
                    texts = {column.key: _text(values[index + 1]) for index, column in enumerate(ANSWER_COLUMNS)}
                    if any(texts.values()):
                        at = Location(sheet=sheet_name, row=row_number)
                        rows_read.append(RawRow(section, sheet_name, row_number, at, texts))
            if fiscal_year is None:
                raise Location(sheet=sheet_name, row=ORGANIZATION_CODE_ROW, field=FISCAL_YEAR_FIELD).error(
                    file_name, "the fiscal year is empty"
                )
    finally:
        workbook.close()
    assert fiscal_year is not None
    assert organization_code is not None
    first_sheet = next(iter(SECTION_SHEETS.values()))
    return RawForm(
        file_name=file_name,
        format="xlsx",
        fiscal_year=fiscal_year,
        organization_code=organization_code,
        rows=tuple(rows_read),
        fiscal_year_at=Location(sheet=first_sheet, row=ORGANIZATION_CODE_ROW, field=FISCAL_YEAR_FIELD),
        organization_code_at=Location(sheet=first_sheet, row=ORGANIZATION_CODE_ROW, field=ORGANIZATION_CODE_FIELD),
    )


def _decode_csv(file_name: str, data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        raise InputError("is a zip archive (an xlsx workbook?), not CSV text: name it .xlsx", file=file_name)
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("is neither UTF-8 nor Shift_JIS (cp932) text", file=file_name)


def read_csv(file_name: str, data: bytes) -> RawForm:
    text = _decode_csv(file_name, data)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise InputError(f"not valid CSV ({error})", file=file_name) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError("has no header line", file=file_name, line=1)
    header = [CSV_ALIASES.get(cell.strip(), cell.strip()) for cell in rows[0]]
    for name in header:
        if name not in CSV_HEADERS:
            raise InputError(
                f"unknown column; the columns are {','.join(CSV_HEADERS)}", file=file_name, line=1, field=name
            )
    optional = {CSV_ORGANIZATION_NAME, *(column.header for column in ANSWER_COLUMNS if not column.required)}
    missing = [name for name in CSV_HEADERS if name not in header and name not in optional]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", file=file_name, line=1)
    fiscal_year: int | None = None
    organization_code: str | None = None
    first_line = 2
    rows_read: list[RawRow] = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise InputError(f"has {len(cells)} fields; the header has {len(header)}", file=file_name, line=line)
        record = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        year = _fiscal_year(file_name, record[CSV_FISCAL_YEAR], Location(line=line, field=CSV_FISCAL_YEAR))
        code = record[CSV_ORGANIZATION_CODE]
        if not code:
            raise InputError("the organisation code is empty", file=file_name, line=line, field=CSV_ORGANIZATION_CODE)
        if fiscal_year is None:
            fiscal_year, organization_code, first_line = year, code, line
        elif year != fiscal_year:
            raise InputError(
                f"{year} differs from {fiscal_year} on line {first_line}: one file answers for one year",
                file=file_name,
                line=line,
                field=CSV_FISCAL_YEAR,
            )
        elif code != organization_code:
            raise InputError(
                f"{code!r} differs from {organization_code!r}: one file answers for one organisation",
                file=file_name,
                line=line,
                field=CSV_ORGANIZATION_CODE,
            )
        texts = {column.key: record.get(column.header, "") for column in ANSWER_COLUMNS}
        section_text = record[CSV_SECTION]
        if not any(texts.values()) and not section_text:
            continue  # a line that only says who answers: "no needs" is an answer too
        rows_read.append(RawRow(None, section_text, line, Location(line=line), texts))
    if fiscal_year is None or organization_code is None:
        raise InputError("has no data line: give at least 年度 and 団体コード", file=file_name, line=2)
    return RawForm(
        file_name=file_name,
        format="csv",
        fiscal_year=fiscal_year,
        organization_code=organization_code,
        rows=tuple(rows_read),
        fiscal_year_at=Location(line=first_line, field=CSV_FISCAL_YEAR),
        organization_code_at=Location(line=first_line, field=CSV_ORGANIZATION_CODE),
    )


def check_rows(raw: RawForm, taxonomy: Taxonomy) -> ParsedForm:
    """Check every row's values (required fields, section, category, urgency, lengths): the first bad one raises."""
    answers = []
    for row in raw.rows:
        section = row.section or _SECTION_BY_TEXT.get(row.section_text)
        if section is None:
            raise Location(sheet=row.at.sheet, row=row.at.row, line=row.at.line, field=CSV_SECTION).error(
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


# ---------------------------------------------------------------------------------------------------- importing


@dataclass
class _Context:
    """What a failed import had identified by the time it failed, kept on its rejected submission."""

    survey_id: int | None = None
    organization_id: int | None = None
    fiscal_year: int | None = None
    organization_code: str | None = None


def archive_file(data: bytes, original_name: str, home: Path, archive_dir: Path) -> tuple[str, Path]:
    """Store `data` once under archive/survey/<2 hex>/<sha256><suffix>; returns (sha256, path relative to home)."""
    digest = hashlib.sha256(data).hexdigest()
    target = archive_dir / "survey" / digest[:2] / f"{digest}{Path(original_name).suffix.lower()}"
    if not target.exists():
        write_atomically(target, data)
    try:
        relative = target.relative_to(home)
    except ValueError:
        relative = target
    return digest, relative


def import_file(
    path: Path,
    *,
    now: datetime,
    session_factory: SessionFactory,
    council_code: str,
    home: Path,
    archive_dir: Path,
    taxonomy: Taxonomy,
    actor: str,
    fiscal_year: int | None = None,
    original_name: str | None = None,
) -> ImportReport:
    """Import one answer file. Never raises for a bad file: the report says rejected, with the error, and the
    rejected submission has been committed. `fiscal_year`, when given, is the survey being collected: a form of
    another year is rejected."""
    factory = session_factory
    name = original_name or path.name
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot be read ({error.strerror})", file=str(path)) from None
    digest, archived = archive_file(data, name, home, archive_dir)
    report = ImportReport(path=path, original_name=name, sha256=digest, outcome="accepted")
    context = _Context()
    try:
        with factory() as session:
            _import_in_transaction(
                session,
                data=data,
                name=name,
                digest=digest,
                archived=archived,
                now=now,
                expected_year=fiscal_year,
                council_code=council_code,
                taxonomy=taxonomy,
                actor=actor,
                report=report,
                context=context,
            )
    except InputError as error:
        report.outcome = "rejected"
        report.error = str(error)
        report.fiscal_year, report.organization_code = context.fiscal_year, context.organization_code
        report.answer_count = report.replaced_count = 0
        report.late = False
        with factory() as session:
            submission = SurveySubmission(
                survey_id=context.survey_id,
                organization_id=context.organization_id,
                original_name=name[:255],
                sha256=digest,
                size=len(data),
                archive_path=str(archived),
                received_at=now,
                outcome=SubmissionOutcome.rejected,
                error=report.error[:MAX_ERROR_LENGTH],
            )
            session.add(submission)
            session.flush()
            report.submission_id = submission.id
    return report


def _import_in_transaction(
    session: Session,
    *,
    data: bytes,
    name: str,
    digest: str,
    archived: Path,
    now: datetime,
    expected_year: int | None,
    council_code: str,
    taxonomy: Taxonomy,
    actor: str,
    report: ImportReport,
    context: _Context,
) -> None:
    raw = read_file(name, data)
    context.fiscal_year, context.organization_code = raw.fiscal_year, raw.organization_code
    report.fiscal_year, report.organization_code = raw.fiscal_year, raw.organization_code
    survey = resolve_survey(session, raw, expected_year, council_code)
    context.survey_id = survey.id
    organization, respondent = resolve_respondent(session, raw, survey)
    context.organization_id = organization.id
    parsed = check_rows(raw, taxonomy)

    previous = session.exec(
        select(SurveyAnswer).where(
            SurveyAnswer.survey_id == survey.id,
            SurveyAnswer.organization_id == organization.id,
            col(SurveyAnswer.current).is_(True),
        )
    ).all()
    latest = session.exec(
        select(SurveySubmission)
        .where(
            SurveySubmission.survey_id == survey.id,
            SurveySubmission.organization_id == organization.id,
            SurveySubmission.outcome == SubmissionOutcome.accepted,
        )
        .order_by(col(SurveySubmission.id).desc())
    ).first()
    if latest is not None and latest.sha256 == digest:
        report.outcome = "duplicate"
        report.submission_id = latest.id
        report.answer_count = latest.answer_count
        return

    submission = SurveySubmission(
        survey_id=survey.id,
        organization_id=organization.id,
        original_name=name[:255],
        sha256=digest,
        size=len(data),
        archive_path=str(archived),
        received_at=now,
        outcome=SubmissionOutcome.accepted,
        answer_count=len(parsed.answers),
    )
    session.add(submission)
    session.flush()
    for answer in previous:
        answer.current = False
        answer.replaced_at = now
        session.add(answer)
    assert survey.id is not None
    assert organization.id is not None
    assert submission.id is not None
    session.add_all(_answer_rows(parsed.answers, survey.id, organization.id, submission.id))

    late = is_late(survey, organization.kind, now)
    if respondent.answered_at is None:
        respondent.answered_at = now
        respondent.status = ResponseStatus.late if late else ResponseStatus.answered
        session.add(respondent)
    record_change(
        session,
        action="survey.answers_imported",
        row=submission,
        before={"current_answers": len(previous)},
        after={"answers": len(parsed.answers), "sha256": digest, "late": late},
        now=now,
        actor=actor,
        key=f"{survey.fiscal_year}/{organization.code}",
    )
    session.flush()
    report.submission_id = submission.id
    report.answer_count = len(parsed.answers)
    report.replaced_count = len(previous)
    report.late = late


def _answer_rows(
    answers: Iterable[ParsedAnswer], survey_id: int, organization_id: int, submission_id: int
) -> list[SurveyAnswer]:
    return [
        SurveyAnswer(
            survey_id=survey_id,
            organization_id=organization_id,
            submission_id=submission_id,
            section=answer.section,
            row_number=answer.row_number,
            category=answer.category,
            item=answer.item,
            urgency=answer.urgency,
            envisioned_form=answer.envisioned_form,
            content=answer.content,
            issues=answer.issues,
        )
        for answer in answers
    ]


def resolve_survey(session: Session, parsed: RawForm, expected_year: int | None, council_code: str) -> Survey:
    year = parsed.fiscal_year
    if expected_year is not None and year != expected_year:
        raise parsed.fiscal_year_at.error(
            parsed.file_name,
            f"this form is for {fiscal_year_label(year)} ({year}), not the {fiscal_year_label(expected_year)} "
            f"({expected_year}) survey",
        )
    survey = find_survey(session, year, council_code)
    if survey is None:
        raise parsed.fiscal_year_at.error(
            parsed.file_name, f"there is no {fiscal_year_label(year)} ({year}) survey: is this a form of another year?"
        )
    return survey


def resolve_respondent(session: Session, parsed: RawForm, survey: Survey) -> tuple[Organization, SurveyRespondent]:
    code = parsed.organization_code
    if code.isascii() and code.isdigit():
        problem = municipality_code_problem(code)
        if problem:
            raise parsed.organization_code_at.error(parsed.file_name, problem)
    organization = session.exec(select(Organization).where(Organization.code == code)).first()
    if organization is None:
        raise parsed.organization_code_at.error(parsed.file_name, f"unknown organisation {code!r}")
    respondent = session.exec(
        select(SurveyRespondent).where(
            SurveyRespondent.survey_id == survey.id, SurveyRespondent.organization_id == organization.id
        )
    ).first()
    if respondent is None:
        raise parsed.organization_code_at.error(
            parsed.file_name,
            f"{organization.name} ({code}) is not asked in the {fiscal_year_label(survey.fiscal_year)} survey",
        )
    return organization, respondent


# ---------------------------------------------------------------------------------------------------- the inbox


def _unique_target(folder: Path, name: str, digest: str) -> Path:
    target = folder / name
    if target.exists():
        target = folder / f"{Path(name).stem}.{digest[:12]}{Path(name).suffix}"
    return target


def inbox_files(inbox: Path) -> list[Path]:
    """Files waiting in the inbox, by name; hidden files and Excel's lock files (~$…) are not answers."""
    if not inbox.is_dir():
        return []
    return sorted(
        path
        for path in inbox.iterdir()
        if path.is_file() and not path.name.startswith((".", "~$")) and not path.name.endswith(".part")
    )


@dataclass(frozen=True)
class IntakePlace:
    """Where an import reads and writes: the session factory, the council, COUNCIL_HOME and its archive."""

    session_factory: SessionFactory
    council_code: str
    home: Path
    archive_dir: Path
    taxonomy: Taxonomy
    actor: str


def process_inbox(
    place: IntakePlace, *, now: datetime, inbox: Path, fiscal_year: int | None = None
) -> list[ImportReport]:
    """Import every file in the inbox; move each to inbox/processed or inbox/rejected (with <name>.error.txt).

    Safe to re-run: a file interrupted before its move is imported again as a duplicate, which changes nothing."""
    folder = inbox
    reports: list[ImportReport] = []
    for path in inbox_files(folder):
        report = _import(place, path, now=now, fiscal_year=fiscal_year)
        destination = folder / ("rejected" if report.outcome == "rejected" else "processed")
        destination.mkdir(parents=True, exist_ok=True)
        target = _unique_target(destination, path.name, report.sha256)
        path.replace(target)
        if report.error:
            target.with_name(target.name + ".error.txt").write_text(report.error + "\n", encoding="utf-8")
        report.path = target
        reports.append(report)
    return reports


def import_files(
    place: IntakePlace, paths: Sequence[Path], *, now: datetime, fiscal_year: int | None = None
) -> list[ImportReport]:
    return [_import(place, path, now=now, fiscal_year=fiscal_year) for path in paths]


def _import(place: IntakePlace, path: Path, *, now: datetime, fiscal_year: int | None) -> ImportReport:
    return import_file(
        path,
        now=now,
        session_factory=place.session_factory,
        council_code=place.council_code,
        home=place.home,
        archive_dir=place.archive_dir,
        taxonomy=place.taxonomy,
        actor=place.actor,
        fiscal_year=fiscal_year,
    )
