"""Storing a plan of body or team meetings (planned by council.planning.planner from calendar/bodies.yaml): the
meetings and their document tasks, updated in place by key, as the cycle's plan is (council.planning.store).

- A meeting is matched by key within the cycle; a key the cycle's plan or a person already uses is refused.
- A meeting whose time or venue changes gets `revision += 1` (the feed's SEQUENCE); its status is never touched here.
- A task that is done or cancelled keeps its due date; an open one follows the plan. Tasks are `auto` (the cycle's
  planner never touches them) and owned by whoever runs the meetings (the convening regional office, the secretariat).
- A meeting of the same owners that the rules no longer give is cancelled when nobody was told of it yet (still
  planned, its tasks cancelled with it); one already notified stays (a person cancels it).
- Every insert and update writes an AuditEvent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from council.audit import record_change
from council.clock import TOKYO
from council.errors import InputError
from council.meetings.lifecycle import cancel_meeting_tasks, set_status
from council.planning.planner import Pin, YearPlan
from models import Cycle, Meeting, MeetingOrigin, MeetingStatus, Stage, Task, TaskOrigin, TaskStatus
from models.enums import CLOSED_TASK_STATUSES

_REVISED = frozenset({"starts_at", "ends_at", "venue"})


@dataclass(frozen=True)
class Owner:
    """Whose meetings a plan holds: a regional body or a working team, and the organisation that owes their tasks."""

    regional_body_id: int | None
    working_team_id: int | None
    task_owner_id: int | None


@dataclass
class BodyPlanReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.cancelled)} cancelled, "
            f"{self.unchanged} unchanged"
        )


def owned_meetings(session: Session, cycle: Cycle, owners: Sequence[Owner]) -> list[Meeting]:
    """The cycle's meetings planned from calendar/bodies.yaml for these bodies or teams."""
    bodies = [owner.regional_body_id for owner in owners if owner.regional_body_id is not None]
    teams = [owner.working_team_id for owner in owners if owner.working_team_id is not None]
    if not bodies and not teams:
        return []
    return list(
        session.exec(
            select(Meeting).where(
                Meeting.cycle_id == cycle.id,
                Meeting.origin == MeetingOrigin.bodies,
                or_(col(Meeting.regional_body_id).in_(bodies), col(Meeting.working_team_id).in_(teams)),
            )
        ).all()
    )


def fixed_days(meetings: Sequence[Meeting]) -> dict[str, Pin]:
    """A meeting people were told of (confirmed, held, cancelled) keeps its day and time when planned again."""
    pins: dict[str, Pin] = {}
    for meeting in meetings:
        if meeting.status == MeetingStatus.planned and not meeting.pinned:
            continue
        start = meeting.starts_at.astimezone(TOKYO)
        reason = None if meeting.pinned else MeetingStatus(meeting.status).value
        pins[meeting.key] = Pin(day=start.date(), start=start.time().replace(tzinfo=None), fixed_because=reason)
    return pins


