from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from council.cli.main import app
from council.config import reset_settings
from council.resources import data_dir
from models import (
    AuditEvent,
    Council,
    Document,
    DocumentKind,
    DocumentStatus,
    Meeting,
    Organization,
    OrganizationKind,
    Task,
    TaskStatus,
)

runner = CliRunner()
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TOKYO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\+09:00$")


def add_council(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Council(code="yamagata", name="県・市町村連携推進会議", prefecture="山形県"))
        session.add(Organization(code="secretariat", kind=OrganizationKind.secretariat, name="市町村課"))
        session.commit()


@pytest.fixture
def council_db(engine: Engine) -> Engine:
    add_council(engine)
    return engine


@pytest.fixture
def sqlite_council_db(sqlite_engine: Engine) -> Engine:
    add_council(sqlite_engine)
    return sqlite_engine


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def audit_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(AuditEvent)).one()


def plan_json(*extra: str) -> dict[str, Any]:
    result = invoke("plan", "--fy", "2026", "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def test_plan_json_has_exactly_the_documented_shape(council_db: Engine) -> None:
    payload = plan_json()
    assert list(payload) == ["fiscal_year", "stages", "meetings", "tasks"]
    assert payload["fiscal_year"] == 2026
    assert all(list(stage) == ["id", "title", "start", "end"] for stage in payload["stages"])
    assert all(list(meeting) == ["id", "kind", "title", "start", "end"] for meeting in payload["meetings"])
    assert all(list(task) == ["id", "title", "due", "status", "owner"] for task in payload["tasks"])
    assert all(ISO_DATE.match(stage["start"]) and ISO_DATE.match(stage["end"]) for stage in payload["stages"])
    assert all(TOKYO_DATETIME.match(m["start"]) and TOKYO_DATETIME.match(m["end"]) for m in payload["meetings"])
    assert {m["kind"] for m in payload["meetings"]} == {
        "secretariat_meeting",
        "council_meeting",
        "mayors_meeting",
        "roundtable",
    }
    meetings = {meeting["id"]: meeting for meeting in payload["meetings"]}
    assert meetings["council-1"] == {
        "id": "council-1",
        "kind": "council_meeting",
        "title": "令和8年度第1回県・市町村連携推進会議",
        "start": "2026-07-01T14:00:00+09:00",
        "end": "2026-07-01T16:00:00+09:00",
    }
    tasks = {task["id"]: task for task in payload["tasks"]}
    assert tasks["notice:council-1"]["due"] == "2026-06-17"
    assert {(task["status"], task["owner"]) for task in payload["tasks"]} == {("pending", "secretariat")}
    assert [stage["id"] for stage in payload["stages"]][:2] == ["survey", "theme_candidates"]


def test_plan_twice_changes_nothing_the_second_time(council_db: Engine) -> None:
    first = invoke("plan", "--fy", "2026", "--format", "json")
    assert "stored: 37 added, 0 changed, 0 unchanged" in first.stderr
    events = audit_count(council_db)
    second = invoke("plan", "--fy", "2026", "--format", "json")
    assert "stored: 0 added, 0 changed, 37 unchanged" in second.stderr
    assert audit_count(council_db) == events
    assert json.loads(first.stdout) == json.loads(second.stdout)


def test_plan_text_is_the_month_table_of_the_source(sqlite_council_db: Engine) -> None:
    result = invoke("plan", "--fy", "2026")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "令和8年度「県・市町村連携推進会議」の年間スケジュール"
    header = next(line for line in lines if "県・市町村連携推進会議 関係" in line)
    assert header.index("県・市町村連携推進会議 関係") < header.index("その他")
    months = [line.split("│")[0].strip() for line in lines if "│" in line and line.split("│")[0].strip()]
    assert months == ["4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月", "1月", "2月", "3月"]
    may = next(line for line in lines if line.startswith("5月"))
    left, right = may.split("│")[1], may.split("│")[2]
    assert "新たな連携テーマ候補に係る検討・調整" in left
    assert "◎市町村長会議 5月20日（水）13時30分～16時30分" in right
    assert any("◎第1回県・市町村連携推進会議 7月1日（水）14時00分～16時00分 山形県庁" in line for line in lines)
    assert any("令和8年6月17日（水）" in line and "[notice:council-1]" in line for line in lines)
    assert "※連携推進会議開催前に幹事会を開催（その他必要に応じて開催）" in lines


def test_plan_explain_says_why(sqlite_council_db: Engine) -> None:
    result = invoke("plan", "--fy", "2026", "--explain")
    assert (
        "meeting:council-1: first Tue/Wed/Thu on/after 07-01 in window 06-01..07-31: 2026-07-01 (水)" in result.stdout
    )
    explained = plan_json("--explain")
    assert explained["meetings"][0]["explanation"]
    assert all("explanation" not in task for task in plan_json()["tasks"])


def test_plan_fy2019_is_reiwa_gannen(sqlite_council_db: Engine) -> None:
    result = invoke("plan", "--fy", "2019")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("令和元年度「県・市町村連携推進会議」")
    assert "■新たな連携テーマ候補に係る検討・調整（5月7日（火）～" in result.stdout  # after the enthronement holidays
    assert "令和元年5月14日（火）" in result.stdout  # survey:summary
    assert "平成31年4月1日（月）" in result.stdout  # survey:open, before the era changed


def schedule_drafts(engine: Engine) -> list[tuple[DocumentStatus, int | None, str]]:
    with Session(engine) as session:
        return [
            (document.status, document.number_id, document.content_hash)
            for document in session.exec(select(Document).where(Document.kind == DocumentKind.annual_schedule))
        ]


def test_pin_replans_and_reports(council_db: Engine) -> None:
    invoke("plan", "--fy", "2026")
    [(status, number, planned_hash)] = schedule_drafts(council_db)
    assert (status, number) == (DocumentStatus.draft, None)
    result = invoke("meeting", "pin", "council-1", "--fy", "2026", "--date", "2026-07-08", "--time", "13:30")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("council-1: 令和8年7月8日（水） に固定しました\nstored: 0 added, 8 changed, ")
    # The annual schedule's draft (案, unnumbered) follows the plan: still one draft, saying something new.
    [(status, number, pinned_hash)] = schedule_drafts(council_db)
    assert (status, number) == (DocumentStatus.draft, None)
    assert pinned_hash != planned_hash
    assert "changed: meeting:secretariat-1" in result.stdout
    meetings = {meeting["id"]: meeting for meeting in plan_json()["meetings"]}
    assert meetings["council-1"]["start"] == "2026-07-08T13:30:00+09:00"
    assert meetings["council-1"]["end"] == "2026-07-08T15:30:00+09:00"
    assert meetings["secretariat-1"]["start"] == "2026-07-01T10:00:00+09:00"


def test_pin_accepts_a_numeric_id(sqlite_council_db: Engine) -> None:
    invoke("plan", "--fy", "2026")
    with Session(sqlite_council_db) as session:
        meeting_id = session.exec(select(Meeting.id).where(Meeting.key == "roundtable")).one()
    result = invoke("meeting", "pin", str(meeting_id), "--fy", "2026", "--date", "2026-10-21")
    assert result.exit_code == 0, result.output
    with Session(sqlite_council_db) as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        assert meeting.pinned
        assert meeting.revision == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--fy", "2026", "--date", "2026-07-20"),
            "error: FY2026 meeting council-1: pinned to 2026-07-20 (月), a closed day",
        ),
        (
            ("--fy", "2027", "--date", "2027-07-07"),
            "error: fiscal year 2027 (令和9年度) has not been planned: run `council plan --fy 2027`",
        ),
        (("--fy", "2026", "--date", "2026-7-8"), "error: --date '2026-7-8' is not a date YYYY-MM-DD"),
        (("--fy", "2026", "--date", "2026-02-30"), "error: --date '2026-02-30' is not a date YYYY-MM-DD"),
        (("--fy", "2026", "--date", "2026-07-08", "--time", "25:00"), "error: --time '25:00' is not a time HH:MM"),
        (("--fy", "2026", "--date", "2026-07-02"), "not strictly before"),
    ],
)
def test_pin_errors_are_one_line_exit_2_and_change_nothing(
    sqlite_council_db: Engine, args: tuple[str, ...], message: str
) -> None:
    invoke("plan", "--fy", "2026")
    events = audit_count(sqlite_council_db)
    meeting = "secretariat-1" if message == "not strictly before" else "council-1"
    result = invoke("meeting", "pin", meeting, *args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert message in result.stderr
    assert result.stdout == ""
    assert audit_count(sqlite_council_db) == events


def test_unknown_meeting_and_council_not_initialised(sqlite_engine: Engine) -> None:
    result = invoke("plan", "--fy", "2026")
    assert result.exit_code == 2
    assert result.stderr == "error: council 'yamagata' is not in the database: run `council init` first\n"
    add_council(sqlite_engine)
    invoke("plan", "--fy", "2026")
    result = invoke("meeting", "pin", "council-7", "--fy", "2026", "--date", "2026-07-08")
    assert result.exit_code == 2
    assert "no meeting 'council-7' in fiscal year 2026" in result.stderr


def test_bad_rules_file_is_one_line_with_the_line_number(
    sqlite_council_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (data_dir("calendar") / "cycle.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "cycle.yaml"
    broken.write_text(text.replace('on_or_after: "07-01"', 'on_or_after: "07-32"', 1), encoding="utf-8")
    monkeypatch.setenv("COUNCIL_CYCLE_FILE", str(broken))
    reset_settings()
    result = invoke("plan", "--fy", "2026")
    assert result.exit_code == 2
    line = next(n for n, row in enumerate(broken.read_text().splitlines(), start=1) if '"07-32"' in row)
    assert (
        result.stderr == f"error: {broken}: line {line}: meetings[1].on_or_after: '07-32' is not a month-day 'MM-DD'\n"
    )
    assert audit_count(sqlite_council_db) == 0


def test_out_of_range_fiscal_year(sqlite_council_db: Engine) -> None:
    result = invoke("plan", "--fy", "1999")
    assert result.exit_code == 2
    assert "--fy 1999" in result.stderr


def test_tasks_list_filter_and_done(council_db: Engine) -> None:
    invoke("plan", "--fy", "2019")  # long past: every open task is overdue whatever today is
    result = invoke("tasks", "--fy", "2019", "--format", "json")
    assert result.exit_code == 0, result.output
    tasks = json.loads(result.stdout)["tasks"]
    assert len(tasks) == 23
    assert all(task["overdue"] for task in tasks)
    overdue = json.loads(invoke("tasks", "--fy", "2019", "--status", "overdue", "--format", "json").stdout)
    assert len(overdue["tasks"]) == 23

    done = invoke("tasks", "done", "survey:open", "--fy", "2019")
    assert done.exit_code == 0, done.output
    assert "完了にしました" in done.stdout
    again = invoke("tasks", "done", "survey:open", "--fy", "2019")
    assert again.exit_code == 0
    assert "既に完了しています" in again.stdout
    number = next(task["number"] for task in tasks if task["id"] == "survey:deadline")
    by_id = invoke("tasks", "done", str(number))
    assert by_id.exit_code == 0, by_id.output

    finished = json.loads(invoke("tasks", "--fy", "2019", "--status", "done", "--format", "json").stdout)["tasks"]
    assert {task["id"] for task in finished} == {"survey:open", "survey:deadline"}
    assert all(task["completed_by"] == "tester" and not task["overdue"] for task in finished)
    remaining = json.loads(invoke("tasks", "--fy", "2019", "--status", "overdue", "--format", "json").stdout)
    assert len(remaining["tasks"]) == 21
    with Session(council_db) as session:
        assert session.exec(select(func.count()).select_from(Task).where(Task.status == TaskStatus.done)).one() == 2

    text = invoke("tasks", "--fy", "2019", "--status", "pending")
    assert text.exit_code == 0
    assert "令和元年度のタスク" in text.stdout
    assert "期限超過" in text.stdout
    assert "[survey:open]" not in text.stdout


def test_tasks_errors(sqlite_council_db: Engine) -> None:
    result = invoke("tasks", "--fy", "2026")
    assert result.exit_code == 2
    assert result.stderr == "error: fiscal year 2026 (令和8年度) has not been planned: run `council plan --fy 2026`\n"
    invoke("plan", "--fy", "2026")
    result = invoke("tasks", "--fy", "2026", "--status", "late")
    assert result.exit_code == 2
    assert "'late' is not one of" in result.stderr
    result = invoke("tasks", "done", "nope", "--fy", "2026")
    assert result.exit_code == 2
    assert result.stderr == "error: no task 'nope' in fiscal year 2026\n"
