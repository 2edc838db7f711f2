"""regional promotion bodies, working teams, advanced cases (先進事例); meetings of bodies and teams, added by hand

Revision ID: 0005_bodies
Revises: 0004
Create Date: 2026-12-01

Every existing meeting is the cycle's (origin 'cycle'). New document kinds: the regional table
(regional_initiatives) and the 1st meeting's 先進事例 handout (case_handout).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0005_bodies"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENT_KINDS = (
    "advance_notice",
    "notice",
    "agenda",
    "survey_request",
    "survey_reminder",
    "survey_summary",
    "minutes",
    "annual_schedule",
    "cancellation",
    "postponement",
)
NEW_DOCUMENT_KINDS = ("regional_initiatives", "case_handout")
MEETING_KINDS = ("secretariat_meeting", "council_meeting", "mayors_meeting", "roundtable")
NEW_MEETING_KINDS = ("regional_meeting", "team_meeting")
MEETING_ORIGIN_KIND_CHECK = (
    "CASE origin WHEN 'cycle' THEN kind NOT IN ('regional_meeting', 'team_meeting') "
    "WHEN 'bodies' THEN kind IN ('regional_meeting', 'team_meeting') "
    "ELSE kind NOT IN ('mayors_meeting', 'roundtable') END"
)


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _enum(name: str, values: Sequence[str]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("code", _text(32), nullable=False),
        sa.Column("name", _text(20), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(code) > 0 AND length(code) <= 32", name="ck_area_code"),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="ck_area_parent"),
        sa.ForeignKeyConstraint(["council_id"], ["council.id"]),
        sa.ForeignKeyConstraint(["office_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["parent_id"], ["area.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("council_id", "code"),
        sa.UniqueConstraint("council_id", "name"),
    )
    _indexes("area", "council_id")
    op.create_table(
        "regionalbody",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("code", _text(32), nullable=False),
        sa.Column("name", _text(100), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("convener_id", sa.Integer(), nullable=False),
        sa.Column("sender", _text(200), nullable=False),
        sa.Column("contact_unit", _text(200), nullable=False),
        sa.Column("composition", _text(200), nullable=True),
        sa.Column("note", _text(500), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(code) > 0 AND length(code) <= 32", name="ck_regionalbody_code"),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"]),
        sa.ForeignKeyConstraint(["convener_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["council_id"], ["council.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("council_id", "code"),
        sa.UniqueConstraint("council_id", "name"),
    )
    _indexes("regionalbody", "area_id", "council_id")
    op.create_table(
        "regionalbodymember",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regional_body_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"]),
        sa.ForeignKeyConstraint(["regional_body_id"], ["regionalbody.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("regional_body_id", "contact_id"),
    )
    _indexes("regionalbodymember", "contact_id", "regional_body_id")
    op.create_table(
        "regionalinitiative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("regional_body_id", sa.Integer(), nullable=True),
        sa.Column("content", _text(1000), nullable=False),
        sa.Column("kind", _enum("initiativekind", ("new", "enhanced")), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("updated_at", models.types.AwareDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('new', 'enhanced')", name="ck_regionalinitiative_kind"),
        sa.CheckConstraint("fiscal_year BETWEEN 2000 AND 2100", name="ck_regionalinitiative_fiscal_year"),
        sa.CheckConstraint("length(content) > 0", name="ck_regionalinitiative_content"),
        sa.CheckConstraint("sort_order >= 1", name="ck_regionalinitiative_sort_order"),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"]),
        sa.ForeignKeyConstraint(["council_id"], ["council.id"]),
        sa.ForeignKeyConstraint(["regional_body_id"], ["regionalbody.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("council_id", "fiscal_year", "area_id", "sort_order"),
    )
    _indexes("regionalinitiative", "council_id", "fiscal_year")
    op.create_table(
        "workingteam",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("code", _text(40), nullable=False),
        sa.Column("name", _text(200), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("status", _enum("teamstatus", ("formed", "reported")), nullable=False),
        sa.Column("findings", _text(2000), nullable=True),
        sa.Column("formed_at", models.types.AwareDateTime(), nullable=False),
        sa.Column("formed_by", _text(100), nullable=False),
        sa.Column("reported_at", models.types.AwareDateTime(), nullable=True),
        sa.CheckConstraint("(status = 'reported') = (findings IS NOT NULL)", name="ck_workingteam_findings"),
        sa.CheckConstraint("(status = 'reported') = (reported_at IS NOT NULL)", name="ck_workingteam_reported_at"),
        sa.CheckConstraint("status IN ('formed', 'reported')", name="ck_workingteam_status"),
        sa.CheckConstraint("length(code) > 0", name="ck_workingteam_code"),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycle.id"]),
        sa.ForeignKeyConstraint(["lead_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["theme_id"], ["theme.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cycle_id", "code"),
        sa.UniqueConstraint("cycle_id", "theme_id"),
    )
    _indexes("workingteam", "cycle_id", "theme_id")
    roles = ("lead", "department", "municipality", "regional_office")
    op.create_table(
        "workingteammember",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("role", _enum("teamrole", roles), nullable=False),
        sa.Column("reason", _text(200), nullable=True),
        sa.CheckConstraint(_in("role", roles), name="ck_workingteammember_role"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["workingteam.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "organization_id"),
    )
    _indexes("workingteammember", "team_id")
    op.create_table(
        "advancedcase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("code", _text(40), nullable=False),
        sa.Column("title", _text(200), nullable=False),
        sa.Column("scope", _enum("casescope", ("in_prefecture", "out_of_prefecture")), nullable=False),
        sa.Column("organization", _text(100), nullable=False),
        sa.Column("category", _text(40), nullable=False),
        sa.Column("summary", _text(2000), nullable=False),
        sa.Column("source", _text(300), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("created_at", models.types.AwareDateTime(), nullable=False),
        sa.CheckConstraint("scope IN ('in_prefecture', 'out_of_prefecture')", name="ck_advancedcase_scope"),
        sa.CheckConstraint("fiscal_year BETWEEN 2000 AND 2100", name="ck_advancedcase_fiscal_year"),
        sa.CheckConstraint("length(code) > 0", name="ck_advancedcase_code"),
        sa.CheckConstraint("length(title) > 0", name="ck_advancedcase_title"),
        sa.ForeignKeyConstraint(["council_id"], ["council.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("council_id", "code"),
    )
    _indexes("advancedcase", "council_id", "fiscal_year")
    op.create_table(
        "caseadoption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("note", _text(500), nullable=True),
        sa.Column("recorded_at", models.types.AwareDateTime(), nullable=False),
        sa.Column("recorded_by", _text(100), nullable=False),
        sa.CheckConstraint("fiscal_year BETWEEN 2000 AND 2100", name="ck_caseadoption_fiscal_year"),
        sa.ForeignKeyConstraint(["case_id"], ["advancedcase.id"]),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "organization_id"),
    )
    _indexes("caseadoption", "case_id", "organization_id")
    op.create_table(
        "caseselection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("position >= 1", name="ck_caseselection_position"),
        sa.ForeignKeyConstraint(["case_id"], ["advancedcase.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "case_id"),
    )
    _indexes("caseselection", "case_id", "meeting_id")

    # ---- meetings: where each comes from, and the body or team a regional or team meeting belongs to
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", _enum("meetingorigin", ("cycle", "bodies", "manual")), nullable=True))
        batch_op.add_column(sa.Column("regional_body_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("working_team_id", sa.Integer(), nullable=True))
    op.execute("UPDATE meeting SET origin = 'cycle'")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.alter_column(
            "origin", existing_type=_enum("meetingorigin", ("cycle", "bodies", "manual")), nullable=False
        )
        batch_op.drop_constraint("ck_meeting_kind", type_="check")
        batch_op.create_check_constraint("ck_meeting_kind", _in("kind", (*MEETING_KINDS, *NEW_MEETING_KINDS)))
        batch_op.create_check_constraint("ck_meeting_origin", "origin IN ('cycle', 'bodies', 'manual')")
        batch_op.create_check_constraint(
            "ck_meeting_regional_body", "(kind = 'regional_meeting') = (regional_body_id IS NOT NULL)"
        )
        batch_op.create_check_constraint(
            "ck_meeting_working_team", "(kind = 'team_meeting') = (working_team_id IS NOT NULL)"
        )
        batch_op.create_check_constraint("ck_meeting_origin_kind", MEETING_ORIGIN_KIND_CHECK)
        batch_op.create_index(batch_op.f("ix_meeting_regional_body_id"), ["regional_body_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_working_team_id"), ["working_team_id"], unique=False)
        batch_op.create_foreign_key("fk_meeting_regional_body_id", "regionalbody", ["regional_body_id"], ["id"])
        batch_op.create_foreign_key("fk_meeting_working_team_id", "workingteam", ["working_team_id"], ["id"])

    # ---- documents: the regional table and the 先進事例 handout
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_constraint("ck_document_kind", type_="check")
        batch_op.create_check_constraint("ck_document_kind", _in("kind", (*DOCUMENT_KINDS, *NEW_DOCUMENT_KINDS)))


def downgrade() -> None:
    kinds = ", ".join(repr(kind) for kind in NEW_DOCUMENT_KINDS)
    op.execute(f"DELETE FROM delivery WHERE document_id IN (SELECT id FROM document WHERE kind IN ({kinds}))")
    op.execute(f"DELETE FROM document WHERE kind IN ({kinds})")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_constraint("ck_document_kind", type_="check")
        batch_op.create_check_constraint("ck_document_kind", _in("kind", DOCUMENT_KINDS))
    # Meetings of bodies and teams, and those added by hand, go with the tables they belong to.
    op.execute("DELETE FROM caseselection")
    gone = "SELECT id FROM meeting WHERE origin <> 'cycle'"
    for table in ("meetingdecision", "approval"):
        op.execute(f"DELETE FROM {table} WHERE meeting_id IN ({gone})")
    op.execute(f"DELETE FROM task WHERE meeting_id IN ({gone})")
    op.execute("DELETE FROM meeting WHERE origin <> 'cycle'")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_constraint("fk_meeting_working_team_id", type_="foreignkey")
        batch_op.drop_constraint("fk_meeting_regional_body_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_meeting_working_team_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_regional_body_id"))
        for name in (
            "ck_meeting_origin_kind",
            "ck_meeting_working_team",
            "ck_meeting_regional_body",
            "ck_meeting_origin",
        ):
            batch_op.drop_constraint(name, type_="check")
        batch_op.drop_constraint("ck_meeting_kind", type_="check")
        batch_op.create_check_constraint("ck_meeting_kind", _in("kind", MEETING_KINDS))
        batch_op.drop_column("working_team_id")
        batch_op.drop_column("regional_body_id")
        batch_op.drop_column("origin")
    for table in (
        "caseselection",
        "caseadoption",
        "advancedcase",
        "workingteammember",
        "workingteam",
        "regionalinitiative",
        "regionalbodymember",
        "regionalbody",
        "area",
    ):
        op.drop_table(table)
