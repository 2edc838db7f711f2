"""prepare-meeting, record-meeting, cancel-meeting and postpone-meeting: a meeting's use cases
(council.meetings.actions) as flows, each step a task.

prepare-meeting waits for the secretariat's approval when approvals are on: a typed input answered in the Prefect
UI, or `council approve MEETING` (which records the answer and resumes the run). The wait is `suspend_flow_run`
when the run belongs to a deployment (the worker is freed; the run starts again when answered, and every step before
the wait is idempotent) and `pause_flow_run` otherwise (the process waits).
"""

from __future__ import annotations

import time as clock
from datetime import date, time
from typing import Any
from uuid import UUID

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.exceptions import FlowPauseTimeout, NotPausedError, ObjectNotFound
from prefect.flow_runs import pause_flow_run, resume_flow_run, suspend_flow_run
from prefect.input import RunInput
from pydantic import Field

from council.context import Context
from council.meetings.actions import (
    GateAnswer,
    MeetingChangeReport,
    PreparationReport,
    RecordReport,
    cancel_meeting,
    postpone_meeting,
    prepare_meeting,
    record_answer,
    record_meeting,
    recorded_approval,
)
from council.meetings.approvals import DraftRef, expire_open
from council.planning.cycles import require_meeting
from flows.common import (
    artifact_key,
    emit,
    flow_context,
    markdown_table,
    publish_markdown,
    resource_id,
    running_as_deployment,
)
from flows.planning import publish_feeds_task
from models import ApprovalDecision


class ApprovalInput(RunInput):
    """The secretariat's answer before a meeting's documents are issued and sent."""

    decision: ApprovalDecision = Field(
        title="判断", description="approve（承認して発出・送付する）または request_changes（修正を依頼し、送付しない）"
    )
    comment: str | None = Field(default=None, title="コメント", description="修正依頼の内容、または承認時の補足")
    approver: str | None = Field(default=None, title="承認者", description="判断した人の氏名（監査記録に残ります）")


def wait_for_approval(ctx: Context) -> ApprovalInput:
    """Suspend (deployment run) or pause (in-process run) until the secretariat answers."""
    if running_as_deployment():
        return suspend_flow_run(wait_for_input=ApprovalInput, key="approval")
    return pause_flow_run(
        wait_for_input=ApprovalInput,
        key="approval",
        timeout=ctx.settings.approval_timeout_seconds,
        poll_interval=ctx.settings.approval_poll_seconds,
    )


def _expire(ctx: Context, fiscal_year: int, meeting_key: str, reason: str) -> None:
    with ctx.transaction() as session:
        meeting = require_meeting(session, ctx.settings.council_code, fiscal_year, meeting_key)
        expire_open(session, meeting, now=ctx.clock.now, actor=ctx.actor, reason=reason)


def waiting_gate(ctx: Context, fiscal_year: int, meeting_key: str, drafts: list[DraftRef]) -> GateAnswer:
    """The flow's approval: the answer recorded for these drafts, else ask, show what waits, and wait for it."""
    answer: GateAnswer = ctx.step("request-approval", recorded_approval, ctx, fiscal_year, meeting_key, drafts)
    if answer.status != "requested":
        return answer
    rows = [(ref.kind, ref.document_id, ref.content_hash[:12]) for ref in drafts if not ref.issued]
    publish_markdown(
        artifact_key("approval", fiscal_year, meeting_key),
        f"# 発出前の確認：{meeting_key}\n\n"
        + markdown_table(("文書", "文書ID（案）", "内容"), rows)
        + f"\n\nUI の Resume から承認・修正依頼を入力するか、`council approve {meeting_key} --fy {fiscal_year}` "
        "（修正依頼は `--reject --comment …`）を実行してください。",
        description=f"{meeting_key} の発出承認",
    )
    try:
        received = wait_for_approval(ctx)
    except FlowPauseTimeout:
        _expire(ctx, fiscal_year, meeting_key, "no answer before the timeout")
        raise
    except Exception as error:  # a suspension is a BaseException signal and passes through untouched
        _expire(ctx, fiscal_year, meeting_key, f"the waiting run failed: {error}")
        raise
    recorded: GateAnswer = ctx.step(
        "record-approval",
        record_answer,
        ctx,
        fiscal_year,
        meeting_key,
        received.decision,
        received.comment,
        received.approver or "prefect-ui",
    )
    return recorded


