"""prepare-meeting (with and without the approval step), record-meeting and cancel-meeting on the shared Prefect test
server: each flow runs its use case (council.meetings.actions) with every step a task; a run killed after any step
and started again finishes the job without sending anything twice."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select
from typer.testing import CliRunner

import flows.common
from council.cli.common import open_transport
from council.cli.main import app
from council.config import Settings, get_settings, reset_settings
from council.context import Clock, Context
from council.delivery.channels import OutboundMail, Transport
from council.errors import InputError
from council.feeds.actions import publish_feeds_step
from council.survey.taxonomy import TAXONOMY_FILE, load_taxonomy
from council.themes.catalogue import add_theme
from flows.common import NotRetriedError, set_fault_hook
from flows.meetings import (
    PreparationReport,
    cancel_meeting_flow,
    postpone_meeting_flow,
    prepare_meeting_flow,
    record_meeting_flow,
)
from models import (
    Approval,
    ApprovalStatus,
    Delivery,
    DeliveryStatus,
    Document,
    DocumentKind,
    DocumentNumber,
    DocumentStatus,
    FeedSnapshot,
    Meeting,
    MeetingDecision,
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
NOTICE_DAY = date(2026, 6, 17)  # council-1 is on 2026-07-01; its notice task is due on 6/17
MINUTES_DAY = date(2026, 7, 15)  # the council-1 minutes task is due on 7/15
# The steps of a preparation of notice and agenda without approval, in order (deliver-document once per document).
PREPARE_CHECKPOINTS = (
    "after:draft-meeting-documents",
    "after:issue-meeting-documents",
    "after:deliver-document",
    "after:deliver-document",
    "after:complete-preparation",
    "after:publish-feeds",
)
RECORD_CHECKPOINTS = (
    "after:record-meeting-held",
    "after:draft-minutes",
    "after:issue-minutes",
    "after:deliver-document",
    "after:complete-minutes",
    "after:publish-feeds",
)


class KilledError(NotRetriedError):
    """Stands for the process being killed at that point (a retry would not happen either)."""


def task_status(engine: Engine, key: str) -> TaskStatus:
    with session_scope(engine) as session:
        return session.exec(select(Task).where(Task.key == key)).one().status


def meeting(engine: Engine, key: str) -> Meeting:
    with session_scope(engine) as session:
        return session.exec(select(Meeting).where(Meeting.key == key)).one()


def documents_of(engine: Engine, subject: str) -> list[Document]:
    with session_scope(engine) as session:
        return list(session.exec(select(Document).where(Document.subject == subject).order_by(col(Document.id))))


def sent_for(engine: Engine, kind: DocumentKind, subject: str) -> int:
    with session_scope(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(Delivery)
            .join(Document, col(Document.id) == Delivery.document_id)
            .where(Document.kind == kind, Document.subject == subject, Delivery.status == DeliveryStatus.sent)
        ).one()


def numbers(engine: Engine) -> list[tuple[int, date]]:
    with session_scope(engine) as session:
        return [
            (number.sequence, number.issued_on)
            for number in session.exec(select(DocumentNumber).order_by(col(DocumentNumber.sequence)))
        ]


def outbox_files(home: Path) -> list[Path]:
    return sorted((home / "outbox").rglob("*.eml"))


def assert_nothing_sent_twice(home: Path, engine: Engine) -> int:
    with session_scope(engine) as session:
        per_recipient = session.exec(
            select(func.count())
            .select_from(Delivery)
            .group_by(col(Delivery.document_id), col(Delivery.contact_id))
            .having(func.count() > 1)
        ).all()
        sent = session.exec(
            select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.sent)
        ).one()
    assert per_recipient == []
    assert len(outbox_files(home)) == sent
    return sent


def feeds_are_current(engine: Engine, day: date) -> None:
    """Publishing the feeds again on that day changes none: the flow published what it changed."""
    settings = get_settings()
    ctx = Context(
        settings=settings,
        clock=Clock.on(day),
        actor="tester",
        engine=engine,
        open_transport=lambda: open_transport(settings),
    )
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(FeedSnapshot)).one() > 0
    assert publish_feeds_step(ctx).changed == ()


class CrashingTransport:
    """The configured transport, killed after `sends` messages went out."""

    def __init__(self, inner: Transport, sends: int) -> None:
        self.inner, self.left = inner, sends
        self.channel = inner.channel

    def send(self, mail: OutboundMail) -> bool:
        if self.left == 0:
            raise KilledError("killed in the middle of the delivery batch")
        self.left -= 1
        return self.inner.send(mail)

    def close(self) -> None:
        self.inner.close()


def crash_in_the_delivery_batch(monkeypatch: pytest.MonkeyPatch, sends: int) -> None:
    real = flows.common.open_transport

    def opener(settings: Settings) -> Transport:
        return CrashingTransport(real(settings), sends=sends)

    monkeypatch.setattr(flows.common, "transport_opener", opener)


def kill_at(point: str, occurrence: int = 1) -> Callable[[str], None]:
    """A fault hook that kills the run the `occurrence`-th time it reaches `point`."""
    seen = [0]

    def hook(reached: str) -> None:
        if reached == point:
            seen[0] += 1
            if seen[0] == occurrence:
                raise KilledError(f"killed at {point} #{occurrence}")

    return hook


def kills(checkpoints: tuple[str, ...]) -> list[tuple[str, int]]:
    """Each checkpoint with its occurrence number: ('after:deliver-document', 2) is the second delivery."""
    return [(point, checkpoints[: index + 1].count(point)) for index, point in enumerate(checkpoints)]


# ------------------------------------------------------------------------------------------------- prepare


def test_without_approval_the_notice_goes_out_and_the_meeting_is_confirmed(
    flow_world: Path, sqlite_engine: Engine
) -> None:
    passed: list[str] = []
    set_fault_hook(passed.append)
    report = prepare_meeting_flow(FY, "council-1", as_of=NOTICE_DAY, approval=False)
    set_fault_hook(None)

    assert tuple(passed) == PREPARE_CHECKPOINTS
    assert report.approval == "not-required"
    assert report.kinds == ("notice", "agenda")  # both tasks still open: a hand run sends both
    assert report.sent == sent_for(sqlite_engine, DocumentKind.notice, "council-1") * 2 > 0
    assert sorted(report.completed_tasks) == ["agenda:council-1", "notice:council-1"]
    # Issued records, dated the day they went out, by the flow; the notice (a letter) takes the year's first number.
    notice, agenda = documents_of(sqlite_engine, "council-1")
    assert (notice.kind, agenda.kind) == (DocumentKind.notice, DocumentKind.agenda)
    assert report.document_ids == (notice.id, agenda.id)
    assert {(d.status, d.issued_on, d.issued_by) for d in (notice, agenda)} == {
        (DocumentStatus.issued, NOTICE_DAY, "flow:prepare-meeting")
    }
    assert numbers(sqlite_engine) == [(1, NOTICE_DAY)]
    with session_scope(sqlite_engine) as session:
        notice_task = session.exec(select(Task).where(Task.key == "notice:council-1")).one()
    assert (notice_task.status, notice_task.completed_by) == (TaskStatus.done, "flow:prepare-meeting")
    assert task_status(sqlite_engine, "agenda:council-1") == TaskStatus.done
    confirmed = meeting(sqlite_engine, "council-1")
    assert (confirmed.status, confirmed.revision) == (MeetingStatus.confirmed, 1)
    feeds_are_current(sqlite_engine, NOTICE_DAY)

    again = prepare_meeting_flow(FY, "council-1", as_of=NOTICE_DAY, approval=False)
    assert again.kinds == ()
    assert again.sent == 0
    assert len(documents_of(sqlite_engine, "council-1")) == 2
    assert numbers(sqlite_engine) == [(1, NOTICE_DAY)]


def test_only_the_given_kinds_are_sent(flow_world: Path, sqlite_engine: Engine) -> None:
    report = prepare_meeting_flow(FY, "secretariat-1", as_of=date(2026, 6, 10), kinds=["notice"], approval=False)
    assert report.kinds == ("notice",)
    assert sent_for(sqlite_engine, DocumentKind.agenda, "secretariat-1") == 0
    assert [d.kind for d in documents_of(sqlite_engine, "secretariat-1")] == [DocumentKind.notice]
    assert task_status(sqlite_engine, "agenda:secretariat-1") == TaskStatus.pending


def test_the_mayors_meeting_has_no_documents(flow_world: Path) -> None:
    with pytest.raises(InputError, match="no documents are issued for meeting 'mayors-meeting'"):
        prepare_meeting_flow(FY, "mayors-meeting", as_of=date(2026, 5, 1), kinds=["notice"], approval=False)


def test_a_preparation_killed_after_every_step_and_run_again_sends_each_document_once(
    flow_world: Path, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after each step in turn (and once in the middle of the notice's delivery batch): every run starts from
    what the killed one left, the last one finishes the job, and nobody gets a document twice."""
    plan: list[tuple[str, int]] = kills(PREPARE_CHECKPOINTS)
    plan.insert(2, ("mid-delivery", 1))
    for point, occurrence in plan:
        if point == "mid-delivery":
            crash_in_the_delivery_batch(monkeypatch, sends=5)
        else:
            set_fault_hook(kill_at(point, occurrence))
        with pytest.raises(KilledError):
            prepare_meeting_flow(FY, "council-1", as_of=NOTICE_DAY, approval=False)
        set_fault_hook(None)
        monkeypatch.undo()
        sent = assert_nothing_sent_twice(flow_world, sqlite_engine)
        documents = documents_of(sqlite_engine, "council-1")
        assert len(documents) == 2  # one draft each, issued in place: never a second version
        if point == "after:draft-meeting-documents":
            assert {d.status for d in documents} == {DocumentStatus.draft}
            assert (numbers(sqlite_engine), sent) == ([], 0)
        if point == "mid-delivery":
            assert sent == 5
        if point == "after:issue-meeting-documents" or point == "mid-delivery":
            assert {d.status for d in documents} == {DocumentStatus.issued}
            assert numbers(sqlite_engine) == [(1, NOTICE_DAY)]

    report = prepare_meeting_flow(FY, "council-1", as_of=NOTICE_DAY, approval=False)

    assert (report.kinds, report.sent) == ((), 0)  # everything was done by the killed runs
    sent = assert_nothing_sent_twice(flow_world, sqlite_engine)
    assert sent == 2 * sent_for(sqlite_engine, DocumentKind.notice, "council-1") > 0
    assert numbers(sqlite_engine) == [(1, NOTICE_DAY)]
    assert task_status(sqlite_engine, "notice:council-1") == TaskStatus.done
    assert task_status(sqlite_engine, "agenda:council-1") == TaskStatus.done
    confirmed = meeting(sqlite_engine, "council-1")
    assert (confirmed.status, confirmed.revision) == (MeetingStatus.confirmed, 1)
    feeds_are_current(sqlite_engine, NOTICE_DAY)


