"""Storing reference rows by their natural key, with what changed: shared by the roster (council.reference) and the
regional bodies (council.bodies.reference)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from council.audit import record_change

ENTITIES = ("council", "organization", "contact", "membership", "area", "regional_body", "body_member")


@dataclass
class LoadReport:
    added: Counter[str] = field(default_factory=Counter)
    changed: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    details: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = []
        for entity in ENTITIES:
            counts = (self.added[entity], self.changed[entity], self.removed[entity], self.unchanged[entity])
            if entity in ENTITIES[:4] or any(counts):
                parts.append(f"{entity}: +{counts[0]} ~{counts[1]} -{counts[2]} ={counts[3]}")
        return "; ".join(parts)


def fields(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def upsert(
    session: Session,
    report: LoadReport,
    entity: str,
    existing: Any,
    values: dict[str, Any],
    create: Any,
    *,
    now: datetime,
    actor: str,
    key: str,
) -> Any:
    """Insert `values` as a new `create` row, or bring `existing` up to them; counted in `report` and audited."""
    if existing is None:
        row = create(**values)
        session.add(row)
        session.flush()
        report.added[entity] += 1
        record_change(
            session, action=f"{entity}.added", row=row, before=None, after=values, now=now, actor=actor, key=key
        )
        return row
    before = fields(existing, tuple(values))
    if before == values:
        report.unchanged[entity] += 1
        return existing
    for name, value in values.items():
        setattr(existing, name, value)
    session.add(existing)
    report.changed[entity] += 1
    report.details.append(
        f"{entity} {key}: " + ", ".join(f"{n} {before[n]!r}→{values[n]!r}" for n in values if before[n] != values[n])
    )
    record_change(
        session, action=f"{entity}.changed", row=existing, before=before, after=values, now=now, actor=actor, key=key
    )
    return existing
