"""A document's life: a draft (案) that follows the current state, then an issued version that never changes again.

- `draft` renders a document from the current state. Before issue it is a draft marked 案, dated with its planned
  issue day, with no 文書番号: rendering it again updates it in place (or leaves it alone when nothing changed). Once
  a kind and subject has been issued, drafting it again with unchanged content changes nothing at all.
- `issue` gives a draft its 文書番号 (letters) and date — a business day, in issue order — and freezes it: the facts
  it was rendered from are stored with it, its files are written under v<n>/, and from then on they are only ever
  rendered again from those facts (a format asked for later), byte for byte.
- `revise` is the explicit correction: a new version from the current state, issued at once with a new number and
  marked （訂正）, recording the reason; the revised version is superseded.

The content hash is the SHA-256 of the Markdown rendered with placeholders for the number and the date: it says
whether two renderings say the same thing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from council.documents.contexts import PLACEHOLDER_DATE, PLACEHOLDER_NUMBER, DocumentContext, Issue
from council.documents.files import normalise_formats, remove_folder, version_directory, version_files, write_version
from council.documents.numbering import issue_number
from council.documents.rendering import render_markdown
from council.documents.serialization import CONTEXT_TYPES, context_from, facts_of
from council.documents.stationery import Stationery
from council.documents.text import letter_date, one_line
from council.errors import InputError
from council.wareki import wareki_date
from models import Cycle, Document, DocumentKind, DocumentNumber, DocumentStatus

SUBJECT_LIMIT = 80
ContextFactory = Callable[[Issue], DocumentContext]
PLACEHOLDER_ISSUE = Issue(number=PLACEHOLDER_NUMBER, date=PLACEHOLDER_DATE)
ISSUED_STATUSES = (DocumentStatus.issued, DocumentStatus.superseded)


@dataclass(frozen=True)
class RenderedDocument:
    document: Document
    paths: Mapping[str, Path]  # format → absolute path of the file (every requested format, and md)
    created: bool  # True when this call wrote a new draft, changed one, or issued a version
    number: str | None  # the 文書番号 of an issued letter

    @property
    def markdown(self) -> Path:
        return self.paths["md"]

    @property
    def issued(self) -> bool:
        return self.document.status != DocumentStatus.draft


def require_aware(now: datetime) -> None:
    """Documents are dated in Asia/Tokyo from `now`: a naive datetime would be a guess."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now={now.isoformat()} is naive: pass an aware datetime (UTC or Asia/Tokyo)")


def content_hash(context: DocumentContext) -> str:
    return hashlib.sha256(render_markdown(context).encode("utf-8")).hexdigest()


def _check_subject(subject: str) -> None:
    allowed = subject and len(subject) <= SUBJECT_LIMIT and subject[0].isalnum()
    if not allowed or not all(char.isascii() and (char.isalnum() or char in "-_") for char in subject):
        raise InputError(f"{subject!r} cannot name a document (letters, digits, '-' and '_' only)", field="subject")


def current_draft(session: Session, cycle_id: int, kind: DocumentKind, subject: str) -> Document | None:
    return session.exec(
        select(Document).where(
            Document.cycle_id == cycle_id,
            Document.kind == kind,
            Document.subject == subject,
            Document.status == DocumentStatus.draft,
        )
    ).first()


def latest_issued(session: Session, cycle_id: int, kind: DocumentKind, subject: str) -> Document | None:
    return session.exec(
        select(Document)
        .where(
            Document.cycle_id == cycle_id,
            Document.kind == kind,
            Document.subject == subject,
            col(Document.status).in_(ISSUED_STATUSES),
        )
        .order_by(col(Document.version).desc())
    ).first()


def reference_of(session: Session, document: Document, stationery: Stationery) -> str:
    """'令和8年6月1日付け市第5号' — how a later letter refers to an issued one."""
    number = session.get(DocumentNumber, document.number_id) if document.number_id is not None else None
    day = letter_date(document.issued_on) if document.issued_on else ""
    phrase = stationery.texts.letters("marks", "reference")
    return phrase.fill(date=day, number=number.label if number else "")


