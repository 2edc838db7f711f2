"""The yearly needs survey: who is asked, which files came in, the answers they carried, and the reminders sent.

Every side effect has a natural key: a respondent per (survey, organisation), a reminder per (survey, organisation,
step), a theme source per (theme, answer). Raw files are kept (SurveySubmission) whatever the outcome of their import.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import SurveySection
from models.types import aware_column, enum_column


class SurveyStatus(StrEnum):
    open = "open"
    closed = "closed"


class ResponseStatus(StrEnum):
    not_sent = "not_sent"  # the 調査依頼 has not gone out to this organisation yet
    sent = "sent"
    answered = "answered"  # answered within its window
    late = "late"  # answered after its deadline


ANSWERED_STATUSES = frozenset({ResponseStatus.answered, ResponseStatus.late})


class SubmissionOutcome(StrEnum):
    accepted = "accepted"
    rejected = "rejected"


class Urgency(StrEnum):
    high = "high"  # 高
    medium = "medium"  # 中
    low = "low"  # 低


class Survey(SQLModel, table=True):
    """One council's survey of one fiscal year, with a window per respondent kind (the source: municipalities
    5/29–6/23, departments and regional offices 6/7–6/23)."""

    __table_args__ = (
        sa.UniqueConstraint("council_id", "fiscal_year"),
        sa.CheckConstraint("municipal_opens_on <= municipal_closes_on", name="ck_survey_municipal_window"),
        sa.CheckConstraint("department_opens_on <= department_closes_on", name="ck_survey_department_window"),
        sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="ck_survey_closed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    fiscal_year: int
    municipal_opens_on: date
    municipal_closes_on: date
    department_opens_on: date
    department_closes_on: date
    status: SurveyStatus = Field(default=SurveyStatus.open, sa_column=enum_column(SurveyStatus))
    opened_at: datetime = Field(sa_column=aware_column())
    closed_at: datetime | None = Field(default=None, sa_column=aware_column(nullable=True))


class SurveyRespondent(SQLModel, table=True):
    """An organisation asked to answer a survey. `sent_at` may stay empty for one that answered without a request."""

    __table_args__ = (
        sa.UniqueConstraint("survey_id", "organization_id"),
        sa.CheckConstraint(
            "(status IN ('answered', 'late')) = (answered_at IS NOT NULL)", name="ck_surveyrespondent_answered_at"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    status: ResponseStatus = Field(default=ResponseStatus.not_sent, sa_column=enum_column(ResponseStatus))
    sent_at: datetime | None = Field(default=None, sa_column=aware_column(nullable=True))
    # When it first answered: a later resubmission corrects the answers but does not make a respondent late.
    answered_at: datetime | None = Field(default=None, sa_column=aware_column(nullable=True))


class SurveySubmission(SQLModel, table=True):
    """One received file, archived under COUNCIL_HOME/archive by its hash, kept whether accepted or rejected.

    A rejected file may have no survey or organisation (e.g. not a spreadsheet at all). Of an organisation's accepted
    submissions to a survey exactly one is `current` — the one whose answers count — and the schema allows no second
    (a partial unique index), whatever number of imports run at once."""

    __table_args__ = (
        sa.CheckConstraint("(outcome = 'rejected') = (error IS NOT NULL)", name="ck_surveysubmission_error"),
        sa.CheckConstraint("outcome = 'rejected' OR organization_id IS NOT NULL", name="ck_surveysubmission_org"),
        sa.Index(
            "uq_surveysubmission_current",
            "survey_id",
            "organization_id",
            unique=True,
            postgresql_where=sa.text("current"),
            sqlite_where=sa.text("current"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int | None = Field(default=None, foreign_key="survey.id", index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    original_name: str = Field(max_length=255)
    sha256: str = Field(max_length=64, index=True)
    size: int
    archive_path: str = Field(max_length=500)  # relative to COUNCIL_HOME; '' when not kept (over the size limit)
    received_at: datetime = Field(sa_column=aware_column())
    outcome: SubmissionOutcome = Field(sa_column=enum_column(SubmissionOutcome))
    error: str | None = Field(default=None, max_length=2000)
    answer_count: int = 0
    current: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class SurveyAnswer(SQLModel, table=True):
    """One row of one accepted submission. A resubmission marks the organisation's previous rows not current
    (kept as history) and adds its own."""

    __table_args__ = (
        sa.UniqueConstraint("submission_id", "section", "row_number"),
        sa.CheckConstraint("current = (replaced_at IS NULL)", name="ck_surveyanswer_current"),
        sa.Index("ix_surveyanswer_current", "survey_id", "organization_id", "current"),
    )

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id")
    organization_id: int = Field(foreign_key="organization.id", index=True)
    submission_id: int = Field(foreign_key="surveysubmission.id", index=True)
    section: SurveySection = Field(sa_column=enum_column(SurveySection))
    row_number: int  # the sheet row (xlsx) or line (csv) it came from
    category: str = Field(max_length=40)  # a taxonomy code
    item: str = Field(max_length=500)  # 今後、連携が必要と考えられる施策・業務等
    urgency: Urgency = Field(sa_column=enum_column(Urgency))
    envisioned_form: str | None = Field(default=None, max_length=500)  # 想定される連携の形
    content: str | None = Field(default=None, max_length=2000)  # 内容
    issues: str | None = Field(default=None, max_length=2000)  # 課題
    current: bool = True
    replaced_at: datetime | None = Field(default=None, sa_column=aware_column(nullable=True))


class ReminderSent(SQLModel, table=True):
    """A 督促 step recorded for one organisation: the unique key means a step is never sent twice."""

    __table_args__ = (sa.UniqueConstraint("survey_id", "organization_id", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    organization_id: int = Field(foreign_key="organization.id")
    step: str = Field(max_length=40)  # e.g. 'before-3', 'after-1'
    due_on: date
    deadline: date
    sent_at: datetime = Field(sa_column=aware_column())


class ThemeSource(SQLModel, table=True):
    """A survey answer that a theme came from."""

    __table_args__ = (sa.UniqueConstraint("theme_id", "answer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    theme_id: int = Field(foreign_key="theme.id", index=True)
    answer_id: int = Field(foreign_key="surveyanswer.id", index=True)
