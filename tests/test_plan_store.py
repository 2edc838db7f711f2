from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from council.errors import NotFoundError, PlanningError
from council.planning.planner import Pin, plan_year
from council.planning.rules import load_rules
from council.planning.store import pin_meeting, plan_and_store, store_plan
from council.resources import data_dir
from council.tasks.tracking import complete_task
from models import (
    AuditEvent,
    Council,
    Cycle,
    Meeting,
    MeetingStatus,
    Organization,
    OrganizationKind,
    Stage,
    Task,
    TaskOrigin,
    TaskStatus,
)

RULES = load_rules(data_dir("calendar") / "cycle.yaml")
COUNCIL = "yamagata"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
T2 = T0 + timedelta(days=2)
ITEMS = len(RULES.stages) + len(RULES.meetings) + len(RULES.tasks)
COUNCIL_1_DEPENDENTS = {
    "meeting:council-1",
    "meeting:secretariat-1",
    *(f"task:{prefix}:{key}" for prefix in ("notice", "agenda", "minutes") for key in ("council-1", "secretariat-1")),
}


def add_council(session: Session, *, with_secretariat: bool = True) -> int:
    council = Council(code=COUNCIL, name="県・市町村連携推進会議", prefecture="山形県")
    session.add(council)
    if with_secretariat:
        session.add(Organization(code="secretariat", kind=OrganizationKind.secretariat, name="市町村課"))
    session.commit()
    assert council.id is not None
    return council.id


@pytest.fixture
def council_id(engine: Engine) -> int:
    with Session(engine) as session:
        return add_council(session)


def plan_2026(session: Session, *, now: datetime = T0, pins: dict[str, Pin] | None = None) -> Any:
    council = session.exec(select(Council)).one()
    assert council.id is not None
    plan = plan_year(RULES, 2026, RULES.business_calendar(), pins or {})
    return store_plan(session, council.id, plan, now=now, actor="tester")


