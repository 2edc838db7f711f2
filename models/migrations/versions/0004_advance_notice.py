"""documents: the 日程確保のお願い（予告） (advance_notice) kind

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
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


def _check(kinds: Sequence[str]) -> str:
    return f"kind IN ({', '.join(repr(kind) for kind in kinds)})"


def upgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_constraint("ck_document_kind", type_="check")
        batch_op.create_check_constraint("ck_document_kind", _check(("advance_notice", *KINDS)))


def downgrade() -> None:
    op.execute("DELETE FROM document WHERE kind = 'advance_notice'")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_constraint("ck_document_kind", type_="check")
        batch_op.create_check_constraint("ck_document_kind", _check(KINDS))
