"""council.status and `council status`: where a planned year stands (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import select
from typer.testing import CliRunner

from council.cli.main import app
from council.config import get_settings
from council.planning.rules import load_rules
from council.planning.store import plan_and_store
from council.simulation import install
from council.status import payload, year_status
from council.tasks.tracking import complete_task
from models import Approval, Meeting, Task
from models.db import session_scope

NOW = datetime(2026, 2, 1, tzinfo=UTC)
STATUS_KEYS = {
    "fiscal_year",
    "label",
    "as_of",
    "cycle_status",
    "last_tick",
    "stages",
    "meetings",
    "tasks",
    "overdue_tasks",
    "survey",
    "documents",
    "deliveries",
    "feeds",
}


def planned(engine: Engine) -> None:
    settings = get_settings()
    with session_scope(engine) as session:
        install(session, reference_dir=settings.reference_dir, now=NOW, actor="tester")
        plan_and_store(session, fiscal_year=2026, rules=load_rules(settings.cycle_file), now=NOW, actor="tester")


def test_stages_progress_and_overdue_tasks(engine: Engine) -> None:
    planned(engine)
    with session_scope(engine) as session:
        task = session.exec(select(Task).where(Task.key == "survey:open")).one()
        assert task.id is not None
        complete_task(session, task.id, now=NOW, actor="tester")
    with session_scope(engine) as session:
        status = year_status(session, fiscal_year=2026, today=date(2026, 5, 1))
    survey = next(stage for stage in status.stages if stage.key == "survey")
    assert survey.tasks_closed == 1
    assert survey.tasks_total == 2
    assert survey.progress == 0.5
    assert [t.key for t in status.overdue] == ["survey:deadline"]
    assert status.overdue[0].days_overdue == (date(2026, 5, 1) - status.overdue[0].due).days
    assert status.tasks["done"] == 1
    assert status.tasks["overdue"] == 1
    assert status.survey_status is None
    assert status.respondents == ()


def test_json_payload_has_the_documented_keys(engine: Engine) -> None:
    planned(engine)
    with session_scope(engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.key == "council-1")).one()
        assert meeting.id is not None
        session.add(Approval(meeting_id=meeting.id, flow_run_id="run-1", kinds="notice", requested_at=NOW))
    with session_scope(engine) as session:
        data = payload(year_status(session, fiscal_year=2026, today=date(2026, 4, 1)))
    assert set(data) == STATUS_KEYS
    assert data["label"] == "令和8年度"
    assert {m["key"]: m["awaiting_approval"] for m in data["meetings"]}["council-1"] is True
    assert set(data["stages"][0]) == {
        "key",
        "title",
        "start",
        "end",
        "status",
        "tasks_total",
        "tasks_closed",
        "progress",
    }
    json.dumps(data)


def test_cli_status_text_and_json(engine: Engine) -> None:
    planned(engine)
    runner = CliRunner()
    text = runner.invoke(app, ["status", "--fy", "2026", "--as-of", "2026-05-01"])
    assert text.exit_code == 0, text.output
    assert "survey" in text.output
    assert "overdue:" in text.output
    as_json = runner.invoke(app, ["status", "--fy", "2026", "--format", "json", "--as-of", "2026-05-01"])
    assert as_json.exit_code == 0, as_json.output
    assert set(json.loads(as_json.output)) == STATUS_KEYS


def test_cli_status_of_an_unplanned_year_is_one_line(engine: Engine) -> None:
    planned(engine)
    result = CliRunner().invoke(app, ["status", "--fy", "2030"])
    assert result.exit_code == 2
    assert "not planned" in result.output
