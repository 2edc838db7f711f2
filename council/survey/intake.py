"""Survey intake: one answer file (xlsx form or CSV), one transaction.

Every received file is archived under the archive folder by its sha256 and recorded as a SurveySubmission, accepted
or rejected. The answers of a file go in all together or not at all: a rejected file leaves the answers and the
respondents untouched, and its SurveySubmission (with the error) is committed in a transaction of its own.
A resubmission replaces the organisation's current answers; the replaced ones stay as history. The very same bytes
as the organisation's current submission change nothing (reported as "duplicate", not recorded again).

Imports of one organisation are serialised: the transaction locks the respondent's row (SELECT … FOR UPDATE on
PostgreSQL; on SQLite it takes the database's write lock when it begins), so imports running at the same time in
several processes apply one after the other, and the schema allows one current submission per organisation only.

A file the import fails on for a reason nobody foresaw is rejected like a bad one (its line says so), so that one
file never stops the others; a database that cannot be reached stops the import (every file would fail alike).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from council.audit import record_change
from council.codes import municipality_code_problem
from council.errors import InputError
from council.files import write_atomically
from council.survey.readers import (
    DEFAULT_LIMITS,
    FileLimits,
    ParsedAnswer,
    ParsedForm,
    RawForm,
    check_rows,
    read_file,
    sniff,
)
from council.survey.store import find_survey, is_late
from council.survey.taxonomy import Taxonomy
from council.wareki import fiscal_year_label
from models.organizations import Organization
from models.survey import (
    ResponseStatus,
    SubmissionOutcome,
    Survey,
    SurveyAnswer,
    SurveyRespondent,
    SurveySubmission,
)

log = logging.getLogger(__name__)

SessionFactory = Callable[[], AbstractContextManager[Session]]
ImportOutcome = Literal["accepted", "rejected", "duplicate"]
MAX_ERROR_LENGTH = 2000
MAX_NAME_LENGTH = 255
# Errors of the environment, not of a file: every file would fail alike, so the import stops instead of rejecting.
ENVIRONMENT_ERRORS: tuple[type[BaseException], ...] = (sa.exc.OperationalError, sa.exc.InterfaceError, OSError)


@dataclass(frozen=True)
class IntakeSetup:
    """What an import needs from its entry point (the CLI command or the flow task builds it from the settings)."""

    session_factory: SessionFactory
    council_code: str  # whose surveys the files answer
    home: Path  # archive paths are recorded relative to it
    archive_dir: Path
    actor: str
    taxonomy: Taxonomy
    limits: FileLimits = DEFAULT_LIMITS


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


@dataclass(frozen=True)
class ReceivedFile:
    """A file as received: its bytes (None when over the size limit: such a file is hashed but never read whole)."""

    name: str
    size: int
    sha256: str
    data: bytes | None


@dataclass
class _Context:
    """What a failed import had identified by the time it failed, kept on its rejected submission."""

    survey_id: int | None = None
    organization_id: int | None = None
    fiscal_year: int | None = None
    organization_code: str | None = None


def display_name(name: str) -> str:
    """A file name fit for one line of a message: no control characters (a name may hold a line break)."""
    return "".join(character if character.isprintable() else "?" for character in name)


def receive(path: Path, limits: FileLimits, name: str | None = None) -> ReceivedFile:
    """Read `path` once: its bytes when within the size limit, else only its size and hash. Raises OSError."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        head = stream.read(limits.max_bytes + 1)
        digest.update(head)
        size = len(head)
        if size > limits.max_bytes:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    return ReceivedFile(
        name=display_name(name or path.name),
        size=size,
        sha256=digest.hexdigest(),
        data=head if size <= limits.max_bytes else None,
    )