# ------------------------------------------------------------------------------------------------- approval


def run_in_thread() -> tuple[threading.Thread, list[object]]:
    """prepare-meeting in a thread: it pauses there while the test answers from the CLI."""
    outcome: list[object] = []
    context = contextvars.copy_context()

    def target() -> None:
        try:
            outcome.append(context.run(lambda: prepare_meeting_flow(FY, "council-1", as_of=NOTICE_DAY, approval=True)))
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
    reset_settings()
    thread, outcome = run_in_thread()
    asked = wait_for_request(sqlite_engine, thread)
    # What waits is a pair of drafts (案): unnumbered, undated, and the approval names exactly their content.
    drafts = documents_of(sqlite_engine, "council-1")
    assert [(d.kind, d.status, d.number_id, d.issued_on) for d in drafts] == [
        (DocumentKind.notice, DocumentStatus.draft, None, None),
        (DocumentKind.agenda, DocumentStatus.draft, None, None),
    ]
    assert (asked.kinds, asked.document_ids, asked.content_hashes) == (
        "notice,agenda",
        [d.id for d in drafts],
        [d.content_hash for d in drafts],
    )
    assert asked.flow_run_id
    assert sent_for(sqlite_engine, DocumentKind.notice, "council-1") == 0  # nothing goes out before the answer

    arguments = ["approve", "council-1", "--fy", str(FY), "--comment", "日時を再確認してください" if reject else "OK"]
    result = CliRunner().invoke(app, [*arguments, *(["--reject"] if reject else [])])
    assert result.exit_code == 0, result.output
    assert f"flow run {asked.flow_run_id} 再開" in result.output
    thread.join(timeout=60)

    (report,) = outcome
    assert isinstance(report, PreparationReport), report
    with session_scope(sqlite_engine) as session:
        approval = session.exec(select(Approval)).one()
    assert approval.decided_by == "tester"
    documents = documents_of(sqlite_engine, "council-1")
    assert [d.id for d in documents] == [d.id for d in drafts]
    if reject:
        assert (report.approval, report.comment) == ("changes-requested", "日時を再確認してください")
        assert approval.status == ApprovalStatus.changes_requested
        assert approval.comment == "日時を再確認してください"
        assert sent_for(sqlite_engine, DocumentKind.notice, "council-1") == 0
        assert {d.status for d in documents} == {DocumentStatus.draft}
        assert numbers(sqlite_engine) == []  # a draft that was not approved consumes no number
        assert task_status(sqlite_engine, "notice:council-1") == TaskStatus.pending
        assert meeting(sqlite_engine, "council-1").status == MeetingStatus.planned
    else:
        assert report.approval == "approved"
        assert approval.status == ApprovalStatus.approved
        assert report.sent > 0
        assert [(d.status, d.content_hash) for d in documents] == [
            (DocumentStatus.issued, d.content_hash) for d in drafts
        ]
        assert numbers(sqlite_engine) == [(1, NOTICE_DAY)]
        assert task_status(sqlite_engine, "notice:council-1") == TaskStatus.done