def issue_of(session: Session, document: Document, stationery: Stationery) -> Issue:
    """What a stored version carries besides its facts: number and date (or, for a draft, its mark and planned day),
    and for a correction the note saying what it corrects and why."""
    letters = stationery.texts.letters
    if document.status == DocumentStatus.draft:
        planned = letter_date(document.planned_issue_on) if document.planned_issue_on else PLACEHOLDER_DATE
        numbered = CONTEXT_TYPES[document.kind].numbered
        return Issue(
            number=stationery.office.blank_number_label() if numbered else None,
            date=letters("marks", "planned_date").fill(date=planned),
            draft_mark=letters("marks", "draft").fill(),
        )
    number = session.get(DocumentNumber, document.number_id) if document.number_id is not None else None
    note, suffix = None, ""
    if document.revises_id is not None:
        revised = session.get(Document, document.revises_id)
        assert revised is not None
        reason = one_line(document.correction_reason or "")
        note = letters("correction", "note").fill(revised=reference_of(session, revised, stationery), reason=reason)
        suffix = letters("correction", "title_suffix").fill()
    assert document.issued_on is not None
    return Issue(
        number=number.label if number else None,
        date=letter_date(document.issued_on),
        correction_note=note,
        title_suffix=suffix,
    )


def stored_context(session: Session, document: Document, stationery: Stationery) -> DocumentContext:
    """The version as it was rendered: its stored facts with its number and date."""
    if document.facts is None:
        raise InputError(
            f"document {document.id} ({document.kind.value} {document.subject} v{document.version}) was issued before "
            "its facts were kept: only the files it has can be shown",
            field="document",
        )
    return context_from(document.kind, document.facts, issue_of(session, document, stationery))


def files_of(session: Session, document: Document, stationery: Stationery, formats: Iterable[str]) -> dict[str, Path]:
    """The version's files in `formats`, rendering any that is missing from its stored facts (never from today's
    state); the files it has are left untouched."""
    wanted = normalise_formats(formats)
    existing = version_files(stationery.home, document.directory)
    if all(fmt in existing for fmt in wanted):
        return {fmt: existing[fmt] for fmt in wanted}
    return write_version(
        stationery.home, document.directory, stored_context(session, document, stationery), wanted, replace=False
    )