def archive_file(received: ReceivedFile, home: Path, archive_dir: Path) -> str:
    """Store the bytes once under archive/survey/<2 hex>/<sha256>.<format>; returns the path relative to home ('' for
    a file over the size limit, which is not kept)."""
    if received.data is None:
        return ""
    try:
        suffix = f".{sniff(received.name, received.data)}"
    except InputError:
        suffix = ".bin"
    digest = received.sha256
    target = archive_dir / "survey" / digest[:2] / f"{digest}{suffix}"
    if not target.exists():
        write_atomically(target, received.data)
    try:
        return str(target.relative_to(home))
    except ValueError:
        return str(target)


def import_file(
    path: Path,
    setup: IntakeSetup,
    *,
    now: datetime,
    fiscal_year: int | None = None,
    original_name: str | None = None,
) -> ImportReport:
    """Import one answer file. A bad file does not raise: the report says rejected, with the error, and the rejected
    submission has been committed. `fiscal_year`, when given, is the survey being collected: a form of another year
    is rejected. A file that cannot be read at all is reported rejected, with nothing recorded."""
    try:
        received = receive(path, setup.limits, original_name)
    except OSError as error:
        return unreadable(path, error)
    return import_received(received, setup, now=now, fiscal_year=fiscal_year, path=path)


def unreadable(path: Path, error: OSError) -> ImportReport:
    """The report of a file that cannot be read (gone, no permission): nothing is known of it, nothing recorded."""
    name = display_name(path.name)
    return ImportReport(
        path=path, original_name=name, sha256="", outcome="rejected", error=f"{name}: cannot be read ({error.strerror})"
    )


def import_files(
    paths: Sequence[Path], setup: IntakeSetup, *, now: datetime, fiscal_year: int | None = None
) -> list[ImportReport]:
    return [import_file(path, setup, now=now, fiscal_year=fiscal_year) for path in paths]


def import_received(
    received: ReceivedFile, setup: IntakeSetup, *, now: datetime, fiscal_year: int | None, path: Path
) -> ImportReport:
    archived = archive_file(received, setup.home, setup.archive_dir)
    report = ImportReport(path=path, original_name=received.name, sha256=received.sha256, outcome="accepted")
    context = _Context()
    try:
        raw, parsed, row_error = _read(received, setup)
        context.fiscal_year = report.fiscal_year = raw.fiscal_year
        context.organization_code = report.organization_code = raw.organization_code
        with setup.session_factory() as session:
            _import_in_transaction(
                session,
                raw=raw,
                parsed=parsed,
                row_error=row_error,
                received=received,
                archived=archived,
                now=now,
                expected_year=fiscal_year,
                council_code=setup.council_code,
                actor=setup.actor,
                report=report,
                context=context,
            )
    except InputError as error:
        _reject(setup, received, archived, now, report, context, str(error))
    except ENVIRONMENT_ERRORS:
        raise
    except Exception as error:
        # The line below is what people get; the traceback is there for whoever turns debug logging on (the file
        # is archived: importing it again reproduces the failure).
        log.debug("survey import of %s (sha256 %s) failed", received.name, received.sha256, exc_info=True)
        message = (
            f"{received.name}: could not be imported ({error.__class__.__name__}, an error council-cycle did not "
            f"foresee); the file is kept as sha256 {received.sha256[:12]}… — report this line to the maintainers"
        )
        _reject(setup, received, archived, now, report, context, message)
    return report


def _read(received: ReceivedFile, setup: IntakeSetup) -> tuple[RawForm, ParsedForm | None, InputError | None]:
    """The file read and checked before any transaction (the lock is held only while writing). A bad row is kept
    for later: a form of another year or of an unknown organisation is reported as that first."""
    if received.data is None:
        problem = setup.limits.size_problem(received.name, received.size)
        assert problem is not None
        raise problem
    raw = read_file(received.name, received.data, setup.limits)
    try:
        return raw, check_rows(raw, setup.taxonomy), None
    except InputError as error:
        return raw, None, error