@flow(name="prepare-meeting", persist_result=True)
def prepare_meeting_flow(
    fiscal_year: int,
    meeting_key: str,
    as_of: date | None = None,
    kinds: list[str] | None = None,
    approval: bool | None = None,
    publish: bool = True,
) -> PreparationReport:
    """Before a 幹事会, a council meeting or the roundtable: draft the notice and the agenda (default: those whose
    tasks are still open), wait for approval (default: COUNCIL_APPROVAL, on), issue and deliver them, complete their
    tasks, confirm the meeting and update the feeds."""
    return run_prepare_meeting(
        flow_context(as_of), fiscal_year, meeting_key, kinds=kinds, approval=approval, publish=publish
    )


def run_prepare_meeting(
    ctx: Context,
    fiscal_year: int,
    meeting_key: str,
    *,
    kinds: list[str] | None,
    approval: bool | None,
    publish: bool,
) -> PreparationReport:
    """prepare-meeting's work in the running flow (its own run, or the tick's when no approval is awaited)."""
    report = prepare_meeting(ctx, fiscal_year, meeting_key, kinds=kinds, approval=approval, gate=waiting_gate)
    if report.sent or report.already_sent:
        emit(
            "council.meeting.prepared",
            resource=resource_id(fiscal_year, "meeting", meeting_key),
            natural_key="|".join(
                (str(fiscal_year), meeting_key, ",".join(report.kinds), ",".join(map(str, report.document_ids)))
            ),
            payload={"kinds": list(report.kinds), "document_ids": list(report.document_ids), "sent": report.sent},
        )
    # Also when nothing was left to do: a run killed before its last step left the feeds to this one.
    if publish and report.approval in ("not-required", "approved"):
        publish_feeds_task(ctx)
    return report


@flow(name="record-meeting")
def record_meeting_flow(
    fiscal_year: int,
    meeting_key: str,
    as_of: date | None = None,
    send_minutes: bool | None = None,
    publish: bool = True,
) -> RecordReport:
    """After a meeting: its decisions (recorded with it), held, the 議事概要 drafted from them; the minutes are issued,
    sent and their task completed once due (or when send_minutes is true)."""
    return run_record_meeting(flow_context(as_of), fiscal_year, meeting_key, send_minutes=send_minutes, publish=publish)


def run_record_meeting(
    ctx: Context, fiscal_year: int, meeting_key: str, *, send_minutes: bool | None, publish: bool
) -> RecordReport:
    """record-meeting's work in the running flow (its own run, or the tick's)."""
    report = record_meeting(ctx, fiscal_year, meeting_key, send_minutes=send_minutes)
    emit(
        "council.meeting.recorded",
        resource=resource_id(fiscal_year, "meeting", meeting_key),
        natural_key=f"{fiscal_year}|{meeting_key}|held",
        payload={"decisions": [list(item) for item in report.decisions]},
    )
    if report.decisions:
        publish_markdown(
            artifact_key("meeting", fiscal_year, meeting_key, "decisions"),
            f"# {meeting_key} の決定事項\n\n" + markdown_table(("テーマ", "決定"), report.decisions),
            description=f"{fiscal_year}年度 {meeting_key} の決定事項",
        )
    if publish:  # also when it was held already: a run killed before its last step left the feeds to this one
        publish_feeds_task(ctx)
    return report


@flow(name="cancel-meeting")
def cancel_meeting_flow(
    fiscal_year: int, meeting_key: str, reason: str, as_of: date | None = None
) -> MeetingChangeReport:
    """Cancel a meeting: tasks cancelled, 中止のお知らせ to those who received its notice, schedule and feeds."""
    return cancel_meeting(flow_context(as_of), fiscal_year, meeting_key, reason=reason)


@flow(name="postpone-meeting")
def postpone_meeting_flow(
    fiscal_year: int,
    meeting_key: str,
    day: date,
    start: time | None = None,
    reason: str | None = None,
    as_of: date | None = None,
) -> MeetingChangeReport:
    """Move a meeting to another day (and start time, default its own): re-planned, 延期のお知らせ, schedule, feeds."""
    return postpone_meeting(flow_context(as_of), fiscal_year, meeting_key, day=day, start=start, reason=reason)


def resume_waiting_run(run_id: UUID, answer: dict[str, Any], *, settle_seconds: float = 30.0) -> bool:
    """Resume the paused or suspended prepare-meeting run with the secretariat's answer; False when that run is gone.

    A run records its approval request first and pauses right after, so an answer can arrive in between: a run that
    is still running gets `settle_seconds` to reach its pause before it is given up."""
    deadline = clock.monotonic() + settle_seconds
    while True:
        try:
            resume_flow_run(run_id, run_input=answer)
            return True
        except ObjectNotFound:
            return False
        except NotPausedError:
            with get_client(sync_client=True) as client:
                state = client.read_flow_run(run_id).state
            if state is None or state.is_final() or clock.monotonic() >= deadline:
                return False
            clock.sleep(0.2)
