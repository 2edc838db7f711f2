"""A whole fiscal year through the real flows: `council simulate --fy 2026` on a fresh database, then again."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, col, func, select
from typer.testing import CliRunner

from council.cli.main import app
from council.config import get_settings
from council.planning.rules import load_rules
from models import (
    Cycle,
    CycleStatus,
    Delivery,
    DeliveryStatus,
    Document,
    DocumentNumber,
    DocumentStatus,
    Meeting,
    MeetingStatus,
    Stage,
    StageStatus,
    Task,
    TaskStatus,
    Theme,
    ThemeStatus,
)
from models.db import session_scope

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_server")]


def row_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            table.name: session.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables
        }


def test_a_simulated_year_runs_every_stage_and_a_second_run_changes_nothing(
    council_home: Path, sqlite_engine: Engine
) -> None:
    result = CliRunner().invoke(app, ["simulate", "--fy", "2026", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "stages done: 8/8" in result.output

    with session_scope(sqlite_engine) as session:
        assert session.exec(select(Cycle.status)).one() == CycleStatus.closed
        assert set(session.exec(select(Stage.status)).all()) == {StageStatus.done}
        assert set(session.exec(select(Meeting.status)).all()) == {MeetingStatus.held}
        tasks = session.exec(select(Task)).all()
        every_document = session.exec(select(Document)).all()
        documents = [d for d in every_document if d.status == DocumentStatus.issued]
        numbered = session.exec(
            select(Document, DocumentNumber).join(DocumentNumber, col(DocumentNumber.id) == Document.number_id)
        ).all()
        deliveries = Counter(session.exec(select(Delivery.status)).all())
        themes = Counter(session.exec(select(Theme.status)).all())
    assert [t.key for t in tasks if t.status in (TaskStatus.pending, TaskStatus.in_progress)] == []
    cancelled = [t.key for t in tasks if t.status == TaskStatus.cancelled]
    assert all(key.startswith("survey-response:") for key in cancelled)
    assert all(t.completed_by and t.completed_at for t in tasks if t.status == TaskStatus.done)
    assert all(
        t.flow_run_id for t in tasks if t.status == TaskStatus.done and (t.completed_by or "").startswith("flow:")
    )

    kinds = Counter(document.kind.value for document in documents)
    assert every_document == documents  # the year leaves no draft behind, and corrected nothing
    assert kinds == {
        "notice": 5,  # every meeting but the mayors'
        "agenda": 5,
        "minutes": 5,
        "advance_notice": 1,  # the roundtable's 日程確保のお願い（予告）
        "survey_request": 2,  # one per audience, each on the day its window opens
        "survey_summary": 1,
        "annual_schedule": 1,
        "survey_reminder": 6,  # per reminder step (before-3, after-1, after-5) and audience
    }
    # Issued records: numbered in issue order, dated on business days; drafts consumed no number.
    business_days = load_rules(get_settings().cycle_file).business_calendar()
    assert all(d.issued_on is not None and business_days.is_business_day(d.issued_on) for d in documents)
    assert all(d.status != DocumentStatus.draft for d, _ in numbered)
    in_order = sorted(numbered, key=lambda pair: (pair[1].fiscal_year, pair[1].sequence))
    assert [number.issued_on for _, number in in_order] == sorted(number.issued_on for _, number in in_order)
    for year in {number.fiscal_year for _, number in in_order}:  # 市第1号 … restart every April, none skipped
        sequences = [number.sequence for _, number in in_order if number.fiscal_year == year]
        assert sequences == list(range(1, len(sequences) + 1))
    assert all(d.issued_on == number.issued_on for d, number in numbered)
    assert set(deliveries) == {DeliveryStatus.sent}
    assert len(list((council_home / "outbox").rglob("*.eml"))) == deliveries[DeliveryStatus.sent]

    assert themes[ThemeStatus.decided] > 0
    assert not {ThemeStatus.candidate, ThemeStatus.adopted, ThemeStatus.under_study} & set(themes)

    feeds = sorted((council_home / "feeds").glob("*.ics"))
    assert feeds
    summaries = set()
    for path in feeds:
        calendar = Calendar.from_ical(path.read_bytes())
        summaries |= {str(event.get("SUMMARY")) for event in calendar.walk("VEVENT")}
    assert any("第1回県・市町村連携推進会議" in summary for summary in summaries)

    before = row_counts(sqlite_engine)
    files_before = sorted(
        p.relative_to(council_home) for p in council_home.rglob("*") if p.is_file() and "prefect" not in p.parts
    )
    again = CliRunner().invoke(app, ["simulate", "--fy", "2026", "--seed", "3"])
    assert again.exit_code == 0, again.output
    assert "nothing to do" in again.output
    assert row_counts(sqlite_engine) == before
    files_after = sorted(
        p.relative_to(council_home) for p in council_home.rglob("*") if p.is_file() and "prefect" not in p.parts
    )
    assert files_after == files_before
