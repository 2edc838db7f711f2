"""Collaboration themes: from a survey need to a decided initiative, across fiscal years."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import InitiativeKind, SurveySection, ThemeStatus
from models.types import aware_column, enum_column, json_column


class Theme(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("council_id", "code"),
        sa.CheckConstraint("(status = 'deferred') = (deferred_to_year IS NOT NULL)", name="ck_theme_deferred_year"),
        sa.CheckConstraint("status <> 'decided' OR initiative_kind IS NOT NULL", name="ck_theme_decided_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    code: str = Field(max_length=40)  # stable, e.g. 'T2026-03'
    origin_fiscal_year: int
    current_fiscal_year: int = Field(index=True)  # the year whose plan and agendas it appears in
    title: str = Field(max_length=200)
    section: SurveySection = Field(sa_column=enum_column(SurveySection))
    category: str = Field(max_length=40)  # a taxonomy code, e.g. 'shopping'
    status: ThemeStatus = Field(default=ThemeStatus.candidate, sa_column=enum_column(ThemeStatus, index=True))
    initiative_kind: InitiativeKind | None = Field(default=None, sa_column=enum_column(InitiativeKind, nullable=True))
    deferred_to_year: int | None = None
    summary: str | None = Field(default=None, max_length=2000)
    updated_at: datetime = Field(sa_column=aware_column())


class ThemeOrganization(SQLModel, table=True):
    """A lead department (〔企画、県土、農林〕) or a related municipality of a theme."""

    __table_args__ = (sa.UniqueConstraint("theme_id", "organization_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    theme_id: int = Field(foreign_key="theme.id", index=True)
    organization_id: int = Field(foreign_key="organization.id")
    role: str = Field(max_length=20)  # 'lead' or 'related'


class ThemeEvent(SQLModel, table=True):
    """A theme's history: each transition with who, when and why."""

    id: int | None = Field(default=None, primary_key=True)
    theme_id: int = Field(foreign_key="theme.id", index=True)
    occurred_at: datetime = Field(sa_column=aware_column())
    actor: str = Field(max_length=100)
    from_status: ThemeStatus | None = Field(default=None, sa_column=enum_column(ThemeStatus, nullable=True))
    to_status: ThemeStatus = Field(sa_column=enum_column(ThemeStatus))
    fiscal_year: int
    comment: str | None = Field(default=None, max_length=2000)
    detail: dict[str, Any] | None = Field(default=None, sa_column=json_column())
