"""`council survey …` and `council themes …` as the secretariat runs them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from survey_support import FY, Row, csv_bytes, write
from typer.testing import CliRunner

from council.cli.main import app
from council.context import Context
from council.survey.actions import kickoff_survey
from models import SurveySection

runner = CliRunner()


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_survey_year_from_the_command_line(
    engine: Engine, tmp_path: Path, make_context: Callable[..., Context]
) -> None:
    ok("init")
    ok("contacts", "import", "--demo")
    refused = runner.invoke(app, ["survey", "open", "--fy", "2026"])
    assert refused.exit_code == 2
    assert refused.stderr == "error: fiscal year 2026 (令和8年度) has not been planned: run `council plan --fy 2026`\n"
    ok("plan", "--fy", "2026")
    # the windows of the plan: survey:open (4/1) to survey:deadline (4/22); departments 7 business days later
    assert ok("survey", "open", "--fy", "2026") == (
        "令和8年度 survey open: municipalities 令和8年4月1日（水）〜令和8年4月22日（水）, "
        "departments 令和8年4月10日（金）〜令和8年4月22日（水）; 51 respondents\n"
    )
    assert (
        ok("survey", "forms", "--fy", "2026", "--out", str(tmp_path / "forms"))
        == f"51 forms written to {tmp_path / 'forms'}\n"
    )
    assert (tmp_path / "forms" / "survey-2026-062014.xlsx").is_file()
    # opening sends nothing: nobody has the request until the kickoff, and nothing records a sending by hand
    assert ok("survey", "status", "--fy", "2026").count("\t未送付\t") == 51
    assert "No such command 'mark-sent'" in runner.invoke(app, ["survey", "mark-sent", "--fy", "2026"]).output
    assert "No such option: --record" in runner.invoke(app, ["survey", "reminders", "--fy", "2026", "--record"]).output
    # `council survey kickoff` runs the survey-kickoff flow (tests/test_flows_survey.py); its use case sends it here
    # (run on 4/10, when the departments' window has opened too: both letters go)
    kickoff = kickoff_survey(make_context(date(2026, 4, 10)), 2026)
    assert (kickoff.sent, kickoff.forms, kickoff.completed, len(kickoff.requests)) == (51, 51, True, 2)
    assert ok("survey", "status", "--fy", "2026").count("\t未回答\t") == 51

    good = write(tmp_path / "yamagata.csv", csv_bytes(FY, "062014", [Row(SurveySection.policy, "shopping")]))
    dept = write(tmp_path / "kikaku.csv", csv_bytes(FY, "dept-kikaku", [Row(SurveySection.policy, "買い物支援関係")]))
    bad = write(tmp_path / "bad.csv", csv_bytes(FY, "062014", [Row(SurveySection.policy, "shopping", urgency="至急")]))
    result = runner.invoke(app, ["survey", "import", str(good), str(dept), str(bad)])
    assert result.exit_code == 2
    assert result.stdout.startswith("accepted yamagata.csv: 062014, 1 answer(s)")
    assert result.stderr == "rejected bad.csv: bad.csv: line 2, field 緊急性: '至急' is not one of 高/中/低\n"

    statuses = json.loads(ok("survey", "status", "--fy", "2026", "--format", "json"))
    assert len(statuses) == 51
    assert {s["organization_code"]: s["has_answered"] for s in statuses}["062014"] is True
    assert "answered 2/51" in ok("survey", "status", "--fy", "2026")

    payload = json.loads(ok("survey", "tally", "--fy", "2026", "--format", "json"))
    shopping = next(row for row in payload["rows"] if row["code"] == "shopping")
    assert (shopping["municipal_count"], shopping["department_count"], shopping["marked"]) == (1, 1, True)
    rows = list(csv.DictReader(io.StringIO(ok("survey", "tally", "--fy", "2026", "--format", "csv"))))
    assert rows[1]["項目"] == "買い物支援関係"
    ok("survey", "tally", "--fy", "2026", "--format", "xlsx", "--out", str(tmp_path / "tally.xlsx"))
    assert load_workbook(tmp_path / "tally.xlsx").active["A1"].value == "令和8年度 連携課題・ニーズ調査 集計"
    assert "②買い物支援関係（移動販売車導入、店舗設置支援等）*\t1" in ok("survey", "tally", "--fy", "2026")

    assert ok("themes", "candidates", "--fy", "2026").splitlines() == ["T2026-shopping", "1 candidate theme(s)"]
    assert ok("themes", "list", "--fy", "2026").startswith("T2026-shopping\t候補\t買い物支援 〔企画〕")
    ok("themes", "update", "T2026-shopping", "--status", "adopted", "--lead", "県土", "--comment", "第1回会議")
    result = runner.invoke(app, ["themes", "decide", "T2026-shopping", "--kind", "new"])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: theme T2026-shopping cannot go from adopted (採択) to decided (決定); allowed:"
    )
    assert (
        ok(
            "themes",
            "add",
            "--fy",
            "2026",
            "--title",
            "生活排水処理の連携",
            "--section",
            "operations",
            "--category",
            "operations-other",
            "--lead",
            "環エネ",
        )
        == "added T2026-01: 生活排水処理の連携\n"
    )
    assert ok("themes", "defer", "T2026-01", "--to", "2027") == "T2026-01: deferred to 令和9年度\n"
    listed = json.loads(ok("themes", "list", "--fy", "2026", "--format", "json"))
    assert [(t["code"], t["status"], t["lead_label"]) for t in listed] == [
        ("T2026-01", "deferred", "〔環エネ〕"),
        ("T2026-shopping", "adopted", "〔企画、県土〕"),
    ]
    assert "deferred themes back as candidates: T2026-01" in ok(
        "themes", "carry-over", "--from", "2026", "--to", "2027"
    )
    assert ok("themes", "list", "--fy", "2027").startswith("T2026-01\t候補\t生活排水処理の連携 〔環エネ〕")
    history = ok("themes", "history", "T2026-01").splitlines()
    assert [line.split("\t")[2] for line in history] == [
        "- → candidate",
        "candidate → deferred",
        "deferred → candidate",
    ]
    assert ok("themes", "drop", "T2026-01", "--comment", "対象外") == "T2026-01: dropped\n"


def test_the_inbox_command_and_errors_without_a_survey(engine: Engine) -> None:
    ok("init")
    result = runner.invoke(app, ["survey", "status", "--fy", "2030"])
    assert result.exit_code == 2
    assert result.stderr == "error: no survey for 令和12年度 (2030): open it with `council survey open --fy 2030`\n"
    assert "is empty" in ok("survey", "inbox")
    result = runner.invoke(app, ["survey", "tally", "--fy", "2030", "--format", "xlsx"])
    assert result.exit_code == 2


def test_a_nul_byte_in_one_file_is_one_line_and_the_next_file_is_imported(engine: Engine, tmp_path: Path) -> None:
    """On PostgreSQL the NUL reached the database: a DataError traceback, exit 1, and the good file never read."""
    ok("init")
    ok("plan", "--fy", "2026")
    ok("survey", "open", "--fy", "2026")
    nul = write(
        tmp_path / "nul.csv", csv_bytes(FY, "062014", [Row(SurveySection.policy, "shopping", item="移動\x00販売")])
    )
    good = write(tmp_path / "good.csv", csv_bytes(FY, "062022", [Row(SurveySection.policy, "shopping")]))
    result = runner.invoke(app, ["survey", "import", str(nul), str(good)])
    assert result.exit_code == 2
    assert result.stderr == (
        "rejected nul.csv: nul.csv: line 2: contains a NUL character: this is not CSV text (a binary file?)\n"
    )
    assert result.stdout.startswith("accepted good.csv: 062022, 1 answer(s)")  # late or not: the clock is real
