"""Generated documents, their official numbers, and every delivery of them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import Channel, DeliveryStatus, DocumentKind, DocumentStatus
from models.types import aware_column, enum_column


class DocumentNumber(SQLModel, table=True):
    """An issued 文書番号: numbered per fiscal year and never reused, even if its document is superseded.

    The label is unique within its fiscal year only: a format like 市第{n}号 restarts every April, so 市第1号 of
    FY2026 and of FY2027 are different numbers (the date beside them tells them apart)."""

    __table_args__ = (sa.UniqueConstraint("fiscal_year", "sequence"), sa.UniqueConstraint("fiscal_year", "label"))

    id: int | None = Field(default=None, primary_key=True)
    fiscal_year: int
    sequence: int = Field(ge=1)
    label: str = Field(max_length=60)  # e.g. 市第12号
    issued_at: datetime = Field(sa_column=aware_column())


class Document(SQLModel, table=True):
    """One version of one document kind about one subject (e.g. notice × meeting 'council-1').

    Rendering unchanged content again changes nothing (same `content_hash`); a change adds version n+1 and marks
    the previous one superseded.
    """

    __table_args__ = (sa.UniqueConstraint("cycle_id", "kind", "subject", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    kind: DocumentKind = Field(sa_column=enum_column(DocumentKind))
    subject: str = Field(max_length=80)  # a meeting key, 'survey', 'year' …
    version: int = Field(default=1, ge=1)
    status: DocumentStatus = Field(default=DocumentStatus.current, sa_column=enum_column(DocumentStatus))
    title: str = Field(max_length=300)
    number_id: int | None = Field(default=None, foreign_key="documentnumber.id")
    content_hash: str = Field(max_length=64)
    directory: str = Field(max_length=500)  # relative to COUNCIL_HOME
    created_at: datetime = Field(sa_column=aware_column())


class Delivery(SQLModel, table=True):
    """One document version to one recipient over one channel — the unique key is what makes a rerun safe."""

    __table_args__ = (sa.UniqueConstraint("document_id", "contact_id", "channel"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    channel: Channel = Field(sa_column=enum_column(Channel))
    status: DeliveryStatus = Field(default=DeliveryStatus.queued, sa_column=enum_column(DeliveryStatus))
    attempts: int = 0
    message_id: str | None = Field(default=None, max_length=200)
    error: str | None = Field(default=None, max_length=1000)
    sent_at: datetime | None = Field(default=None, sa_column=aware_column(nullable=True))
    updated_at: datetime = Field(sa_column=aware_column())
