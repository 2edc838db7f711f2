"""The secretariat's approval before a meeting's documents are sent: asked by a flow run, answered by a person.

Prefect holds the waiting run (paused or suspended) and carries the answer; these rows are the record of who
approved what and when, and let `council approve MEETING` find the run that waits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from council.audit import record_change
from council.errors import InputError, NotFoundError
from council.meetings.lifecycle import find_meeting_of_year
from models import Approval, ApprovalDecision, ApprovalStatus, Meeting

APPROVAL_SETTING = "COUNCIL_APPROVAL"
_ON = frozenset({"on", "1", "true", "yes"})
_OFF = frozenset({"off", "0", "false", "no"})


def approval_required(environ: Mapping[str, str]) -> bool:
    """COUNCIL_APPROVAL=on|off (default on): whether documents wait for the secretariat's approval before sending."""
    value = environ.get(APPROVAL_SETTING, "on").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise InputError(f"{value!r} is not on or off", field=APPROVAL_SETTING)


def request_approval(
    session: Session,
    *,
    meeting: Meeting,
    flow_run_id: str,
    kinds: Sequence[str],
    document_ids: Sequence[int],
    now: datetime,
    actor: str,
) -> Approval:
    """Ask for approval (idempotent per meeting and flow run). Any older request still open for the meeting is
    expired: only the newest preparation can be approved."""
    assert meeting.id is not None
    existing = session.exec(
        select(Approval).where(Approval.meeting_id == meeting.id, Approval.flow_run_id == flow_run_id)
    ).first()
    if existing is not None:
        return existing
    for stale in session.exec(
        select(Approval).where(Approval.meeting_id == meeting.id, Approval.status == ApprovalStatus.requested)
    ).all():
        _settle(session, stale, ApprovalStatus.expired, now=now, actor=actor, comment="superseded by a newer request")
    approval = Approval(
        meeting_id=meeting.id,
        flow_run_id=flow_run_id,
        kinds=",".join(kinds),
        document_ids=list(document_ids),
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


def record_decision(
    session: Session,
    *,
    meeting: Meeting,
    flow_run_id: str,
    decision: ApprovalDecision,
    comment: str | None,
    decided_by: str,
    now: datetime,
) -> Approval:
    """Store the answer the waiting run received (idempotent: a settled approval is returned as it is)."""
    approval = session.exec(
        select(Approval).where(Approval.meeting_id == meeting.id, Approval.flow_run_id == flow_run_id)
    ).first()
    if approval is None:
        raise NotFoundError(f"no approval was asked for meeting {meeting.key!r} by flow run {flow_run_id}")
    if approval.status in (ApprovalStatus.approved, ApprovalStatus.changes_requested):
        return approval
    status = ApprovalStatus.approved if decision == ApprovalDecision.approve else ApprovalStatus.changes_requested
    return _settle(session, approval, status, now=now, actor=decided_by, comment=comment, key=meeting.key)


def expire(session: Session, approval: Approval, *, now: datetime, actor: str, reason: str) -> Approval:
    """The waiting run is gone (timed out, crashed, cancelled): the next preparation asks again."""
    if approval.status != ApprovalStatus.requested:
        return approval
    return _settle(session, approval, ApprovalStatus.expired, now=now, actor=actor, comment=reason)


def waiting_approval(session: Session, *, council_id: int, fiscal_year: int, meeting_key: str) -> Approval:
    """The open request of a meeting; NotFoundError when nothing waits for an answer."""
    meeting = find_meeting_of_year(session, council_id=council_id, fiscal_year=fiscal_year, meeting_key=meeting_key)
    approval = session.exec(
        select(Approval)
        .where(Approval.meeting_id == meeting.id, Approval.status == ApprovalStatus.requested)
        .order_by(col(Approval.requested_at).desc())
    ).first()
    if approval is None:
        raise NotFoundError(f"nothing of meeting {meeting_key!r} ({fiscal_year}) is waiting for approval")
    return approval


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
