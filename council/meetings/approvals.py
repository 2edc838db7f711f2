"""The secretariat's approval before a meeting's drafts are issued and sent: asked, answered, recorded.

An approval is asked for drafts of a known content (their ids and content hashes). It is answered with `decide` —
from `council approve`, the console, or the answer a waiting flow run received in the Prefect UI: all the same use
case. A preparation goes ahead only with an approval for exactly the drafts it would issue; a draft that changed
since needs a new one. Prefect may hold a waiting run (paused or suspended); these rows are the record of who
approved what and when, and let a preparation started again find the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from council.audit import record_change
from council.errors import NotFoundError
from models import Approval, ApprovalDecision, ApprovalStatus, Meeting

SETTLED = (ApprovalStatus.approved, ApprovalStatus.changes_requested)


@dataclass(frozen=True)
class DraftRef:
    """A draft (or an already issued version) a preparation would issue: its id, kind and content hash."""

    document_id: int
    kind: str
    content_hash: str
    issued: bool = False


def matches(approval: Approval, drafts: Sequence[DraftRef]) -> bool:
    wanted = [draft for draft in drafts if not draft.issued]
    return list(approval.document_ids or []) == [draft.document_id for draft in wanted] and list(
        approval.content_hashes or []
    ) == [draft.content_hash for draft in wanted]


def latest_for(session: Session, meeting: Meeting, drafts: Sequence[DraftRef]) -> Approval | None:
    """The newest approval asked for exactly these drafts (None when none was asked)."""
    rows = session.exec(
        select(Approval)
        .where(Approval.meeting_id == meeting.id, Approval.status != ApprovalStatus.expired)
        .order_by(col(Approval.requested_at).desc(), col(Approval.id).desc())
    ).all()
    return next((row for row in rows if matches(row, drafts)), None)


def request_approval(
    session: Session,
    *,
    meeting: Meeting,
    drafts: Sequence[DraftRef],
    flow_run_id: str | None,
    now: datetime,
    actor: str,
) -> Approval:
    """Ask for approval of `drafts` (idempotent per meeting, drafts and flow run). Any other request still open for
    the meeting is expired: only the newest preparation can be approved."""
    assert meeting.id is not None
    wanted = [draft for draft in drafts if not draft.issued]
    existing = latest_for(session, meeting, drafts)
    if existing is not None and existing.flow_run_id == flow_run_id:
        return existing
    for stale in session.exec(
        select(Approval).where(Approval.meeting_id == meeting.id, Approval.status == ApprovalStatus.requested)
    ).all():
        _settle(session, stale, ApprovalStatus.expired, now=now, actor=actor, comment="superseded by a newer request")
    approval = Approval(
        meeting_id=meeting.id,
        flow_run_id=flow_run_id,
        kinds=",".join(draft.kind for draft in wanted),
        document_ids=[draft.document_id for draft in wanted],
        content_hashes=[draft.content_hash for draft in wanted],
        requested_at=now,
    )
    session.add(approval)
    session.flush()
    record_change(
        session,
        action="approval.requested",
        row=approval,
        before=None,
        after={"kinds": approval.kinds, "document_ids": approval.document_ids},
        now=now,
        actor=actor,
        key=meeting.key,
        flow_run_id=flow_run_id,
    )
    return approval


def waiting_approval(session: Session, meeting: Meeting) -> Approval:
    """The open request of a meeting; NotFoundError when nothing waits for an answer."""
    approval = session.exec(
        select(Approval)
        .where(Approval.meeting_id == meeting.id, Approval.status == ApprovalStatus.requested)
        .order_by(col(Approval.requested_at).desc(), col(Approval.id).desc())
    ).first()
    if approval is None:
        raise NotFoundError(f"nothing of meeting {meeting.key!r} is waiting for approval", field="meeting")
    return approval


def decide(
    session: Session,
    approval: Approval,
    *,
    decision: ApprovalDecision,
    comment: str | None,
    decided_by: str,
    now: datetime,
    meeting_key: str,
) -> Approval:
    """Record the answer (idempotent: a settled approval is returned as it is)."""
    if approval.status in SETTLED:
        return approval
    status = ApprovalStatus.approved if decision == ApprovalDecision.approve else ApprovalStatus.changes_requested
    return _settle(session, approval, status, now=now, actor=decided_by, comment=comment, key=meeting_key)


def expire(session: Session, approval: Approval, *, now: datetime, actor: str, reason: str) -> Approval:
    """The waiting run is gone (timed out, crashed, cancelled): the next preparation asks again."""
    if approval.status != ApprovalStatus.requested:
        return approval
    return _settle(session, approval, ApprovalStatus.expired, now=now, actor=actor, comment=reason)


def expire_open(session: Session, meeting: Meeting, *, now: datetime, actor: str, reason: str) -> int:
    rows = session.exec(
        select(Approval).where(Approval.meeting_id == meeting.id, Approval.status == ApprovalStatus.requested)
    ).all()
    for row in rows:
        expire(session, row, now=now, actor=actor, reason=reason)
    return len(rows)


def _settle(
    session: Session,
    approval: Approval,
    status: ApprovalStatus,
    *,
    now: datetime,
    actor: str,
    comment: str | None,
    key: str | None = None,
) -> Approval:
    before = {"status": approval.status}
    approval.status = status
    approval.comment = comment
    if status != ApprovalStatus.expired:
        approval.decided_at, approval.decided_by = now, actor
    session.add(approval)
    session.flush()
    record_change(
        session,
        action=f"approval.{status.value}",
        row=approval,
        before=before,
        after={"status": status, "comment": comment},
        now=now,
        actor=actor,
        key=key,
        flow_run_id=approval.flow_run_id,
    )
    return approval
