"""The tick flow and its commands: a day's work once, missed days caught up, one failure not stopping the rest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, func, select
from typer.testing import CliRunner

from council.cli.main import app
from flows.common import NotRetriedError, set_fault_hook
from flows.tick import TickFailedError, tick
from models import AuditEvent, Cycle, CycleStatus, Stage, StageStatus, Task, TaskStatus, TickRun
from models.db import session_scope

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_server")]

FY = 2026


def row_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            table.name: session.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables
            if table.name != "tickrun"
        }


def test_the_first_day_opens_the_year_and_a_second_tick_changes_nothing(
    flow_world: Path, sqlite_engine: Engine
) -> None:
    report = tick(as_of=date(2026, 4, 1))
    assert report.performed == ("activate-cycle 2026", "start-stage 2026 survey", "kickoff-survey 2026")
    assert report.missed_days == 0
    with session_scope(sqlite_engine) as session:
        assert session.exec(select(Cycle.status)).one() == CycleStatus.active
        assert session.exec(select(Stage.status).where(Stage.key == "survey")).one() == StageStatus.in_progress
        ticked = session.exec(select(TickRun)).one()
    assert ticked.as_of == date(2026, 4, 1)
    assert ticked.finished_at is not None
    assert ticked.actions == list(report.performed)
    before = row_counts(sqlite_engine)

    again = tick(as_of=date(2026, 4, 1))
    assert again.performed == ()
    assert row_counts(sqlite_engine) == before


def test_missed_days_are_caught_up(flow_world: Path, sqlite_engine: Engine) -> None:
    tick(as_of=date(2026, 4, 1))
    report = tick(as_of=date(2026, 5, 13))  # nobody ticked for six weeks
    assert report.missed_days == 41
    assert "close-survey 2026" in report.performed
    assert "finish-stage 2026 survey" in report.performed
    assert "start-stage 2026 theme_candidates" in report.performed
    with session_scope(sqlite_engine) as session:
        overdue = session.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "task.overdue")
        ).one()
        summary = session.exec(select(Task).where(Task.key == "survey:summary")).one()
    assert overdue > 0  # the respondents who never answered, flagged once
    assert summary.status == TaskStatus.done


class KilledError(NotRetriedError):
    pass


def test_a_failing_action_does_not_stop_the_day(flow_world: Path, sqlite_engine: Engine) -> None:
    def hook(point: str) -> None:
        if point == "survey-kickoff:rendered":
            raise KilledError("the document store is down")

    set_fault_hook(hook)
    with pytest.raises(TickFailedError, match="kickoff-survey 2026"):
        tick(as_of=date(2026, 4, 1))
    set_fault_hook(None)
    with session_scope(sqlite_engine) as session:
        assert session.exec(select(Stage.status).where(Stage.key == "survey")).one() == StageStatus.in_progress
        assert session.exec(select(TickRun.finished_at)).one() is not None
    report = tick(as_of=date(2026, 4, 1))  # the next run finishes the job
    assert report.performed == ("kickoff-survey 2026",)


def test_cli_kickoff_and_tick(flow_world: Path) -> None:
    runner = CliRunner()
    kickoff = runner.invoke(app, ["survey", "kickoff", "--fy", str(FY), "--as-of", "2026-04-01"])
    assert kickoff.exit_code == 0, kickoff.output
    assert "調査開始" in kickoff.output
    ticked = runner.invoke(app, ["tick", "--as-of", "2026-04-02"])
    assert ticked.exit_code == 0, ticked.output
    assert "activate-cycle 2026" in ticked.output
    assert "kickoff-survey" not in ticked.output
    bad = runner.invoke(app, ["tick", "--as-of", "2026-13-01"])
    assert bad.exit_code == 2
