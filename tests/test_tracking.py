from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from council.context import Clock, Context
from council.errors import InputError, NotFoundError
from council.planning.rules import load_rules
from council.planning.store import plan_and_store
from council.resources import data_dir
from council.tasks.actions import complete_task_action
from council.tasks.tracking import complete_task, effective_status, find_task, is_overdue, list_tasks
from models import AuditEvent, Council, Organization, OrganizationKind, Task, TaskStatus

RULES = load_rules(data_dir("calendar") / "cycle.yaml")
NOW = datetime(2026, 6, 20, 1, 0, tzinfo=UTC)
TODAY = date(2026, 6, 20)
COUNCIL = "yamagata"


@dataclass
class FakeTask:
    status: TaskStatus
    due_date: date


@pytest.mark.parametrize(
    ("status", "due", "overdue"),
    [
        (TaskStatus.pending, date(2026, 6, 19), True),
        (TaskStatus.in_progress, date(2026, 6, 19), True),
        (TaskStatus.pending, date(2026, 6, 20), False),  # due today is not late yet
        (TaskStatus.done, date(2026, 6, 1), False),
        (TaskStatus.cancelled, date(2026, 6, 1), False),
    ],
)
def test_is_overdue(status: TaskStatus, due: date, overdue: bool) -> None:
    task = FakeTask(status, due)
    assert is_overdue(task, TODAY) is overdue
    assert effective_status(task, TODAY) == ("overdue" if overdue else status.value)


@pytest.fixture
def planned(engine: Engine) -> Engine:
    with Session(engine) as session:
        session.add(Council(code=COUNCIL, name="県・市町村連携推進会議", prefecture="山形県"))
        session.add(Organization(code="secretariat", kind=OrganizationKind.secretariat, name="市町村課"))
        session.commit()
        plan_and_store(session, fiscal_year=2026, rules=RULES, now=NOW, actor="tester", council_code=COUNCIL)
        session.commit()
    return engine


def test_list_tasks_by_status_and_overdue(planned: Engine) -> None:
    with Session(planned) as session:
        every = list_tasks(session, fiscal_year=2026, today=TODAY, council_code=COUNCIL)
        assert len(every) == 23
        assert [view.due for view in every] == sorted(view.due for view in every)
        assert {view.owner for view in every} == {"secretariat"}
        overdue = list_tasks(session, fiscal_year=2026, today=TODAY, status="overdue", council_code=COUNCIL)
        assert {view.key for view in overdue} == {view.key for view in every if view.due < TODAY}
        assert "notice:council-1" in {view.key for view in overdue}  # due 06-17
        assert all(view.overdue for view in overdue)
        notice = next(view for view in every if view.key == "notice:council-1")
        assert (notice.meeting, notice.stage) == ("council-1", "first_meeting")
        assert list_tasks(session, fiscal_year=2026, today=TODAY, status="done", council_code=COUNCIL) == []
        with pytest.raises(InputError, match="'late' is not one of"):
            list_tasks(session, fiscal_year=2026, today=TODAY, status="late", council_code=COUNCIL)
        with pytest.raises(
            NotFoundError, match=r"^fiscal year 2030 \(令和12年度\) has not been planned: run `council plan --fy 2030`$"
        ):
            list_tasks(session, fiscal_year=2030, today=TODAY, council_code=COUNCIL)


def test_complete_task_is_idempotent_and_audited(planned: Engine) -> None:
    with Session(planned) as session:
        task = find_task(session, "notice:council-1", fiscal_year=2026, council_code=COUNCIL)
        assert task.id is not None
        complete_task(session, task.id, now=NOW, actor="secretary", flow_run_id="run-1")
        session.commit()
        later = datetime(2026, 6, 21, tzinfo=UTC)
        again = complete_task(session, task.id, now=later, actor="someone-else")
        session.commit()
        assert (again.status, again.completed_at, again.completed_by) == (TaskStatus.done, NOW, "secretary")
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "task.done")).all()
        assert len(events) == 1
        assert events[0].entity_key == "2026/notice:council-1"
        assert events[0].flow_run_id == "run-1"
        assert events[0].before == {"status": "pending", "completed_at": None, "completed_by": None}
        done = list_tasks(session, fiscal_year=2026, today=TODAY, status="done", council_code=COUNCIL)
        assert [view.key for view in done] == ["notice:council-1"]
        assert not done[0].overdue
        assert find_task(session, str(task.id), fiscal_year=1999, council_code=COUNCIL).key == "notice:council-1"


def test_complete_unknown_or_cancelled_task(planned: Engine) -> None:
    with Session(planned) as session:
        with pytest.raises(NotFoundError):
            complete_task(session, 99999, now=NOW, actor="x")
        with pytest.raises(NotFoundError, match="no task 'nope' in fiscal year 2026"):
            find_task(session, "nope", fiscal_year=2026, council_code=COUNCIL)
        task = session.exec(select(Task).where(Task.key == "agenda:council-1")).one()
        task.status = TaskStatus.cancelled
        session.commit()
        assert task.id is not None
        with pytest.raises(InputError, match="cancelled"):
            complete_task(session, task.id, now=NOW, actor="x")


def test_the_complete_task_use_case_stamps_the_actor_and_the_day(
    planned: Engine, make_context: Callable[..., Context]
) -> None:
    first = complete_task_action(make_context(date(2026, 6, 16), actor="secretary"), 2026, "notice:council-1")
    assert (first.key, first.already_done) == ("notice:council-1", False)
    assert "開催通知" in first.title
    again = complete_task_action(make_context(date(2026, 6, 18), actor="someone-else"), 2026, "notice:council-1")
    assert again.already_done
    with Session(planned) as session:
        task = session.exec(select(Task).where(Task.key == "notice:council-1")).one()
        assert (task.status, task.completed_at, task.completed_by) == (
            TaskStatus.done,
            Clock.on(date(2026, 6, 16)).now,
            "secretary",
        )
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "task.done")).all()
        assert [(event.actor, event.entity_key) for event in events] == [("secretary", "2026/notice:council-1")]
    with pytest.raises(NotFoundError, match="no task 'nope' in fiscal year 2026"):
        complete_task_action(make_context(date(2026, 6, 16)), 2026, "nope")
