"""`council docs …`: render the year's drafts, list the documents, correct an issued one, print the 文書番号簿."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session, col, select

from council.cli.common import OutputFormat, cli_context, print_json
from council.documents.actions import document_register, render_documents, revise_document
from council.documents.files import FORMATS, version_files
from council.documents.lifecycle import RenderedDocument
from council.documents.register import register_csv, register_text, register_xlsx
from council.errors import InputError
from council.files import write_atomically
from council.planning.cycles import require_cycle
from models.documents import Document, DocumentNumber
from models.enums import DocumentKind, DocumentStatus

docs_app = typer.Typer(
    help="Official documents: 開催通知, 次第, 調査依頼, 督促, 議事概要, 年間スケジュール … (案, issued, corrected)",
    no_args_is_help=True,
)


class RegisterFormat(StrEnum):
    text = "text"
    csv = "csv"
    xlsx = "xlsx"


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
    """Bring the year's drafts (案) up to date from the current state. Issued documents are records: they are shown
    as they are and never rendered again from today's state (a format asked for later is made from their stored
    facts). Markdown is always written."""
    results = render_documents(
        cli_context(), fiscal_year=fiscal_year, kinds=parse_kinds(kind), meeting_key=meeting, formats=_split(formats)
    )
    for result in results:
        typer.echo(_result_line(result))
    changed = sum(1 for result in results if result.created)
    drafts = sum(1 for result in results if not result.issued)
    typer.echo(f"{len(results)} document(s): {drafts} draft(s), {changed} drafted or changed now")


def _result_line(result: RenderedDocument) -> str:
    document = result.document
    state = "案  " if not result.issued else "発出"
    number = f" {result.number}" if result.number else ""
    changed = " (new)" if result.created else ""
    head = f"{state} {document.kind.value:<16} {document.subject:<24} v{document.version}{number}{changed}"
    return f"{head}  {document.directory} [{','.join(result.paths)}]"


@docs_app.command("list")
def list_documents(
    fiscal_year: Annotated[int, typer.Option("--fy", help="Fiscal year, e.g. 2026.")],
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
    all_versions: Annotated[bool, typer.Option("--all", help="Include superseded versions.")] = False,
) -> None:
    """List the documents of a fiscal year: kind, subject, version, state (draft 案, issued, superseded), 文書番号,
    issue date, hash and files."""
    ctx = cli_context()
    with ctx.transaction() as session:
        rows = _document_rows(session, ctx.settings.home, ctx.settings.council_code, fiscal_year, all_versions)
    if output == OutputFormat.json:
        print_json(rows)
        return
    if not rows:
        typer.echo(f"no documents for fiscal year {fiscal_year}")
        return
    for row in rows:
        number = f" {row['number']}" if row["number"] else ""
        issued = f" {row['issued_on']}" if row["issued_on"] else f" 案（発出予定 {row['planned_issue_on'] or '未定'}）"
        status = "" if row["status"] != DocumentStatus.superseded.value else " (superseded)"
        typer.echo(
            f"{row['id']:>5} {row['kind']:<16} {row['subject']:<24} v{row['version']}{number}{issued}{status}  "
            f"{row['hash'][:12]}  {row['title']}"
        )
        for fmt, path in row["paths"].items():
            typer.echo(f"    {fmt:<5} {path}")


def _document_rows(
    session: Session, home: Path, council_code: str, fiscal_year: int, all_versions: bool
) -> list[dict[str, Any]]:
    cycle = require_cycle(session, council_code, fiscal_year)
    query = (
        select(Document, DocumentNumber)
        .join(DocumentNumber, col(DocumentNumber.id) == col(Document.number_id), isouter=True)
        .where(Document.cycle_id == cycle.id)
        .order_by(col(Document.kind), col(Document.subject), col(Document.version))
    )
    if not all_versions:
        query = query.where(Document.status != DocumentStatus.superseded)
    return [
        {
            "id": document.id,
            "kind": document.kind.value,
            "subject": document.subject,
            "version": document.version,
            "status": document.status.value,
            "number": number.label if number else None,
            "issued_on": document.issued_on.isoformat() if document.issued_on else None,
            "planned_issue_on": document.planned_issue_on.isoformat() if document.planned_issue_on else None,
            "title": document.title,
            "hash": document.content_hash,
            "directory": document.directory,
            "revises": document.revises_id,
            "correction_reason": document.correction_reason,
            "paths": {fmt: str(path) for fmt, path in version_files(home, document.directory).items()},
            "created_at": document.created_at.isoformat(),
        }
        for document, number in session.exec(query).all()
    ]


@docs_app.command("revise")
def revise(
    document: Annotated[int, typer.Argument(help="The issued document's id (see `council docs list`).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is corrected (recorded and printed).")],
) -> None:
    """Correct an issued document: a （訂正） version from the current state, with a new 文書番号 and the reason,
    sent to everyone who received the version it corrects."""
    report = revise_document(cli_context(), document, reason=reason)
    sent = f", sent to {report.delivery.sent}" if report.delivery else ""
    typer.echo(f"document {report.revised_id} corrected by {report.correction_id} {report.number or ''}{sent}")


@docs_app.command("register")
def register_command(
    fiscal_year: Annotated[int, typer.Option("--fy", help="Fiscal year of the issue dates, e.g. 2026.")],
    output: Annotated[RegisterFormat, typer.Option("--format", help="text, csv or xlsx.")] = RegisterFormat.text,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (required for xlsx).")] = None,
) -> None:
    """The year's 文書番号簿: number, issue date, title, addressees, sender and version, in number order."""
    ctx = cli_context()
    entries = document_register(ctx, fiscal_year)
    if output is RegisterFormat.xlsx:
        if out is None:
            raise InputError("--format xlsx needs --out FILE", field="--out")
        write_atomically(out, register_xlsx(fiscal_year, entries, stamp=ctx.clock.now))
        typer.echo(f"{len(entries)} number(s) written to {out}")
        return
    text = register_csv(entries) if output is RegisterFormat.csv else register_text(fiscal_year, entries)
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_atomically(out, text.encode("utf-8"))
        typer.echo(f"{len(entries)} number(s) written to {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(docs_app, name="docs")
