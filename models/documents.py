"""Generated documents, their official numbers, and every delivery of them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import Channel, DeliveryStatus, DocumentKind, DocumentStatus
from models.types import aware_column, enum_column, json_column


class DocumentNumber(SQLModel, table=True):
    """An issued 文書番号 of one council: numbered per fiscal year of its issue date, in issue order, never reused
    (a superseded document keeps its number). The 文書番号簿 (register) is this table in sequence order.

    The label is unique within its fiscal year only: a format like 市第{n}号 restarts every April, so 市第1号 of
    FY2026 and of FY2027 are different numbers (the date beside them tells them apart)."""

    __table_args__ = (
        sa.UniqueConstraint("council_id", "fiscal_year", "sequence"),
        sa.UniqueConstraint("council_id", "fiscal_year", "label"),
        sa.CheckConstraint("sequence >= 1", name="ck_documentnumber_sequence"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    fiscal_year: int
    sequence: int = Field(ge=1)
    label: str = Field(max_length=60)  # e.g. 市第12号
    issued_on: date  # the date the letter carries (a business day)
    issued_at: datetime = Field(sa_column=aware_column())


class Document(SQLModel, table=True):
    """One version of one document kind about one subject (e.g. notice × meeting 'council-1').

    A draft (案) has no number and no date and follows the current state; at most one draft per kind and subject.
    Issuing it (approval or delivery, on a business day) gives it its 文書番号 (letters) and date and freezes it: its
    `facts` — everything it says — are kept, so its files can be rendered again byte for byte, and it never changes
    again. A correction is a new issued version that `revises` the old one, with its reason (訂正).
    """

    __table_args__ = (
        sa.UniqueConstraint("cycle_id", "kind", "subject", "version"),
        sa.CheckConstraint("(status = 'draft') = (issued_on IS NULL)", name="ck_document_issued_on"),
        sa.CheckConstraint("status <> 'draft' OR number_id IS NULL", name="ck_document_draft_unnumbered"),
        sa.CheckConstraint("(revises_id IS NULL) = (correction_reason IS NULL)", name="ck_document_correction_reason"),
        sa.Index(
            "ux_document_one_draft",
            "cycle_id",
            "kind",
            "subject",
            unique=True,
            postgresql_where=sa.text("status = 'draft'"),
            sqlite_where=sa.text("status = 'draft'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    kind: DocumentKind = Field(sa_column=enum_column(DocumentKind))
    subject: str = Field(max_length=80)  # a meeting key, 'survey', 'year' …
    version: int = Field(default=1, ge=1)
    status: DocumentStatus = Field(default=DocumentStatus.draft, sa_column=enum_column(DocumentStatus))
    title: str = Field(max_length=300)
    number_id: int | None = Field(default=None, foreign_key="documentnumber.id", unique=True)
    content_hash: str = Field(max_length=64)  # of what it says, without its number and date
    directory: str = Field(max_length=500)  # relative to COUNCIL_HOME
    planned_issue_on: date | None = None  # a draft's planned issue day (from the plan's task)
    issued_on: date | None = None
    issued_at: datetime | None = Field(default=None, sa_column=aware_column(nullable=True))
    issued_by: str | None = Field(default=None, max_length=100)
    addressees: str | None = Field(default=None, max_length=1000)  # as the letter names them, one per line
    sender: str | None = Field(default=None, max_length=200)
    facts: dict[str, Any] | None = Field(default=None, sa_column=json_column())  # the context it was rendered from
    revises_id: int | None = Field(default=None, foreign_key="document.id")
    correction_reason: str | None = Field(default=None, max_length=1000)
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
