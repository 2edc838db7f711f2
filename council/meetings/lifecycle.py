"""A meeting's life after planning, in the database: confirmed when its notice has gone out, held with its decisions
recorded, or cancelled. Every change raises the meeting's revision (the feeds' SEQUENCE) and is audited.

What a meeting decides comes from the theme lifecycle's data (council.themes.lifecycle): the 1st council meeting
adopts the candidates, the roundtable hears how the adopted themes stand, the 2nd decides next year's initiatives
(新規 for this year's themes, 充実 for older ones), and a 幹事会 endorses what its council meeting will decide. The
decisions are stored with the meeting (MeetingDecision): its minutes list them, whatever happens to the themes later.
A theme the secretariat has already moved by hand is no longer in the status a meeting moves from, so recording never
overrides a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from council.audit import record_change
from council.errors import InputError
from council.keys import meeting_task_key
from council.tasks.tracking import complete_task
from council.themes.catalogue import transition
from council.themes.lifecycle import ThemeMove, meeting_move, path_to
from models import (
    Cycle,
    DecisionOutcome,
    InitiativeKind,
    Meeting,
    MeetingDecision,
    MeetingStatus,
    Task,
    TaskStatus,
    Theme,
    ThemeStatus,
)
from models.enums import OPEN_TASK_STATUSES


@dataclass(frozen=True)
class Decision:
    theme_code: str
    outcome: DecisionOutcome
    status_after: ThemeStatus


@dataclass(frozen=True)
class MeetingRecord:
    meeting_key: str
    held: bool  # this call marked it held
    decisions: tuple[Decision, ...]  # recorded by this call


def set_status(
    session: Session,
    meeting: Meeting,
    status: MeetingStatus,
    *,
    now: datetime,
    actor: str,
    flow_run_id: str | None,
    reason: str | None = None,
) -> None:
    before = {"status": meeting.status, "revision": meeting.revision}
    meeting.status = status
    meeting.revision += 1  # the feed's SEQUENCE: calendars must re-read a status change
    meeting.updated_at = now
    session.add(meeting)
    session.flush()
    after: dict[str, object] = {"status": status, "revision": meeting.revision}
    if reason:
        after["reason"] = reason
    record_change(
        session,
        action=f"meeting.{status.value}",
        row=meeting,
        before=before,
        after=after,
        now=now,
        actor=actor,
        key=meeting.key,
        flow_run_id=flow_run_id,
    )


def confirm_meeting(session: Session, meeting: Meeting, *, now: datetime, actor: str, flow_run_id: str | None) -> bool:
    """Planned → confirmed once its notice is out; True when this call changed it."""
    if meeting.status != MeetingStatus.planned:
        return False
    set_status(session, meeting, MeetingStatus.confirmed, now=now, actor=actor, flow_run_id=flow_run_id)
    return True


def complete_meeting_tasks(
    session: Session, meeting: Meeting, prefixes: Sequence[str], *, now: datetime, actor: str, flow_run_id: str | None
) -> list[str]:
    """Mark the meeting's tasks '<prefix>:<meeting-key>' done (those still open); returns their keys."""
    tasks = open_meeting_tasks(session, meeting, prefixes)
    for task in tasks:
        assert task.id is not None
        complete_task(session, task.id, now=now, actor=actor, flow_run_id=flow_run_id)
    return sorted(task.key for task in tasks)


def open_meeting_tasks(session: Session, meeting: Meeting, prefixes: Sequence[str] | None = None) -> list[Task]:
    """The meeting's open tasks ('<prefix>:<meeting-key>' for the given prefixes, or all of its own)."""
    query = select(Task).where(Task.cycle_id == meeting.cycle_id, col(Task.status).in_(OPEN_TASK_STATUSES))
    if prefixes is None:
        query = query.where(Task.meeting_id == meeting.id)
    else:
        query = query.where(col(Task.key).in_([meeting_task_key(prefix, meeting.key) for prefix in prefixes]))
    return list(session.exec(query.order_by(col(Task.key))).all())


