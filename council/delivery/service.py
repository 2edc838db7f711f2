"""Delivering one document version to its recipients over one channel, exactly once each.

How a rerun stays safe: a Delivery row per (document version, contact, channel) is created `queued` before anything
is sent (the unique key makes a second run find the same rows); each row becomes `sent` (or `failed`) in its own
commit right after its send. A rerun skips every `sent` row, so nobody gets a document twice.

The one window left is a crash after the relay accepted a message and before its row was committed. Then:
- outbox: the .eml's name is the delivery's natural key and an existing file is never rewritten, so the rerun finds
  the file, marks the row sent, and no second copy appears;
- smtp: the rerun sends again, with the same Message-ID (derived from the Delivery id), which mail systems and
  clients use to recognise the duplicate. SMTP offers no way to close this window completely.

Two runs at once: on PostgreSQL each row is claimed with ``FOR UPDATE SKIP LOCKED`` while it is being sent, so a
concurrent run skips it; on SQLite (the embedded, single-process mode) writes are serialised by the database.

This service commits as it goes — a sent message cannot be rolled back, so its record must not be either.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from council.delivery.channels import (
    ChannelError,
    DeliveryError,
    OutboundMail,
    PermanentDeliveryError,
    TransientDeliveryError,
    Transport,
)
from council.delivery.message import Attachment, MailSettings, build_message, mailbox, message_id_for
from council.delivery.recipients import Recipient, RecipientSet, UndeliverablePolicy, recipients_for_document
from council.errors import InputError, NotFoundError
from models import Channel, Contact, Cycle, Delivery, DeliveryStatus, Document, DocumentStatus, Organization

MISSING_EMAIL = "no e-mail address on the roster"
ERROR_LIMIT = 1000


def exponential_backoff(attempt: int, *, base: float = 2.0, cap: float = 60.0) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based): 2, 4, 8 … capped at a minute."""
    return float(min(cap, base * 2 ** (attempt - 1)))


class Outcome(StrEnum):
    sent = "sent"  # went out in this run
    already_sent = "already_sent"  # sent by an earlier run: skipped
    failed = "failed"  # permanent failure in this run
    failed_before = "failed_before"  # failed permanently in an earlier run: not retried unless asked
    pending = "pending"  # still queued: transient failure after every attempt, or not tried (batch stopped)
    undeliverable = "undeliverable"  # no address on the roster; recorded so (the secretariat chose to go on)


SETTLED_OUTCOMES = frozenset({Outcome.sent, Outcome.already_sent, Outcome.undeliverable})


@dataclass(frozen=True)
class RecipientOutcome:
    delivery_id: int
    contact_id: int
    recipient: str
    email: str | None
    outcome: Outcome
    attempts: int
    error: str | None
    message_id: str | None


@dataclass(frozen=True)
class DeliveryReport:
    document_id: int
    title: str
    channel: Channel
    recipients_label: str
    outcomes: tuple[RecipientOutcome, ...]
    stopped: str | None = None  # why the batch stopped early (channel unusable), if it did

    def count(self, outcome: Outcome) -> int:
        return sum(1 for item in self.outcomes if item.outcome is outcome)

    @property
    def complete(self) -> bool:
        """Every recipient has the document (now or from an earlier run), or is recorded as undeliverable."""
        return all(item.outcome in SETTLED_OUTCOMES for item in self.outcomes)

    def summary_ja(self) -> str:
        """'送信 33件、送信済のため省略 0件、失敗 1件、未送信 1件（うちメールアドレス未登録 1件）'."""
        failed = self.count(Outcome.failed) + self.count(Outcome.failed_before)
        missing = self.count(Outcome.undeliverable)
        text = (
            f"送信 {self.count(Outcome.sent)}件、送信済のため省略 {self.count(Outcome.already_sent)}件、"
            f"失敗 {failed}件、未送信 {self.count(Outcome.pending)}件"
        )
        if missing:
            text += f"、宛先なし（メールアドレス未登録） {missing}件"
        if self.stopped:
            text += f"。送信を中断しました: {self.stopped}"
        return text

    def as_markdown(self) -> str:
        """For people (a Prefect artifact, a log): the summary and every recipient that does not have it yet."""
        lines = [
            f"### {_markdown_cell(self.title)}",
            "",
            f"{self.recipients_label}（{self.channel.value}）: {self.summary_ja()}",
        ]
        open_items = [item for item in self.outcomes if item.outcome not in (Outcome.sent, Outcome.already_sent)]
        if open_items:
            lines += ["", "| 宛先 | メールアドレス | 状況 | 試行 | 理由 |", "|---|---|---|---|---|"]
            lines += [
                f"| {_markdown_cell(item.recipient)} | {item.email or ''} | {item.outcome.value} | {item.attempts} "
                f"| {_markdown_cell(item.error or '')} |"
                for item in open_items
            ]
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "title": self.title,
            "channel": self.channel.value,
            "recipients": self.recipients_label,
            "counts": {outcome.value: self.count(outcome) for outcome in Outcome},
            "complete": self.complete,
            "stopped": self.stopped,
            "outcomes": [
                {
                    "delivery_id": item.delivery_id,
                    "contact_id": item.contact_id,
                    "recipient": item.recipient,
                    "email": item.email,
                    "outcome": item.outcome.value,
                    "attempts": item.attempts,
                    "error": item.error,
                    "message_id": item.message_id,
                }
                for item in self.outcomes
            ],
        }


