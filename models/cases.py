"""Advanced cases (先進事例): the catalogue the 1st council meeting introduces (「見える化」), the cases chosen for a
meeting, and which municipalities took a case up in which year (横展開)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import CaseScope
from models.types import aware_column, enum_column


class AdvancedCase(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("council_id", "code"),
        sa.CheckConstraint("length(code) > 0", name="ck_advancedcase_code"),
        sa.CheckConstraint("length(title) > 0", name="ck_advancedcase_title"),
        sa.CheckConstraint("fiscal_year BETWEEN 2000 AND 2100", name="ck_advancedcase_fiscal_year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    code: str = Field(max_length=40)  # C2026-01
    title: str = Field(max_length=200)
    scope: CaseScope = Field(sa_column=enum_column(CaseScope))
    organization: str = Field(max_length=100)  # who runs it: 西村山地域広域連携協議会, 高知県土佐町 …
    category: str = Field(max_length=40)  # a survey taxonomy code: the theme category it belongs to
    summary: str = Field(max_length=2000)
    source: str = Field(max_length=300)  # where it was found (出典)
    fiscal_year: int = Field(index=True)  # the year of the case
    created_at: datetime = Field(sa_column=aware_column())


class CaseSelection(SQLModel, table=True):
    """A case chosen for a meeting's 先進事例の紹介 (its agenda item and handout list exactly these)."""

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "case_id"),
        sa.CheckConstraint("position >= 1", name="ck_caseselection_position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    case_id: int = Field(foreign_key="advancedcase.id", index=True)
    position: int = 1


class CaseAdoption(SQLModel, table=True):
    """横展開: a municipality took a case up in a fiscal year."""

    __table_args__ = (
        sa.UniqueConstraint("case_id", "organization_id"),
        sa.CheckConstraint("fiscal_year BETWEEN 2000 AND 2100", name="ck_caseadoption_fiscal_year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="advancedcase.id", index=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    fiscal_year: int
    note: str | None = Field(default=None, max_length=500)
    recorded_at: datetime = Field(sa_column=aware_column())
    recorded_by: str = Field(max_length=100)
