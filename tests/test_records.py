"""What was issued stays what was issued: one fiscal year simulated through the real flows, then checked as a
secretariat would years later.

- `council docs render` after the year creates no version and changes no byte under COUNCIL_HOME/documents;
- every issued version renders again from its stored facts, byte for byte, in every format;
- every meeting's 議事概要 lists exactly the decisions recorded at that meeting (a 幹事会's, what the 幹事会 did);
- issued documents sorted by issue date have increasing 文書番号, every issue date is a business day, no draft holds
  a number, and the 文書番号簿 lists them in that order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from council.cli.main import app
from council.clock import TOKYO
from council.config import Settings, get_settings, reset_settings
from council.documents.files import render_bytes, version_files
from council.documents.lifecycle import stored_context
from council.documents.stationery import stationery_for
from council.labels import INITIATIVE_KIND, THEME_STATUS
from council.simulation import install
from flows.simulation import simulate_year
from models import Document, DocumentNumber, DocumentStatus, Meeting, MeetingDecision, Theme, ThemeStatus
from models.db import engine_for, session_scope, upgrade_to_head

pytestmark = [pytest.mark.flow, pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]

FY = 2026


@dataclass(frozen=True)
class SimulatedYear:
    settings: Settings
    engine: Engine


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Iterator[SimulatedYear]:
    home = tmp_path_factory.mktemp("records") / "home"
    patch = pytest.MonkeyPatch()
    patch.setenv("COUNCIL_HOME", str(home))
    patch.setenv("COUNCIL_DATABASE_URL", f"sqlite:///{home / 'council.db'}")
    patch.setenv("COUNCIL_ACTOR", "tester")
    reset_settings()
    settings = get_settings()
    engine = engine_for(settings.database_url)
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        install(session, reference_dir=settings.reference_dir, now=_planned_at(), actor="tester")
    simulate_year(settings, FY, seed=1)
    yield SimulatedYear(settings, engine)
    patch.undo()
    reset_settings()


def _planned_at() -> datetime:
    return datetime(2026, 2, 2, 9, 0, tzinfo=TOKYO)


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_rendering_after_the_year_changes_no_byte_and_makes_no_version(
    year: SimulatedYear, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = year.settings.documents_dir
    with Session(year.engine) as session:
        versions_before = len(session.exec(select(Document)).all())
    before = _hashes(documents)
    result = CliRunner().invoke(
        app, ["docs", "render", "--fy", str(FY), "--format", "md,html,docx,pdf"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "0 drafted or changed now" in result.output
    assert _hashes(documents) == before
    with Session(year.engine) as session:
        assert len(session.exec(select(Document)).all()) == versions_before


def test_every_issued_version_renders_again_byte_for_byte_from_its_facts(year: SimulatedYear) -> None:
    stationery = stationery_for(year.settings)
    checked = 0
    with Session(year.engine) as session:
        issued = session.exec(select(Document).where(Document.status != DocumentStatus.draft)).all()
        assert issued
        for document in issued:
            files = version_files(year.settings.home, document.directory)
            assert set(files) == {"md", "html", "docx", "pdf"}, document.directory
            again = render_bytes(stored_context(session, document, stationery), list(files))
            for fmt, path in files.items():
                assert path.read_bytes() == again[fmt], f"{document.directory} {fmt}"
                checked += 1
    assert checked == 4 * len(issued)


def test_every_minutes_lists_exactly_the_decisions_recorded_at_its_meeting(year: SimulatedYear) -> None:
    with Session(year.engine) as session:
        meetings = session.exec(select(Meeting).order_by(col(Meeting.starts_at))).all()
        walked = 0
        for meeting in meetings:
            minutes = session.exec(
                select(Document).where(
                    Document.kind == "minutes", Document.subject == meeting.key, Document.status == "issued"
                )
            ).first()
            if minutes is None:
                assert meeting.kind.value == "mayors_meeting", f"{meeting.key} has no minutes"
                continue
            walked += 1
            assert minutes.facts is not None
            listed = [theme["title"] for item in minutes.facts["items"] for theme in item["decisions"]]
            recorded = session.exec(
                select(MeetingDecision, Theme)
                .join(Theme, col(Theme.id) == col(MeetingDecision.theme_id))
                .where(MeetingDecision.meeting_id == meeting.id)
                .order_by(col(Theme.code))
            ).all()
            assert listed == [theme.title for _, theme in recorded], meeting.key
            tags = [theme["tags"] for item in minutes.facts["items"] for theme in item["decisions"]]
            for (decision, _), tag in zip(recorded, tags, strict=True):
                if decision.initiative_kind is not None:
                    assert f"〔{INITIATIVE_KIND[decision.initiative_kind]}〕" in tag
                budgeted = f"（{THEME_STATUS[ThemeStatus.budgeted]}）"
                assert (budgeted in tag) == (decision.status_before == ThemeStatus.budgeted)
        assert walked == 5
        secretariat = {
            meeting.key: {decision.outcome.value for decision in _decisions(session, meeting)}
            for meeting in meetings
            if meeting.key.startswith("secretariat")
        }
        assert secretariat == {"secretariat-1": {"endorsed"}, "secretariat-2": {"endorsed"}}


def _decisions(session: Session, meeting: Meeting) -> list[MeetingDecision]:
    return list(session.exec(select(MeetingDecision).where(MeetingDecision.meeting_id == meeting.id)).all())


def test_numbers_follow_the_issue_dates_on_business_days_and_no_draft_holds_one(year: SimulatedYear) -> None:
    calendar = stationery_for(year.settings).calendar
    with Session(year.engine) as session:
        issued = session.exec(
            select(Document, DocumentNumber)
            .join(DocumentNumber, col(DocumentNumber.id) == col(Document.number_id), isouter=True)
            .where(Document.status != DocumentStatus.draft)
            .order_by(col(Document.issued_on), col(DocumentNumber.sequence))
        ).all()
        drafts = session.exec(select(Document).where(Document.status == DocumentStatus.draft)).all()
    assert all(draft.number_id is None and draft.issued_on is None for draft in drafts)
    assert all(
        document.issued_on is not None and calendar.is_business_day(document.issued_on) for document, _ in issued
    )
    numbered = [(document.issued_on, number.sequence) for document, number in issued if number is not None]
    assert len(numbered) >= 9
    assert [sequence for _, sequence in numbered] == list(range(1, len(numbered) + 1))
    assert numbered == sorted(numbered)

    result = CliRunner().invoke(app, ["docs", "register", "--fy", str(FY), "--format", "csv"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    labels = [line.split(",")[0] for line in result.output.strip().splitlines()[1:]]
    assert labels == [f"市第{n}号" for n in range(1, len(numbered) + 1)]
