"""The audit log: every state change, who made it, when, and what it was before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from models.types import aware_column, json_column


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(sa_column=aware_column(index=True))
    actor: str = Field(max_length=100)
    action: str = Field(max_length=60, index=True)  # e.g. 'meeting.pinned', 'task.done'
    entity: str = Field(max_length=40)  # table name
    entity_id: int | None = None
    entity_key: str | None = Field(default=None, max_length=120)
    before: dict[str, Any] | None = Field(default=None, sa_column=json_column())
    after: dict[str, Any] | None = Field(default=None, sa_column=json_column())
    flow_run_id: str | None = Field(default=None, max_length=64)
