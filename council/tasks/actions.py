"""Marking a task done: the use case the CLI, the console and a flow call (idempotent, audited)."""

from __future__ import annotations

from dataclasses import dataclass

from council.context import Context
from council.tasks.tracking import complete_task, find_task
from models import TaskStatus


@dataclass(frozen=True)
class TaskDone:
    key: str
    title: str
    already_done: bool


def complete_task_action(ctx: Context, fiscal_year: int, reference: str) -> TaskDone:
    """Mark the task `reference` (its key, or its id) of the year done."""
    with ctx.transaction() as session:
        task = find_task(session, reference, fiscal_year=fiscal_year, council_code=ctx.settings.council_code)
        already = task.status == TaskStatus.done
        assert task.id is not None
        complete_task(session, task.id, now=ctx.clock.now, actor=ctx.actor, flow_run_id=ctx.flow_run_id)
        return TaskDone(task.key, task.title, already)