def _markdown_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


PERSONAL_DIR = "personal"


@dataclass(frozen=True)
class DocumentContent:
    """What a message carries: the Markdown as the text body, every other rendered file as an attachment, and the
    files meant for one organisation only (e.g. its pre-filled survey form), keyed by organisation code."""

    body_text: str
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    personal: dict[str, tuple[Attachment, ...]] = field(default_factory=dict)

    def attachments_for(self, organization_code: str) -> tuple[Attachment, ...]:
        return self.attachments + self.personal.get(organization_code, ())


def _files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if path.is_file() and not path.name.startswith("."))


def load_document_content(home: Path, document: Document) -> DocumentContent:
    """The document version's files: `<directory>/*` for everyone, `<directory>/personal/<org code>/*` only for the
    recipients of that organisation."""
    folder = home / document.directory
    if not folder.is_dir():
        raise InputError("the document's folder is missing: render it again", file=str(folder))
    files = _files(folder)
    markdown = [path for path in files if path.suffix.lower() == ".md"]
    if not markdown:
        raise InputError("no Markdown (.md) rendering to use as the mail body", file=str(folder))
    body = markdown[0].read_text(encoding="utf-8")
    attachments = tuple(Attachment.of(path.name, path.read_bytes()) for path in files if path.suffix.lower() != ".md")
    personal_root = folder / PERSONAL_DIR
    personal = (
        {
            code_dir.name: tuple(Attachment.of(path.name, path.read_bytes()) for path in _files(code_dir))
            for code_dir in sorted(personal_root.iterdir())
            if code_dir.is_dir()
        }
        if personal_root.is_dir()
        else {}
    )
    return DocumentContent(body_text=body, attachments=attachments, personal=personal)


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def _safe_name(text: str) -> str:
    return _UNSAFE_NAME.sub("_", text).strip(" .") or "_"


def outbox_path(fiscal_year: int, document: Document, recipient: Recipient) -> PurePosixPath:
    """``2026/notice-council-1-v1/062014-企画担当課長.eml`` — readable, and the same for every run."""
    folder = _safe_name(f"{document.kind.value}-{document.subject}-v{document.version}")
    name = _safe_name(f"{recipient.organization_code}-{recipient.role}")
    return PurePosixPath(str(fiscal_year), folder, f"{name}.eml")


def _insert_missing_rows(
    session: Session, document_id: int, channel: Channel, contact_ids: Sequence[int], now: datetime
) -> None:
    """One `queued` row per contact that has none yet — race-free thanks to the unique key."""
    if not contact_ids:
        return
    values = [
        {
            "document_id": document_id,
            "contact_id": contact_id,
            "channel": channel,
            "status": DeliveryStatus.queued,
            "attempts": 0,
            "updated_at": now,
        }
        for contact_id in contact_ids
    ]
    dialect = session.get_bind().dialect.name
    table = Delivery.__table__  # type: ignore[attr-defined]
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(values).on_conflict_do_nothing()
    else:  # other databases: insert only the missing ones
        existing = set(
            session.exec(
                select(Delivery.contact_id).where(Delivery.document_id == document_id, Delivery.channel == channel)
            ).all()
        )
        rows = [row for row in values if row["contact_id"] not in existing]
        if not rows:
            return
        statement = sa.insert(table).values(rows)
    session.exec(statement)


