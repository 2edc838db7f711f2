"""One task per survey respondent ('survey-response:<organisation code>'), owned by that organisation and due on its
deadline: created when the survey is kicked off, done when its answer arrives, cancelled when the survey closes
without it. The planner never touches these keys (see council.planning.store)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from council.audit import record_change
from council.keys import RESPONSE_TASK_PREFIX, SURVEY_STAGE, response_task_key
from council.survey.store import window_for
from council.tasks.tracking import complete_task
from models import Cycle, Organization, Stage, Survey, SurveyRespondent, Task, TaskOrigin, TaskStatus
from models.enums import OPEN_TASK_STATUSES as _OPEN
from models.survey import ANSWERED_STATUSES as _ANSWERED


def _respondents(session: Session, survey: Survey) -> list[tuple[SurveyRespondent, Organization]]:
    return [
        (respondent, organization)
        for respondent, organization in session.exec(
            select(SurveyRespondent, Organization)
            .join(Organization, col(Organization.id) == SurveyRespondent.organization_id)
            .where(SurveyRespondent.survey_id == survey.id)
            .order_by(col(Organization.sort_order), col(Organization.code))
        ).all()
    ]


def _tasks(session: Session, cycle: Cycle) -> dict[str, Task]:
    rows = session.exec(
        select(Task).where(Task.cycle_id == cycle.id, col(Task.key).startswith(RESPONSE_TASK_PREFIX))
    ).all()
    return {task.key: task for task in rows}


def ensure_response_tasks(
    session: Session, cycle: Cycle, survey: Survey, *, now: datetime, actor: str, flow_run_id: str | None
) -> list[str]:
    """Create the missing response tasks; returns the keys created (none on a rerun)."""
    stage = session.exec(select(Stage).where(Stage.cycle_id == cycle.id, Stage.key == SURVEY_STAGE)).first()
    existing = _tasks(session, cycle)
    created = []
    for _, organization in _respondents(session, survey):
        key = response_task_key(organization.code)
        if key in existing:
            continue
        _, deadline = window_for(survey, organization.kind)
        task = Task(
            cycle_id=_id(cycle),
            key=key,
            stage_id=stage.id if stage else None,
            owner_id=organization.id,
            title=f"{organization.name}：連携課題・ニーズ調査の回答",
            due_date=deadline,
            origin=TaskOrigin.auto,
            flow_run_id=flow_run_id,
            updated_at=now,
        )
        session.add(task)
        session.flush()
        record_change(
            session,
            action="task.created",
            row=task,
            before=None,
            after={"title": task.title, "due_date": deadline, "owner": organization.code},
            now=now,
            actor=actor,
            key=f"{cycle.fiscal_year}/{key}",
            flow_run_id=flow_run_id,
        )
        created.append(key)
    return created


def complete_answered(
    session: Session, cycle: Cycle, survey: Survey, *, now: datetime, actor: str, flow_run_id: str | None
) -> list[str]:
    """Mark done the open response tasks of organisations that have answered; returns their organisation codes."""
    tasks = _tasks(session, cycle)
    done = []
    for respondent, organization in _respondents(session, survey):
        task = tasks.get(response_task_key(organization.code))
        if task is not None and task.status in _OPEN and respondent.status in _ANSWERED:
            complete_task(session, _id(task), now=now, actor=actor, flow_run_id=flow_run_id)
            done.append(organization.code)
    return done


def cancel_unanswered(
    session: Session, cycle: Cycle, survey: Survey, *, now: datetime, actor: str, flow_run_id: str | None
) -> list[str]:
    """When the survey closes: the response tasks still open are cancelled (a late answer is still accepted by the
    survey, and counted; the task stays cancelled). Returns the organisation codes."""
    tasks = _tasks(session, cycle)
    cancelled = []
    for respondent, organization in _respondents(session, survey):
        task = tasks.get(response_task_key(organization.code))
        if task is None or task.status not in _OPEN or respondent.status in _ANSWERED:
            continue
        before = {"status": task.status}
        task.status, task.updated_at, task.flow_run_id = TaskStatus.cancelled, now, flow_run_id
        session.add(task)
        session.flush()
        record_change(
            session,
            action="task.cancelled",
            row=task,
            before=before,
            after={"status": TaskStatus.cancelled, "reason": "survey closed without an answer"},
            now=now,
            actor=actor,
            key=f"{cycle.fiscal_year}/{task.key}",
            flow_run_id=flow_run_id,
        )
        cancelled.append(organization.code)
    return cancelled


def _id(row: Cycle | Task) -> int:
    assert row.id is not None
    return row.id
