"""Synthetic answers for the whole-year simulation: reproducible, plausible, and accepted by the real intake."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from survey_support import COUNCIL_CODE, FY, ON_TIME, OPENED, intake, open_small_survey, taxonomy

from council.survey.intake import import_file
from council.survey.service import survey_tally
from council.survey.store import get_survey
from council.survey.synthetic import synthetic_answers, synthetic_rows
from models import Organization, OrganizationKind
from models.db import session_scope


class Org:
    def __init__(self, code: str, name: str, kind: OrganizationKind) -> None:
        self.code, self.name, self.kind = code, name, kind


MUNICIPALITIES = [Org(f"{i:05d}", f"市{i}", OrganizationKind.municipality) for i in range(35)]
DEPARTMENTS = [Org(f"dept-{i}", f"部{i}", OrganizationKind.department) for i in range(17)]


def test_the_same_seed_gives_the_same_files(tmp_path: Path) -> None:
    orgs = [MUNICIPALITIES[0], DEPARTMENTS[0], MUNICIPALITIES[1]]
    first = synthetic_answers(FY, orgs, 7, tmp_path / "a", stamp=OPENED, csv_share=0.5, taxonomy=taxonomy())
    second = synthetic_answers(FY, orgs, 7, tmp_path / "b", stamp=OPENED, csv_share=0.5, taxonomy=taxonomy())
    assert [f.path.name for f in first] == [f.path.name for f in second]
    assert [f.path.read_bytes() for f in first] == [f.path.read_bytes() for f in second]
    other = synthetic_answers(FY, orgs, 8, tmp_path / "c", stamp=OPENED, csv_share=0.5, taxonomy=taxonomy())
    assert [f.path.read_bytes() for f in other] != [f.path.read_bytes() for f in first]


def test_a_synthetic_year_looks_like_the_source_year() -> None:
    categories = taxonomy()
    municipal = sum(len(synthetic_rows(FY, org, 1, categories)) for org in MUNICIPALITIES)
    departmental = sum(len(synthetic_rows(FY, org, 1, categories)) for org in DEPARTMENTS)
    assert 120 <= municipal <= 230  # 173 in 2017
    assert 20 <= departmental <= 60  # 40 in 2017


def test_synthetic_files_go_through_the_real_intake(engine: Engine, tmp_path: Path) -> None:
    open_small_survey(engine)
    with Session(engine) as session:
        orgs = session.exec(select(Organization).where(Organization.kind != OrganizationKind.secretariat)).all()
    files = synthetic_answers(FY, orgs, 3, tmp_path, stamp=OPENED, csv_share=0.5, taxonomy=taxonomy())
    assert {f.path.suffix for f in files} == {".csv", ".xlsx"}
    reports = [import_file(f.path, now=ON_TIME, setup=intake(engine), fiscal_year=FY) for f in files]
    assert [(r.outcome, r.answer_count) for r in reports] == [("accepted", f.answer_count) for f in files]
    with session_scope(engine) as session:
        tally = survey_tally(session, get_survey(session, FY, COUNCIL_CODE), taxonomy=taxonomy())
    assert tally.municipal_total + tally.department_total == sum(f.answer_count for f in files)
