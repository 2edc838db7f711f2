"""One delivery batch as a Prefect task, and marking a planner task done from a flow.

Delivery is exactly-once per document version × contact × channel by the database (council.delivery.service): a
batch killed half-way and run again sends only to those who lack the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from prefect import task
from sqlmodel import Session

from council.config import get_settings
from council.delivery.recipients import RecipientSet, recipients_for_document, resolve_organizations
from council.delivery.service import DeliveryReport, Outcome, deliver_document
from council.errors import InputError
from council.tasks.tracking import complete_task, find_task
from flows.common import TASK_OPTIONS, checkpoint, flow_actor, flow_run_id, open_transport, run_clock
from models import Document, TaskStatus
from models.db import session_scope


class IncompleteDeliveryError(Exception):
    """Some recipients still lack the document (a transient failure, or a channel that stopped): retried."""


@dataclass(frozen=True)
class DeliveryLine:
    recipient: str
    organization_code: str
    email: str | None
    outcome: str


@dataclass(frozen=True)
class DeliverySummary:
    document_id: int
    title: str
    sent: int
    already_sent: int
    not_delivered: int
    lines: tuple[DeliveryLine, ...]

    @property
    def delivered_codes(self) -> list[str]:
        """Organisations whose contact has the document (now or from an earlier run)."""
        delivered = (Outcome.sent.value, Outcome.already_sent.value)
        return sorted({line.organization_code for line in self.lines if line.outcome in delivered})


def summarize_delivery(report: DeliveryReport, codes: dict[int, str]) -> DeliverySummary:
    delivered = report.count(Outcome.sent) + report.count(Outcome.already_sent)
    return DeliverySummary(
        document_id=report.document_id,
        title=report.title,
        sent=report.count(Outcome.sent),
        already_sent=report.count(Outcome.already_sent),
        not_delivered=len(report.outcomes) - delivered,
        lines=tuple(
            DeliveryLine(item.recipient, codes.get(item.contact_id, ""), item.email, item.outcome.value)
            for item in report.outcomes
        ),
    )


def deliver(
    session: Session, document_id: int, *, as_of: date | None, recipients: RecipientSet | None
) -> DeliverySummary:
    """Send one document to `recipients` (default: its own, see recipients_for_document) over the configured
    channel. Raises IncompleteDeliveryError when someone is still pending, so that the task is retried."""
    clock = run_clock(as_of)
    document = session.get(Document, document_id)
    if document is None:
        raise InputError(f"no document with id {document_id}")
    chosen = recipients if recipients is not None else recipients_for_document(session, document)
    transport = open_transport()
    try:
        report = deliver_document(session, document_id, channel=transport, now=clock.now, recipients=chosen)
    finally:
        transport.close()
    summary = summarize_delivery(report, {r.contact_id: r.organization_code for r in chosen.recipients})
    if report.stopped or report.count(Outcome.pending):
        raise IncompleteDeliveryError(f"{report.title}: {report.summary_ja()}")
    return summary


@task(name="deliver-document", **TASK_OPTIONS)
def deliver_task(
    document_id: int, as_of: date | None, organization_ids: list[int] | None = None, label: str | None = None
) -> DeliverySummary:
    """One delivery batch: one document version to its recipients (or to these organisations), each exactly once."""
    with session_scope() as session:
        recipients = (
            resolve_organizations(session, organization_ids, label=label or "対象団体") if organization_ids else None
        )
        summary = deliver(session, document_id, as_of=as_of, recipients=recipients)
    checkpoint(f"delivered:{document_id}")
    return summary


def complete_planner_task(session: Session, fiscal_year: int, key: str, as_of: date | None) -> bool:
    """Mark a task of the year done with this flow as actor and its run id (when it exists and is not cancelled);
    True when it is done."""
    clock = run_clock(as_of)
    try:
        row = find_task(session, key, fiscal_year=fiscal_year, council_code=get_settings().council_code)
    except InputError:
        return False
    if row.status == TaskStatus.cancelled:
        return False
    assert row.id is not None
    complete_task(session, row.id, now=clock.now, actor=flow_actor(), flow_run_id=flow_run_id())
    return True
