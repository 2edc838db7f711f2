"""`council docs render` and `council docs list`: render the year's documents (versioned, idempotent) and list them."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlmodel import Session, col, select

from council.cli.common import OutputFormat, print_json
from council.clock import now_utc
from council.documents.facts import load_cycle
from council.documents.service import FORMATS, RenderedDocument, render_documents
from council.documents.store import document_files
from council.errors import InputError
from models.db import session_scope
from models.documents import Document, DocumentNumber
from models.enums import DocumentKind, DocumentStatus

docs_app = typer.Typer(
    help="Official documents: 開催通知, 次第, 調査依頼, 議事概要, 年間スケジュール …", no_args_is_help=True
)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_kinds(text: str | None) -> list[DocumentKind] | None:
    if not text:
        return None
    kinds = []
    for part in _split(text):
        if part not in DocumentKind.__members__:
            choices = ", ".join(DocumentKind)
            raise InputError(f"{part!r} is not a document kind; choose from {choices}", field="--kind")
        kinds.append(DocumentKind(part))
    return kinds


@docs_app.command("render")
def render(
    fiscal_year: Annotated[int, typer.Option("--fy", help="Fiscal year, e.g. 2026 for 令和8年度.")],
    meeting: Annotated[
        str | None, typer.Option("--meeting", help="Only this meeting (its key, e.g. council-1).")
    ] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Only these kinds, comma-separated (e.g. notice).")] = None,
    formats: Annotated[str, typer.Option("--format", help="Output formats, comma-separated.")] = ",".join(FORMATS),
) -> None:
    """Render the documents of a fiscal year. Unchanged documents stay as they are; changed ones get a new version
    (and a new 文書番号). Markdown is always written."""
    kinds = parse_kinds(kind)
    with session_scope() as session:
        results = render_documents(
            session, fiscal_year=fiscal_year, kinds=kinds, meeting_key=meeting, formats=_split(formats), now=now_utc()
        )
        lines = [_result_line(result) for result in results]
    for line in lines:
        typer.echo(line)
    created = sum(1 for result in results if result.created)
    typer.echo(f"{len(results)} document(s): {created} new version(s), {len(results) - created} unchanged")


def _result_line(result: RenderedDocument) -> str:
    document = result.document
    state = "new " if result.created else "same"
    number = f" {result.number}" if result.number else ""
    formats = ",".join(result.paths)
    head = f"{state} {document.kind.value:<16} {document.subject:<24} v{document.version}{number}"
    return f"{head}  {document.directory} [{formats}]"


@docs_app.command("list")
def list_documents(
    fiscal_year: Annotated[int, typer.Option("--fy", help="Fiscal year, e.g. 2026.")],
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
    all_versions: Annotated[bool, typer.Option("--all", help="Include superseded versions.")] = False,
) -> None:
    """List the documents of a fiscal year: kind, subject, version, 文書番号, hash and files."""
    with session_scope() as session:
        rows = _document_rows(session, fiscal_year, all_versions=all_versions)
    if output == OutputFormat.json:
        print_json(rows)
        return
    if not rows:
        typer.echo(f"no documents for fiscal year {fiscal_year}")
        return
    for row in rows:
        number = f" {row['number']}" if row["number"] else ""
        status = "" if row["status"] == DocumentStatus.current.value else f" ({row['status']})"
        typer.echo(
            f"{row['kind']:<16} {row['subject']:<24} v{row['version']}{number}{status}  {row['hash'][:12]}  "
            f"{row['title']}"
        )
        for fmt, path in row["paths"].items():
            typer.echo(f"    {fmt:<5} {path}")


def _document_rows(session: Session, fiscal_year: int, *, all_versions: bool) -> list[dict[str, Any]]:
    _, cycle = load_cycle(session, fiscal_year)
    query = (
        select(Document, DocumentNumber)
        .join(DocumentNumber, col(DocumentNumber.id) == col(Document.number_id), isouter=True)
        .where(Document.cycle_id == cycle.id)
        .order_by(col(Document.kind), col(Document.subject), col(Document.version))
    )
    if not all_versions:
        query = query.where(Document.status == DocumentStatus.current)
    return [
        {
            "id": document.id,
            "kind": document.kind.value,
            "subject": document.subject,
            "version": document.version,
            "status": document.status.value,
            "number": number.label if number else None,
            "title": document.title,
            "hash": document.content_hash,
            "directory": document.directory,
            "paths": {fmt: str(path) for fmt, path in document_files(document).items()},
            "created_at": document.created_at.isoformat(),
        }
        for document, number in session.exec(query).all()
    ]


def register(app: typer.Typer) -> None:
    app.add_typer(docs_app, name="docs")
