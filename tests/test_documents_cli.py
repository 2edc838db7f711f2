"""`council docs render | list | revise | register` against a real database."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from documents_seed import seed_year
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from council.cli import common
from council.cli.main import app
from council.context import Context
from council.meetings.actions import prepare_meeting
from models.db import session_scope

runner = CliRunner()
RENDER = ["docs", "render", "--fy", "2026", "--meeting", "council-1", "--kind", "notice,agenda", "--format", "md,html"]


def ok(*arguments: str) -> str:
    result = runner.invoke(app, list(arguments))
    assert result.exit_code == 0, result.output
    return result.output


def listed() -> list[dict[str, object]]:
    rows = json.loads(ok("docs", "list", "--fy", "2026", "--format", "json", "--all"))
    assert isinstance(rows, list)
    return rows


def test_render_then_issue_then_list_revise_and_register(
    engine: Engine, make_context: Callable[..., Context], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        seed_year(session)
    # --kind: without it, whether the meeting is past (and gets minutes) would depend on the wall clock
    first = ok(*RENDER)
    assert first.splitlines() == [
        "案   notice           council-1                v1 (new)  documents/2026/notice/council-1/draft [md,html]",
        "案   agenda           council-1                v1 (new)  documents/2026/agenda/council-1/draft [md,html]",
        "2 document(s): 2 draft(s), 2 drafted or changed now",
    ]
    assert "2 document(s): 2 draft(s), 0 drafted or changed now" in ok(*RENDER)

    # the notice is issued by the meeting's preparation, on its day
    prepare_meeting(make_context(date(2026, 6, 24)), 2026, "council-1", kinds=("notice",), approval=False)
    again = ok(*RENDER).splitlines()
    assert again[0] == (
        "発出 notice           council-1                v1 市第1号  documents/2026/notice/council-1/v1 [md,html]"
    )
    assert again[-1] == "2 document(s): 1 draft(s), 0 drafted or changed now"

    rows = listed()
    assert [(row["kind"], row["subject"], row["version"], row["status"]) for row in rows] == [
        ("agenda", "council-1", 1, "draft"),
        ("notice", "council-1", 1, "issued"),
    ]
    agenda, notice = rows
    assert (agenda["number"], agenda["issued_on"], agenda["planned_issue_on"]) == (None, None, "2026-07-03")
    assert (notice["number"], notice["issued_on"]) == ("市第1号", "2026-06-24")
    assert isinstance(notice["hash"], str)
    assert len(notice["hash"]) == 64
    assert isinstance(notice["paths"], dict)
    assert set(notice["paths"]) == {"md", "html", "docx", "pdf"}
    assert str(notice["paths"]["md"]).endswith(
        "documents/2026/notice/council-1/v1/令和8年度第1回県・市町村連携推進会議_開催通知.md"
    )
    text = ok("docs", "list", "--fy", "2026")
    assert "v1 市第1号 2026-06-24" in text
    assert "v1 案（発出予定 2026-07-03）" in text

    # a draft is not corrected, it is drafted again; the issued notice is
    refused = runner.invoke(app, ["docs", "revise", str(agenda["id"]), "--reason", "誤記"])
    assert refused.exit_code == 2
    assert "is draft: only the current issued version can be corrected" in refused.output
    monkeypatch.setattr(common, "now_utc", lambda: datetime(2026, 6, 26, 1, 0, tzinfo=UTC))  # 10:00 in Tokyo
    revised = ok("docs", "revise", str(notice["id"]), "--reason", "会場の変更のため")
    assert revised.strip().startswith(f"document {notice['id']} corrected by ")
    assert revised.strip().endswith("市第2号, sent to 10")
    rows = listed()
    assert [(row["kind"], row["version"], row["status"], row["number"]) for row in rows] == [
        ("agenda", 1, "draft", None),
        ("notice", 1, "superseded", "市第1号"),
        ("notice", 2, "issued", "市第2号"),
    ]
    assert (rows[2]["revises"], rows[2]["correction_reason"]) == (notice["id"], "会場の変更のため")
    assert [row["version"] for row in json.loads(ok("docs", "list", "--fy", "2026", "--format", "json"))] == [1, 2]

    register = ok("docs", "register", "--fy", "2026").splitlines()
    assert register[0] == "令和8年度 文書番号簿（2件）"
    assert register[1].split("\t") == [
        "市第1号",
        "令和8年6月24日",
        "令和8年度第1回県・市町村連携推進会議の開催について（通知）",
        "各市町村企画担当課長　様、企画振興部次長　様、各部局主幹課長　様、各総合支庁連携支援室長　様",
        "山形県みらい企画創造部長",
        "v1",
        "",
    ]
    assert register[2].split("\t")[::5] == ["市第2号", "v2"]
    assert register[2].split("\t")[2:] == [
        "令和8年度第1回県・市町村連携推進会議の開催について（通知）（訂正）",
        register[1].split("\t")[3],
        "山形県みらい企画創造部長",
        "v2",
        "市第1号の訂正（会場の変更のため）",
    ]
    table = list(csv.reader(io.StringIO(ok("docs", "register", "--fy", "2026", "--format", "csv"))))
    assert table[0] == ["文書番号", "発出日", "件名", "あて先", "発信者", "版", "備考"]
    assert [row[0] for row in table[1:]] == ["市第1号", "市第2号"]
    out = tmp_path / "register.xlsx"
    assert "2 number(s) written to" in ok("docs", "register", "--fy", "2026", "--format", "xlsx", "--out", str(out))
    sheet = load_workbook(out).active
    assert sheet is not None
    assert sheet["A1"].value == "令和8年度 文書番号簿"
    assert [sheet.cell(row=3, column=1).value, sheet.cell(row=4, column=7).value] == [
        "市第1号",
        "市第1号の訂正（会場の変更のため）",
    ]
    assert ok("docs", "register", "--fy", "2027") == "令和9年度 文書番号簿（0件）\n"


def test_mistakes_are_one_line_errors(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        seed_year(session)
    for arguments, message in (
        (["docs", "render", "--fy", "2026", "--kind", "memo"], "'memo' is not a document kind"),
        (["docs", "render", "--fy", "2031"], "fiscal year 2031 (令和13年度) has not been planned"),
        (["docs", "render", "--fy", "2026", "--format", "md,odt"], "unknown format 'odt'"),
        (["docs", "render", "--fy", "2026", "--meeting", "mayors-meeting"], "no documents are issued for meeting"),
        (["docs", "list", "--fy", "2031"], "fiscal year 2031 (令和13年度) has not been planned"),
        (["docs", "revise", "999", "--reason", "誤記"], "no document with id 999"),
        (["docs", "register", "--fy", "2026", "--format", "xlsx"], "--format xlsx needs --out FILE"),
    ):
        result = runner.invoke(app, arguments)
        assert result.exit_code == 2, (arguments, result.output)
        assert message in result.output
        assert result.output.count("\n") == 1, result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "documents").exists()
    missing_reason = runner.invoke(app, ["docs", "revise", "1"])
    assert missing_reason.exit_code == 2
    assert "--reason" in missing_reason.output
