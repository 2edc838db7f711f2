"""A bad cycle file changes nothing: the whole plan is checked before anything is written, and any mistake is one
line naming the file, line and key (issue: `lead_times.notice: 100000` stored a notice due in 1628; `notice: 300`
stored notice tasks in the previous fiscal year; `notise:` was silently ignored)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from council.cli.main import app
from council.config import reset_settings
from council.resources import data_dir
from models import AuditEvent, Task


def _cycle_file(tmp_path: Path, old: str, new: str) -> Path:
    text = (data_dir("calendar") / "cycle.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "cycle.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _state(engine: Engine) -> tuple[list[tuple[str, str]], int]:
    with Session(engine) as session:
        tasks = sorted((task.key, task.due_date.isoformat()) for task in session.exec(select(Task)).all())
        return tasks, len(session.exec(select(AuditEvent)).all())


@pytest.fixture
def planned(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["plan", "--fy", "2026"])
    assert result.exit_code == 0, result.output
    return engine


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  notice: 10 ", "  notice: 100000 ", "lead_times.notice: must be at most 120, got 100000"),
        ("  notice: 10 ", "  notice: 119 ", "outside the fiscal year"),
        (
            "  notice: 10 ",
            "  notice: 10\n  notise: 12 ",
            "lead time 'notise' is not used by any rule (did you mean 'notice'?)",
        ),
        ("    room: 2階 講堂\n", "    room: 2階 講堂\n    flor: 2\n", "unknown key 'flor'"),
    ],
    ids=["absurd lead time", "lead time into the year before", "misspelt lead time", "unknown key deep down"],
)
def test_a_bad_cycle_file_is_one_line_and_changes_nothing(
    planned: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, message: str
) -> None:
    before = _state(planned)
    monkeypatch.setenv("COUNCIL_CYCLE_FILE", str(_cycle_file(tmp_path, old, new)))
    reset_settings()
    result = CliRunner().invoke(app, ["plan", "--fy", "2026"])
    assert result.exit_code == 2, result.output
    error = result.output.strip()
    assert error.count("\n") == 0, error
    assert message in error
    assert "cycle.yaml" in error
    assert _state(planned) == before
