"""What the secretariat or the clock does with a meeting — prepare it, approve its documents, record it, cancel or
postpone it — one use case each, called the same way by the flows, the CLI and the console.

prepare: the notice and/or agenda drafted from the current state; approved (when approvals are on); issued (number
and date of the day, a business day); delivered; their tasks done; the meeting confirmed once its notice is out.
record: the meeting's decisions stored with it and applied to the themes; held; the 議事概要 drafted from those
decisions, and issued and sent once its task is due. cancel / postpone: the meeting's status or date, its tasks,
the 中止・延期のお知らせ to those who received the notice, the annual schedule's next edition and the feeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Protocol

from sqlmodel import Session, col, select

from council.context import Context
from council.delivery.actions import DeliverySummary, deliver
from council.documents.drafting import meeting_change_document, meeting_document
from council.documents.facts import check_documented, meeting_when
from council.documents.files import FORMATS, remove_folder
from council.documents.lifecycle import draft, issue, issue_now, latest_issued
from council.documents.stationery import stationery_for
from council.errors import InputError
from council.feeds.actions import publish_feeds_step
from council.keys import MINUTES_PREFIX, NOTICE_PREFIX, PREPARATION_PREFIXES, meeting_task_key
from council.meetings.approvals import DraftRef, decide, expire_open, latest_for, request_approval, waiting_approval
from council.meetings.lifecycle import (
    cancel_meeting_tasks,
    complete_meeting_tasks,
    confirm_meeting,
    open_meeting_tasks,
    record_meeting_held,
    set_status,
)
from council.planning.actions import refresh_schedule_step, replan_with_pin
from council.planning.cycles import council_and_cycle, find_meeting, find_task
from council.wareki import wareki_date
from models import (
    Approval,
    ApprovalDecision,
    ApprovalStatus,
    Cycle,
    Delivery,
    DeliveryStatus,
    Document,
    DocumentKind,
    DocumentStatus,
    Meeting,
    MeetingStatus,
)
from models.enums import OPEN_MEETING_STATUSES, OPEN_TASK_STATUSES

# ------------------------------------------------------------------------------------------------- approval gates


@dataclass(frozen=True)
class GateAnswer:
    status: str  # 'approved', 'changes-requested' or 'requested' (nobody has answered yet)
    comment: str | None = None


class ApprovalGate(Protocol):
    """How a preparation gets its approval: from the record (CLI, console) or by waiting for it (a flow run)."""

    def __call__(self, ctx: Context, fiscal_year: int, meeting_key: str, drafts: list[DraftRef]) -> GateAnswer: ...


def recorded_approval(ctx: Context, fiscal_year: int, meeting_key: str, drafts: list[DraftRef]) -> GateAnswer:
    """The answer recorded for exactly these drafts; if none was asked yet, ask (and report that it waits)."""
    with ctx.transaction() as session:
        meeting = _meeting(ctx, session, fiscal_year, meeting_key)
        approval = latest_for(session, meeting, drafts)
        if approval is None:
            approval = request_approval(
                session, meeting=meeting, drafts=drafts, flow_run_id=ctx.flow_run_id, now=ctx.clock.now, actor=ctx.actor
            )
        if approval.status == ApprovalStatus.approved:
            return GateAnswer("approved", approval.comment)
        if approval.status == ApprovalStatus.changes_requested:
            return GateAnswer("changes-requested", approval.comment)
        return GateAnswer("requested")


# ------------------------------------------------------------------------------------------------- prepare


@dataclass(frozen=True)
class PreparationReport:
    fiscal_year: int
    meeting_key: str
    kinds: tuple[str, ...]
    document_ids: tuple[int, ...]
    approval: str  # 'not-required', 'approved', 'changes-requested', 'requested'
    sent: int
    already_sent: int
    completed_tasks: tuple[str, ...]
    comment: str | None = None


def preparation_kinds(ctx: Context, fiscal_year: int, meeting_key: str) -> tuple[str, ...]:
    """The documents still owed before the meeting: those whose notice:/agenda: task is open."""
    with ctx.transaction() as session:
        meeting = _meeting(ctx, session, fiscal_year, meeting_key)
        open_keys = {task.key for task in open_meeting_tasks(session, meeting, PREPARATION_PREFIXES)}
    return tuple(kind for kind in PREPARATION_PREFIXES if meeting_task_key(kind, meeting_key) in open_keys)


def draft_preparation(
    ctx: Context, fiscal_year: int, meeting_key: str, kinds: tuple[str, ...], *, for_review: bool
) -> list[DraftRef]:
    """Step: the meeting's notice and/or agenda drafted from the current state (an issued one is kept as it is): in
    every format when someone reviews them before issue, else only as Markdown (issue renders the rest)."""
    stationery = stationery_for(ctx.settings)
    with ctx.transaction() as session:
        council, cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)
        meeting = find_meeting(session, cycle, meeting_key)
        check_documented(meeting)
        if meeting.status not in OPEN_MEETING_STATUSES:
            raise InputError(
                f"{meeting.title} is {meeting.status.value}: its documents are no longer sent", field="meeting"
            )
        refs = []
        for kind in kinds:
            plan = meeting_document(session, stationery, council, cycle, meeting, DocumentKind(kind), now=ctx.clock.now)
            rendered = draft(
                session,
                stationery,
                cycle=cycle,
                subject=plan.subject,
                make=plan.make,
                planned_issue_on=plan.planned_issue_on,
                formats=FORMATS if for_review else ("md",),
                now=ctx.clock.now,
            )
            document = rendered.document
            assert document.id is not None
            refs.append(DraftRef(document.id, kind, document.content_hash, issued=rendered.issued))
    return refs


def issue_drafts(ctx: Context, drafts: list[DraftRef]) -> list[int]:
    """Step: issue the drafts on today (a business day), exactly as they were approved; returns the issued ids."""
    stationery = stationery_for(ctx.settings)
    issued = []
    with ctx.transaction() as session:
        for ref in drafts:
            document = session.get(Document, ref.document_id)
            if document is None:
                raise InputError(f"document {ref.document_id} is gone", field="document")
            if document.status == DocumentStatus.draft and document.content_hash != ref.content_hash:
                raise InputError(f"{document.title}: the draft changed after it was approved; prepare it again")
            cycle = session.get(Cycle, document.cycle_id)
            assert cycle is not None
            issue(
                session,
                stationery,
                document,
                council_id=cycle.council_id,
                on=ctx.clock.today,
                now=ctx.clock.now,
                actor=ctx.actor,
                formats=FORMATS,
            )
            issued.append(ref.document_id)
    return issued


def complete_preparation(ctx: Context, fiscal_year: int, meeting_key: str, kinds: tuple[str, ...]) -> list[str]:
    """Step: the notice/agenda tasks are done; the meeting is confirmed once its notice is out."""
    with ctx.transaction() as session:
        meeting = _meeting(ctx, session, fiscal_year, meeting_key)
        done = complete_meeting_tasks(
            session, meeting, kinds, now=ctx.clock.now, actor=ctx.actor, flow_run_id=ctx.flow_run_id
        )
        if NOTICE_PREFIX in kinds:
            confirm_meeting(session, meeting, now=ctx.clock.now, actor=ctx.actor, flow_run_id=ctx.flow_run_id)
    return done


def prepare_meeting(
    ctx: Context,
    fiscal_year: int,
    meeting_key: str,
    *,
    kinds: Sequence[str] | None = None,
    approval: bool | None = None,
    gate: ApprovalGate = recorded_approval,
) -> PreparationReport:
    """Before a 幹事会, a council meeting or the roundtable: draft the notice and/or the agenda (default: those whose
    tasks are still open), get the approval (default: the settings'), issue them today, deliver them, complete their
    tasks and confirm the meeting."""
    wanted = tuple(kinds) if kinds else preparation_kinds(ctx, fiscal_year, meeting_key)
    unknown = [kind for kind in wanted if kind not in PREPARATION_PREFIXES]
    if unknown:
        raise InputError(f"{unknown[0]!r} is not one of {', '.join(PREPARATION_PREFIXES)}", field="kinds")
    if not wanted:
        return PreparationReport(fiscal_year, meeting_key, (), (), "not-required", 0, 0, ())
    needs_approval = approval if approval is not None else ctx.settings.approval
    drafts = ctx.step(
        "draft-meeting-documents",
        draft_preparation,
        ctx,
        fiscal_year,
        meeting_key,
        wanted,
        for_review=needs_approval,
    )
    ids = tuple(ref.document_id for ref in drafts)
    decision, comment = "not-required", None
    if needs_approval and any(not ref.issued for ref in drafts):
        answer = gate(ctx, fiscal_year, meeting_key, drafts)
        decision, comment = answer.status, answer.comment
        if answer.status != "approved":
            return PreparationReport(fiscal_year, meeting_key, wanted, ids, decision, 0, 0, (), comment)
    issued = ctx.step("issue-meeting-documents", issue_drafts, ctx, drafts)
    sent = already = 0
    for document_id in issued:
        delivery: DeliverySummary = ctx.step("deliver-document", deliver, ctx, document_id)
        sent, already = sent + delivery.sent, already + delivery.already_sent
    done = ctx.step("complete-preparation", complete_preparation, ctx, fiscal_year, meeting_key, wanted)
    return PreparationReport(fiscal_year, meeting_key, wanted, ids, decision, sent, already, tuple(done), comment)


# ------------------------------------------------------------------------------------------------- approve


@dataclass(frozen=True)
class ApprovalReport:
    meeting_key: str
    status: str  # 'approved' or 'changes_requested'
    flow_run_id: str | None  # the run that waits for this answer, if any
    comment: str | None


def approve_meeting(
    ctx: Context, fiscal_year: int, meeting_key: str, *, decision: ApprovalDecision, comment: str | None = None
) -> ApprovalReport:
    """Answer the approval a meeting's drafts wait for (approve, or request changes with a comment)."""
    with ctx.transaction() as session:
        meeting = _meeting(ctx, session, fiscal_year, meeting_key)
        approval = waiting_approval(session, meeting)
        decided = decide(
            session,
            approval,
            decision=decision,
            comment=comment,
            decided_by=ctx.actor,
            now=ctx.clock.now,
            meeting_key=meeting_key,
        )
        return ApprovalReport(meeting_key, decided.status.value, decided.flow_run_id, decided.comment)


def record_answer(
    ctx: Context, fiscal_year: int, meeting_key: str, decision: ApprovalDecision, comment: str | None, by: str
) -> GateAnswer:
    """Step (a flow that waited): store the answer it received, unless one was recorded meanwhile."""
    with ctx.transaction() as session:
        meeting = _meeting(ctx, session, fiscal_year, meeting_key)
        asked = session.exec(
            select(Approval)
            .where(Approval.meeting_id == meeting.id, Approval.flow_run_id == ctx.flow_run_id)
            .order_by(col(Approval.id).desc())
        ).first()
        approval = asked if asked is not None else waiting_approval(session, meeting)
        decided = decide(
            session,
            approval,
            decision=decision,
            comment=comment,
            decided_by=by,
            now=ctx.clock.now,
            meeting_key=meeting_key,
        )
    status = "approved" if decided.status == ApprovalStatus.approved else "changes-requested"
    return GateAnswer(status, decided.comment)


# ------------------------------------------------------------------------------------------------- record


@dataclass(frozen=True)
class RecordReport:
    fiscal_year: int
    meeting_key: str
    held_now: bool
    decisions: tuple[tuple[str, str], ...]  # (theme code, outcome)
    minutes_document_id: int | None
    minutes_sent: int
    completed_tasks: tuple[str, ...]


def record_held(ctx: Context, fiscal_year: int, meeting_key: str) -> tuple[bool, list[tuple[str, str]], bool]:
    """Step: the meeting's decisions and its held status; returns (held now, decisions, documented)."""
    with ctx.transaction() as session:
        meeting = _meeting(ctx, session, fiscal_year, meeting_key)
        if meeting.ends_at > ctx.clock.now:
            raise InputError(
                f"{meeting.title} takes place on {wareki_date(meeting.starts_at.date())}: record it after it is held",
                field="meeting",
            )
        record = record_meeting_held(session, meeting, now=ctx.clock.now, actor=ctx.actor, flow_run_id=ctx.flow_run_id)
        documented = True
        try:
            check_documented(meeting)
        except InputError:
            documented = False
        return record.held, [(d.theme_code, d.outcome.value) for d in record.decisions], documented


def draft_minutes(ctx: Context, fiscal_year: int, meeting_key: str) -> tuple[DraftRef, bool]:
    """Step: the 議事概要 drafted from the decisions recorded with the meeting; returns it and whether its task is
    due (then it is issued and sent)."""
    stationery = stationery_for(ctx.settings)
    with ctx.transaction() as session:
        council, cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)
        meeting = find_meeting(session, cycle, meeting_key)
        task = find_task(session, cycle, meeting_task_key(MINUTES_PREFIX, meeting_key))
        due = task is not None and task.status in OPEN_TASK_STATUSES and task.due_date <= ctx.clock.today
        plan = meeting_document(session, stationery, council, cycle, meeting, DocumentKind.minutes, now=ctx.clock.now)
        rendered = draft(
            session,
            stationery,
            cycle=cycle,
            subject=plan.subject,
            make=plan.make,
            planned_issue_on=plan.planned_issue_on,
            formats=("md",) if due else FORMATS,  # issued at once when due: issue renders the other formats
            now=ctx.clock.now,
        )
        document = rendered.document
        assert document.id is not None
        return DraftRef(document.id, DocumentKind.minutes.value, document.content_hash, rendered.issued), due


