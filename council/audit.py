"""Writing the audit log: every state change with who, when, before and after."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlmodel import Session, SQLModel

from models import AuditEvent


def _plain(value: Any) -> Any:
    """JSON-safe form of a column value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def snapshot(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    plain = {key: _plain(value) for key, value in values.items()}
    json.dumps(plain)  # fail here, not at flush, if something is not serialisable
    return plain


def record_change(
    session: Session,
    *,
    action: str,
    row: SQLModel,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
    actor: str,
    key: str | None = None,
    flow_run_id: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        occurred_at=now,
        actor=actor,
        action=action,
        entity=str(getattr(row, "__tablename__", type(row).__name__.lower())),
        entity_id=getattr(row, "id", None),
        entity_key=key,
        before=snapshot(before),
        after=snapshot(after),
        flow_run_id=flow_run_id,
    )
    session.add(event)
    return event
