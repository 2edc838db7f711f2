"""Migration 0003 on a database the double-import bug had reached: the latest accepted submission of each
organisation becomes its one current submission, and the answers still current beside it are marked replaced."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from survey_support import FY, LATE, ON_TIME, Row, csv_bytes, intake, open_small_survey, write

from council.survey.intake import import_file
from models import SurveySection
from models.db import alembic_config, upgrade_to_head
from models.survey import SurveyAnswer, SurveySubmission

POLICY = SurveySection.policy


def _migrate(engine: Engine, target: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, target)


def test_upgrade_repairs_answers_left_current_by_imports_that_ran_at_once(engine: Engine, tmp_path: Path) -> None:
    open_small_survey(engine)
    first = import_file(
        write(tmp_path / "v1.csv", csv_bytes(FY, "062014", [Row(POLICY, "youth"), Row(POLICY, "tourism")])),
        intake(engine),
        now=ON_TIME,
    )
    second = import_file(
        write(tmp_path / "v2.csv", csv_bytes(FY, "062014", [Row(POLICY, "shopping")])), intake(engine), now=LATE
    )
    other = import_file(
        write(tmp_path / "b.csv", csv_bytes(FY, "062022", [Row(POLICY, "water", urgency="至急")])),
        intake(engine),
        now=ON_TIME,
    )
    assert (first.outcome, second.outcome, other.outcome) == ("accepted", "accepted", "rejected")
    # what two imports running at once left before this revision: both files' answers current
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE surveyanswer SET current = true, replaced_at = NULL"))
    _migrate(engine, "0003-1")
    with engine.connect() as connection:
        assert "current" not in {c["name"] for c in sa.inspect(connection).get_columns("surveysubmission")}
    upgrade_to_head(engine)

    with Session(engine) as session:
        submissions = session.exec(select(SurveySubmission).order_by(col(SurveySubmission.id))).all()
        answers = session.exec(select(SurveyAnswer).order_by(col(SurveyAnswer.id))).all()
    assert [(s.id, s.current) for s in submissions] == [
        (first.submission_id, False),
        (second.submission_id, True),
        (other.submission_id, False),
    ]
    assert [(a.submission_id, a.current, a.replaced_at) for a in answers] == [
        (first.submission_id, False, LATE),
        (first.submission_id, False, LATE),
        (second.submission_id, True, None),
    ]
