"""Survey imports running at once in real processes (issue 11, item 5), on SQLite and on PostgreSQL.

Before: eight simultaneous imports of different files for one organisation left 20 current answers, four imports
of the same file accepted it twice, and the tally counted both. Now imports of one organisation are serialised
(a row lock on the respondent; SQLite's write lock taken when the transaction begins), the schema allows one
current submission per organisation, and inbox runs take the inbox's lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from intake_workers import import_one, run_cli, run_together
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from survey_support import COUNCIL_CODE, FY, ON_TIME, Row, csv_bytes, open_small_survey, taxonomy, write

from council.config import get_settings
from council.survey.service import survey_tally
from council.survey.store import get_survey
from models import Organization, SurveySection
from models.db import session_scope
from models.survey import SubmissionOutcome, SurveyAnswer, SurveySubmission

POLICY, OPERATIONS = SurveySection.policy, SurveySection.operations
ROWS = 10


def ten_rows(tag: str) -> list[Row]:
    return [Row(POLICY if n % 2 else OPERATIONS, "その他", item=f"{tag}-{n}") for n in range(ROWS)]


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def submissions_of(engine: Engine, code: str) -> list[SurveySubmission]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(SurveySubmission)
                .join(Organization, col(Organization.id) == SurveySubmission.organization_id)
                .where(Organization.code == code)
                .order_by(col(SurveySubmission.id))
            ).all()
        )


def current_answers(engine: Engine, code: str) -> list[SurveyAnswer]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(SurveyAnswer)
                .join(Organization, col(Organization.id) == SurveyAnswer.organization_id)
                .where(Organization.code == code, col(SurveyAnswer.current).is_(True))
            ).all()
        )


def tallied(engine: Engine) -> int:
    with session_scope(engine) as session:
        tally = survey_tally(session, get_survey(session, FY, COUNCIL_CODE), taxonomy=taxonomy())
    return tally.municipal_total + tally.department_total


def test_eight_processes_importing_different_files_for_one_organisation(engine: Engine, tmp_path: Path) -> None:
    open_small_survey(engine)
    home = str(get_settings().home)
    paths = [write(tmp_path / f"v{i}.csv", csv_bytes(FY, "062014", ten_rows(f"v{i}"))) for i in range(8)]
    reported = run_together(import_one, [(_url(engine), home, str(path), ON_TIME) for path in paths])

    assert sorted(outcome for outcome, _, _ in reported) == ["accepted"] * 8, reported
    # one after the other: the first replaced nothing, each later one the ten answers before it
    assert sorted(replaced for _, _, replaced in reported) == [0] + [ROWS] * 7
    submissions = submissions_of(engine, "062014")
    [current] = [s for s in submissions if s.current]
    answers = current_answers(engine, "062014")
    assert len(answers) == ROWS
    assert {a.submission_id for a in answers} == {current.id}
    assert tallied(engine) == ROWS


def test_four_processes_importing_the_same_file_accept_it_once(engine: Engine, tmp_path: Path) -> None:
    """Three rounds (the race was lost in 4 of 8 rounds before): each round's file is accepted once, and the three
    other imports of the same bytes are duplicates, which change nothing and are not recorded."""
    open_small_survey(engine)
    home = str(get_settings().home)
    for round_ in range(3):
        path = write(tmp_path / f"same-{round_}.csv", csv_bytes(FY, "062014", ten_rows(f"same-{round_}")))
        reported = run_together(import_one, [(_url(engine), home, str(path), ON_TIME)] * 4)

        assert sorted(outcome for outcome, _, _ in reported) == ["accepted", "duplicate", "duplicate", "duplicate"]
        submissions = submissions_of(engine, "062014")
        assert [(s.outcome, s.current) for s in submissions] == [(SubmissionOutcome.accepted, False)] * round_ + [
            (SubmissionOutcome.accepted, True)
        ]
        assert len(current_answers(engine, "062014")) == ROWS
        assert tallied(engine) <= ROWS


@pytest.mark.parametrize("runs", [2, 4])
def test_inbox_runs_at_once_import_each_file_exactly_once(engine: Engine, runs: int) -> None:
    open_small_survey(engine)
    settings = get_settings()
    inbox = settings.inbox_dir
    good = {"062014": "a.csv", "062022": "b.csv", "dept-kikaku": "c.csv"}
    for code, name in good.items():
        write(inbox / name, csv_bytes(FY, code, ten_rows(code)))
    write(inbox / "d.csv", csv_bytes(FY, "062031", [Row(POLICY, "youth", urgency="至急")]))
    environment = {
        "COUNCIL_HOME": str(settings.home),
        "COUNCIL_DATABASE_URL": _url(engine),
        "COUNCIL_ACTOR": "tester",
    }
    codes = run_together(run_cli, [(["survey", "inbox", "--fy", str(FY)], environment)] * runs)

    assert sorted(codes) == [0] * (runs - 1) + [2], codes  # the run that met the bad file says so
    with Session(engine) as session:
        submissions = session.exec(select(SurveySubmission)).all()
    assert sorted((s.original_name, s.outcome.value) for s in submissions) == [
        ("a.csv", "accepted"),
        ("b.csv", "accepted"),
        ("c.csv", "accepted"),
        ("d.csv", "rejected"),
    ]
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["a.csv", "b.csv", "c.csv"]
    assert sorted(p.name for p in (inbox / "rejected").iterdir()) == ["d.csv", "d.csv.error.txt"]
    assert tallied(engine) == 3 * ROWS
