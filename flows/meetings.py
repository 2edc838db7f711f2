"""prepare-meeting and record-meeting: a meeting's documents out before it, its record after it.

prepare-meeting renders the notice and the agenda from the database, waits for the secretariat's approval (a typed
input answered in the Prefect UI or with `council approve MEETING`), then delivers them and updates the feeds. The
wait is `suspend_flow_run` when the run belongs to a deployment (the worker is freed; the run starts again when
answered, and everything before the wait is idempotent) and `pause_flow_run` otherwise (the process waits).

record-meeting applies the meeting's default decisions to the themes, marks it held, renders the 議事概要 skeleton,
and once the minutes are due sends them and completes their task.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from prefect import flow, task
from prefect.client.orchestration import get_client
from prefect.exceptions import FlowPauseTimeout, NotPausedError, ObjectNotFound
from prefect.flow_runs import pause_flow_run, resume_flow_run, suspend_flow_run
from prefect.input import RunInput
from sqlmodel import Session, col, select

from council.documents.facts import DOCUMENTED_MEETING_KINDS
from council.documents.service import render_meeting_documents, render_minutes
from council.errors import InputError
from council.meetings.approvals import approval_required, expire, record_decision, request_approval, waiting_approval
from council.meetings.lifecycle import complete_tasks, confirm_meeting, find_meeting_of_year, record_meeting_held
from council.survey.store import council_id_for
from council.tick.decisions import MINUTES_PREFIX, OPEN_TASK_STATUSES, PREPARATION_KINDS
from council.wareki import wareki_date
from flows.common import (
    TASK_OPTIONS,
    artifact_key,
    checkpoint,
    emit,
    flow_actor,
    flow_run_id,
    markdown_table,
    publish_markdown,
    resource_id,
    run_clock,
    running_as_deployment,
)
from flows.delivery import complete_planner_task, deliver_task
from flows.planning import publish_feeds_task
from models import ApprovalDecision, Document, DocumentKind, Meeting, Task
from models.db import session_scope

APPROVAL_TIMEOUT_SETTING = "COUNCIL_APPROVAL_TIMEOUT"  # seconds a paused (in-process) run waits; default an hour
APPROVAL_POLL_SETTING = "COUNCIL_APPROVAL_POLL_SECONDS"  # how often a paused run checks for the answer


class ApprovalInput(RunInput):
    """The secretariat's answer before a meeting's documents go out."""

    decision: ApprovalDecision = ApprovalDecision.approve
    comment: str | None = None
    approver: str | None = None


@dataclass(frozen=True)
class PreparationReport:
    fiscal_year: int
    meeting_key: str
    kinds: tuple[str, ...]
    document_ids: tuple[int, ...]
    approval: str  # 'not-required', 'approved', 'changes-requested'
    sent: int
    already_sent: int
    completed_tasks: tuple[str, ...]
    comment: str | None = None


@dataclass(frozen=True)
class RecordReport:
    fiscal_year: int
    meeting_key: str
    held_now: bool
    decisions: tuple[tuple[str, str], ...]
    minutes_document_id: int | None
    minutes_sent: int
    completed_tasks: tuple[str, ...]


def _meeting(session: Session, fiscal_year: int, meeting_key: str) -> Meeting:
    return find_meeting_of_year(
        session, council_id=council_id_for(session), fiscal_year=fiscal_year, meeting_key=meeting_key
    )


def _open_kinds(session: Session, meeting: Meeting) -> tuple[str, ...]:
    keys = {f"{kind}:{meeting.key}" for kind in PREPARATION_KINDS}
    open_keys = set(
        session.exec(
            select(Task.key).where(
                Task.cycle_id == meeting.cycle_id, col(Task.key).in_(keys), col(Task.status).in_(OPEN_TASK_STATUSES)
            )
        ).all()
    )
    return tuple(kind for kind in PREPARATION_KINDS if f"{kind}:{meeting.key}" in open_keys)


# ------------------------------------------------------------------------------------------------- prepare-meeting


@task(name="render-meeting-documents", **TASK_OPTIONS)
def render_preparation_task(fiscal_year: int, meeting_key: str, kinds: tuple[str, ...], as_of: date) -> list[int]:
    """The meeting's notice and/or agenda from the database: one document set, versioned."""
    clock = run_clock(as_of)
    with session_scope() as session:
        rendered = render_meeting_documents(
            session,
            meeting_key=meeting_key,
            fiscal_year=fiscal_year,
            now=clock.now,
            kinds=tuple(DocumentKind(kind) for kind in kinds),
        )
        ids = [item.document.id for item in rendered if item.document.id is not None]
    checkpoint("prepare-meeting:rendered")
    return ids


