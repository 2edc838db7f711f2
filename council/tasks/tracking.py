"""Tasks as people follow them: listing, the derived 'overdue' state, and marking a task done.

Overdue is never stored: a task is overdue when it is still open (pending or in progress) after its due date, so it
is derived from `today`, which the caller passes in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlmodel import Session, col, select

from council.audit import record_change
from council.clock import TOKYO
from council.errors import InputError, NotFoundError
from council.labels import OVERDUE
from council.planning.cycles import require_cycle
from models import Cycle, Meeting, Organization, Stage, Task, TaskStatus
from models.enums import OPEN_TASK_STATUSES

STATUS_FILTERS = (*(status.value for status in TaskStatus), OVERDUE)


class HasDueStatus(Protocol):
    @property
    def status(self) -> TaskStatus: ...

    @property
    def due_date(self) -> date: ...


def is_overdue(task: HasDueStatus, today: date) -> bool:
    """Still open after its due date (a task due today is not overdue yet)."""
    return task.status in OPEN_TASK_STATUSES and task.due_date < today


def effective_status(task: HasDueStatus, today: date) -> str:
    """The stored status, or 'overdue' for an open task past its due date."""
    return OVERDUE if is_overdue(task, today) else TaskStatus(task.status).value


def matches_status(task: HasDueStatus, wanted: str | None, today: date) -> bool:
    """Whether a task passes the `--status` filter; 'overdue' selects the open tasks past their due date."""
    if wanted is None:
        return True
    if wanted == OVERDUE:
        return is_overdue(task, today)
    return TaskStatus(task.status).value == wanted


@dataclass(frozen=True)
class TaskView:
    """A task with what a listing needs next to it."""

    id: int
    key: str
    title: str
    due: date
    status: str  # the stored status
    overdue: bool
    owner: str | None  # organisation code
    stage: str | None  # stage key
    meeting: str | None  # meeting key
    origin: str
    completed_at: datetime | None
    completed_by: str | None


def list_tasks(
    session: Session,
    *,
    fiscal_year: int,
    today: date,
    status: str | None = None,
    council_code: str,
) -> list[TaskView]:
    """The tasks of a planned year by due date then key, optionally filtered by status (or 'overdue')."""
    if status is not None and status not in STATUS_FILTERS:
        raise InputError(f"status {status!r} is not one of {', '.join(STATUS_FILTERS)}")
    cycle = require_cycle(session, council_code, fiscal_year)
    rows = session.exec(
        select(Task, Organization.code, Stage.key, Meeting.key)
        .join(Organization, col(Task.owner_id) == col(Organization.id), isouter=True)
        .join(Stage, col(Task.stage_id) == col(Stage.id), isouter=True)
        .join(Meeting, col(Task.meeting_id) == col(Meeting.id), isouter=True)
        .where(Task.cycle_id == cycle.id)
        .order_by(col(Task.due_date), col(Task.key))
    ).all()
    views: list[TaskView] = []
    for task, owner, stage, meeting in rows:
        if not matches_status(task, status, today):
            continue
        assert task.id is not None
        views.append(
            TaskView(
                id=task.id,
                key=task.key,
                title=task.title,
                due=task.due_date,
                status=TaskStatus(task.status).value,
                overdue=is_overdue(task, today),
                owner=owner,
                stage=stage,
                meeting=meeting,
                origin=task.origin.value,
                completed_at=task.completed_at.astimezone(TOKYO) if task.completed_at else None,
                completed_by=task.completed_by,
            )
        )
    return views


def find_task(session: Session, reference: str, *, fiscal_year: int, council_code: str) -> Task:
    """A task by numeric id, or by key within a planned fiscal year."""
    if reference.isdigit():
        task = session.get(Task, int(reference))
        if task is None:
            raise NotFoundError(f"no task with id {reference}")
        return task
    cycle = require_cycle(session, council_code, fiscal_year)
    task = session.exec(select(Task).where(Task.cycle_id == cycle.id, Task.key == reference)).first()
    if task is None:
        raise NotFoundError(f"no task {reference!r} in fiscal year {fiscal_year}")
    return task


def complete_task(session: Session, task_id: int, *, now: datetime, actor: str, flow_run_id: str | None = None) -> Task:
    """Mark a task done (idempotent: a done task is returned unchanged and no event is written)."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFoundError(f"no task with id {task_id}")
    if task.status == TaskStatus.done:
        return task
    if task.status == TaskStatus.cancelled:
        raise InputError(f"task {task.key!r} is cancelled; it cannot be marked done")
    before = {"status": task.status, "completed_at": None, "completed_by": None}
    task.status = TaskStatus.done
    task.completed_at = now
    task.completed_by = actor
    task.updated_at = now
    if flow_run_id is not None:
        task.flow_run_id = flow_run_id
    session.flush()
    cycle = session.get(Cycle, task.cycle_id)
    record_change(
        session,
        action="task.done",
        row=task,
        before=before,
        after={"status": task.status, "completed_at": now.astimezone(TOKYO), "completed_by": actor},
        now=now,
        actor=actor,
        key=f"{cycle.fiscal_year}/{task.key}" if cycle else task.key,
        flow_run_id=flow_run_id,
    )
    session.flush()
    return task


def complete_planned_task(
    session: Session, cycle: Cycle, key: str, *, now: datetime, actor: str, flow_run_id: str | None
) -> bool:
    """Mark the cycle's task `key` done when it exists and is not cancelled; True when it is done."""
    row = session.exec(select(Task).where(Task.cycle_id == cycle.id, Task.key == key)).first()
    if row is None or row.status == TaskStatus.cancelled:
        return False
    assert row.id is not None
    complete_task(session, row.id, now=now, actor=actor, flow_run_id=flow_run_id)
    return True
