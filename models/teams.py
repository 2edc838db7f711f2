"""Working teams (ワーキングチーム): formed by the secretariat for an adopted theme, they study it in the working-group
stage (August–September) and file their 検討結果, which the roundtable hears as the theme's 検討状況."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import TeamRole, TeamStatus
from models.types import aware_column, enum_column


class WorkingTeam(SQLModel, table=True):
    """One team per theme and fiscal year, led by one department."""

    __table_args__ = (
        sa.UniqueConstraint("cycle_id", "theme_id"),
        sa.UniqueConstraint("cycle_id", "code"),
        sa.CheckConstraint("length(code) > 0", name="ck_workingteam_code"),
        sa.CheckConstraint("(status = 'reported') = (findings IS NOT NULL)", name="ck_workingteam_findings"),
        sa.CheckConstraint("(status = 'reported') = (reported_at IS NOT NULL)", name="ck_workingteam_reported_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    theme_id: int = Field(foreign_key="theme.id", index=True)
    code: str = Field(max_length=40)  # team-t2026-03
    name: str = Field(max_length=200)  # …ワーキングチーム
    lead_id: int = Field(foreign_key="organization.id")  # the lead department
    status: TeamStatus = Field(default=TeamStatus.formed, sa_column=enum_column(TeamStatus))
    findings: str | None = Field(default=None, max_length=2000)  # 検討結果, once filed
    formed_at: datetime = Field(sa_column=aware_column())
    formed_by: str = Field(max_length=100)
    reported_at: datetime | None = Field(default=None, sa_column=aware_column(nullable=True))


class WorkingTeamMember(SQLModel, table=True):
    """An organisation on a team: its lead department, the departments concerned, the municipalities that asked."""

    __table_args__ = (sa.UniqueConstraint("team_id", "organization_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="workingteam.id", index=True)
    organization_id: int = Field(foreign_key="organization.id")
    role: TeamRole = Field(sa_column=enum_column(TeamRole))
    reason: str | None = Field(default=None, max_length=200)  # why it was proposed: 調査回答 2件, テーマの関係部局 …
