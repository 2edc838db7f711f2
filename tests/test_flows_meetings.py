"""prepare-meeting (with and without the approval step) and record-meeting on the shared Prefect test server."""

from __future__ import annotations

import contextvars
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select
from typer.testing import CliRunner

from council.cli.main import app
from council.errors import InputError
from council.themes.catalogue import add_theme
from flows.meetings import PreparationReport, prepare_meeting, record_meeting
from models import (
    Approval,
    ApprovalStatus,
    Delivery,
    Document,
    DocumentKind,
    Meeting,
    MeetingStatus,
    SurveySection,
    Task,
    TaskStatus,
    Theme,
    ThemeStatus,
)
from models.db import session_scope

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_server")]

FY = 2026
NOTICE_DAY = date(2026, 6, 17)  # council-1 is on 2026-07-01


def task_status(engine: Engine, key: str) -> TaskStatus:
    with session_scope(engine) as session:
        return session.exec(select(Task).where(Task.key == key)).one().status


def meeting(engine: Engine, key: str) -> Meeting:
    with session_scope(engine) as session:
        return session.exec(select(Meeting).where(Meeting.key == key)).one()


def sent_for(engine: Engine, kind: DocumentKind, subject: str) -> int:
    with session_scope(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(Delivery)
            .join(Document, col(Document.id) == Delivery.document_id)
            .where(Document.kind == kind, Document.subject == subject)
        ).one()


def test_without_approval_the_notice_goes_out_and_the_meeting_is_confirmed(
    flow_world: Path, sqlite_engine: Engine
) -> None:
    report = prepare_meeting(FY, "council-1", as_of=NOTICE_DAY, approval=False)

    assert report.approval == "not-required"
    assert report.kinds == ("notice", "agenda")  # both tasks still open: a hand run sends both
    assert report.sent == sent_for(sqlite_engine, DocumentKind.notice, "council-1") * 2 > 0
    assert task_status(sqlite_engine, "notice:council-1") == TaskStatus.done
    assert task_status(sqlite_engine, "agenda:council-1") == TaskStatus.done
    assert meeting(sqlite_engine, "council-1").status == MeetingStatus.confirmed
    again = prepare_meeting(FY, "council-1", as_of=NOTICE_DAY, approval=False)
    assert again.kinds == ()
    assert again.sent == 0


def test_only_the_given_kinds_are_sent(flow_world: Path, sqlite_engine: Engine) -> None:
    report = prepare_meeting(FY, "secretariat-1", as_of=date(2026, 6, 10), kinds=["notice"], approval=False)
    assert report.kinds == ("notice",)
    assert sent_for(sqlite_engine, DocumentKind.agenda, "secretariat-1") == 0
    assert task_status(sqlite_engine, "agenda:secretariat-1") == TaskStatus.pending


def test_the_mayors_meeting_has_no_documents(flow_world: Path) -> None:
    with pytest.raises(InputError, match="no documents"):
        prepare_meeting(FY, "mayors-meeting", as_of=date(2026, 5, 1), approval=False)


def run_in_thread() -> tuple[threading.Thread, list[object]]:
    """prepare-meeting in a thread: it pauses there while the test answers from the CLI."""
    outcome: list[object] = []
    context = contextvars.copy_context()

    def target() -> None:
        try:
            outcome.append(context.run(lambda: prepare_meeting(FY, "council-1", as_of=NOTICE_DAY, approval=True)))
        except BaseException as error:  # handed to the test thread
            outcome.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def wait_for_request(engine: Engine, thread: threading.Thread) -> Approval:
    for _ in range(300):
        with session_scope(engine) as session:
            approval = session.exec(select(Approval).where(Approval.status == ApprovalStatus.requested)).first()
        if approval is not None:
            return approval
        assert thread.is_alive(), "prepare-meeting ended without asking for approval"
        time.sleep(0.1)
    raise AssertionError("no approval was requested")


@pytest.mark.parametrize("reject", [False, True])
def test_approval_waits_for_council_approve(
    flow_world: Path, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch, reject: bool
) -> None:
    monkeypatch.setenv("COUNCIL_APPROVAL_POLL_SECONDS", "1")
    thread, outcome = run_in_thread()
    wait_for_request(sqlite_engine, thread)
    assert sent_for(sqlite_engine, DocumentKind.notice, "council-1") == 0  # nothing goes out before the answer

    arguments = ["approve", "council-1", "--fy", str(FY), "--comment", "日時を再確認してください" if reject else "OK"]
    result = CliRunner().invoke(app, [*arguments, *(["--reject"] if reject else [])])
    assert result.exit_code == 0, result.output
    thread.join(timeout=60)

    (report,) = outcome
    assert isinstance(report, PreparationReport), report
    with session_scope(sqlite_engine) as session:
        approval = session.exec(select(Approval)).one()
    assert approval.decided_by == "tester"
    if reject:
        assert report.approval == "changes-requested"
        assert approval.status == ApprovalStatus.changes_requested
        assert approval.comment == "日時を再確認してください"
        assert sent_for(sqlite_engine, DocumentKind.notice, "council-1") == 0
        assert task_status(sqlite_engine, "notice:council-1") == TaskStatus.pending
    else:
        assert report.approval == "approved"
        assert approval.status == ApprovalStatus.approved
        assert report.sent > 0
        assert task_status(sqlite_engine, "notice:council-1") == TaskStatus.done


def test_approve_without_a_waiting_run_is_one_line(flow_world: Path) -> None:
    result = CliRunner().invoke(app, ["approve", "council-1", "--fy", str(FY)])
    assert result.exit_code == 2
    assert "waiting for approval" in result.output


def add_candidates(engine: Engine, count: int) -> list[str]:
    now = datetime(2026, 5, 20, tzinfo=UTC)
    codes = []
    with session_scope(engine) as session:
        for index, category in enumerate(("youth", "shopping", "transport")[:count]):
            theme = add_theme(
                session,
                fiscal_year=FY,
                title=f"テーマ{index}",
                section=SurveySection.policy,
                category=category,
                now=now,
                actor="tester",
            )
            codes.append(theme.code)
    return codes


def test_recording_the_first_meeting_adopts_the_candidates(flow_world: Path, sqlite_engine: Engine) -> None:
    codes = add_candidates(sqlite_engine, 3)
    with pytest.raises(InputError, match="record it after"):
        record_meeting(FY, "council-1", as_of=date(2026, 6, 30))

    report = record_meeting(FY, "council-1", as_of=date(2026, 7, 2))

    assert report.held_now
    assert sorted(report.decisions) == sorted((code, "adopted") for code in codes)
    assert report.minutes_document_id is not None
    assert report.minutes_sent == 0  # the minutes are due on 7/15
    assert meeting(sqlite_engine, "council-1").status == MeetingStatus.held
    with session_scope(sqlite_engine) as session:
        assert set(session.exec(select(Theme.status)).all()) == {ThemeStatus.adopted}

    later = record_meeting(FY, "council-1", as_of=date(2026, 7, 15))
    assert not later.held_now
    assert later.decisions == ()
    assert later.minutes_sent > 0
    assert later.completed_tasks == ("minutes:council-1",)
    assert task_status(sqlite_engine, "minutes:council-1") == TaskStatus.done
