from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from council.cli.main import app
from council.config import reset_settings
from council.resources import data_dir
from models import Organization

runner = CliRunner()


def test_init_creates_the_database_and_is_idempotent(engine: Engine) -> None:
    first = runner.invoke(app, ["init"])
    assert first.exit_code == 0, first.output
    assert "organization: +52" in first.output
    second = runner.invoke(app, ["init"])
    assert second.exit_code == 0, second.output
    assert "organization: +0 ~0 -0 =52" in second.output
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Organization)).one() == 52


def test_init_with_a_bad_reference_file_prints_one_line_and_changes_nothing(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(data_dir("reference"), reference)
    csv = reference / "municipalities.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("062090,長井市", "062091,長井市"), encoding="utf-8")
    monkeypatch.setenv("COUNCIL_REFERENCE_DIR", str(reference))
    reset_settings()
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 2
    assert result.stderr == f"error: {csv}: row 10, field code: '062091' has a bad check digit (expected 062090)\n"
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Organization)).one() == 0


def test_console_script_runs_init_in_a_fresh_home(tmp_path: Path) -> None:
    """The installed `council` entry point, as a user runs it, with the embedded default (SQLite in COUNCIL_HOME)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNCIL_")}
    env["COUNCIL_HOME"] = str(tmp_path / "home")
    council = Path(sys.executable).with_name("council")
    result = subprocess.run([str(council), "init"], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "home" / "council.db").is_file()
    assert f"sqlite:///{tmp_path / 'home' / 'council.db'}" in result.stdout