def complete_minutes(ctx: Context, fiscal_year: int, meeting_key: str) -> list[str]:
    with ctx.transaction() as session:
        meeting = _meeting(ctx, session, fiscal_year, meeting_key)
        return complete_meeting_tasks(
            session, meeting, (MINUTES_PREFIX,), now=ctx.clock.now, actor=ctx.actor, flow_run_id=ctx.flow_run_id
        )


def record_meeting(
    ctx: Context, fiscal_year: int, meeting_key: str, *, send_minutes: bool | None = None
) -> RecordReport:
    """After a meeting: its decisions (recorded with it), held, the 議事概要 drafted from them; once the minutes'
    task is due (or when `send_minutes`), the minutes are issued, sent and their task completed."""
    held_now, decisions, documented = ctx.step("record-meeting-held", record_held, ctx, fiscal_year, meeting_key)
    minutes_id, minutes_sent, done = None, 0, []
    if documented:
        minutes, due = ctx.step("draft-minutes", draft_minutes, ctx, fiscal_year, meeting_key)
        minutes_id = minutes.document_id
        if send_minutes if send_minutes is not None else due:
            [issued_id] = ctx.step("issue-minutes", issue_drafts, ctx, [minutes])
            delivery: DeliverySummary = ctx.step("deliver-document", deliver, ctx, issued_id)
            minutes_sent = delivery.sent
            done = ctx.step("complete-minutes", complete_minutes, ctx, fiscal_year, meeting_key)
    return RecordReport(
        fiscal_year=fiscal_year,
        meeting_key=meeting_key,
        held_now=held_now,
        decisions=tuple(decisions),
        minutes_document_id=minutes_id,
        minutes_sent=minutes_sent,
        completed_tasks=tuple(done),
    )


