"""Versions of documents: a Document row per (cycle, kind, subject, version) and its files under COUNCIL_HOME.

The content hash is the SHA-256 of the Markdown rendered with placeholders for the 文書番号 and the date, so:
- rendering unchanged content again changes nothing (same row, same number, files left as they are — a format
  asked for later is added to the same version);
- any change of what the document says creates version n+1 with a new number and date, and marks n superseded.

Files live in `documents/<fiscal year>/<kind>/<subject>/v<n>/<stem>.<format>` (relative to COUNCIL_HOME), where the
stem is readable Japanese, e.g. `令和8年度第1回県・市町村連携推進会議_開催通知.docx`. The Markdown is always written:
it is the mail body.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from council.clock import TOKYO
from council.config import get_settings
from council.documents.contexts import PLACEHOLDER_DATE, PLACEHOLDER_NUMBER, DocumentContext, Issue
from council.documents.docx_builder import build_docx
from council.documents.numbering import issue_number
from council.documents.office import OfficeConfig
from council.documents.pdf_builder import build_pdf
from council.documents.rendering import render_html, render_markdown
from council.documents.text import letter_date, one_line
from council.errors import InputError
from council.files import write_atomically
from models.cycle import Cycle
from models.documents import Document, DocumentNumber
from models.enums import DocumentKind, DocumentStatus

FORMATS = ("md", "html", "docx", "pdf")
SUBJECT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
_UNSAFE_IN_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
STEM_LIMIT = 100  # characters; a Japanese character is 3 bytes, most file systems allow 255 bytes

ContextFactory = Callable[[Issue], DocumentContext]


@dataclass(frozen=True)
class RenderedDocument:
    document: Document
    paths: Mapping[str, Path]  # format → absolute path of the file (every requested format, and md)
    created: bool  # True when this call issued a new version
    number: str | None  # the 文書番号, for letters

    @property
    def markdown(self) -> Path:
        return self.paths["md"]


def require_aware(now: datetime) -> None:
    """Documents are dated in Asia/Tokyo from `now`: a naive datetime would be a guess."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now={now.isoformat()} is naive: pass an aware datetime (UTC or Asia/Tokyo)")


def normalise_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """The requested formats in canonical order, always with md; an unknown one is an InputError."""
    wanted = {one_line(value).lower() for value in formats if one_line(value)}
    unknown = sorted(wanted - set(FORMATS))
    if unknown:
        raise InputError(f"unknown format {unknown[0]!r}; choose from {', '.join(FORMATS)}", field="format")
    return tuple(value for value in FORMATS if value in wanted or value == "md")


def file_stem(text: str) -> str:
    """A stem any file system accepts: no separators, reserved or control characters, bounded length."""
    stem = _UNSAFE_IN_NAMES.sub("_", one_line(text)).strip(" .")
    return stem[:STEM_LIMIT] or "document"


def version_directory(fiscal_year: int, kind: DocumentKind, subject: str, version: int) -> str:
    documents = get_settings().documents_dir.relative_to(get_settings().home)
    return (documents / str(fiscal_year) / kind.value / subject / f"v{version}").as_posix()


def content_hash(markdown: str) -> str:
    return hashlib.sha256(markdown.encode("utf-8")).hexdigest()


def latest_version(session: Session, cycle_id: int, kind: DocumentKind, subject: str) -> Document | None:
    return session.exec(
        select(Document)
        .where(Document.cycle_id == cycle_id, Document.kind == kind, Document.subject == subject)
        .order_by(col(Document.version).desc())
    ).first()


def issue_of(session: Session, document: Document) -> Issue:
    """The 文書番号 and date a stored version was issued with."""
    number = session.get(DocumentNumber, document.number_id) if document.number_id is not None else None
    return Issue(
        number=number.label if number else None,
        date=letter_date(document.created_at.astimezone(TOKYO).date()),
    )


def save_document(
    session: Session,
    *,
    cycle: Cycle,
    subject: str,
    make_context: ContextFactory,
    office: OfficeConfig,
    formats: Iterable[str],
    now: datetime,
) -> RenderedDocument:
    """Render a document and keep it as a version: the same one when its content is unchanged, else a new one."""
    assert cycle.id is not None
    require_aware(now)
    if not SUBJECT_PATTERN.match(subject):
        raise InputError(f"{subject!r} cannot name a document (letters, digits, '-' and '_' only)", field="subject")
    wanted = normalise_formats(formats)
    draft = make_context(Issue(number=PLACEHOLDER_NUMBER, date=PLACEHOLDER_DATE))  # unnumbered kinds ignore it
    digest = content_hash(render_markdown(draft))
    latest = latest_version(session, cycle.id, draft.kind, subject)
    if latest is not None and latest.content_hash == digest:
        issue = issue_of(session, latest)
        paths = _write_files(make_context(issue), latest.directory, wanted, replace=False)
        return RenderedDocument(document=latest, paths=paths, created=False, number=issue.number)

    number = issue_number(session, office=office, now=now) if draft.numbered else None
    issue = Issue(number=number.label if number else None, date=letter_date(now.astimezone(TOKYO).date()))
    context = make_context(issue)
    version = latest.version + 1 if latest is not None else 1
    if latest is not None:
        latest.status = DocumentStatus.superseded
        session.add(latest)
    document = Document(
        cycle_id=cycle.id,
        kind=context.kind,
        subject=subject,
        version=version,
        status=DocumentStatus.current,
        title=context.title[:300],
        number_id=number.id if number else None,
        content_hash=digest,
        directory=version_directory(cycle.fiscal_year, context.kind, subject, version),
        created_at=now,
    )
    session.add(document)
    session.flush()
    paths = _write_files(context, document.directory, wanted, replace=True)
    return RenderedDocument(document=document, paths=paths, created=True, number=issue.number)


def document_files(document: Document) -> dict[str, Path]:
    """The files of a stored version by format (what exists on disk)."""
    folder = get_settings().home / document.directory
    if not folder.is_dir():
        return {}
    return {path.suffix.lstrip("."): path for path in sorted(folder.iterdir()) if path.suffix.lstrip(".") in FORMATS}


def _write_files(
    context: DocumentContext, directory: str, formats: tuple[str, ...], *, replace: bool
) -> dict[str, Path]:
    """Write the formats of one version. A new version starts from an empty folder (a rolled-back attempt may have
    left files there); an existing one only gets the formats it does not have yet."""
    folder = get_settings().home / directory
    if replace and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(context.file_stem)
    paths = {fmt: folder / f"{stem}.{fmt}" for fmt in formats}
    missing = [fmt for fmt, path in paths.items() if replace or not path.exists()]
    html: str | None = None
    for fmt in missing:
        if fmt == "md":
            data = render_markdown(context).encode("utf-8")
        else:
            html = html if html is not None else render_html(context)
            if fmt == "html":
                data = html.encode("utf-8")
            elif fmt == "docx":
                data = build_docx(html, title=context.title)
            else:
                data = build_pdf(html)
        write_atomically(paths[fmt], data)
    return paths
