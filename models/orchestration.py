"""What the orchestration remembers in our database: the daily ticks and the approvals asked before sending.

Prefect shows runs; these rows are the record. A tick per (council, date) says which days the heartbeat covered, so
a missed day is visible and the next tick catches up. An approval per (meeting, flow run) says who approved which
document versions for sending, when, and with what comment.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import aware_column, enum_column, json_column


class TickRun(SQLModel, table=True):
    """One daily heartbeat for one date. Re-running a date updates its row; `finished_at` is empty while it runs
    (or when it crashed)."""

    __table_args__ = (sa.UniqueConstraint("council_id", "as_of"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    as_of: date
    started_at: datetime = Field(sa_column=aware_column())
    finished_at: datetime | None = Field(default=None, sa_column=aware_column(nullable=True))
    action_count: int = 0
    actions: list[Any] | None = Field(default=None, sa_column=json_column())  # ['kickoff-survey 2026', …]
    flow_run_id: str | None = Field(default=None, max_length=64)


class ApprovalStatus(StrEnum):
    requested = "requested"  # waiting for someone: the flow run is paused or suspended
    approved = "approved"
    changes_requested = "changes_requested"  # nothing was sent; the next preparation asks again
    expired = "expired"  # the waiting run timed out or is gone; the next preparation asks again


class ApprovalDecision(StrEnum):
    approve = "approve"
    request_changes = "request_changes"


class Approval(SQLModel, table=True):
    """The secretariat's go-ahead for issuing and sending a meeting's drafts (notice, agenda): asked by a flow run
    (which waits for the answer) or by a direct preparation (CLI, console: `flow_run_id` empty), for drafts whose
    content is recorded by hash — a draft that changed since needs a new approval."""

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "flow_run_id"),
        sa.CheckConstraint(
            "(status IN ('approved', 'changes_requested')) = (decided_at IS NOT NULL)", name="ck_approval_decided_at"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    flow_run_id: str | None = Field(default=None, max_length=64)
    kinds: str = Field(max_length=100)  # the document kinds to send, e.g. 'notice,agenda'
    document_ids: list[Any] | None = Field(default=None, sa_column=json_column())
    content_hashes: list[Any] | None = Field(default=None, sa_column=json_column())  # of those drafts, in order
    status: ApprovalStatus = Field(default=ApprovalStatus.requested, sa_column=enum_column(ApprovalStatus, index=True))
    requested_at: datetime = Field(sa_column=aware_column())
    decided_at: datetime | None = Field(default=None, sa_column=aware_column(nullable=True))
    decided_by: str | None = Field(default=None, max_length=100)
    comment: str | None = Field(default=None, max_length=2000)
