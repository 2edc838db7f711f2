"""The tick flow and its commands: a day's work once, missed days caught up, one failure not stopping the rest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, col, func, select
from typer.testing import CliRunner

from council.cli.main import app
from council.context import Clock
from flows.common import NotRetriedError, set_fault_hook
from flows.tick import TickFailedError, tick
from models import (
    AuditEvent,
    Cycle,
    CycleStatus,
    Delivery,
    DeliveryStatus,
    Document,
    DocumentKind,
    DocumentStatus,
    ReminderSent,
    Stage,
    StageStatus,
    Survey,
    Task,
    TaskStatus,
    TickRun,
)
from models.db import session_scope

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_server")]

FY = 2026
MUNICIPALITIES = 35


def row_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            table.name: session.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables
            if table.name != "tickrun"
        }


def test_the_first_day_opens_the_year_and_a_second_tick_changes_nothing(
    flow_world: Path, sqlite_engine: Engine
) -> None:
    report = tick(as_of=date(2026, 4, 1))
    assert report.performed == ("activate-cycle 2026", "start-stage 2026 survey", "kickoff-survey 2026")
    assert report.missed_days == 0
    with session_scope(sqlite_engine) as session:
        assert session.exec(select(Cycle.status)).one() == CycleStatus.active
        assert session.exec(select(Stage.status).where(Stage.key == "survey")).one() == StageStatus.in_progress
        ticked = session.exec(select(TickRun)).one()
    assert ticked.as_of == date(2026, 4, 1)
    assert ticked.finished_at is not None
    assert ticked.actions == list(report.performed)
    before = row_counts(sqlite_engine)

    again = tick(as_of=date(2026, 4, 1))
    assert again.performed == ()
    assert row_counts(sqlite_engine) == before


def test_missed_days_are_caught_up(flow_world: Path, sqlite_engine: Engine) -> None:
    tick(as_of=date(2026, 4, 1))
    report = tick(as_of=date(2026, 5, 13))  # nobody ticked for six weeks
    assert report.missed_days == 41
    assert "close-survey 2026" in report.performed
    assert "finish-stage 2026 survey" in report.performed
    assert "start-stage 2026 theme_candidates" in report.performed
    with session_scope(sqlite_engine) as session:
        overdue = session.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "task.overdue")
        ).one()
        summary = session.exec(select(Task).where(Task.key == "survey:summary")).one()
        letter = session.exec(select(Document).where(Document.kind == DocumentKind.survey_summary)).one()
    assert overdue > 0  # the respondents who never answered, flagged once
    assert summary.status == TaskStatus.done
    assert (letter.status, letter.issued_on) == (DocumentStatus.issued, date(2026, 5, 13))  # dated the catch-up day


class KilledError(NotRetriedError):
    pass


def test_a_failing_action_does_not_stop_the_day(flow_world: Path, sqlite_engine: Engine) -> None:
    def hook(point: str) -> None:
        if point == "after:issue-survey-request":
            raise KilledError("the document store is down")

    set_fault_hook(hook)
    with pytest.raises(TickFailedError, match="kickoff-survey 2026"):
        tick(as_of=date(2026, 4, 1))
    set_fault_hook(None)
    with session_scope(sqlite_engine) as session:
        assert session.exec(select(Cycle.status)).one() == CycleStatus.active  # the rest of the day was done
        assert session.exec(select(Stage.status).where(Stage.key == "survey")).one() == StageStatus.in_progress
        assert session.exec(select(TickRun.finished_at)).one() is not None
        assert session.exec(select(func.count()).select_from(Delivery)).one() == 0
    report = tick(as_of=date(2026, 4, 1))  # the next run finishes the job
    assert report.performed == ("kickoff-survey 2026",)
    with session_scope(sqlite_engine) as session:
        requests = session.exec(select(Document).where(Document.kind == DocumentKind.survey_request)).all()
        assert session.exec(select(Task.status).where(Task.key == "survey:open")).one() == TaskStatus.done
    assert [(d.status, d.issued_on) for d in requests] == [(DocumentStatus.issued, date(2026, 4, 1))]


def reminders_sent(engine: Engine) -> list[tuple[date, str, int]]:
    """The 督促 issued: (issue date, title, deliveries sent)."""
    with session_scope(engine) as session:
        letters = session.exec(
            select(Document).where(Document.kind == DocumentKind.survey_reminder).order_by(col(Document.id))
        ).all()
        return [
            (
                letter.issued_on or date.min,
                letter.title,
                session.exec(
                    select(func.count())
                    .select_from(Delivery)
                    .where(Delivery.document_id == letter.id, Delivery.status == DeliveryStatus.sent)
                ).one(),
            )
            for letter in letters
        ]


def test_a_tick_on_a_saturday_sends_nothing_and_monday_catches_up(flow_world: Path, sqlite_engine: Engine) -> None:
    """The 督促 due on Friday 4/17 (3 business days before the 4/22 deadline): the Friday tick was missed. The
    Saturday tick records the day and sends nothing; Monday's sends them, dated Monday."""
    kickoff = tick(as_of=date(2026, 4, 1))
    assert "kickoff-survey 2026" in kickoff.performed
    before = row_counts(sqlite_engine)

    saturday = tick(as_of=date(2026, 4, 18))

    assert saturday.closed_day
    assert (saturday.performed, saturday.failed) == ((), ())
    assert row_counts(sqlite_engine) == before  # nothing but the day itself is recorded
    with session_scope(sqlite_engine) as session:
        day = session.exec(select(TickRun).where(TickRun.as_of == date(2026, 4, 18))).one()
    assert day.finished_at is not None
    assert day.actions == [
        "令和8年4月18日（土）: closed day: nothing is dated or sent; the next business day catches up"
    ]
    assert reminders_sent(sqlite_engine) == []

    monday = tick(as_of=date(2026, 4, 20))

    assert not monday.closed_day
    assert monday.missed_days == 1  # Sunday
    assert "send-reminders 2026" in monday.performed
    # The departments' request (their window opened on 4/10, a day without a tick) goes today too; their
    # reminder of 4/17 is not sent after it: the request they get today states the deadline.
    assert "send-requests 2026" in monday.performed
    [(issued_on, title, sent)] = reminders_sent(sqlite_engine)
    assert issued_on == date(2026, 4, 20)
    assert title.endswith("の提出について（お願い）")  # still before the deadline
    assert sent == MUNICIPALITIES  # no municipality had answered
    again = tick(as_of=date(2026, 4, 20))
    assert again.performed == ()
    assert len(reminders_sent(sqlite_engine)) == 1


