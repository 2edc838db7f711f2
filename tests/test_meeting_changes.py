"""Cancelling and postponing a meeting, end to end: the meeting's status or date, its tasks, the 中止・延期のお知らせ
to those who received its notice (numbered, delivered), the annual schedule's next edition, the feeds (STATUS:
CANCELLED or the new date, SEQUENCE + 1) and the audit log — on SQLite and PostgreSQL, through the use case and the
CLI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

import council.cli.common
from council.cli.main import app
from council.clock import TOKYO
from council.config import reset_settings
from council.context import Clock, Context
from council.errors import InputError
from council.meetings.actions import cancel_meeting, postpone_meeting, prepare_meeting
from council.planning.rules import load_rules
from council.planning.store import plan_and_store
from council.simulation import install
from models import AuditEvent, Delivery, Document, FeedSnapshot, Meeting, Task, TaskStatus
from models.db import session_scope

FY = 2026
PLANNED_AT = datetime(2026, 2, 2, 9, 0, tzinfo=TOKYO)
NOTICE_DAY = date(2026, 6, 10)  # the 第1回幹事会's notice (24 June, 10 business days before)


@pytest.fixture
def planned(engine: Engine, make_context: Callable[..., Context]) -> Callable[[date], Context]:
    ctx = make_context(PLANNED_AT.date())
    with session_scope(engine) as session:
        install(session, reference_dir=ctx.settings.reference_dir, now=PLANNED_AT, actor="tester")
        plan_and_store(
            session,
            fiscal_year=FY,
            rules=load_rules(ctx.settings.cycle_file),
            now=PLANNED_AT,
            actor="tester",
            council_code=ctx.settings.council_code,
        )
    return lambda day: make_context(day, COUNCIL_APPROVAL="off")


def _meeting(engine: Engine, key: str) -> Meeting:
    with Session(engine) as session:
        return session.exec(select(Meeting).where(Meeting.key == key)).one()


def _letters(engine: Engine, kind: str) -> list[Document]:
    with Session(engine) as session:
        return list(session.exec(select(Document).where(Document.kind == kind)).all())


def _feed_event(engine: Engine, feed: str) -> dict[str, str]:
    """The 第1回幹事会 itself (not the tasks about it) in a feed."""
    with Session(engine) as session:
        snapshot = session.exec(select(FeedSnapshot).where(FeedSnapshot.name == feed)).one()
    for event in Calendar.from_ical(snapshot.body).walk("VEVENT"):
        if str(event.get("SUMMARY")).removeprefix("【中止】").endswith("第1回幹事会"):
            return {
                "summary": str(event.get("SUMMARY")),
                "status": str(event.get("STATUS", "")),
                "sequence": str(event.get("SEQUENCE", "0")),
                "start": event.decoded("DTSTART").isoformat(),
            }
    raise AssertionError(f"no 第1回幹事会 in feed {feed}")


def _eml(home: Path, kind: str) -> list[Path]:
    return sorted((home / "outbox").rglob(f"{kind}-secretariat-1-v*/*.eml"))


def test_cancelling_after_the_notice_tells_its_recipients_and_updates_everything(
    engine: Engine, planned: Callable[[date], Context], council_home: Path
) -> None:
    notice = prepare_meeting(planned(NOTICE_DAY), FY, "secretariat-1", kinds=("notice",))
    assert notice.sent > 0
    before = _meeting(engine, "secretariat-1")

    report = cancel_meeting(planned(date(2026, 6, 12)), FY, "secretariat-1", reason="台風の接近のため")

    after = _meeting(engine, "secretariat-1")
    assert after.status.value == "cancelled"
    assert after.revision == before.revision + 1
    assert set(report.cancelled_tasks) == {"agenda:secretariat-1", "minutes:secretariat-1"}
    with Session(engine) as session:
        statuses = {
            task.key: task.status
            for task in session.exec(select(Task).where(col(Task.key).like("%:secretariat-1"))).all()
        }
    assert statuses["notice:secretariat-1"] == TaskStatus.done
    assert statuses["agenda:secretariat-1"] == statuses["minutes:secretariat-1"] == TaskStatus.cancelled

    [letter] = _letters(engine, "cancellation")
    assert letter.status.value == "issued"
    assert letter.issued_on == date(2026, 6, 12)
    assert letter.title == "令和8年度第1回幹事会の開催中止について（お知らせ）"
    assert report.letter_id == letter.id
    assert report.sent == notice.sent  # the notice's recipients, each once
    with Session(engine) as session:
        notified = set(session.exec(select(Delivery.contact_id).where(Delivery.document_id == notice.document_ids[0])))
        told = set(session.exec(select(Delivery.contact_id).where(Delivery.document_id == letter.id)))
    assert told == notified
    [mail, *_] = _eml(council_home, "cancellation")
    message = BytesParser(policy=policy.default).parsebytes(mail.read_bytes())
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "台風の接近のため" in text
    assert "令和8年6月10日付け市第1号で通知しました標記会議" in text

    event = _feed_event(engine, "secretariat")
    assert event["status"] == "CANCELLED"
    assert event["summary"].startswith("【中止】")
    assert int(event["sequence"]) >= 1
    with Session(engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity_key == "secretariat-1"))]
    assert "meeting.cancelled" in actions

    again = cancel_meeting(planned(date(2026, 6, 15)), FY, "secretariat-1", reason="台風の接近のため")
    assert again.cancelled_tasks == ()
    assert len(_letters(engine, "cancellation")) == 1  # nobody is told twice


def test_postponing_moves_the_meeting_and_its_tasks_and_tells_the_notice_recipients(
    engine: Engine, planned: Callable[[date], Context]
) -> None:
    prepare_meeting(planned(NOTICE_DAY), FY, "secretariat-1", kinds=("notice",))
    before = _meeting(engine, "secretariat-1")
    report = postpone_meeting(
        planned(date(2026, 6, 12)), FY, "secretariat-1", day=date(2026, 6, 23), start=time(13, 30), reason="会場の都合"
    )
    after = _meeting(engine, "secretariat-1")
    assert after.starts_at.astimezone(TOKYO) == datetime(2026, 6, 23, 13, 30, tzinfo=TOKYO)
    assert after.revision > before.revision
    assert after.pinned
    with Session(engine) as session:
        agenda = session.exec(select(Task).where(Task.key == "agenda:secretariat-1")).one()
    assert agenda.due_date == date(2026, 6, 18)  # three business days before the new date
    [letter] = _letters(engine, "postponement")
    assert letter.title == "令和8年度第1回幹事会の開催延期について（お知らせ）"
    assert report.sent > 0
    facts = letter.facts or {}
    assert facts["when"].startswith("令和8年6月24日（水）10時00分")
    assert facts["new_when"].startswith("令和8年6月23日（火）13時30分")
    event = _feed_event(engine, "secretariat")
    assert event["start"].startswith("2026-06-23T13:30")
    assert event["status"] != "CANCELLED"
    with Session(engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity == "meeting"))]
    assert "meeting.postponed" in actions


def test_before_the_notice_nothing_is_sent_and_the_plan_just_moves(
    engine: Engine, planned: Callable[[date], Context]
) -> None:
    report = postpone_meeting(planned(date(2026, 6, 1)), FY, "secretariat-1", day=date(2026, 6, 23))
    assert report.letter_id is None
    assert _letters(engine, "postponement") == []
    with Session(engine) as session:
        notice = session.exec(select(Task).where(Task.key == "notice:secretariat-1")).one()
    assert notice.due_date == date(2026, 6, 9)  # ten business days before the new date


def test_a_postponement_that_breaks_a_rule_changes_nothing(engine: Engine, planned: Callable[[date], Context]) -> None:
    before = _meeting(engine, "secretariat-1")
    with pytest.raises(InputError, match=r"closed|休|Saturday|土"):
        postpone_meeting(planned(date(2026, 6, 1)), FY, "secretariat-1", day=date(2026, 6, 20))  # a Saturday
    assert _meeting(engine, "secretariat-1").starts_at == before.starts_at


def test_the_cli_cancels_and_a_held_meeting_cannot_be(
    sqlite_engine: Engine, council_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNCIL_APPROVAL", "off")
    reset_settings()
    from council.config import get_settings

    settings = get_settings()
    with session_scope(sqlite_engine) as session:
        install(session, reference_dir=settings.reference_dir, now=PLANNED_AT, actor="tester")
        plan_and_store(
            session,
            fiscal_year=FY,
            rules=load_rules(settings.cycle_file),
            now=PLANNED_AT,
            actor="tester",
            council_code=settings.council_code,
        )
    monkeypatch.setattr(council.cli.common, "now_utc", lambda: Clock.on(date(2026, 6, 12)).now)
    runner = CliRunner()
    result = runner.invoke(app, ["meeting", "cancel", "secretariat-1", "--fy", "2026", "--reason", "中止"])
    assert result.exit_code == 0, result.output
    assert "中止しました" in result.output
    result = runner.invoke(app, ["meeting", "cancel", "secretariat-1", "--fy", "2026", "--reason", ""])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