@task(name="request-approval", **TASK_OPTIONS)
def request_approval_task(
    fiscal_year: int, meeting_key: str, kinds: tuple[str, ...], document_ids: list[int], as_of: date
) -> str:
    """Record the request and show what waits for approval; returns the markdown shown."""
    clock = run_clock(as_of)
    run_id = flow_run_id()
    assert run_id is not None
    with session_scope() as session:
        meeting = _meeting(session, fiscal_year, meeting_key)
        request_approval(
            session,
            meeting=meeting,
            flow_run_id=run_id,
            kinds=kinds,
            document_ids=document_ids,
            now=clock.now,
            actor=flow_actor(),
        )
        documents = [session.get(Document, document_id) for document_id in document_ids]
        rows = [(d.title, f"v{d.version}", d.directory) for d in documents if d is not None]
        title = meeting.title
    markdown = (
        f"# 送付前の確認：{title}\n\n"
        + markdown_table(("文書", "版", "場所（COUNCIL_HOME 内）"), rows)
        + f"\n\nUI の Resume から承認・差戻しを入力するか、`council approve {meeting_key} --fy {fiscal_year}` "
        "（差戻しは `--reject --comment …`）を実行してください。"
    )
    publish_markdown(artifact_key("approval", fiscal_year, meeting_key), markdown, description=f"{title}の送付承認")
    return markdown


def wait_for_approval() -> ApprovalInput:
    """Suspend (deployment run) or pause (in-process run) until the secretariat answers."""
    if running_as_deployment():
        return suspend_flow_run(wait_for_input=ApprovalInput, key="approval")
    timeout = int(os.environ.get(APPROVAL_TIMEOUT_SETTING, "3600"))
    poll = int(os.environ.get(APPROVAL_POLL_SETTING, "5"))
    return pause_flow_run(wait_for_input=ApprovalInput, key="approval", timeout=timeout, poll_interval=poll)


@task(name="record-approval", **TASK_OPTIONS)
def record_approval_task(
    fiscal_year: int, meeting_key: str, answer: ApprovalInput, as_of: date
) -> tuple[str, list[int]]:
    """Store the answer; returns the approval's status and the document versions it was asked for — those, and only
    those, are sent (a suspended run renders again when resumed; what changed since was not approved)."""
    clock = run_clock(as_of)
    run_id = flow_run_id()
    assert run_id is not None
    with session_scope() as session:
        meeting = _meeting(session, fiscal_year, meeting_key)
        approval = record_decision(
            session,
            meeting=meeting,
            flow_run_id=run_id,
            decision=answer.decision,
            comment=answer.comment,
            decided_by=answer.approver or "prefect-ui",
            now=clock.now,
        )
        return approval.status.value, [int(value) for value in approval.document_ids or []]


@task(name="expire-approval", **TASK_OPTIONS)
def expire_approval_task(fiscal_year: int, meeting_key: str, reason: str, as_of: date) -> None:
    clock = run_clock(as_of)
    run_id = flow_run_id()
    with session_scope() as session:
        meeting = _meeting(session, fiscal_year, meeting_key)
        try:
            approval = waiting_approval(
                session, council_id=council_id_for(session), fiscal_year=fiscal_year, meeting_key=meeting.key
            )
        except InputError:
            return
        if approval.flow_run_id == run_id:
            expire(session, approval, now=clock.now, actor=flow_actor(), reason=reason)