class _Writer:
    def __init__(self, session: Session, cycle: Cycle, *, now: datetime, actor: str, flow_run_id: str | None) -> None:
        self.session = session
        self.cycle = cycle
        self.now = now
        self.actor = actor
        self.flow_run_id = flow_run_id
        self.report = BodyPlanReport()

    def audit(self, action: str, row: Any, key: str, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
        def local(values: Mapping[str, Any]) -> dict[str, Any]:
            return {k: v.astimezone(TOKYO) if isinstance(v, datetime) else v for k, v in values.items()}

        record_change(
            self.session,
            action=action,
            row=row,
            before=None if before is None else local(before),
            after=local(after),
            now=self.now,
            actor=self.actor,
            key=f"{self.cycle.fiscal_year}/{key}",
            flow_run_id=self.flow_run_id,
        )

    def meeting(self, planned: Any, owner: Owner, existing: Meeting | None, stage_ids: Mapping[str, int]) -> Meeting:
        wanted: dict[str, Any] = {
            "kind": planned.kind,
            "number": planned.number,
            "title": planned.title,
            "stage_id": stage_ids.get(planned.stage_key) if planned.stage_key else None,
            "starts_at": planned.start,
            "ends_at": planned.end,
            "venue": planned.venue,
        }
        if existing is None:
            assert self.cycle.id is not None
            row = Meeting(
                cycle_id=self.cycle.id,
                key=planned.key,
                origin=MeetingOrigin.bodies,
                regional_body_id=owner.regional_body_id,
                working_team_id=owner.working_team_id,
                updated_at=self.now,
                **wanted,
            )
            self.session.add(row)
            self.session.flush()
            self.audit("meeting.planned", row, row.key, None, {"key": row.key, **wanted})
            self.report.added.append(f"meeting:{row.key}")
            return row
        before = {name: getattr(existing, name) for name in wanted if getattr(existing, name) != wanted[name]}
        if not before:
            self.report.unchanged += 1
            return existing
        after = {name: wanted[name] for name in before}
        for name, value in after.items():
            setattr(existing, name, value)
        if _REVISED & after.keys():
            before["revision"], after["revision"] = existing.revision, existing.revision + 1
            existing.revision += 1
        existing.updated_at = self.now
        self.session.add(existing)
        self.audit("meeting.replanned", existing, existing.key, before, after)
        self.report.changed.append(f"meeting:{existing.key}")
        return existing

    def task(self, planned: Any, meeting: Meeting, owner: Owner, existing: Task | None) -> None:
        wanted: dict[str, Any] = {
            "title": planned.title,
            "due_date": planned.due,
            "stage_id": meeting.stage_id,
            "meeting_id": meeting.id,
        }
        if existing is None:
            assert self.cycle.id is not None
            row = Task(
                cycle_id=self.cycle.id,
                key=planned.key,
                owner_id=owner.task_owner_id,
                status=TaskStatus.pending,
                origin=TaskOrigin.auto,
                updated_at=self.now,
                **wanted,
            )
            self.session.add(row)
            self.session.flush()
            self.audit("task.planned", row, row.key, None, {"key": row.key, "owner_id": row.owner_id, **wanted})
            self.report.added.append(f"task:{row.key}")
            return
        if existing.status in CLOSED_TASK_STATUSES:
            self.report.unchanged += 1
            return
        before = {name: getattr(existing, name) for name in wanted if getattr(existing, name) != wanted[name]}
        if not before:
            self.report.unchanged += 1
            return
        after = {name: wanted[name] for name in before}
        for name, value in after.items():
            setattr(existing, name, value)
        existing.updated_at = self.now
        self.session.add(existing)
        self.audit("task.replanned", existing, existing.key, before, after)
        self.report.changed.append(f"task:{existing.key}")


def store_body_plan(
    session: Session,
    cycle: Cycle,
    plan: YearPlan,
    owners: Mapping[str, Owner],
    scope: Sequence[Owner],
    *,
    now: datetime,
    actor: str,
    flow_run_id: str | None = None,
) -> BodyPlanReport:
    """Write `plan` (meetings keyed as in `owners`, each with its owner) into `cycle`, in the caller's transaction;
    the meetings of `scope` (every body or team the plan speaks for) that it no longer holds are cancelled."""
    assert cycle.id is not None
    writer = _Writer(session, cycle, now=now, actor=actor, flow_run_id=flow_run_id)
    keys = [meeting.key for meeting in plan.meetings]
    existing = {
        row.key: row
        for row in session.exec(select(Meeting).where(Meeting.cycle_id == cycle.id, col(Meeting.key).in_(keys)))
    }
    for key, row in existing.items():
        owner = owners[key]
        if row.origin != MeetingOrigin.bodies or (row.regional_body_id, row.working_team_id) != (
            owner.regional_body_id,
            owner.working_team_id,
        ):
            raise InputError(f"meeting key {key!r} is already used by {row.title} (fiscal year {cycle.fiscal_year})")
    stage_ids = {
        stage.key: stage.id for stage in session.exec(select(Stage).where(Stage.cycle_id == cycle.id)) if stage.id
    }
    meetings = {
        planned.key: writer.meeting(planned, owners[planned.key], existing.get(planned.key), stage_ids)
        for planned in plan.meetings
    }
    task_keys = [task.key for task in plan.tasks]
    tasks = {
        row.key: row
        for row in session.exec(select(Task).where(Task.cycle_id == cycle.id, col(Task.key).in_(task_keys)))
    }
    for planned_task in plan.tasks:
        assert planned_task.meeting_key is not None
        writer.task(
            planned_task,
            meetings[planned_task.meeting_key],
            owners[planned_task.meeting_key],
            tasks.get(planned_task.key),
        )
    for stale in owned_meetings(session, cycle, scope):
        if stale.key in meetings or stale.status != MeetingStatus.planned:
            continue
        cancel_meeting_tasks(
            session, stale, reason="no longer in calendar/bodies.yaml", now=now, actor=actor, flow_run_id=flow_run_id
        )
        set_status(
            session,
            stale,
            MeetingStatus.cancelled,
            now=now,
            actor=actor,
            flow_run_id=flow_run_id,
            reason="no longer in calendar/bodies.yaml",
        )
        writer.report.cancelled.append(f"meeting:{stale.key}")
    session.flush()
    return writer.report