def _claim(session: Session, delivery_id: int) -> Delivery | None:
    """The row, locked for this run until the next commit (None when another run holds it right now)."""
    statement = (
        select(Delivery)
        .where(Delivery.id == delivery_id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).first()


def _outcome(kind: Outcome, recipient: Recipient, row: Delivery | None) -> RecipientOutcome:
    """What happened to one recipient; `row` is None when another run held it."""
    return RecipientOutcome(
        delivery_id=row.id if row and row.id is not None else 0,
        contact_id=recipient.contact_id,
        recipient=recipient.display_name,
        email=recipient.email,
        outcome=kind,
        attempts=row.attempts if row else 0,
        error=row.error if row else "being sent by another run",
        message_id=row.message_id if row else None,
    )


def _error_text(error: DeliveryError | str) -> str:
    return str(error)[:ERROR_LIMIT]


def deliver_document(
    session: Session,
    document_id: int,
    *,
    channel: Transport,
    now: datetime,
    home: Path,
    mail: MailSettings,
    recipients: RecipientSet | None = None,
    undeliverable: UndeliverablePolicy = UndeliverablePolicy.fail,
    max_attempts: int = 4,
    backoff: Callable[[int], float] = exponential_backoff,
    sleep: Callable[[float], None] = time.sleep,
    retry_failed: bool = False,
    allow_superseded: bool = False,
) -> DeliveryReport:
    """Send document `document_id` to `recipients` (default: `recipients_for_document`) over `channel`.

    Transient errors are retried up to `max_attempts` times per recipient, waiting `backoff(attempt)` seconds
    (through `sleep`, which tests replace); a permanent error marks that recipient `failed` and the others go on;
    a channel error (bad credentials, TLS refused) stops the batch and leaves the rest queued for a rerun.
    Recipients without an e-mail address stop everything before anything is sent (InputError naming their
    organisations) — unless `undeliverable` is `record`: then they are recorded as undeliverable and the others
    get it. Only issued versions are sent. The caller closes `channel`.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    document = session.get(Document, document_id)
    if document is None or document.id is None:
        raise NotFoundError(f"no document with id {document_id}")
    if document.status is DocumentStatus.draft:
        raise InputError(f"document {document_id} ({document.title}) is a draft (案): issue it before sending it")
    if document.status is DocumentStatus.superseded and not allow_superseded:
        raise InputError(
            f"document {document_id} ({document.title} v{document.version}) is superseded: deliver the current version"
        )
    cycle = session.get(Cycle, document.cycle_id)
    if cycle is None:
        raise NotFoundError(f"document {document_id} belongs to no cycle")
    content = load_document_content(home, document)
    chosen = recipients if recipients is not None else recipients_for_document(session, document)
    if not chosen.recipients:
        raise InputError(f"no recipients for document {document_id} ({chosen.label})")
    if chosen.without_email and undeliverable is UndeliverablePolicy.fail:
        names = "、".join(dict.fromkeys(r.organization_name for r in chosen.without_email))
        raise InputError(
            f"{document.title}: no e-mail address for {len(chosen.without_email)} recipient(s) ({names}); load them "
            "with `council contacts import FILE`, or set COUNCIL_UNDELIVERABLE=record to send to the others and record "
            "these as undeliverable"
        )

    _insert_missing_rows(session, document.id, channel.channel, [r.contact_id for r in chosen.recipients], now)
    session.commit()
    row_ids = dict(
        session.exec(
            select(Delivery.contact_id, Delivery.id).where(
                Delivery.document_id == document.id, Delivery.channel == channel.channel
            )
        ).all()
    )

    sender = mail.sender()
    outcomes: list[RecipientOutcome] = []
    stopped: str | None = None
    for recipient in chosen.recipients:
        delivery_id = row_ids[recipient.contact_id]
        assert delivery_id is not None
        row = _claim(session, delivery_id)

        def outcome(kind: Outcome, row: Delivery | None = row, recipient: Recipient = recipient) -> RecipientOutcome:
            return _outcome(kind, recipient, row)

        if row is None:
            outcomes.append(outcome(Outcome.pending))
            continue
        if row.status is DeliveryStatus.sent:
            outcomes.append(outcome(Outcome.already_sent))
            session.commit()
            continue
        if row.status is DeliveryStatus.undeliverable and not recipient.email:
            outcomes.append(outcome(Outcome.undeliverable))
            session.commit()
            continue
        if row.status is DeliveryStatus.failed and not retry_failed:
            outcomes.append(outcome(Outcome.failed_before))
            session.commit()
            continue
        if stopped is not None:
            outcomes.append(outcome(Outcome.pending))
            session.commit()
            continue
        if not recipient.email:
            row.status, row.error, row.updated_at = DeliveryStatus.undeliverable, MISSING_EMAIL, now
            session.commit()
            outcomes.append(outcome(Outcome.undeliverable))
            continue

        message_id = message_id_for(delivery_id, document.content_hash, mail.message_id_domain)
        try:
            message = build_message(
                sender=sender,
                recipient=mailbox(recipient.email, recipient.display_name),
                subject=document.title,
                body_text=content.body_text,
                attachments=content.attachments_for(recipient.organization_code),
                message_id=message_id,
                date=now,
            )
        except ValueError as error:  # an address the roster should not have accepted
            row.status, row.error, row.updated_at = DeliveryStatus.failed, _error_text(str(error)), now
            session.commit()
            outcomes.append(outcome(Outcome.failed))
            continue
        outbound = OutboundMail(
            message=message,
            envelope_from=mail.sender_address,
            envelope_to=recipient.email,
            outbox_path=outbox_path(cycle.fiscal_year, document, recipient),
        )
        result, stopped = _send_with_retries(outbound, channel, row, max_attempts, backoff, sleep)
        row.updated_at = now
        if result is Outcome.sent:
            row.status, row.sent_at, row.message_id, row.error = DeliveryStatus.sent, now, message_id, None
        elif result is Outcome.failed:
            row.status = DeliveryStatus.failed
        session.commit()
        outcomes.append(outcome(result))

    return DeliveryReport(
        document_id=document.id,
        title=document.title,
        channel=channel.channel,
        recipients_label=chosen.label,
        outcomes=tuple(outcomes),
        stopped=stopped,
    )


def _send_with_retries(
    mail: OutboundMail,
    channel: Transport,
    row: Delivery,
    max_attempts: int,
    backoff: Callable[[int], float],
    sleep: Callable[[float], None],
) -> tuple[Outcome, str | None]:
    """Send with bounded retries; returns the outcome and, when the channel is unusable, why the batch must stop.
    Updates `row.attempts` and `row.error`; the caller sets the status and commits."""
    for attempt in range(1, max_attempts + 1):
        row.attempts += 1
        try:
            channel.send(mail)
        except PermanentDeliveryError as error:
            row.error = _error_text(error)
            return Outcome.failed, None
        except ChannelError as error:
            row.error = _error_text(error)
            return Outcome.pending, str(error)
        except TransientDeliveryError as error:
            row.error = _error_text(f"{error} (attempt {row.attempts})")
            if attempt == max_attempts:
                return Outcome.pending, (str(error) if error.connection else None)
            sleep(backoff(attempt))
            continue
        return Outcome.sent, None
    raise AssertionError("unreachable: the loop returns on its last attempt")


@dataclass(frozen=True)
class DeliveryLine:
    """One row of `council deliveries`: a document version, a recipient, a channel and where it stands."""

    delivery_id: int
    document_id: int
    kind: str
    subject: str
    version: int
    title: str
    organization_code: str
    organization_name: str
    role: str
    email: str | None
    channel: Channel
    status: DeliveryStatus
    attempts: int
    message_id: str | None
    error: str | None
    sent_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "document_id": self.document_id,
            "kind": self.kind,
            "subject": self.subject,
            "version": self.version,
            "title": self.title,
            "organization_code": self.organization_code,
            "organization_name": self.organization_name,
            "role": self.role,
            "email": self.email,
            "channel": self.channel.value,
            "status": self.status.value,
            "attempts": self.attempts,
            "message_id": self.message_id,
            "error": self.error,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }


def delivery_status(
    session: Session, fiscal_year: int, *, document_id: int | None = None, council_id: int | None = None
) -> list[DeliveryLine]:
    """Every delivery of the fiscal year's documents, by document then roster order."""
    statement = (
        select(Delivery, Document, Contact, Organization)
        .join(Document, col(Document.id) == col(Delivery.document_id))
        .join(Cycle, col(Cycle.id) == col(Document.cycle_id))
        .join(Contact, col(Contact.id) == col(Delivery.contact_id))
        .join(Organization, col(Organization.id) == col(Contact.organization_id))
        .where(Cycle.fiscal_year == fiscal_year)
        .order_by(
            col(Document.id),
            col(Delivery.channel),
            col(Organization.sort_order),
            col(Organization.code),
            col(Contact.role),
        )
    )
    if document_id is not None:
        statement = statement.where(Document.id == document_id)
    if council_id is not None:
        statement = statement.where(Cycle.council_id == council_id)
    lines: list[DeliveryLine] = []
    for delivery, document, contact, organization in session.exec(statement).all():
        assert delivery.id is not None
        assert document.id is not None
        lines.append(
            DeliveryLine(
                delivery_id=delivery.id,
                document_id=document.id,
                kind=document.kind.value,
                subject=document.subject,
                version=document.version,
                title=document.title,
                organization_code=organization.code,
                organization_name=organization.name,
                role=contact.role,
                email=contact.email,
                channel=delivery.channel,
                status=delivery.status,
                attempts=delivery.attempts,
                message_id=delivery.message_id,
                error=delivery.error,
                sent_at=delivery.sent_at,
            )
        )
    return lines
