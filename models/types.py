"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class AwareDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware instant, stored as UTC; naive datetimes are refused (their zone would be a guess).

    SQLite keeps no offset, so values are written as naive UTC and read back as aware UTC; PostgreSQL keeps
    `timestamptz`. Convert to Asia/Tokyo at the edges (documents, feeds, CLI).
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: give it a time zone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum_cls: type[Enum]) -> sa.Enum:
    """An enum stored as its value in a VARCHAR, the same on SQLite and PostgreSQL (no native PG type: adding a
    member is then a plain constraint change in a migration). The CHECK constraint is added by enum_column."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def enum_column(enum_cls: type[Enum], *, nullable: bool = False, index: bool = False) -> Any:
    """A column holding one of `enum_cls`'s values, checked by the schema with a constraint named
    ck_<table>_<column> (one per column: two columns of the same enum in a table must not share a name)."""
    column: sa.Column[Any] = sa.Column(enum_type(enum_cls), nullable=nullable, index=index)
    allowed = ", ".join(f"'{member.value}'" for member in enum_cls)

    @sa.event.listens_for(column, "after_parent_attach")
    def _add_check(target: sa.Column[Any], table: sa.Table) -> None:
        table.append_constraint(
            sa.CheckConstraint(f"{target.name} IN ({allowed})", name=f"ck_{table.name}_{target.name}")
        )

    return column


def aware_column(*, nullable: bool = False, index: bool = False) -> Any:
    return sa.Column(AwareDateTime(), nullable=nullable, index=index)


def json_column(*, nullable: bool = True) -> Any:
    return sa.Column(sa.JSON(), nullable=nullable)