@task(name="complete-preparation", **TASK_OPTIONS)
def complete_preparation_task(fiscal_year: int, meeting_key: str, kinds: tuple[str, ...], as_of: date) -> list[str]:
    """The notice/agenda tasks are done; the meeting is confirmed once its notice is out."""
    clock = run_clock(as_of)
    with session_scope() as session:
        meeting = _meeting(session, fiscal_year, meeting_key)
        done = complete_tasks(session, meeting, kinds, now=clock.now, actor=flow_actor(), flow_run_id=flow_run_id())
        if "notice" in kinds:
            confirm_meeting(session, meeting, now=clock.now, actor=flow_actor(), flow_run_id=flow_run_id())
    return done


@flow(name="prepare-meeting", persist_result=True)
def prepare_meeting(
    fiscal_year: int,
    meeting_key: str,
    as_of: date | None = None,
    kinds: list[str] | None = None,
    approval: bool | None = None,
    publish: bool = True,
) -> PreparationReport:
    """Before a 幹事会, a council meeting or the roundtable: render the notice and the agenda (default: those whose
    tasks are still open), wait for approval (default: COUNCIL_APPROVAL, on), deliver them, complete their tasks,
    confirm the meeting and update the feeds."""
    clock = run_clock(as_of)
    with session_scope() as session:
        meeting = _meeting(session, fiscal_year, meeting_key)
        if meeting.kind not in DOCUMENTED_MEETING_KINDS:
            raise InputError(f"no documents are issued for {meeting.title} ({meeting.kind.value})", field="meeting")
        wanted = tuple(kinds) if kinds else _open_kinds(session, meeting)
    unknown = [kind for kind in wanted if kind not in PREPARATION_KINDS]
    if unknown:
        raise InputError(f"{unknown[0]!r} is not one of {', '.join(PREPARATION_KINDS)}", field="kinds")
    if not wanted:
        return PreparationReport(fiscal_year, meeting_key, (), (), "not-required", 0, 0, ())
    document_ids = render_preparation_task(fiscal_year, meeting_key, wanted, clock.today)
    decision, comment = "not-required", None
    if approval if approval is not None else approval_required(os.environ):
        request_approval_task(fiscal_year, meeting_key, wanted, document_ids, clock.today)
        try:
            answer = wait_for_approval()
        except FlowPauseTimeout:
            expire_approval_task(fiscal_year, meeting_key, "no answer before the timeout", clock.today)
            raise
        except Exception as error:  # a suspension is a BaseException signal and passes through untouched
            expire_approval_task(fiscal_year, meeting_key, f"the waiting run failed: {error}", clock.today)
            raise
        status, document_ids = record_approval_task(fiscal_year, meeting_key, answer, clock.today)
        decision, comment = status.replace("_", "-"), answer.comment
        if answer.decision != ApprovalDecision.approve:
            return PreparationReport(fiscal_year, meeting_key, wanted, tuple(document_ids), decision, 0, 0, (), comment)
    sent = already = 0
    for document_id in document_ids:
        delivery = deliver_task(document_id, clock.today)
        sent, already = sent + delivery.sent, already + delivery.already_sent
    done = complete_preparation_task(fiscal_year, meeting_key, wanted, clock.today)
    emit(
        "council.meeting.prepared",
        resource=resource_id(fiscal_year, "meeting", meeting_key),
        natural_key=f"{fiscal_year}|{meeting_key}|{','.join(wanted)}|{','.join(map(str, document_ids))}",
        payload={"kinds": list(wanted), "document_ids": document_ids, "sent": sent},
    )
    if publish:
        publish_feeds_task(clock.today)
    return PreparationReport(
        fiscal_year, meeting_key, wanted, tuple(document_ids), decision, sent, already, tuple(done), comment
    )


# ------------------------------------------------------------------------------------------------- record-meeting


@task(name="record-meeting-held", **TASK_OPTIONS)
def record_held_task(fiscal_year: int, meeting_key: str, as_of: date) -> tuple[bool, list[tuple[str, str]], bool]:
    """Decisions and the held status; returns (held now, decisions, documented)."""
    clock = run_clock(as_of)
    with session_scope() as session:
        meeting = _meeting(session, fiscal_year, meeting_key)
        if meeting.ends_at > clock.now:
            raise InputError(
                f"{meeting.title} takes place on {wareki_date(meeting.starts_at.date())}: record it after it is held",
                field="meeting",
            )
        record = record_meeting_held(session, meeting, now=clock.now, actor=flow_actor(), flow_run_id=flow_run_id())
        return record.held, list(record.decisions), meeting.kind in DOCUMENTED_MEETING_KINDS


