"""Sending one issued document version to its recipients: the use case the flows, the CLI and the console call.

Exactly once per document version × contact × channel (council.delivery.service): a batch killed half-way and run
again sends only to those who lack the document. When someone is still pending (a relay saying "later", a channel
that stopped) it raises IncompleteDeliveryError after recording what went out, so a flow's task retries and the CLI
exits 1; recipients without an address stop it before anything is sent, unless the settings say to go on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from council.context import Context
from council.delivery.recipients import (
    RecipientGroup,
    RecipientSet,
    recipients_for_document,
    resolve_contacts,
    resolve_groups,
    resolve_organizations,
)
from council.delivery.service import DeliveryReport, Outcome, deliver_document
from council.errors import NotFoundError, TransientError
from models import Document


class IncompleteDeliveryError(TransientError):
    """Some recipients still lack the document (a transient failure, or a channel that stopped)."""

    def __init__(self, report: DeliveryReport) -> None:
        super().__init__(f"{report.title}: {report.summary_ja()}")
        self.report = report


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
    undeliverable: int
    not_delivered: int  # failed or still pending (undeliverable ones are settled: the secretariat chose to go on)
    lines: tuple[DeliveryLine, ...]
    report: DeliveryReport

    @property
    def delivered_codes(self) -> list[str]:
        """Organisations whose contact has the document (now or from an earlier run)."""
        delivered = (Outcome.sent.value, Outcome.already_sent.value)
        return sorted({line.organization_code for line in self.lines if line.outcome in delivered})


def summarize(report: DeliveryReport, codes: dict[int, str]) -> DeliverySummary:
    settled = report.count(Outcome.sent) + report.count(Outcome.already_sent) + report.count(Outcome.undeliverable)
    return DeliverySummary(
        document_id=report.document_id,
        title=report.title,
        sent=report.count(Outcome.sent),
        already_sent=report.count(Outcome.already_sent),
        undeliverable=report.count(Outcome.undeliverable),
        not_delivered=len(report.outcomes) - settled,
        lines=tuple(
            DeliveryLine(item.recipient, codes.get(item.contact_id, ""), item.email, item.outcome.value)
            for item in report.outcomes
        ),
        report=report,
    )


def deliver(
    ctx: Context,
    document_id: int,
    *,
    organization_ids: Sequence[int] | None = None,
    contact_ids: Sequence[int] | None = None,
    groups: Sequence[RecipientGroup] | None = None,
    label: str | None = None,
    retry_failed: bool = False,
) -> DeliverySummary:
    """Send one issued version to its own recipients (see recipients_for_document), or to the primary contacts of
    `organization_ids`, or to `contact_ids`, or to `groups`, over the configured channel."""
    with ctx.transaction() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFoundError(f"no document with id {document_id}", field="document")
        recipients: RecipientSet
        if organization_ids:
            recipients = resolve_organizations(session, organization_ids, label=label or "対象団体")
        elif contact_ids:
            recipients = resolve_contacts(session, contact_ids, label=label or "送付先")
        elif groups:
            recipients = resolve_groups(session, groups)
        else:
            recipients = recipients_for_document(session, document)
        transport = ctx.open_transport()
        try:
            report = deliver_document(
                session,
                document_id,
                channel=transport,
                now=ctx.clock.now,
                home=ctx.settings.home,
                mail=ctx.settings.mail,
                recipients=recipients,
                undeliverable=ctx.settings.undeliverable,
                retry_failed=retry_failed,
            )
        finally:
            transport.close()
    if report.stopped or report.count(Outcome.pending):
        raise IncompleteDeliveryError(report)
    return summarize(report, {r.contact_id: r.organization_code for r in recipients.recipients})
