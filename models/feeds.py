"""Calendar feeds: what was published (snapshots), how each event was stamped, and who may read private feeds."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import aware_column


class FeedSnapshot(SQLModel, table=True):
    """The published bytes of one feed. `changed_at` moves only when the bytes change: it is the HTTP
    Last-Modified, so an unchanged rebuild keeps both the ETag and the date that clients revalidate against."""

    __table_args__ = (
        sa.CheckConstraint("length(name) > 0", name="ck_feedsnapshot_name_nonempty"),
        sa.CheckConstraint("event_count >= 0", name="ck_feedsnapshot_event_count"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)  # e.g. council, secretariat, org-062014, region-murayama
    title: str = Field(max_length=200)
    public: bool
    body: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))
    body_sha256: str = Field(max_length=64)
    event_count: int = 0
    changed_at: datetime = Field(sa_column=aware_column())
    built_at: datetime = Field(sa_column=aware_column())


class FeedItemStamp(SQLModel, table=True):
    """When an event's published content last changed and its SEQUENCE, keyed by the event's UID.

    Stages and tasks carry no revision counter of their own; this table gives every event a DTSTAMP that moves
    only when the event changes, and a SEQUENCE that rises when its time, status or place changes.
    """

    __table_args__ = (sa.CheckConstraint("sequence >= 0", name="ck_feeditemstamp_sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=64, unique=True)
    internal_id: str = Field(max_length=200)
    content_sha256: str = Field(max_length=64)
    schedule_sha256: str = Field(max_length=64)  # start, end, status, location only
    sequence: int = 0
    changed_at: datetime = Field(sa_column=aware_column())


class FeedToken(SQLModel, table=True):
    """One subscriber's access to one private feed. Only a hash of the token is stored: the token itself is shown
    once, when it is created."""

    __table_args__ = (sa.CheckConstraint("length(token_sha256) = 64", name="ck_feedtoken_hash_length"),)

    id: int | None = Field(default=None, primary_key=True)
    feed: str = Field(max_length=80, index=True)
    label: str = Field(max_length=200)
    token_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=aware_column())
    revoked_at: datetime | None = Field(default=None, sa_column=aware_column(nullable=True))
