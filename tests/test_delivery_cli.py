"""`council contacts`, `council deliver` and `council deliveries` end to end: a real SQLite file under COUNCIL_HOME,
the outbox folder, and a real SMTP server on loopback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from delivery_support import NOW, make_document, running_smtp
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from council.cli.main import app
from council.config import reset_settings
from models import Contact, Council, Cycle, Organization

runner = CliRunner()


@pytest.fixture
def document_id(sqlite_engine: Engine, council_home: Path) -> int:
    """`council init` + the DEMO contacts + one rendered notice of FY2026 (documents are not this module's job)."""
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["contacts", "import", "--demo"])
    assert result.exit_code == 0, result.output
    assert "DEMO" in result.output
    with Session(sqlite_engine, expire_on_commit=False) as session:
        council = session.exec(select(Council)).one()
        cycle = Cycle(council_id=council.id or 0, fiscal_year=2026, rules_digest="0" * 64, planned_at=NOW)
        session.add(cycle)
        session.commit()
        document = make_document(session, council_home, cycle)
        assert document.id is not None
        return document.id


def test_deliver_to_the_outbox_then_nothing_more(document_id: int, council_home: Path) -> None:
    first = runner.invoke(app, ["deliver", str(document_id), "--to", "municipalities"])
    assert first.exit_code == 0, first.output
    assert "送信 35件" in first.output
    assert len(list((council_home / "outbox" / "2026").rglob("*.eml"))) == 35

    second = runner.invoke(app, ["deliver", str(document_id), "--to", "municipalities", "--format", "json"])
    assert second.exit_code == 0, second.output
    report = json.loads(second.output)
    assert report["counts"]["sent"] == 0
    assert report["counts"]["already_sent"] == 35
    assert len(list((council_home / "outbox" / "2026").rglob("*.eml"))) == 35

    status = runner.invoke(app, ["deliveries", "--fy", "2026", "--format", "json"])
    lines = json.loads(status.output)
    assert len(lines) == 35
    assert {line["status"] for line in lines} == {"sent"}
    assert lines[0]["organization_code"] == "062014"
    text = runner.invoke(app, ["deliveries", "--fy", "2026"])
    assert "送信済 35件" in text.output
    assert re.search(r"\t令和\d+年\d+月\d+日（.）\d+時\d\d分\t試行1回", text.output)  # sent_at, wall clock
    assert "記録はありません" in runner.invoke(app, ["deliveries", "--fy", "2027"]).output


def test_deliver_over_smtp_reports_a_refused_recipient_with_exit_1(
    document_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_smtp() as server:
        server.handler.always["renkei.shonai@pref.example.jp"] = "550 5.1.1 user unknown"
        monkeypatch.setenv("COUNCIL_SMTP_HOST", server.host)
        monkeypatch.setenv("COUNCIL_SMTP_PORT", str(server.port))
        monkeypatch.setenv("COUNCIL_SMTP_SECURITY", "none")
        reset_settings()  # a command reads its settings once, when it starts: as a new process would
        result = runner.invoke(app, ["deliver", str(document_id), "--channel", "smtp"])
    assert result.exit_code == 1, result.output
    assert (
        "送信失敗: 庄内総合支庁連携支援室長 <renkei.shonai@pref.example.jp> — 550 5.1.1 user unknown" in result.output
    )
    assert "送信 52件" in result.output  # the council: 35 + 1 + 12 + 4 + 1 members, one refused
    assert len(server.handler.received) == 52


def test_user_errors_are_one_line_with_exit_2(document_id: int, tmp_path: Path) -> None:
    unknown_group = runner.invoke(app, ["deliver", str(document_id), "--to", "everyone"])
    assert unknown_group.exit_code == 2
    assert "not a recipient group" in unknown_group.output
    missing = runner.invoke(app, ["deliver", "999"])
    assert missing.exit_code == 2
    no_smtp = runner.invoke(app, ["deliver", str(document_id), "--channel", "smtp"])
    assert no_smtp.exit_code == 2
    assert "COUNCIL_SMTP_HOST" in no_smtp.output
    bad = tmp_path / "bad.csv"
    bad.write_text("org_code,role,email\n062014,企画担当課長,not-an-address\n", encoding="utf-8")
    imported = runner.invoke(app, ["contacts", "import", str(bad)])
    assert imported.exit_code == 2
    assert "row 2, field email" in imported.output
    assert runner.invoke(app, ["contacts", "import"]).exit_code == 2


def test_contacts_list(document_id: int) -> None:
    result = runner.invoke(app, ["contacts", "list", "--to", "regional_offices"])
    assert result.exit_code == 0, result.output
    assert "ro-murayama\t村山総合支庁\t連携支援室長" in result.output
    assert "各総合支庁連携支援室長: 4件（うちメールアドレス未登録 0件）" in result.output
    listed = json.loads(runner.invoke(app, ["contacts", "list", "--format", "json"]).output)
    assert len(listed) == 89


def test_a_recipient_without_an_address_stops_the_command_unless_recorded(
    document_id: int, sqlite_engine: Engine, council_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(sqlite_engine) as session:
        contact = session.exec(
            select(Contact).join(Organization).where(Organization.code == "062022", Contact.role == "企画担当課長")
        ).one()
        contact.email = None
        session.add(contact)
        session.commit()
    refused = runner.invoke(app, ["deliver", str(document_id), "--to", "municipalities"])
    assert refused.exit_code == 2, refused.output
    assert refused.output.count("\n") == 1
    assert "no e-mail address for 1 recipient(s) (米沢市)" in refused.output
    assert not (council_home / "outbox").exists()
    assert "記録はありません" in runner.invoke(app, ["deliveries", "--fy", "2026"]).output

    monkeypatch.setenv("COUNCIL_UNDELIVERABLE", "record")
    reset_settings()
    recorded = runner.invoke(app, ["deliver", str(document_id), "--to", "municipalities"])
    assert recorded.exit_code == 0, recorded.output
    assert "宛先なし（メールアドレス未登録）: 米沢市企画担当課長 <->" in recorded.output
    assert "送信 34件" in recorded.output
    assert len(list((council_home / "outbox" / "2026").rglob("*.eml"))) == 34
    status = runner.invoke(app, ["deliveries", "--fy", "2026"])
    assert "宛先なし\t062022\t米沢市\t企画担当課長\t（メールアドレス未登録）" in status.output
    assert "送信済 34件" in status.output
    assert "宛先なし 1件" in status.output