# ------------------------------------------------------------------------------------------------- cancel, postpone


@dataclass(frozen=True)
class MeetingChangeReport:
    fiscal_year: int
    meeting_key: str
    change: str  # 'cancelled' or 'postponed'
    cancelled_tasks: tuple[str, ...]
    moved: tuple[str, ...]  # what re-planning changed (postpone)
    letter_id: int | None  # the 中止・延期のお知らせ, when a notice had gone out
    sent: int


def cancel_records(ctx: Context, fiscal_year: int, meeting_key: str, reason: str) -> tuple[list[str], str]:
    """Step: the meeting cancelled (revision + 1), its open tasks cancelled, waiting approvals expired, its drafts
    dropped; returns (cancelled task keys, the date and time the notice gave)."""
    with ctx.transaction() as session:
        meeting = _meeting(ctx, session, fiscal_year, meeting_key)
        when = meeting_when(meeting)
        if meeting.status == MeetingStatus.cancelled:
            return [], when
        if meeting.status == MeetingStatus.held:
            raise InputError(f"{meeting.title} was held on {wareki_date(meeting.starts_at.date())}", field="meeting")
        cancelled = cancel_meeting_tasks(
            session,
            meeting,
            reason="meeting cancelled",
            now=ctx.clock.now,
            actor=ctx.actor,
            flow_run_id=ctx.flow_run_id,
        )
        expire_open(session, meeting, now=ctx.clock.now, actor=ctx.actor, reason="meeting cancelled")
        _drop_drafts(ctx, session, meeting)
        set_status(
            session,
            meeting,
            MeetingStatus.cancelled,
            now=ctx.clock.now,
            actor=ctx.actor,
            flow_run_id=ctx.flow_run_id,
            reason=reason,
        )
    return cancelled, when