def test_the_survey_closes_the_business_day_after_the_last_reminder_s_new_deadline(
    flow_world: Path, sqlite_engine: Engine
) -> None:
    tick(as_of=date(2026, 4, 1))
    # The last step (after-5) falls on 4/30 and sets a new deadline 3 business days later: 5/8 (after 憲法記念日 …).
    last = tick(as_of=date(2026, 4, 30))
    assert "send-reminders 2026" in last.performed
    [(issued_on, title, _)] = reminders_sent(sqlite_engine)
    assert (issued_on, title.endswith("（再依頼）")) == (date(2026, 4, 30), True)
    with session_scope(sqlite_engine) as session:
        deadlines = set(session.exec(select(ReminderSent.deadline)).all())
    assert deadlines == {date(2026, 5, 8)}

    on_the_new_deadline = tick(as_of=date(2026, 5, 8))
    assert "close-survey 2026" not in on_the_new_deadline.performed
    with session_scope(sqlite_engine) as session:
        assert session.exec(select(Survey.closed_at)).one() is None

    after = tick(as_of=date(2026, 5, 11))  # Monday: the next business day
    assert "close-survey 2026" in after.performed
    with session_scope(sqlite_engine) as session:
        closed_at = session.exec(select(Survey.closed_at)).one()
    assert closed_at == Clock.on(date(2026, 5, 11)).now


def test_cli_kickoff_and_tick(flow_world: Path) -> None:
    runner = CliRunner()
    kickoff = runner.invoke(app, ["survey", "kickoff", "--fy", str(FY), "--as-of", "2026-04-01"])
    assert kickoff.exit_code == 0, kickoff.output
    assert "調査依頼（市町村）文書 1: 送信 35 件" in kickoff.output  # 4/1: the municipalities' letter
    ticked = runner.invoke(app, ["tick", "--as-of", "2026-04-02"])
    assert ticked.exit_code == 0, ticked.output
    assert "activate-cycle 2026" in ticked.output
    assert "kickoff-survey" not in ticked.output
    closed = runner.invoke(app, ["tick", "--as-of", "2026-04-04"])
    assert closed.exit_code == 0, closed.output
    assert (
        closed.output == "tick 2026-04-04: a closed day — nothing is dated or sent; the next business day catches up\n"
    )
    bad = runner.invoke(app, ["tick", "--as-of", "2026-13-01"])
    assert bad.exit_code == 2