def count(session: Session, table: Any) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every INSERT/UPDATE/DELETE sent to the database inside the block."""
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)


def test_first_store_adds_every_row_with_an_audit_event(engine: Engine, council_id: int) -> None:
    with Session(engine) as session:
        report = plan_2026(session)
        session.commit()
        assert (report.added, report.changed, report.unchanged) == (ITEMS, 0, 0)
        cycle = session.exec(select(Cycle)).one()
        assert (cycle.fiscal_year, cycle.rules_digest, cycle.planned_at) == (2026, RULES.digest, T0)
        assert count(session, Stage) == 8
        assert count(session, Meeting) == 6
        assert count(session, Task) == 23
        assert count(session, AuditEvent) == ITEMS + 1  # and the cycle
        secretariat = session.exec(select(Organization).where(Organization.code == "secretariat")).one()
        tasks = session.exec(select(Task)).all()
        assert {task.owner_id for task in tasks} == {secretariat.id}
        assert {(task.status, task.origin) for task in tasks} == {(TaskStatus.pending, TaskOrigin.planned)}
        meetings = {meeting.key: meeting for meeting in session.exec(select(Meeting))}
        assert meetings["secretariat-1"].prepares_meeting_id == meetings["council-1"].id
        assert meetings["council-2"].prepares_meeting_id is None
        assert meetings["council-1"].starts_at == datetime(2026, 7, 1, 5, 0, tzinfo=UTC)  # 14:00 in Tokyo
        assert {meeting.revision for meeting in meetings.values()} == {0}
        notice = session.exec(select(Task).where(Task.key == "notice:council-1")).one()
        assert (notice.due_date, notice.meeting_id) == (date(2026, 6, 17), meetings["council-1"].id)
        event = session.exec(select(AuditEvent).where(AuditEvent.entity_key == "2026/council-1")).one()
        assert event.action == "meeting.planned"
        assert event.before is None
        assert event.actor == "tester"
        assert event.after is not None
        assert event.after["starts_at"] == "2026-07-01T14:00:00+09:00"


def test_an_identical_second_run_writes_nothing(engine: Engine, council_id: int) -> None:
    with Session(engine) as session:
        plan_2026(session)
        session.commit()
    with Session(engine) as session, statements(engine) as written:
        report = plan_2026(session, now=T1)
        session.commit()
    assert (report.added, report.changed, report.unchanged) == (0, 0, ITEMS)
    assert written == []
    with Session(engine) as session:
        assert session.exec(select(Cycle)).one().planned_at == T0


def test_pin_replans_only_its_dependents_and_bumps_revisions(engine: Engine, council_id: int) -> None:
    with Session(engine) as session:
        plan_2026(session)
        session.commit()
    with Session(engine) as session:
        report = pin_meeting(
            session,
            fiscal_year=2026,
            meeting="council-1",
            day=date(2026, 7, 8),
            start=None,
            rules=RULES,
            now=T1,
            actor="tester",
            council_code=COUNCIL,
        )
        session.commit()
    assert set(report.changed_keys) == COUNCIL_1_DEPENDENTS
    assert (report.added, report.changed, report.unchanged) == (0, 8, ITEMS - 8)
    with Session(engine) as session:
        meetings = {meeting.key: meeting for meeting in session.exec(select(Meeting))}
        council_1 = meetings["council-1"]
        assert (council_1.pinned, council_1.revision, council_1.updated_at) == (True, 1, T1)
        assert council_1.starts_at == datetime(2026, 7, 8, 5, 0, tzinfo=UTC)
        assert (meetings["secretariat-1"].revision, meetings["secretariat-1"].pinned) == (1, False)
        assert {
            (m.revision, m.updated_at) for key, m in meetings.items() if key not in {"council-1", "secretariat-1"}
        } == {(0, T0)}
        pinned = session.exec(select(AuditEvent).where(AuditEvent.action == "meeting.pinned")).one()
        assert pinned.before is not None
        assert pinned.after is not None
        assert pinned.before["starts_at"] == "2026-07-01T14:00:00+09:00"
        assert pinned.after["starts_at"] == "2026-07-08T14:00:00+09:00"
        assert (pinned.before["revision"], pinned.after["revision"]) == (0, 1)
        replanned_tasks = session.exec(select(AuditEvent).where(AuditEvent.action == "task.replanned")).all()
        assert len(replanned_tasks) == 6
    # The pin is stored: planning the year again keeps it and changes nothing.
    with Session(engine) as session, statements(engine) as written:
        report = plan_and_store(session, fiscal_year=2026, rules=RULES, now=T2, actor="tester", council_code=COUNCIL)
        session.commit()
    assert report.changed == 0
    assert written == []
    assert report.plan.meeting("council-1").day == date(2026, 7, 8)


def test_pin_with_a_time_and_by_numeric_id(engine: Engine, council_id: int) -> None:
    with Session(engine) as session:
        plan_2026(session)
        session.commit()
        roundtable = session.exec(select(Meeting).where(Meeting.key == "roundtable")).one()
    with Session(engine) as session:
        report = pin_meeting(
            session,
            fiscal_year=2026,
            meeting=str(roundtable.id),
            day=date(2026, 10, 20),
            start=time(10, 0),
            rules=RULES,
            now=T1,
            actor="tester",
            council_code=COUNCIL,
        )
        session.commit()
        row = session.get(Meeting, roundtable.id)
        assert row is not None
        assert (row.starts_at, row.ends_at) == (
            datetime(2026, 10, 20, 1, 0, tzinfo=UTC),
            datetime(2026, 10, 20, 3, 30, tzinfo=UTC),
        )
    assert set(report.changed_keys) == {
        "meeting:roundtable",
        "task:advance_notice:roundtable",
        "task:notice:roundtable",
        "task:agenda:roundtable",
        "task:minutes:roundtable",
    }


def test_done_tasks_stay_done_and_keep_their_due_date(engine: Engine, council_id: int) -> None:
    with Session(engine) as session:
        plan_2026(session)
        notice = session.exec(select(Task).where(Task.key == "notice:council-1")).one()
        assert notice.id is not None
        complete_task(session, notice.id, now=T1, actor="secretary")
        session.commit()
    with Session(engine) as session:
        report = pin_meeting(
            session,
            fiscal_year=2026,
            meeting="council-1",
            day=date(2026, 7, 15),
            start=None,
            rules=RULES,
            now=T2,
            actor="tester",
            council_code=COUNCIL,
        )
        session.commit()
    assert "task:notice:council-1" not in report.changed_keys
    assert "task:agenda:council-1" in report.changed_keys
    with Session(engine) as session:
        notice = session.exec(select(Task).where(Task.key == "notice:council-1")).one()
        assert (notice.status, notice.due_date, notice.completed_at, notice.completed_by) == (
            TaskStatus.done,
            date(2026, 6, 17),
            T1,
            "secretary",
        )
        agenda = session.exec(select(Task).where(Task.key == "agenda:council-1")).one()
        assert agenda.due_date == date(2026, 7, 10)  # 3 business days before 07-15 (07-13 … 07-10)


def test_tasks_the_planner_did_not_derive_are_never_touched(engine: Engine, council_id: int) -> None:
    with Session(engine) as session:
        plan_2026(session)
        cycle = session.exec(select(Cycle)).one()
        assert cycle.id is not None
        survey_response = Task(
            cycle_id=cycle.id,
            key="survey-response:062014",
            title="回答",
            due_date=date(2026, 4, 22),
            origin=TaskOrigin.auto,
            updated_at=T0,
        )
        manual = Task(
            cycle_id=cycle.id,
            key="notice:council-1-extra",
            title="手作業",
            due_date=date(2026, 6, 1),
            origin=TaskOrigin.manual,
            updated_at=T0,
        )
        session.add_all([survey_response, manual])
        # A person took over a planner key by hand: the planner leaves it alone too.
        minutes = session.exec(select(Task).where(Task.key == "minutes:council-1")).one()
        minutes.origin = TaskOrigin.manual
        minutes.due_date = date(2026, 7, 31)
        session.commit()
    with Session(engine) as session:
        pin_meeting(
            session,
            fiscal_year=2026,
            meeting="council-1",
            day=date(2026, 7, 8),
            start=None,
            rules=RULES,
            now=T1,
            actor="tester",
            council_code=COUNCIL,
        )
        session.commit()
    with Session(engine) as session:
        rows = {task.key: task for task in session.exec(select(Task))}
        assert len(rows) == 25
        assert (rows["survey-response:062014"].due_date, rows["survey-response:062014"].updated_at) == (
            date(2026, 4, 22),
            T0,
        )
        assert rows["notice:council-1-extra"].updated_at == T0
        assert rows["minutes:council-1"].due_date == date(2026, 7, 31)


def test_tasks_the_rules_no_longer_derive_are_cancelled_and_kept(
    engine: Engine, council_id: int, tmp_path: Any
) -> None:
    with Session(engine) as session:
        plan_2026(session)
        cycle = session.exec(select(Cycle)).one()
        assert cycle.id is not None
        done = session.exec(select(Task).where(Task.key == "notice:secretariat-1")).one()
        done.status, done.completed_at = TaskStatus.done, T0
        session.add(
            Task(
                cycle_id=cycle.id, key="survey-response:062014", title="回答", due_date=date(2026, 4, 22), updated_at=T0
            )
        )
        session.commit()
    # The rules stop deriving 開催通知 tasks for 幹事会 (a meeting task's `kinds` narrowed).
    text = (data_dir("calendar") / "cycle.yaml").read_text(encoding="utf-8")
    narrowed = text.replace(
        "    before: notice\n    kinds: [secretariat_meeting, council_meeting, roundtable]",
        "    before: notice\n    kinds: [council_meeting, roundtable]",
    )
    assert narrowed != text
    path = tmp_path / "cycle.yaml"
    path.write_text(narrowed, encoding="utf-8")
    with Session(engine) as session:
        report = plan_and_store(
            session, fiscal_year=2026, rules=load_rules(path), now=T1, actor="tester", council_code=COUNCIL
        )
        session.commit()
        rows = {task.key: task for task in session.exec(select(Task))}
        assert report.changed_keys == ["task:notice:secretariat-2"]
        assert rows["notice:secretariat-2"].status == TaskStatus.cancelled
        assert rows["notice:secretariat-1"].status == TaskStatus.done  # closed tasks keep their status
        assert rows["survey-response:062014"].status == TaskStatus.pending  # a flow's task is not the planner's
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "task.obsolete")).one()
        assert (event.entity_key, event.before, event.after) == (
            "2026/notice:secretariat-2",
            {"status": "pending"},
            {"status": "cancelled"},
        )
    with Session(engine) as session:
        again = plan_and_store(
            session, fiscal_year=2026, rules=load_rules(path), now=T1, actor="tester", council_code=COUNCIL
        )
        assert (again.added, again.changed) == (0, 0)


def test_owner_is_filled_in_once_the_secretariat_exists(engine: Engine) -> None:
    with Session(engine) as session:
        add_council(session, with_secretariat=False)
        plan_2026(session)
        session.commit()
        assert {task.owner_id for task in session.exec(select(Task))} == {None}
        session.add(Organization(code="secretariat", kind=OrganizationKind.secretariat, name="市町村課"))
        session.commit()
    with Session(engine) as session:
        report = plan_2026(session, now=T1)
        session.commit()
        assert report.changed == 23
        owners = {task.owner_id for task in session.exec(select(Task))}
        assert len(owners) == 1
        assert None not in owners


def test_invalid_pin_raises_and_writes_nothing(engine: Engine, council_id: int) -> None:
    with Session(engine) as session:
        plan_2026(session)
        session.commit()
    with Session(engine) as session, statements(engine) as written:
        with pytest.raises(PlanningError, match="closed day"):
            pin_meeting(
                session,
                fiscal_year=2026,
                meeting="council-1",
                day=date(2026, 7, 20),
                start=None,
                rules=RULES,
                now=T1,
                actor="tester",
                council_code=COUNCIL,
            )
        session.rollback()
    assert written == []


def test_unknown_year_and_unknown_meeting(engine: Engine, council_id: int) -> None:
    with Session(engine) as session:
        with pytest.raises(
            NotFoundError, match=r"^fiscal year 2027 \(令和9年度\) has not been planned: run `council plan --fy 2027`$"
        ):
            pin_meeting(
                session,
                fiscal_year=2027,
                meeting="council-1",
                day=date(2027, 7, 7),
                start=None,
                rules=RULES,
                now=T1,
                actor="tester",
                council_code=COUNCIL,
            )
        plan_2026(session)
        with pytest.raises(NotFoundError, match="no meeting 'council-9' in fiscal year 2026"):
            pin_meeting(
                session,
                fiscal_year=2026,
                meeting="council-9",
                day=date(2026, 7, 7),
                start=None,
                rules=RULES,
                now=T1,
                actor="tester",
                council_code=COUNCIL,
            )


def test_rules_change_moves_open_tasks_and_records_the_new_digest(
    engine: Engine, council_id: int, tmp_path: Any
) -> None:
    with Session(engine) as session:
        plan_2026(session)
        session.commit()
    text = (data_dir("calendar") / "cycle.yaml").read_text(encoding="utf-8").replace("notice: 10 ", "notice: 15 ", 1)
    path = tmp_path / "cycle.yaml"
    path.write_text(text, encoding="utf-8")
    changed_rules = load_rules(path)
    with Session(engine) as session:
        report = plan_and_store(
            session, fiscal_year=2026, rules=changed_rules, now=T1, actor="tester", council_code=COUNCIL
        )
        session.commit()
        # the mayors' meeting is not convened by the council: it has a report task, no notice
        notices = {f"task:notice:{meeting.key}" for meeting in RULES.meetings if meeting.key != "mayors-meeting"}
        assert set(report.changed_keys) == notices
        assert session.exec(select(Cycle)).one().rules_digest == changed_rules.digest
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "cycle.rules_changed")).one()


def test_confirmed_meetings_keep_their_day_when_the_rules_change(
    engine: Engine, council_id: int, tmp_path: Any
) -> None:
    with Session(engine) as session:
        plan_2026(session)
        council_2 = session.exec(select(Meeting).where(Meeting.key == "council-2")).one()
        council_2.status = MeetingStatus.confirmed
        session.commit()
    text = (data_dir("calendar") / "cycle.yaml").read_text(encoding="utf-8")
    text = text.replace('on_or_after: "02-16"', 'on_or_after: "03-02"', 1).replace(
        'on_or_after: "10-15"', 'on_or_after: "10-20"', 1
    )
    path = tmp_path / "cycle.yaml"
    path.write_text(text, encoding="utf-8")
    with Session(engine) as session:
        report = plan_and_store(
            session, fiscal_year=2026, rules=load_rules(path), now=T1, actor="tester", council_code=COUNCIL
        )
        session.commit()
        meetings = {meeting.key: meeting for meeting in session.exec(select(Meeting))}
    assert meetings["council-2"].starts_at == datetime(2027, 2, 16, 5, 0, tzinfo=UTC)
    assert (meetings["council-2"].pinned, meetings["council-2"].revision) == (False, 0)
    assert report.plan.meeting("council-2").explanation.startswith(
        "kept on 2027-02-16 (火) because the meeting is confirmed"
    )
    assert meetings["roundtable"].starts_at == datetime(2026, 10, 20, 4, 30, tzinfo=UTC)
    assert meetings["roundtable"].revision == 1