def issue_change_letter(
    ctx: Context, fiscal_year: int, meeting_key: str, kind: DocumentKind, notified_when: str, reason: str | None
) -> tuple[int | None, list[int]]:
    """Step: the 中止・延期のお知らせ, issued today, when the meeting's notice had been issued; returns its id and the
    contacts who received the notice (they receive this letter)."""
    stationery = stationery_for(ctx.settings)
    with ctx.transaction() as session:
        council, cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)
        meeting = find_meeting(session, cycle, meeting_key)
        notice = latest_issued(session, cycle.id or 0, DocumentKind.notice, meeting_key)
        if notice is None:
            return None, []
        plan = meeting_change_document(
            session,
            stationery,
            council,
            cycle,
            meeting,
            kind,
            notified_when=notified_when,
            reason=reason,
            now=ctx.clock.now,
        )
        rendered = issue_now(
            session,
            stationery,
            cycle=cycle,
            subject=plan.subject,
            make=plan.make,
            on=ctx.clock.today,
            now=ctx.clock.now,
            actor=ctx.actor,
            formats=FORMATS,
        )
        contacts = sorted(
            set(
                session.exec(
                    select(Delivery.contact_id).where(
                        Delivery.document_id == notice.id, Delivery.status == DeliveryStatus.sent
                    )
                ).all()
            )
        )
        assert rendered.document.id is not None
        return rendered.document.id, contacts