def cancel_meeting_tasks(
    session: Session, meeting: Meeting, *, reason: str, now: datetime, actor: str, flow_run_id: str | None
) -> list[str]:
    """The meeting's open tasks are cancelled (kept, with their history); returns their keys."""
    cycle = session.get(Cycle, meeting.cycle_id)
    assert cycle is not None
    cancelled = []
    for task in open_meeting_tasks(session, meeting):
        before = {"status": task.status}
        task.status, task.updated_at, task.flow_run_id = TaskStatus.cancelled, now, flow_run_id
        session.add(task)
        session.flush()
        record_change(
            session,
            action="task.cancelled",
            row=task,
            before=before,
            after={"status": TaskStatus.cancelled, "reason": reason},
            now=now,
            actor=actor,
            key=f"{cycle.fiscal_year}/{task.key}",
            flow_run_id=flow_run_id,
        )
        cancelled.append(task.key)
    return cancelled


def _move_of(session: Session, meeting: Meeting) -> tuple[ThemeMove | None, bool]:
    """The move the meeting makes (a 幹事会: the move of the meeting it prepares), and whether it only endorses it."""
    if meeting.prepares_meeting_id is not None:
        prepared = session.get(Meeting, meeting.prepares_meeting_id)
        if prepared is None:
            return None, True
        return meeting_move(prepared.kind, prepared.number), True
    return meeting_move(meeting.kind, meeting.number), False


def record_meeting_held(
    session: Session, meeting: Meeting, *, now: datetime, actor: str, flow_run_id: str | None
) -> MeetingRecord:
    """Record what the meeting decided (as data of the meeting, and on the themes) and mark it held (idempotent)."""
    cycle = session.get(Cycle, meeting.cycle_id)
    assert cycle is not None
    if meeting.status == MeetingStatus.held:
        return MeetingRecord(meeting.key, held=False, decisions=())
    if meeting.status == MeetingStatus.cancelled:
        raise InputError(f"meeting {meeting.key!r} was cancelled: there is nothing to record", field="meeting")
    move, endorses = _move_of(session, meeting)
    decisions: list[Decision] = []
    if move is not None:
        themes = session.exec(
            select(Theme)
            .where(
                Theme.council_id == cycle.council_id,
                Theme.current_fiscal_year == cycle.fiscal_year,
                col(Theme.status).in_(move.sources),
            )
            .order_by(col(Theme.code))
        ).all()
        for theme in themes:
            decisions.append(_decide(session, meeting, theme, move, cycle, endorses=endorses, now=now, actor=actor))
    set_status(session, meeting, MeetingStatus.held, now=now, actor=actor, flow_run_id=flow_run_id)
    return MeetingRecord(meeting.key, held=True, decisions=tuple(decisions))


def _decide(
    session: Session,
    meeting: Meeting,
    theme: Theme,
    move: ThemeMove,
    cycle: Cycle,
    *,
    endorses: bool,
    now: datetime,
    actor: str,
) -> Decision:
    before = theme.status
    kind = None
    if not endorses:
        if move.target == ThemeStatus.decided:
            kind = InitiativeKind.new if theme.origin_fiscal_year == cycle.fiscal_year else InitiativeKind.enhanced
        for step in path_to(theme.status, move.target):
            transition(
                session,
                theme,
                step,
                now=now,
                actor=actor,
                comment=f"decided at {meeting.title}",
                initiative_kind=kind if step == ThemeStatus.decided else None,
            )
    outcome = DecisionOutcome.endorsed if endorses else move.outcome
    assert theme.id is not None
    assert meeting.id is not None
    session.add(
        MeetingDecision(
            meeting_id=meeting.id,
            theme_id=theme.id,
            outcome=outcome,
            status_before=before,
            status_after=theme.status,
            initiative_kind=kind,
            recorded_at=now,
            recorded_by=actor,
        )
    )
    session.flush()
    return Decision(theme.code, outcome, theme.status)
