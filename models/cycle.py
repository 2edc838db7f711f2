"""One fiscal year of a council: its stages, meetings and tasks."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import (
    CycleStatus,
    DecisionOutcome,
    InitiativeKind,
    Lane,
    MeetingKind,
    MeetingOrigin,
    MeetingStatus,
    StageStatus,
    TaskOrigin,
    TaskStatus,
    ThemeStatus,
)
from models.types import aware_column, enum_column

# The cycle's planner places the four meetings of the council; calendar/bodies.yaml the bodies' and teams'; by hand,
# any body but the mayors' meeting and the roundtable (convened with the mayors) may meet (その他必要に応じて開催).
MEETING_ORIGIN_KIND_CHECK = (
    "CASE origin WHEN 'cycle' THEN kind NOT IN ('regional_meeting', 'team_meeting') "
    "WHEN 'bodies' THEN kind IN ('regional_meeting', 'team_meeting') "
    "ELSE kind NOT IN ('mayors_meeting', 'roundtable') END"
)


class Cycle(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("council_id", "fiscal_year"),
        sa.CheckConstraint("fiscal_year BETWEEN 2000 AND 2100", name="ck_cycle_fiscal_year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    fiscal_year: int
    status: CycleStatus = Field(default=CycleStatus.planned, sa_column=enum_column(CycleStatus))
    rules_digest: str = Field(max_length=64)  # sha256 of the cycle rules the plan was made with
    planned_at: datetime = Field(sa_column=aware_column())


class Stage(SQLModel, table=True):
    """A period of the year (survey, theme candidates, working groups, budgeting …) with its window."""

    __table_args__ = (
        sa.UniqueConstraint("cycle_id", "key"),
        sa.CheckConstraint("start_date <= end_date", name="ck_stage_window"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    key: str = Field(max_length=40)
    title: str = Field(max_length=200)
    lane: Lane = Field(sa_column=enum_column(Lane))
    start_date: date
    end_date: date
    status: StageStatus = Field(default=StageStatus.planned, sa_column=enum_column(StageStatus))
    sort_order: int = 0


class Meeting(SQLModel, table=True):
    """A council meeting, a 幹事会, the mayors' meeting or the roundtable — or a meeting of a regional body or of a
    working team (`regional_body_id`, `working_team_id`), planned from calendar/bodies.yaml, or added by hand
    (`origin`).

    `revision` rises whenever the time, the status or the venue changes: it is the feed's SEQUENCE.
    """

    __table_args__ = (
        sa.UniqueConstraint("cycle_id", "key"),
        sa.CheckConstraint("starts_at < ends_at", name="ck_meeting_times"),
        sa.CheckConstraint("revision >= 0", name="ck_meeting_revision"),
        sa.CheckConstraint(
            "(kind = 'regional_meeting') = (regional_body_id IS NOT NULL)", name="ck_meeting_regional_body"
        ),
        sa.CheckConstraint("(kind = 'team_meeting') = (working_team_id IS NOT NULL)", name="ck_meeting_working_team"),
        sa.CheckConstraint(MEETING_ORIGIN_KIND_CHECK, name="ck_meeting_origin_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    stage_id: int | None = Field(default=None, foreign_key="stage.id")
    prepares_meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    key: str = Field(max_length=40)
    kind: MeetingKind = Field(sa_column=enum_column(MeetingKind))
    number: int | None = None
    title: str = Field(max_length=200)
    starts_at: datetime = Field(sa_column=aware_column())
    ends_at: datetime = Field(sa_column=aware_column())
    timezone: str = Field(default="Asia/Tokyo", max_length=64)
    venue: str | None = Field(default=None, max_length=200)
    status: MeetingStatus = Field(default=MeetingStatus.planned, sa_column=enum_column(MeetingStatus))
    revision: int = 0
    pinned: bool = False
    origin: MeetingOrigin = Field(default=MeetingOrigin.cycle, sa_column=enum_column(MeetingOrigin))
    regional_body_id: int | None = Field(default=None, foreign_key="regionalbody.id", index=True)
    working_team_id: int | None = Field(default=None, foreign_key="workingteam.id", index=True)
    updated_at: datetime = Field(sa_column=aware_column())


class Task(SQLModel, table=True):
    """Something someone owes by a date. `key` is the natural key within the cycle (e.g. 'notice:council-1'),
    so re-planning updates a task instead of adding another."""

    __table_args__ = (
        sa.UniqueConstraint("cycle_id", "key"),
        sa.CheckConstraint("(status = 'done') = (completed_at IS NOT NULL)", name="ck_task_completed_when_done"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    key: str = Field(max_length=80)
    stage_id: int | None = Field(default=None, foreign_key="stage.id")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    owner_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    title: str = Field(max_length=200)
    due_date: date = Field(index=True)
    status: TaskStatus = Field(default=TaskStatus.pending, sa_column=enum_column(TaskStatus, index=True))
    origin: TaskOrigin = Field(default=TaskOrigin.auto, sa_column=enum_column(TaskOrigin))
    completed_at: datetime | None = Field(default=None, sa_column=aware_column(nullable=True))
    completed_by: str | None = Field(default=None, max_length=100)
    flow_run_id: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(sa_column=aware_column())


class MeetingDecision(SQLModel, table=True):
    """What a meeting did with a theme, recorded with the meeting when it is held: its minutes list exactly these,
    whatever happens to the theme afterwards. `status_before` is the theme's status as the meeting found it (a
    budgeted theme decided at the 2nd meeting is shown with （予算計上））; `status_after` what the meeting left."""

    __table_args__ = (sa.UniqueConstraint("meeting_id", "theme_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    theme_id: int = Field(foreign_key="theme.id", index=True)
    outcome: DecisionOutcome = Field(sa_column=enum_column(DecisionOutcome))
    status_before: ThemeStatus = Field(sa_column=enum_column(ThemeStatus))
    status_after: ThemeStatus = Field(sa_column=enum_column(ThemeStatus))
    initiative_kind: InitiativeKind | None = Field(default=None, sa_column=enum_column(InitiativeKind, nullable=True))
    recorded_at: datetime = Field(sa_column=aware_column())
    recorded_by: str = Field(max_length=100)