def cancel_meeting(ctx: Context, fiscal_year: int, meeting_key: str, *, reason: str) -> MeetingChangeReport:
    """Cancel a meeting: its tasks cancelled, a 中止のお知らせ to those who received its notice, the annual
    schedule's next edition drafted, the feeds (STATUS:CANCELLED, SEQUENCE + 1) published."""
    if not reason.strip():
        raise InputError("a cancellation needs its reason", field="--reason")
    cancelled, when = ctx.step("cancel-meeting", cancel_records, ctx, fiscal_year, meeting_key, reason.strip())
    letter, sent = _send_change_letter(ctx, fiscal_year, meeting_key, DocumentKind.cancellation, when, reason.strip())
    ctx.step("draft-annual-schedule", refresh_schedule_step, ctx, fiscal_year)
    ctx.step("publish-feeds", publish_feeds_step, ctx)
    return MeetingChangeReport(fiscal_year, meeting_key, "cancelled", tuple(cancelled), (), letter, sent)


def postpone_records(
    ctx: Context, fiscal_year: int, meeting_key: str, day: date, start: time | None
) -> tuple[list[str], str]:
    """Step: the meeting moved to `day` (and `start`) by re-planning with a pin (what depends on it follows; the
    rules' bounds and lead times are checked); returns (what changed, the date and time the notice gave)."""
    with ctx.transaction() as session:
        meeting = _meeting(ctx, session, fiscal_year, meeting_key)
        when = meeting_when(meeting)
        if meeting.status not in OPEN_MEETING_STATUSES:
            raise InputError(f"{meeting.title} is {meeting.status.value}: it cannot be postponed", field="meeting")
        report = replan_with_pin(ctx, session, fiscal_year, meeting_key, day, start, action="meeting.postponed")
        when = _last_told(session, meeting, moved_to=meeting_when(meeting), before=when)
    return report.changed_keys, when


