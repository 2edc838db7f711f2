"""council.status and `council status`: where a planned year stands (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select
from typer.testing import CliRunner

from council.cli.main import app
from council.config import get_settings
from council.context import Context
from council.meetings.actions import approve_meeting, prepare_meeting
from council.planning.rules import load_rules
from council.planning.store import plan_and_store
from council.simulation import install
from council.status import payload, year_status
from council.tasks.tracking import complete_task
from models import ApprovalDecision, Contact, Organization, Task
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
    "drafts",
    "deliveries",
    "undeliverable",
    "feeds",
    "cases",
}
MEETING_KEYS = {
    "key",
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "venue",
    "status",
    "revision",
    "awaiting_approval",
    "approval",
    "approval_comment",
}
COUNCIL = "yamagata"


def planned(engine: Engine) -> None:
    settings = get_settings()
    with session_scope(engine) as session:
        install(session, reference_dir=settings.reference_dir, now=NOW, actor="tester")
        plan_and_store(
            session,
            fiscal_year=2026,
            rules=load_rules(settings.cycle_file),
            now=NOW,
            actor="tester",
            council_code=settings.council_code,
        )


def test_stages_progress_and_overdue_tasks(engine: Engine) -> None:
    planned(engine)
    with session_scope(engine) as session:
        task = session.exec(select(Task).where(Task.key == "survey:open")).one()
        assert task.id is not None
        complete_task(session, task.id, now=NOW, actor="tester")
    with session_scope(engine) as session:
        status = year_status(session, fiscal_year=2026, today=date(2026, 5, 1), council_code=COUNCIL)
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


def council_1(data: dict[str, Any]) -> dict[str, Any]:
    return next(m for m in data["meetings"] if m["key"] == "council-1")


def test_json_payload_has_the_documented_keys(engine: Engine) -> None:
    planned(engine)
    with session_scope(engine) as session:
        data = payload(year_status(session, fiscal_year=2026, today=date(2026, 4, 1), council_code=COUNCIL))
    assert set(data) == STATUS_KEYS
    assert data["label"] == "令和8年度"
    assert (data["documents"], data["drafts"], data["deliveries"], data["undeliverable"]) == ({}, {}, {}, [])
    assert set(data["meetings"][0]) == MEETING_KEYS
    meeting = council_1(data)
    assert (meeting["status"], meeting["awaiting_approval"], meeting["approval"], meeting["approval_comment"]) == (
        "planned",
        False,
        None,
        None,
    )
    assert meeting["starts_at"] == "2026-07-01T14:00:00+09:00"
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


def status_json(engine: Engine, day: date) -> dict[str, Any]:
    with session_scope(engine) as session:
        return payload(year_status(session, fiscal_year=2026, today=day, council_code=COUNCIL))


def test_drafts_waiting_for_approval_and_the_answer_show(engine: Engine, make_context: Callable[..., Context]) -> None:
    """A preparation with approvals on leaves drafts (案) and an approval asked for them; the answer shows too."""
    planned(engine)
    notice_day = date(2026, 6, 17)
    report = prepare_meeting(make_context(notice_day, COUNCIL_APPROVAL="on"), 2026, "council-1")
    assert (report.kinds, report.approval, report.sent) == (("notice", "agenda"), "requested", 0)
    data = status_json(engine, notice_day)
    assert (data["drafts"], data["documents"], data["deliveries"]) == ({"agenda": 1, "notice": 1}, {}, {})
    meeting = council_1(data)
    assert (meeting["awaiting_approval"], meeting["approval"], meeting["approval_comment"]) == (True, "requested", None)

    approve_meeting(
        make_context(notice_day, actor="chief"),
        2026,
        "council-1",
        decision=ApprovalDecision.request_changes,
        comment="会場を確認",
    )
    meeting = council_1(status_json(engine, notice_day))
    assert (meeting["awaiting_approval"], meeting["approval"], meeting["approval_comment"]) == (
        False,
        "changes_requested",
        "会場を確認",
    )
    text = CliRunner().invoke(app, ["status", "--fy", "2026", "--as-of", notice_day.isoformat()])
    assert text.exit_code == 0, text.output
    assert "(修正依頼: 会場を確認)" in text.output
    assert "drafts (案): agenda 1, notice 1" in text.output


def test_recipients_without_an_address_are_listed_as_undeliverable(
    engine: Engine, make_context: Callable[..., Context]
) -> None:
    planned(engine)
    with session_scope(engine) as session:
        contact = session.exec(
            select(Contact)
            .join(Organization, col(Organization.id) == Contact.organization_id)
            .where(Organization.code == "062014", Contact.role == "企画担当課長")
        ).one()
        contact.email = None
    ctx = make_context(date(2026, 6, 17), COUNCIL_APPROVAL="off", COUNCIL_UNDELIVERABLE="record")
    report = prepare_meeting(ctx, 2026, "council-1", kinds=["notice"])
    assert report.sent > 0
    data = status_json(engine, date(2026, 6, 17))
    assert data["documents"] == {"notice": 1}
    assert data["deliveries"] == {"sent": report.sent, "undeliverable": 1}
    [line] = data["undeliverable"]
    assert line == "山形市 企画担当課長（令和8年度第1回県・市町村連携推進会議の開催について（通知））"
    text = CliRunner().invoke(app, ["status", "--fy", "2026", "--as-of", "2026-06-17"])
    assert "undeliverable (no e-mail address on the roster):" in text.output
    assert f"  {line}" in text.output


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