def _reject(
    setup: IntakeSetup,
    received: ReceivedFile,
    archived: str,
    now: datetime,
    report: ImportReport,
    context: _Context,
    message: str,
) -> None:
    report.outcome = "rejected"
    report.error = message
    report.fiscal_year, report.organization_code = context.fiscal_year, context.organization_code
    report.answer_count = report.replaced_count = 0
    report.late = False
    with setup.session_factory() as session:
        submission = SurveySubmission(
            survey_id=context.survey_id,
            organization_id=context.organization_id,
            original_name=received.name[:MAX_NAME_LENGTH],
            sha256=received.sha256,
            size=received.size,
            archive_path=archived,
            received_at=now,
            outcome=SubmissionOutcome.rejected,
            error=message[:MAX_ERROR_LENGTH],
        )
        session.add(submission)
        session.flush()
        report.submission_id = submission.id


def lock_for_writing(session: Session) -> None:
    """On SQLite, take the database's write lock now (BEGIN IMMEDIATE), before anything is read: a transaction that
    read first and wrote later could interleave with another process's, or fail on its lock upgrade. Must be the
    session's first statement. PostgreSQL locks rows instead (see lock_respondent)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("BEGIN IMMEDIATE"))


def _import_in_transaction(
    session: Session,
    *,
    raw: RawForm,
    parsed: ParsedForm | None,
    row_error: InputError | None,
    received: ReceivedFile,
    archived: str,
    now: datetime,
    expected_year: int | None,
    council_code: str,
    actor: str,
    report: ImportReport,
    context: _Context,
) -> None:
    lock_for_writing(session)
    survey = resolve_survey(session, raw, expected_year, council_code)
    context.survey_id = survey.id
    organization, respondent = resolve_respondent(session, raw, survey)
    context.organization_id = organization.id
    if row_error is not None:
        raise row_error
    assert parsed is not None
    assert survey.id is not None
    assert organization.id is not None

    current = session.exec(
        select(SurveySubmission).where(
            SurveySubmission.survey_id == survey.id,
            SurveySubmission.organization_id == organization.id,
            col(SurveySubmission.current).is_(True),
        )
    ).first()
    if current is not None and current.sha256 == received.sha256:
        report.outcome = "duplicate"
        report.submission_id = current.id
        report.answer_count = current.answer_count
        return
    previous = session.exec(
        select(SurveyAnswer).where(
            SurveyAnswer.survey_id == survey.id,
            SurveyAnswer.organization_id == organization.id,
            col(SurveyAnswer.current).is_(True),
        )
    ).all()
    for answer in previous:
        answer.current = False
        answer.replaced_at = now
        session.add(answer)
    if current is not None:
        current.current = False
        session.add(current)
        session.flush()  # the old one stops being current before the new one is: the unique index checks each row

    submission = SurveySubmission(
        survey_id=survey.id,
        organization_id=organization.id,
        original_name=received.name[:MAX_NAME_LENGTH],
        sha256=received.sha256,
        size=received.size,
        archive_path=archived,
        received_at=now,
        outcome=SubmissionOutcome.accepted,
        answer_count=len(parsed.answers),
        current=True,
    )
    session.add(submission)
    session.flush()
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
        after={"answers": len(parsed.answers), "sha256": received.sha256, "late": late},
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
    """The organisation and its respondent row, locked until the transaction ends (imports of one organisation wait
    for each other; on SQLite the whole database is locked already)."""
    code = parsed.organization_code
    if code.isascii() and code.isdigit():
        problem = municipality_code_problem(code)
        if problem:
            raise parsed.organization_code_at.error(parsed.file_name, problem)
    organization = session.exec(select(Organization).where(Organization.code == code)).first()
    if organization is None:
        raise parsed.organization_code_at.error(parsed.file_name, f"unknown organisation {code!r}")
    respondent = session.exec(
        select(SurveyRespondent)
        .where(SurveyRespondent.survey_id == survey.id, SurveyRespondent.organization_id == organization.id)
        .with_for_update()
    ).first()
    if respondent is None:
        raise parsed.organization_code_at.error(
            parsed.file_name,
            f"{organization.name} ({code}) is not asked in the {fiscal_year_label(survey.fiscal_year)} survey",
        )
    return organization, respondent
