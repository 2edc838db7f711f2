"""document lifecycle (draft → issued → superseded, facts, corrections), numbers per council, meeting decisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Existing versions were all issued when they were rendered: 'current' becomes 'issued', dated by their creation (in
Asia/Tokyo). Their facts were never kept (rendering again would use today's state), so `facts` stays empty for them.
A 文書番号 belongs to the council of the document that carries it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKYO = ZoneInfo("Asia/Tokyo")
# Names of the constraints 0001 created without one (PostgreSQL's defaults), so batch mode can drop them on both.
NAMING = {"uq": "%(table_name)s_%(column_0_N_name)s_key", "fk": "fk_%(table_name)s_%(column_0_N_name)s"}
DOCUMENT_KINDS = (
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
OLD_DOCUMENT_KINDS = DOCUMENT_KINDS[:7]
THEME_STATUSES = ("candidate", "adopted", "under_study", "reported", "budgeted", "decided", "deferred", "dropped")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _enum(name: str, values: Sequence[str]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def _tokyo_day(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(TOKYO).date()


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "meetingdecision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("outcome", _enum("decisionoutcome", ("endorsed", "adopted", "reported", "decided")), nullable=False),
        sa.Column("status_before", _enum("themestatus", THEME_STATUSES), nullable=False),
        sa.Column("status_after", _enum("themestatus", THEME_STATUSES), nullable=False),
        sa.Column("initiative_kind", _enum("initiativekind", ("new", "enhanced")), nullable=True),
        sa.Column("recorded_at", models.types.AwareDateTime(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.CheckConstraint("initiative_kind IN ('new', 'enhanced')", name="ck_meetingdecision_initiative_kind"),
        sa.CheckConstraint(
            "outcome IN ('endorsed', 'adopted', 'reported', 'decided')", name="ck_meetingdecision_outcome"
        ),
        sa.CheckConstraint(_in("status_after", THEME_STATUSES), name="ck_meetingdecision_status_after"),
        sa.CheckConstraint(_in("status_before", THEME_STATUSES), name="ck_meetingdecision_status_before"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["theme_id"], ["theme.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "theme_id"),
    )
    with op.batch_alter_table("meetingdecision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetingdecision_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meetingdecision_theme_id"), ["theme_id"], unique=False)

    # ---- document numbers: per council, with the date they carry
    with op.batch_alter_table("documentnumber", schema=None) as batch_op:
        batch_op.add_column(sa.Column("council_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("issued_on", sa.Date(), nullable=True))
    numbers = sa.table(
        "documentnumber",
        sa.column("id", sa.Integer()),
        sa.column("council_id", sa.Integer()),
        sa.column("issued_on", sa.Date()),
    )
    first_council = bind.execute(sa.text("SELECT min(id) FROM council")).scalar()
    owners = dict(
        bind.execute(
            sa.text(
                "SELECT document.number_id, cycle.council_id FROM document JOIN cycle ON cycle.id = document.cycle_id "
                "WHERE document.number_id IS NOT NULL"
            )
        ).all()
    )
    for number_id, issued_at in bind.execute(sa.text("SELECT id, issued_at FROM documentnumber")).all():
        bind.execute(
            numbers.update()
            .where(numbers.c.id == number_id)
            .values(council_id=owners.get(number_id, first_council), issued_on=_tokyo_day(issued_at))
        )
    with op.batch_alter_table("documentnumber", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.alter_column("council_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("issued_on", existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint("documentnumber_fiscal_year_sequence_key", type_="unique")
        batch_op.drop_constraint("documentnumber_fiscal_year_label_key", type_="unique")
        batch_op.create_unique_constraint(
            "documentnumber_council_id_fiscal_year_sequence_key", ["council_id", "fiscal_year", "sequence"]
        )
        batch_op.create_unique_constraint(
            "documentnumber_council_id_fiscal_year_label_key", ["council_id", "fiscal_year", "label"]
        )
        batch_op.create_check_constraint("ck_documentnumber_sequence", "sequence >= 1")
        batch_op.create_index(batch_op.f("ix_documentnumber_council_id"), ["council_id"], unique=False)
        batch_op.create_foreign_key("fk_documentnumber_council_id", "council", ["council_id"], ["id"])

    # ---- documents: draft / issued / superseded, with their facts and corrections
    with op.batch_alter_table("document", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint("ck_document_kind", type_="check")
        batch_op.drop_constraint("ck_document_status", type_="check")
        batch_op.add_column(sa.Column("planned_issue_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("issued_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("issued_at", models.types.AwareDateTime(), nullable=True))
        batch_op.add_column(sa.Column("issued_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column("addressees", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True))
        batch_op.add_column(sa.Column("sender", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("facts", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("revises_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("correction_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True)
        )
    documents = sa.table(
        "document",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("issued_on", sa.Date()),
    )
    for document_id, created_at in bind.execute(sa.text("SELECT id, created_at FROM document")).all():
        bind.execute(documents.update().where(documents.c.id == document_id).values(issued_on=_tokyo_day(created_at)))
    bind.execute(sa.text("UPDATE document SET status = 'issued', issued_at = created_at WHERE status = 'current'"))
    with op.batch_alter_table("document", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.create_check_constraint("ck_document_kind", _in("kind", DOCUMENT_KINDS))
        batch_op.create_check_constraint("ck_document_status", _in("status", ("draft", "issued", "superseded")))
        batch_op.create_check_constraint("ck_document_issued_on", "(status = 'draft') = (issued_on IS NULL)")
        batch_op.create_check_constraint("ck_document_draft_unnumbered", "status <> 'draft' OR number_id IS NULL")
        batch_op.create_check_constraint(
            "ck_document_correction_reason", "(revises_id IS NULL) = (correction_reason IS NULL)"
        )
        batch_op.create_index(
            "ux_document_one_draft",
            ["cycle_id", "kind", "subject"],
            unique=True,
            postgresql_where=sa.text("status = 'draft'"),
            sqlite_where=sa.text("status = 'draft'"),
        )
        batch_op.create_unique_constraint("document_number_id_key", ["number_id"])
        batch_op.create_foreign_key("fk_document_revises_id", "document", ["revises_id"], ["id"])

    # ---- approvals: asked by a flow run or directly, for drafts of a recorded content
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.alter_column("flow_run_id", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        batch_op.add_column(sa.Column("content_hashes", sa.JSON(), nullable=True))

    # ---- deliveries: undeliverable (no address, and the secretariat chose to go on)
    with op.batch_alter_table("delivery", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint("ck_delivery_status", type_="check")
        batch_op.create_check_constraint(
            "ck_delivery_status", _in("status", ("queued", "sent", "failed", "undeliverable"))
        )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM approval WHERE flow_run_id IS NULL"))
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.drop_column("content_hashes")
        batch_op.alter_column("flow_run_id", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
    with op.batch_alter_table("delivery", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint("ck_delivery_status", type_="check")
        batch_op.create_check_constraint("ck_delivery_status", _in("status", ("queued", "sent", "failed")))
    with op.batch_alter_table("document", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint("fk_document_revises_id", type_="foreignkey")
        batch_op.drop_constraint("document_number_id_key", type_="unique")
        batch_op.drop_index("ux_document_one_draft")
        for name in (
            "ck_document_correction_reason",
            "ck_document_draft_unnumbered",
            "ck_document_issued_on",
            "ck_document_status",
            "ck_document_kind",
        ):
            batch_op.drop_constraint(name, type_="check")
    bind.execute(sa.text("DELETE FROM document WHERE status = 'draft' OR kind IN ('cancellation', 'postponement')"))
    bind.execute(sa.text("UPDATE document SET status = 'current' WHERE status = 'issued'"))
    with op.batch_alter_table("document", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.create_check_constraint("ck_document_kind", _in("kind", OLD_DOCUMENT_KINDS))
        batch_op.create_check_constraint("ck_document_status", _in("status", ("current", "superseded")))
        for column in (
            "correction_reason",
            "revises_id",
            "facts",
            "sender",
            "addressees",
            "issued_by",
            "issued_at",
            "issued_on",
            "planned_issue_on",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("documentnumber", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint("fk_documentnumber_council_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_documentnumber_council_id"))
        batch_op.drop_constraint("ck_documentnumber_sequence", type_="check")
        batch_op.drop_constraint("documentnumber_council_id_fiscal_year_label_key", type_="unique")
        batch_op.drop_constraint("documentnumber_council_id_fiscal_year_sequence_key", type_="unique")
        batch_op.create_unique_constraint("documentnumber_fiscal_year_label_key", ["fiscal_year", "label"])
        batch_op.create_unique_constraint("documentnumber_fiscal_year_sequence_key", ["fiscal_year", "sequence"])
        batch_op.drop_column("issued_on")
        batch_op.drop_column("council_id")
    op.drop_table("meetingdecision")
