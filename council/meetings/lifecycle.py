"""A meeting's life after planning: confirmed when its notice has gone out, held with its decisions recorded.

The decisions a meeting takes by default follow the source's yearly cycle — the 1st council meeting adopts the new
themes (the candidates), the roundtable hears how their study stands (reported), the 2nd meeting decides next year's
initiatives (新規 for this year's themes, 充実 for older ones). A theme the secretariat has already moved by hand
(deferred, dropped, decided) is no longer in the status a meeting moves from, so recording never overrides a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from council.audit import record_change
from council.errors import NotFoundError
from council.planning.store import find_cycle, find_meeting
from council.tasks.tracking import complete_task
from council.themes.catalogue import transition
from models import (
    Cycle,
    InitiativeKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Task,
    TaskStatus,
    Theme,
    ThemeStatus,
)


@dataclass(frozen=True)
class ThemeMove:
    """Themes in one of `sources` (in this order, each step allowed by council.themes.catalogue) end in `target`."""

    sources: tuple[ThemeStatus, ...]
    target: ThemeStatus


def default_moves(kind: MeetingKind, number: int | None) -> tuple[ThemeMove, ...]:
    if kind == MeetingKind.council_meeting and number == 1:
        return (ThemeMove((ThemeStatus.candidate,), ThemeStatus.adopted),)
    if kind == MeetingKind.roundtable:
        return (
            ThemeMove((ThemeStatus.adopted,), ThemeStatus.under_study),
            ThemeMove((ThemeStatus.under_study,), ThemeStatus.reported),
        )
    if kind == MeetingKind.council_meeting and number == 2:
        return (ThemeMove((ThemeStatus.reported, ThemeStatus.budgeted), ThemeStatus.decided),)
    return ()


@dataclass(frozen=True)
class MeetingRecord:
    meeting_key: str
    held: bool  # this call marked it held
    decisions: tuple[tuple[str, str], ...]  # (theme code, new status) made by this call


def find_meeting_of_year(session: Session, *, council_id: int, fiscal_year: int, meeting_key: str) -> Meeting:
    """A meeting of a council's fiscal year by key; NotFoundError when the year or the meeting is not there."""
    cycle = find_cycle(session, council_id, fiscal_year)
    if cycle is None:
        raise NotFoundError(f"no meeting {meeting_key!r} in fiscal year {fiscal_year}")
    return find_meeting(session, cycle, meeting_key)


def complete_tasks(
    session: Session, meeting: Meeting, prefixes: Sequence[str], *, now: datetime, actor: str, flow_run_id: str | None
) -> list[str]:
    """Mark the meeting's tasks '<prefix>:<meeting-key>' done (those still open); returns their keys."""
    keys = [f"{prefix}:{meeting.key}" for prefix in prefixes]
    tasks = session.exec(
        select(Task).where(
            Task.cycle_id == meeting.cycle_id,
            col(Task.key).in_(keys),
            col(Task.status).in_([TaskStatus.pending, TaskStatus.in_progress]),
        )
    ).all()
    for task in tasks:
        assert task.id is not None
        complete_task(session, task.id, now=now, actor=actor, flow_run_id=flow_run_id)
    return sorted(task.key for task in tasks)


def _set_status(
    session: Session, meeting: Meeting, status: MeetingStatus, *, now: datetime, actor: str, flow_run_id: str | None
) -> None:
    before = {"status": meeting.status, "revision": meeting.revision}
    meeting.status = status
    meeting.revision += 1  # the feed's SEQUENCE: calendars must re-read a status change
    meeting.updated_at = now
    session.add(meeting)
    session.flush()
    record_change(
        session,
        action=f"meeting.{status.value}",
        row=meeting,
        before=before,
        after={"status": status, "revision": meeting.revision},
        now=now,
        actor=actor,
        key=meeting.key,
        flow_run_id=flow_run_id,
    )


def confirm_meeting(session: Session, meeting: Meeting, *, now: datetime, actor: str, flow_run_id: str | None) -> bool:
    """Planned → confirmed once its notice is out; True when this call changed it."""
    if meeting.status != MeetingStatus.planned:
        return False
    _set_status(session, meeting, MeetingStatus.confirmed, now=now, actor=actor, flow_run_id=flow_run_id)
    return True


def record_meeting_held(
    session: Session, meeting: Meeting, *, now: datetime, actor: str, flow_run_id: str | None
) -> MeetingRecord:
    """Apply the meeting's default decisions to this year's themes and mark it held (idempotent)."""
    cycle = session.get(Cycle, meeting.cycle_id)
    assert cycle is not None
    if meeting.status == MeetingStatus.held:
        return MeetingRecord(meeting.key, held=False, decisions=())
    if meeting.status == MeetingStatus.cancelled:
        raise NotFoundError(f"meeting {meeting.key!r} was cancelled: there is nothing to record")
    decisions: list[tuple[str, str]] = []
    for move in default_moves(meeting.kind, meeting.number):
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
            kind = None
            if move.target == ThemeStatus.decided:
                kind = InitiativeKind.new if theme.origin_fiscal_year == cycle.fiscal_year else InitiativeKind.enhanced
            transition(
                session,
                theme,
                move.target,
                now=now,
                actor=actor,
                comment=f"decided at {meeting.title}",
                initiative_kind=kind,
            )
            decisions.append((theme.code, move.target.value))
    _set_status(session, meeting, MeetingStatus.held, now=now, actor=actor, flow_run_id=flow_run_id)
    return MeetingRecord(meeting.key, held=True, decisions=tuple(decisions))