def lock_cycle(session: Session, cycle_id: int) -> None:
    """Documents of a cycle are written one transaction at a time: on PostgreSQL the cycle's row is locked until the
    commit, so a second writer waits and then finds what the first one wrote (no duplicate draft, no number taken
    twice). SQLite serialises writers by itself; a loser there retries (see council.documents.actions)."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(Cycle).where(Cycle.id == cycle_id).with_for_update()).one()


def draft(
    session: Session,
    stationery: Stationery,
    *,
    cycle: Cycle,
    subject: str,
    make: ContextFactory,
    planned_issue_on: date | None,
    formats: Iterable[str],
    now: datetime,
) -> RenderedDocument:
    """The document of `subject` as the current state says it: the draft (created or brought up to date), or the
    issued version when that already says the same and no draft is open."""
    assert cycle.id is not None
    require_aware(now)
    _check_subject(subject)
    lock_cycle(session, cycle.id)
    wanted = normalise_formats(formats)
    placeholder = make(PLACEHOLDER_ISSUE)
    digest = content_hash(placeholder)
    kind = placeholder.kind
    open_draft = current_draft(session, cycle.id, kind, subject)
    issued = latest_issued(session, cycle.id, kind, subject)
    if open_draft is None and issued is not None and issued.content_hash == digest:
        return RenderedDocument(issued, files_of(session, issued, stationery, wanted), False, _label(session, issued))
    if (
        open_draft is not None
        and open_draft.content_hash == digest
        and open_draft.planned_issue_on == planned_issue_on
        and open_draft.facts is not None
    ):
        return RenderedDocument(open_draft, files_of(session, open_draft, stationery, wanted), False, None)
    if open_draft is None:
        open_draft = Document(
            cycle_id=cycle.id,
            kind=kind,
            subject=subject,
            version=(issued.version + 1) if issued is not None else 1,
            status=DocumentStatus.draft,
            title="",
            content_hash=digest,
            directory=version_directory(cycle.fiscal_year, kind, subject, None),
            created_at=now,
        )
    open_draft.title = placeholder.title[:300]
    open_draft.content_hash = digest
    open_draft.planned_issue_on = planned_issue_on
    open_draft.facts = facts_of(placeholder)
    session.add(open_draft)
    session.flush()
    context = context_from(kind, open_draft.facts, issue_of(session, open_draft, stationery))
    paths = write_version(stationery.home, open_draft.directory, context, wanted, replace=True)
    return RenderedDocument(open_draft, paths, True, None)


def issue(
    session: Session,
    stationery: Stationery,
    document: Document,
    *,
    council_id: int,
    on: date,
    now: datetime,
    actor: str,
    formats: Iterable[str],
) -> RenderedDocument:
    """Issue a draft on `on` (a business day): its number (letters), its date, its files under v<n>/ rendered from its
    stored facts; the version issued before it is superseded. Issuing an issued version changes nothing."""
    require_aware(now)
    wanted = normalise_formats(formats)
    lock_cycle(session, document.cycle_id)
    session.refresh(document)  # another writer may have issued it while this one waited for the lock
    if document.status != DocumentStatus.draft:
        return RenderedDocument(
            document, files_of(session, document, stationery, wanted), False, _label(session, document)
        )
    if not stationery.calendar.is_business_day(on):
        raise InputError(f"{wareki_date(on)} is a closed day: nothing is issued on it", field="issue date")
    if document.facts is None:
        raise InputError(f"draft {document.id} has no facts to issue", field="document")
    numbered = CONTEXT_TYPES[document.kind].numbered
    number = (
        issue_number(session, council_id=council_id, office=stationery.office, issued_on=on, now=now)
        if numbered
        else None
    )
    previous = latest_issued(session, document.cycle_id, document.kind, document.subject)
    if previous is not None and previous.status == DocumentStatus.issued:
        previous.status = DocumentStatus.superseded
        session.add(previous)
    draft_folder = document.directory
    document.status = DocumentStatus.issued
    document.number_id = number.id if number is not None else None
    document.issued_on = on
    document.issued_at = now
    document.issued_by = actor
    document.planned_issue_on = document.planned_issue_on or on
    document.directory = version_directory(
        _fiscal_year(session, document), document.kind, document.subject, document.version
    )
    letterhead = document.facts.get("letterhead")
    if isinstance(letterhead, dict):
        document.addressees = "\n".join(letterhead.get("addressees") or [])[:1000]
        document.sender = str(letterhead.get("sender") or "")[:200] or None
    context = stored_context(session, document, stationery)
    document.title = f"{context.title}{context.issue.title_suffix}"[:300]
    session.add(document)
    session.flush()
    paths = write_version(stationery.home, document.directory, context, wanted, replace=True)
    remove_folder(stationery.home, draft_folder)
    return RenderedDocument(document, paths, True, number.label if number is not None else None)


def issue_now(
    session: Session,
    stationery: Stationery,
    *,
    cycle: Cycle,
    subject: str,
    make: ContextFactory,
    on: date,
    now: datetime,
    actor: str,
    formats: Iterable[str],
) -> RenderedDocument:
    """Draft and issue in one go (a 督促, a summary, a 中止のお知らせ): what says the same as an issued version is
    that version. The draft, issued at once, is rendered only as Markdown: its other formats would be thrown away."""
    drafted = draft(
        session, stationery, cycle=cycle, subject=subject, make=make, planned_issue_on=on, formats=("md",), now=now
    )
    if drafted.issued:
        return replace(drafted, paths=files_of(session, drafted.document, stationery, formats))
    return issue(
        session, stationery, drafted.document, council_id=cycle.council_id, on=on, now=now, actor=actor, formats=formats
    )


def revise(
    session: Session,
    stationery: Stationery,
    document: Document,
    *,
    cycle: Cycle,
    make: ContextFactory,
    reason: str,
    on: date,
    now: datetime,
    actor: str,
    formats: Iterable[str],
) -> RenderedDocument:
    """Correct an issued version: a new version from the current state, issued at once, marked （訂正）, with the
    reason; any draft of the same document is replaced by it."""
    reason = one_line(reason)
    if not reason:
        raise InputError("a correction needs its reason", field="--reason")
    if document.status != DocumentStatus.issued:
        raise InputError(
            f"document {document.id} is {document.status.value}: only the current issued version can be corrected",
            field="document",
        )
    assert cycle.id is not None
    placeholder = make(PLACEHOLDER_ISSUE)
    stale = current_draft(session, cycle.id, document.kind, document.subject)
    if stale is not None:
        remove_folder(stationery.home, stale.directory)
        session.delete(stale)
        session.flush()
    correction = Document(
        cycle_id=cycle.id,
        kind=document.kind,
        subject=document.subject,
        version=document.version + 1,
        status=DocumentStatus.draft,
        title=placeholder.title[:300],
        content_hash=content_hash(placeholder),
        directory=version_directory(cycle.fiscal_year, document.kind, document.subject, None),
        planned_issue_on=on,
        facts=facts_of(placeholder),
        revises_id=document.id,
        correction_reason=reason[:1000],
        created_at=now,
    )
    session.add(correction)
    session.flush()
    return issue(
        session, stationery, correction, council_id=cycle.council_id, on=on, now=now, actor=actor, formats=formats
    )


def _label(session: Session, document: Document) -> str | None:
    number = session.get(DocumentNumber, document.number_id) if document.number_id is not None else None
    return number.label if number is not None else None


def _fiscal_year(session: Session, document: Document) -> int:
    cycle = session.get(Cycle, document.cycle_id)
    assert cycle is not None
    return cycle.fiscal_year