def test_approve_with_nothing_waiting_is_one_line(flow_world: Path) -> None:
    result = CliRunner().invoke(app, ["approve", "council-1", "--fy", str(FY)])
    assert result.exit_code == 2
    assert result.stderr == "error: field meeting: nothing of meeting 'council-1' is waiting for approval\n"


def on_the_cli_clock(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    """The CLI's wall clock on `day` (09:00 Tokyo): `council meeting prepare` and `council approve` act today."""
    monkeypatch.setattr("council.cli.common.now_utc", lambda: Clock.on(day).now)


def test_approve_with_no_run_waiting_goes_on_with_the_preparation(
    flow_world: Path, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNCIL_APPROVAL", "on")
    reset_settings()
    on_the_cli_clock(monkeypatch, NOTICE_DAY)
    runner = CliRunner()
    asked = runner.invoke(app, ["meeting", "prepare", "council-1", "--fy", str(FY)])
    assert asked.exit_code == 0, asked.output
    assert "承認待ち: council approve council-1" in asked.output
    with session_scope(sqlite_engine) as session:
        approval = session.exec(select(Approval)).one()
    assert (approval.status, approval.flow_run_id) == (ApprovalStatus.requested, None)
    assert numbers(sqlite_engine) == []

    approved = runner.invoke(app, ["approve", "council-1", "--fy", str(FY)])

    assert approved.exit_code == 0, approved.output
    assert "council-1: 承認しました" in approved.output
    assert "notice, agenda を発出しました" in approved.output
    assert [d.status for d in documents_of(sqlite_engine, "council-1")] == [DocumentStatus.issued] * 2
    assert numbers(sqlite_engine) == [(1, NOTICE_DAY)]
    assert sent_for(sqlite_engine, DocumentKind.notice, "council-1") > 0
    assert task_status(sqlite_engine, "notice:council-1") == TaskStatus.done
    with session_scope(sqlite_engine) as session:
        approval = session.exec(select(Approval)).one()
    assert (approval.status, approval.decided_by) == (ApprovalStatus.approved, "tester")


def test_an_approval_holds_only_for_the_drafts_it_saw(
    flow_world: Path, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNCIL_APPROVAL", "on")
    reset_settings()
    on_the_cli_clock(monkeypatch, NOTICE_DAY)
    runner = CliRunner()
    assert runner.invoke(app, ["meeting", "prepare", "council-1", "--fy", str(FY)]).exit_code == 0
    before = {d.kind: d.content_hash for d in documents_of(sqlite_engine, "council-1")}
    # The meeting moves after the drafts were shown: the notice now says something else.
    moved = runner.invoke(app, ["meeting", "pin", "council-1", "--fy", str(FY), "--date", "2026-07-08"])
    assert moved.exit_code == 0, moved.output

    result = runner.invoke(app, ["approve", "council-1", "--fy", str(FY)])

    assert result.exit_code == 2
    assert "the drafts changed since they were approved; prepare and approve them again" in result.stderr
    documents = documents_of(sqlite_engine, "council-1")
    assert {d.status for d in documents} == {DocumentStatus.draft}
    assert {d.kind: d.content_hash for d in documents}[DocumentKind.notice] != before[DocumentKind.notice]
    assert numbers(sqlite_engine) == []
    assert sent_for(sqlite_engine, DocumentKind.notice, "council-1") == 0
    with session_scope(sqlite_engine) as session:
        statuses = [a.status for a in session.exec(select(Approval).order_by(col(Approval.id)))]
    assert statuses == [ApprovalStatus.approved, ApprovalStatus.requested]  # the new drafts wait for their own


# ------------------------------------------------------------------------------------------------- record


def add_candidates(engine: Engine, count: int) -> list[str]:
    now = datetime(2026, 5, 20, tzinfo=UTC)
    settings = get_settings()
    taxonomy = load_taxonomy(settings.reference_file(TAXONOMY_FILE))
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
                taxonomy=taxonomy,
                council_code=settings.council_code,
            )
            codes.append(theme.code)
    return codes


def decisions_of(engine: Engine, key: str) -> list[tuple[str, str, str, str]]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(Theme.code, MeetingDecision)
            .join(Theme, col(Theme.id) == MeetingDecision.theme_id)
            .join(Meeting, col(Meeting.id) == MeetingDecision.meeting_id)
            .where(Meeting.key == key)
            .order_by(col(Theme.code))
        ).all()
        return [(code, d.outcome.value, d.status_before.value, d.status_after.value) for code, d in rows]


def test_recording_the_first_meeting_adopts_the_candidates(flow_world: Path, sqlite_engine: Engine) -> None:
    codes = add_candidates(sqlite_engine, 3)
    with pytest.raises(InputError, match="record it after"):
        record_meeting_flow(FY, "council-1", as_of=date(2026, 6, 30))

    report = record_meeting_flow(FY, "council-1", as_of=date(2026, 7, 2))

    assert report.held_now
    assert sorted(report.decisions) == sorted((code, "adopted") for code in codes)
    # The decisions belong to the meeting: stored with it, whatever happens to the themes later.
    assert decisions_of(sqlite_engine, "council-1") == [(code, "adopted", "candidate", "adopted") for code in codes]
    assert report.minutes_document_id is not None
    assert report.minutes_sent == 0  # the minutes are due on 7/15: a draft until then
    [minutes] = documents_of(sqlite_engine, "council-1")
    assert (minutes.id, minutes.kind, minutes.status) == (
        report.minutes_document_id,
        DocumentKind.minutes,
        DocumentStatus.draft,
    )
    assert meeting(sqlite_engine, "council-1").status == MeetingStatus.held
    with session_scope(sqlite_engine) as session:
        assert set(session.exec(select(Theme.status)).all()) == {ThemeStatus.adopted}

    later = record_meeting_flow(FY, "council-1", as_of=MINUTES_DAY)
    assert not later.held_now
    assert later.decisions == ()
    assert later.minutes_document_id == minutes.id  # the draft is issued in place
    assert later.minutes_sent > 0
    assert later.completed_tasks == ("minutes:council-1",)
    assert task_status(sqlite_engine, "minutes:council-1") == TaskStatus.done
    [issued] = documents_of(sqlite_engine, "council-1")
    assert (issued.status, issued.issued_on) == (DocumentStatus.issued, MINUTES_DAY)
    assert decisions_of(sqlite_engine, "council-1") == [(code, "adopted", "candidate", "adopted") for code in codes]


def test_a_record_killed_after_every_step_and_run_again_decides_and_sends_once(
    flow_world: Path, sqlite_engine: Engine
) -> None:
    codes = add_candidates(sqlite_engine, 2)
    for point, occurrence in kills(RECORD_CHECKPOINTS):
        set_fault_hook(kill_at(point, occurrence))
        with pytest.raises(KilledError):
            record_meeting_flow(FY, "council-1", as_of=MINUTES_DAY)  # held two weeks ago; the minutes are due
        set_fault_hook(None)
        assert_nothing_sent_twice(flow_world, sqlite_engine)
        assert meeting(sqlite_engine, "council-1").status == MeetingStatus.held
        assert decisions_of(sqlite_engine, "council-1") == [(c, "adopted", "candidate", "adopted") for c in codes]
        assert len(documents_of(sqlite_engine, "council-1")) <= 1

    report = record_meeting_flow(FY, "council-1", as_of=MINUTES_DAY)

    assert (report.held_now, report.decisions, report.minutes_sent) == (False, (), 0)
    sent = assert_nothing_sent_twice(flow_world, sqlite_engine)
    assert sent == sent_for(sqlite_engine, DocumentKind.minutes, "council-1") > 0
    [minutes] = documents_of(sqlite_engine, "council-1")
    assert (minutes.status, minutes.issued_on) == (DocumentStatus.issued, MINUTES_DAY)
    assert numbers(sqlite_engine) == []  # 議事概要 are not letters: they carry no 文書番号
    assert meeting(sqlite_engine, "council-1").revision == 1  # held once
    assert task_status(sqlite_engine, "minutes:council-1") == TaskStatus.done
    feeds_are_current(sqlite_engine, MINUTES_DAY)


# ------------------------------------------------------------------------------------------------- cancel


def test_cancelling_after_the_notice_tells_those_who_received_it(flow_world: Path, sqlite_engine: Engine) -> None:
    prepare_meeting_flow(FY, "council-1", as_of=NOTICE_DAY, kinds=["notice"], approval=False)
    notified = sent_for(sqlite_engine, DocumentKind.notice, "council-1")

    report = cancel_meeting_flow(FY, "council-1", reason="台風の接近のため", as_of=date(2026, 6, 22))

    assert report.change == "cancelled"
    assert set(report.cancelled_tasks) == {"agenda:council-1", "minutes:council-1"}
    assert report.sent == notified == sent_for(sqlite_engine, DocumentKind.cancellation, "council-1") > 0
    letter = next(d for d in documents_of(sqlite_engine, "council-1") if d.kind == DocumentKind.cancellation)
    assert (letter.id, letter.status, letter.issued_on) == (report.letter_id, DocumentStatus.issued, date(2026, 6, 22))
    cancelled = meeting(sqlite_engine, "council-1")
    assert (cancelled.status, cancelled.revision) == (MeetingStatus.cancelled, 2)  # confirmed, then cancelled
    with session_scope(sqlite_engine) as session:
        council_feed = session.exec(select(FeedSnapshot).where(FeedSnapshot.name == "council")).one()
    assert b"STATUS:CANCELLED" in council_feed.body
    feeds_are_current(sqlite_engine, date(2026, 6, 22))

    again = cancel_meeting_flow(FY, "council-1", reason="台風の接近のため", as_of=date(2026, 6, 22))
    assert (again.cancelled_tasks, again.sent) == ((), 0)
    assert assert_nothing_sent_twice(flow_world, sqlite_engine) == notified * 2


CANCEL_CHECKPOINTS = (
    "after:cancel-meeting",
    "after:issue-cancellation",
    "after:deliver-document",
    "after:draft-annual-schedule",
    "after:publish-feeds",
)


def test_a_cancellation_killed_after_every_step_and_run_again_tells_everyone_once(
    flow_world: Path, sqlite_engine: Engine
) -> None:
    prepare_meeting_flow(FY, "council-1", as_of=NOTICE_DAY, kinds=["notice"], approval=False)
    notified = sent_for(sqlite_engine, DocumentKind.notice, "council-1")
    for point, occurrence in kills(CANCEL_CHECKPOINTS):
        set_fault_hook(kill_at(point, occurrence))
        with pytest.raises(KilledError):
            cancel_meeting_flow(FY, "council-1", reason="台風の接近のため", as_of=date(2026, 6, 22))
        set_fault_hook(None)
        assert_nothing_sent_twice(flow_world, sqlite_engine)
        assert meeting(sqlite_engine, "council-1").status == MeetingStatus.cancelled

    report = cancel_meeting_flow(FY, "council-1", reason="台風の接近のため", as_of=date(2026, 6, 22))

    assert (report.cancelled_tasks, report.sent) == ((), 0)
    [letter] = [d for d in documents_of(sqlite_engine, "council-1") if d.kind == DocumentKind.cancellation]
    assert letter.facts is not None
    assert letter.facts["when"] == "令和8年7月1日（水）14時00分～16時00分"
    assert sent_for(sqlite_engine, DocumentKind.cancellation, "council-1") == notified
    assert assert_nothing_sent_twice(flow_world, sqlite_engine) == notified * 2
    assert meeting(sqlite_engine, "council-1").revision == 2  # confirmed, then cancelled once
    assert {task_status(sqlite_engine, key) for key in ("agenda:council-1", "minutes:council-1")} == {
        TaskStatus.cancelled
    }
    feeds_are_current(sqlite_engine, date(2026, 6, 22))


POSTPONE_CHECKPOINTS = (
    "after:postpone-meeting",
    "after:issue-postponement",
    "after:deliver-document",
    "after:draft-annual-schedule",
    "after:publish-feeds",
)


def test_postponing_after_the_notice_tells_those_who_received_it_and_replans(
    flow_world: Path, sqlite_engine: Engine
) -> None:
    prepare_meeting_flow(FY, "council-1", as_of=NOTICE_DAY, kinds=["notice"], approval=False)
    notified = sent_for(sqlite_engine, DocumentKind.notice, "council-1")

    passed: list[str] = []
    set_fault_hook(passed.append)
    report = postpone_meeting_flow(FY, "council-1", day=date(2026, 7, 8), reason="会場の都合", as_of=date(2026, 6, 22))
    set_fault_hook(None)

    assert tuple(passed) == POSTPONE_CHECKPOINTS
    assert report.change == "postponed"
    assert "meeting:council-1" in report.moved
    assert report.sent == notified == sent_for(sqlite_engine, DocumentKind.postponement, "council-1") > 0
    [letter] = [d for d in documents_of(sqlite_engine, "council-1") if d.kind == DocumentKind.postponement]
    assert (letter.id, letter.status, letter.issued_on) == (report.letter_id, DocumentStatus.issued, date(2026, 6, 22))
    assert letter.facts is not None
    assert (letter.facts["when"], letter.facts["new_when"]) == (
        "令和8年7月1日（水）14時00分～16時00分",
        "令和8年7月8日（水）14時00分～16時00分",
    )
    moved = meeting(sqlite_engine, "council-1")
    assert moved.starts_at == datetime(2026, 7, 8, 5, 0, tzinfo=UTC)  # 14:00 in Tokyo, as before
    assert moved.status == MeetingStatus.confirmed
    with session_scope(sqlite_engine) as session:
        due = {
            t.key: (t.status, t.due_date) for t in session.exec(select(Task).where(col(Task.key).contains("council-1")))
        }
    assert due["notice:council-1"] == (TaskStatus.done, NOTICE_DAY)  # done stays done
    assert due["agenda:council-1"] == (TaskStatus.pending, date(2026, 7, 3))  # 3 business days before 7/8
    feeds_are_current(sqlite_engine, date(2026, 6, 22))

    again = postpone_meeting_flow(FY, "council-1", day=date(2026, 7, 8), reason="会場の都合", as_of=date(2026, 6, 22))
    assert (again.letter_id, again.sent) == (letter.id, 0)  # the same letter, nobody gets it twice
    assert assert_nothing_sent_twice(flow_world, sqlite_engine) == notified * 2


def test_a_postponement_killed_after_every_step_and_run_again_tells_everyone_once(
    flow_world: Path, sqlite_engine: Engine
) -> None:
    prepare_meeting_flow(FY, "council-1", as_of=NOTICE_DAY, kinds=["notice"], approval=False)
    notified = sent_for(sqlite_engine, DocumentKind.notice, "council-1")
    for point, occurrence in kills(POSTPONE_CHECKPOINTS):
        set_fault_hook(kill_at(point, occurrence))
        with pytest.raises(KilledError):
            postpone_meeting_flow(FY, "council-1", day=date(2026, 7, 8), reason="会場の都合", as_of=date(2026, 6, 22))
        set_fault_hook(None)
        assert_nothing_sent_twice(flow_world, sqlite_engine)
        letters = [d for d in documents_of(sqlite_engine, "council-1") if d.kind == DocumentKind.postponement]
        assert len(letters) == (0 if point == "after:postpone-meeting" else 1)

    report = postpone_meeting_flow(FY, "council-1", day=date(2026, 7, 8), reason="会場の都合", as_of=date(2026, 6, 22))

    assert report.sent == 0
    [letter] = [d for d in documents_of(sqlite_engine, "council-1") if d.kind == DocumentKind.postponement]
    assert letter.facts is not None
    # Told what they were told before (the notice's date), though the meeting had moved when the letter was written.
    assert (letter.facts["when"], letter.facts["new_when"]) == (
        "令和8年7月1日（水）14時00分～16時00分",
        "令和8年7月8日（水）14時00分～16時00分",
    )
    assert sent_for(sqlite_engine, DocumentKind.postponement, "council-1") == notified
    assert assert_nothing_sent_twice(flow_world, sqlite_engine) == notified * 2
    assert meeting(sqlite_engine, "council-1").starts_at == datetime(2026, 7, 8, 5, 0, tzinfo=UTC)
    feeds_are_current(sqlite_engine, date(2026, 6, 22))
