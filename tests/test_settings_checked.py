"""Every setting is checked before any work (issue 11, item 9): with `COUNCIL_DELIVERY_CHANNEL=fax` a tick used to
open the survey, use up 市第1号 and mark the day finished before failing. Now a bad setting is one line naming the
variable, exit code 2, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from council.cli.main import app
from council.config import load_settings, reset_settings
from council.errors import InputError
from models import AuditEvent, DocumentNumber, Survey, TickRun

BAD_SETTINGS = {
    "COUNCIL_DELIVERY_CHANNEL": "fax",
    "COUNCIL_APPROVAL": "perhaps",
    "COUNCIL_UNDELIVERABLE": "ignore",
    "COUNCIL_APPROVAL_TIMEOUT": "soon",
    "COUNCIL_FEED_REFRESH_MINUTES": "0",
    "COUNCIL_PUBLIC_BASE_URL": "council.example.jp",
    "COUNCIL_MAIL_FROM": "not an address",
    "COUNCIL_CYCLE_FILE": "/nonexistent/cycle.yaml",
    "COUNCIL_OFFICE_FILE": "/nonexistent/office.yaml",
}


@pytest.mark.parametrize(("variable", "value"), sorted(BAD_SETTINGS.items()))
def test_each_bad_setting_is_refused_naming_it(variable: str, value: str) -> None:
    with pytest.raises(InputError) as raised:
        load_settings({variable: value})
    assert variable in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_smtp_channel_needs_its_relay_before_anything() -> None:
    with pytest.raises(InputError, match="COUNCIL_SMTP_HOST"):
        load_settings({"COUNCIL_DELIVERY_CHANNEL": "smtp"})


@pytest.mark.parametrize(
    "command",
    [["tick", "--as-of", "2026-04-01"], ["survey", "kickoff", "--fy", "2026"], ["plan", "--fy", "2026"]],
    ids=["tick", "kickoff", "plan"],
)
def test_a_command_with_a_bad_setting_writes_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    monkeypatch.setenv("COUNCIL_DELIVERY_CHANNEL", "fax")
    reset_settings()
    with Session(engine) as session:
        audit_before = len(session.exec(select(AuditEvent)).all())
    result = runner.invoke(app, command)
    assert result.exit_code == 2, result.output
    assert result.output.strip().count("\n") == 0
    assert "COUNCIL_DELIVERY_CHANNEL" in result.output
    with Session(engine) as session:
        assert session.exec(select(TickRun)).all() == []
        assert session.exec(select(Survey)).all() == []
        assert session.exec(select(DocumentNumber)).all() == []
        assert len(session.exec(select(AuditEvent)).all()) == audit_before