@task(name="render-minutes", **TASK_OPTIONS)
def render_minutes_task(fiscal_year: int, meeting_key: str, as_of: date) -> int:
    """The 議事概要 skeleton (one document, versioned)."""
    clock = run_clock(as_of)
    with session_scope() as session:
        rendered = render_minutes(session, meeting_key=meeting_key, fiscal_year=fiscal_year, now=clock.now)
        assert rendered.document.id is not None
        return rendered.document.id


@task(name="minutes-due", **TASK_OPTIONS)
def minutes_due_task(fiscal_year: int, meeting_key: str, as_of: date) -> bool:
    with session_scope() as session:
        meeting = _meeting(session, fiscal_year, meeting_key)
        task_row = session.exec(
            select(Task).where(Task.cycle_id == meeting.cycle_id, Task.key == f"{MINUTES_PREFIX}{meeting_key}")
        ).first()
        return task_row is not None and task_row.status in OPEN_TASK_STATUSES and task_row.due_date <= as_of


@task(name="complete-minutes", **TASK_OPTIONS)
def complete_minutes_task(fiscal_year: int, meeting_key: str, as_of: date) -> list[str]:
    with session_scope() as session:
        done = complete_planner_task(session, fiscal_year, f"{MINUTES_PREFIX}{meeting_key}", as_of)
    return [f"{MINUTES_PREFIX}{meeting_key}"] if done else []


@flow(name="record-meeting")
def record_meeting(
    fiscal_year: int,
    meeting_key: str,
    as_of: date | None = None,
    send_minutes: bool | None = None,
    publish: bool = True,
) -> RecordReport:
    """After a meeting: its decisions (themes adopted at the 1st meeting, reported at the roundtable, decided at the
    2nd), held, the 議事概要 skeleton; the minutes are sent and their task completed once due (or when
    send_minutes is true)."""
    clock = run_clock(as_of)
    held_now, decisions, documented = record_held_task(fiscal_year, meeting_key, clock.today)
    minutes_id, minutes_sent, done = None, 0, []
    if documented:
        minutes_id = render_minutes_task(fiscal_year, meeting_key, clock.today)
        if send_minutes if send_minutes is not None else minutes_due_task(fiscal_year, meeting_key, clock.today):
            delivery = deliver_task(minutes_id, clock.today)
            minutes_sent = delivery.sent
            done = complete_minutes_task(fiscal_year, meeting_key, clock.today)
    emit(
        "council.meeting.recorded",
        resource=resource_id(fiscal_year, "meeting", meeting_key),
        natural_key=f"{fiscal_year}|{meeting_key}|held",
        payload={"decisions": [list(item) for item in decisions]},
    )
    if decisions:
        publish_markdown(
            artifact_key("meeting", fiscal_year, meeting_key, "decisions"),
            f"# {meeting_key} の決定事項\n\n" + markdown_table(("テーマ", "新しい状態"), decisions),
            description=f"{fiscal_year}年度 {meeting_key} の決定事項",
        )
    if publish and held_now:
        publish_feeds_task(clock.today)
    return RecordReport(
        fiscal_year=fiscal_year,
        meeting_key=meeting_key,
        held_now=held_now,
        decisions=tuple(decisions),
        minutes_document_id=minutes_id,
        minutes_sent=minutes_sent,
        completed_tasks=tuple(done),
    )


def resume_waiting_run(run_id: UUID, answer: dict[str, Any], *, settle_seconds: float = 30.0) -> bool:
    """Resume the paused or suspended prepare-meeting run with the secretariat's answer; False when that run is gone.

    A run records its approval request first and pauses right after, so an answer can arrive in between: a run that
    is still running gets `settle_seconds` to reach its pause before it is given up."""
    deadline = time.monotonic() + settle_seconds
    while True:
        try:
            resume_flow_run(run_id, run_input=answer)
            return True
        except ObjectNotFound:
            return False
        except NotPausedError:
            with get_client(sync_client=True) as client:
                state = client.read_flow_run(run_id).state
            if state is None or state.is_final() or time.monotonic() >= deadline:
                return False
            time.sleep(0.2)