def _last_told(session: Session, meeting: Meeting, *, moved_to: str, before: str) -> str:
    """The date and time a 延期のお知らせ for the move to `moved_to` says its recipients were told: what the latest
    issued notice or postponement letter said, not where the meeting stands now — a run killed after moving the
    meeting and started again tells the same, and finds the letter it already issued for this move unchanged."""
    told = [
        document
        for kind in (DocumentKind.notice, DocumentKind.postponement)
        if (document := latest_issued(session, meeting.cycle_id, kind, meeting.key)) is not None
        and document.facts is not None
    ]
    if not told:
        return before
    last = max(told, key=lambda document: (document.issued_at or document.created_at, document.id or 0))
    facts = last.facts or {}
    if last.kind == DocumentKind.postponement:
        return str(facts["when"] if facts.get("new_when") == moved_to else facts["new_when"])
    return str(facts["when"])


def postpone_meeting(
    ctx: Context, fiscal_year: int, meeting_key: str, *, day: date, start: time | None = None, reason: str | None = None
) -> MeetingChangeReport:
    """Move a meeting to another day: re-planned (its tasks follow), a 延期のお知らせ to those who received its notice,
    the annual schedule's next edition drafted, the feeds (the new date, SEQUENCE + 1) published."""
    moved, when = ctx.step("postpone-meeting", postpone_records, ctx, fiscal_year, meeting_key, day, start)
    letter, sent = _send_change_letter(ctx, fiscal_year, meeting_key, DocumentKind.postponement, when, reason)
    ctx.step("draft-annual-schedule", refresh_schedule_step, ctx, fiscal_year)
    ctx.step("publish-feeds", publish_feeds_step, ctx)
    return MeetingChangeReport(fiscal_year, meeting_key, "postponed", (), tuple(moved), letter, sent)


def _send_change_letter(
    ctx: Context, fiscal_year: int, meeting_key: str, kind: DocumentKind, when: str, reason: str | None
) -> tuple[int | None, int]:
    letter, contacts = ctx.step(
        f"issue-{kind.value}", issue_change_letter, ctx, fiscal_year, meeting_key, kind, when, reason
    )
    if letter is None:
        return None, 0
    delivery: DeliverySummary = ctx.step("deliver-document", deliver, ctx, letter, contact_ids=contacts or None)
    return letter, delivery.sent


# ------------------------------------------------------------------------------------------------- helpers


def _meeting(ctx: Context, session: Session, fiscal_year: int, meeting_key: str) -> Meeting:
    cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)[1]
    return find_meeting(session, cycle, meeting_key)


def _drop_drafts(ctx: Context, session: Session, meeting: Meeting) -> None:
    """A cancelled meeting's drafts go (they were never issued: nothing of them is a record)."""
    drafts = session.exec(
        select(Document).where(
            Document.cycle_id == meeting.cycle_id,
            Document.subject == meeting.key,
            Document.status == DocumentStatus.draft,
        )
    ).all()
    for document in drafts:
        remove_folder(ctx.settings.home, document.directory)
        session.delete(document)
    session.flush()
