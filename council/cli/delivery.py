"""`council deliver`, `council deliveries` and `council contacts …`: sending documents and keeping the addresses."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from council.cli.common import OutputFormat, cli_context, echo_lines, print_json
from council.clock import TOKYO
from council.config import get_settings
from council.delivery.actions import IncompleteDeliveryError
from council.delivery.actions import deliver as deliver_action
from council.delivery.contacts import demo_contacts_file, import_contacts
from council.delivery.recipients import (
    RecipientGroup,
    RecipientSet,
    parse_group,
    resolve_groups,
    roster_contacts,
)
from council.delivery.service import DeliveryLine, DeliveryReport, Outcome, delivery_status
from council.errors import InputError
from council.labels import DELIVERY_STATUS
from council.wareki import wareki_datetime
from models import Channel, DeliveryStatus

NO_ADDRESS = "（メールアドレス未登録）"
STATUS_JA = DELIVERY_STATUS
OUTCOME_JA = {
    Outcome.sent: "送信",
    Outcome.already_sent: "送信済（省略）",
    Outcome.failed: "送信失敗",
    Outcome.failed_before: "送信失敗（前回）",
    Outcome.pending: "未送信",
    Outcome.undeliverable: "宛先なし（メールアドレス未登録）",
}

GroupOption = Annotated[
    list[str] | None,
    typer.Option(
        "--to",
        help="Recipient group (repeatable): "
        + ", ".join(group.value for group in RecipientGroup)
        + ". Default: the body of the document's meeting, or its kind's usual readers.",
    ),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="text or json")]


def _groups(values: list[str] | None) -> list[RecipientGroup]:
    return [parse_group(value) for value in values or []]


def deliver(
    document_id: Annotated[int, typer.Argument(help="The Document id (see `council docs list`).")],
    channel: Annotated[
        Channel | None, typer.Option("--channel", help="outbox (files) or smtp (COUNCIL_SMTP_*); default the setting")
    ] = None,
    to: GroupOption = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Also try again the recipients that failed permanently before.")
    ] = False,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Send one issued document version to its recipients, each exactly once (safe to repeat). Exit 1 when some are
    left."""
    base = get_settings()
    settings = dataclasses.replace(base, channel=channel) if channel is not None else base
    ctx = cli_context(settings=settings)
    groups = _groups(to)
    try:
        summary = deliver_action(ctx, document_id, groups=groups or None, retry_failed=retry_failed)
        report = summary.report
    except IncompleteDeliveryError as incomplete:
        report = incomplete.report
    if output is OutputFormat.json:
        print_json(report.as_dict())
    else:
        echo_lines(_report_lines(report, settings.outbox_dir if settings.channel is Channel.outbox else None))
    if not report.complete:
        raise typer.Exit(code=1)


def _report_lines(report: DeliveryReport, outbox: Path | None) -> list[str]:
    lines = [f"{report.title}（文書 {report.document_id}）→ {report.recipients_label} [{report.channel.value}]"]
    for item in report.outcomes:
        if item.outcome is Outcome.already_sent:
            continue
        detail = f" — {item.error}" if item.error and item.outcome is not Outcome.sent else ""
        lines.append(f"  {OUTCOME_JA[item.outcome]}: {item.recipient} <{item.email or '-'}>{detail}")
    lines.append(report.summary_ja())
    if outbox is not None and report.count(Outcome.sent):
        lines.append(f"出力先: {outbox}")
    return lines


def deliveries(
    fiscal_year: Annotated[int, typer.Option("--fy", help="Fiscal year, e.g. 2026 for 令和8年度.")],
    document_id: Annotated[int | None, typer.Option("--document", help="Only this document.")] = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Where every delivery of the year's documents stands: sent, failed (with why), undeliverable or still queued."""
    with cli_context().transaction() as session:
        lines = delivery_status(session, fiscal_year, document_id=document_id)
    if output is OutputFormat.json:
        print_json([line.as_dict() for line in lines])
        return
    if not lines:
        typer.echo(f"{fiscal_year}年度の送付記録はありません。")
        return
    echo_lines(_status_lines(lines))


def _status_lines(lines: list[DeliveryLine]) -> list[str]:
    text: list[str] = []
    current: tuple[int, Channel] | None = None
    for line in lines:
        if (line.document_id, line.channel) != current:
            current = (line.document_id, line.channel)
            text.append(f"文書 {line.document_id} {line.title} 第{line.version}版 [{line.channel.value}]")
        when = wareki_datetime(line.sent_at.astimezone(TOKYO)) if line.sent_at else ""
        error = f" — {line.error}" if line.error and line.status is not DeliveryStatus.sent else ""
        text.append(
            f"  {STATUS_JA[line.status]}\t{line.organization_code}\t{line.organization_name}\t{line.role}\t"
            f"{line.email or NO_ADDRESS}\t{when}\t試行{line.attempts}回{error}"
        )
    counts = {status: sum(1 for line in lines if line.status is status) for status in DeliveryStatus}
    text.append("、".join(f"{STATUS_JA[status]} {count}件" for status, count in counts.items()))
    return text


contacts_app = typer.Typer(help="Contact addresses of the roster (not in the reference data: import them).")


@contacts_app.command("import")
def contacts_import(
    file: Annotated[Path | None, typer.Argument(help="CSV: org_code,role,title,person_name,email,phone")] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the DEMO addresses (…@062014.example.jp; never real people).")
    ] = False,
) -> None:
    """Add or update contacts from a CSV file, all or nothing (an error names the file, row and field)."""
    if (file is None) == (not demo):
        raise InputError("give either a CSV file or --demo")
    path = demo_contacts_file() if demo else file
    assert path is not None
    ctx = cli_context()
    with ctx.transaction() as session:
        report = import_contacts(session, path, now=ctx.clock.now, actor=ctx.actor)
    if demo:
        typer.echo("DEMO contacts (fictitious example.jp addresses) loaded.")
    typer.echo(report.summary())


@contacts_app.command("list")
def contacts_list(to: GroupOption = None, output: FormatOption = OutputFormat.text) -> None:
    """The roster's contacts (or a group's), with their addresses; those without one are flagged."""
    with cli_context().transaction() as session:
        groups = _groups(to)
        contacts: RecipientSet = resolve_groups(session, groups) if groups else roster_contacts(session)
    if output is OutputFormat.json:
        print_json(
            [
                {
                    "contact_id": r.contact_id,
                    "org_code": r.organization_code,
                    "organization": r.organization_name,
                    "role": r.role,
                    "title": r.title,
                    "person_name": r.person_name,
                    "email": r.email,
                }
                for r in contacts.recipients
            ]
        )
        return
    echo_lines(
        [
            f"{r.organization_code}\t{r.organization_name}\t{r.role}\t{r.title or ''}\t{r.email or NO_ADDRESS}"
            for r in contacts.recipients
        ]
        + [f"{contacts.label}: {len(contacts)}件（うちメールアドレス未登録 {len(contacts.without_email)}件）"]
    )


def register(app: typer.Typer) -> None:
    app.command("deliver")(deliver)
    app.command("deliveries")(deliveries)
    app.add_typer(contacts_app, name="contacts")
