"""one current survey submission per organisation and survey

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00

SurveySubmission gets `current` (the accepted submission whose answers count) and a partial unique index on
(survey_id, organization_id) WHERE current. Existing rows: the latest accepted submission of each organisation
becomes current; answers still marked current that belong to an older submission (left by imports that ran at the
same time before this revision) are marked replaced, at the time the current submission was received.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ALTER TABLE … ADD COLUMN, also on SQLite: a batch copy of the table would trip over the answers'
    # foreign keys (DROP TABLE of a referenced table, with foreign keys on).
    op.add_column("surveysubmission", sa.Column("current", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        """
        UPDATE surveysubmission SET current = true
        WHERE id IN (
            SELECT max(id) FROM surveysubmission WHERE outcome = 'accepted' GROUP BY survey_id, organization_id
        )
        """
    )
    op.execute(
        """
        UPDATE surveyanswer
        SET current = false,
            replaced_at = (
                SELECT s.received_at FROM surveysubmission s
                WHERE s.current AND s.survey_id = surveyanswer.survey_id
                  AND s.organization_id = surveyanswer.organization_id
            )
        WHERE current AND submission_id NOT IN (SELECT id FROM surveysubmission WHERE current)
        """
    )
    op.create_index(
        "uq_surveysubmission_current",
        "surveysubmission",
        ["survey_id", "organization_id"],
        unique=True,
        postgresql_where=sa.text("current"),
        sqlite_where=sa.text("current"),
    )


def downgrade() -> None:
    op.drop_index("uq_surveysubmission_current", table_name="surveysubmission")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite ≥ 3.35 drops a column in place; alembic would copy the table (see upgrade).
        op.execute('ALTER TABLE surveysubmission DROP COLUMN "current"')
    else:
        op.drop_column("surveysubmission", "current")
