"""Persisting a year's plan: Cycle, Stage, Meeting and Task rows, updated in place by their natural keys.

Re-planning semantics:
- rows are matched by key within the cycle; only rows whose planned values differ are written, so an identical plan
  writes nothing at all (not even `updated_at`);
- a pinned meeting, and one that is confirmed, held or cancelled, keeps its day and time (see `stored_pins`);
- a meeting whose time or venue changes gets `revision += 1` (the feed's SEQUENCE); its status is never touched;
- a task that is done or cancelled keeps its due date and status; an open task follows the plan;
- an open task the planner derived (origin `planned`) that the rules no longer derive (a meeting task's `kinds`
  narrowed, a task removed from cycle.yaml) is cancelled, not deleted: its history stays;
- tasks the planner did not derive (origin `auto`, made by a flow such as the survey's `survey-response:<org>`, or
  `manual`) are never changed, cancelled or deleted;
- every insert and update writes an AuditEvent with the values before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlmodel import Session, col, or_, select

from council.audit import record_change
from council.clock import TOKYO
from council.errors import InputError
from council.planning.cycles import find_cycle, find_meeting, require_cycle
from council.planning.planner import Pin, PlannedMeeting, PlannedStage, PlannedTask, YearPlan, plan_year
from council.planning.rules import CycleRules
from council.reference import get_council
from models import (
    Cycle,
    Meeting,
    MeetingOrigin,
    MeetingStatus,
    Organization,
    OrganizationKind,
    Stage,
    Task,
    TaskOrigin,
    TaskStatus,
)
from models.enums import CLOSED_TASK_STATUSES

SECRETARIAT_CODE = "secretariat"
# Changing any of these is a change people must re-read in their calendars: the meeting's revision rises.
_REVISED_MEETING_FIELDS = frozenset({"starts_at", "ends_at", "venue", "status"})


@dataclass
class StoreReport:
    """What storing a plan did to the stages, meetings and tasks (the cycle row itself is not counted)."""

    fiscal_year: int
    cycle_id: int
    plan: YearPlan
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    added_keys: list[str] = field(default_factory=list)
    changed_keys: list[str] = field(default_factory=list)

    @property
    def wrote_anything(self) -> bool:
        return bool(self.added or self.changed)

    def summary(self) -> str:
        return f"{self.added} added, {self.changed} changed, {self.unchanged} unchanged"


def _differences(row: Any, wanted: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields of `row` that differ from `wanted`, as (before, after)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in wanted.items():
        current = getattr(row, name)
        if current != value:
            before[name] = current
            after[name] = value
    return before, after


def _for_audit(values: Mapping[str, Any]) -> dict[str, Any]:
    """Datetimes in Asia/Tokyo, so the audit log reads like the schedule."""
    return {name: value.astimezone(TOKYO) if isinstance(value, datetime) else value for name, value in values.items()}


def find_secretariat(session: Session) -> Organization | None:
    """The secretariat organisation (code 'secretariat' preferred), or None before reference data is loaded."""
    rows = session.exec(
        select(Organization)
        .where(Organization.kind == OrganizationKind.secretariat)
        .order_by(col(Organization.code) != SECRETARIAT_CODE, col(Organization.id))
    ).all()
    return rows[0] if rows else None


class _Writer:
    def __init__(
        self, session: Session, cycle: Cycle, report: StoreReport, *, now: datetime, actor: str, flow_run_id: str | None
    ) -> None:
        self.session = session
        self.cycle = cycle
        self.report = report
        self.now = now
        self.actor = actor
        self.flow_run_id = flow_run_id

    def audit(self, action: str, row: Any, key: str, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
        record_change(
            self.session,
            action=action,
            row=row,
            before=None if before is None else _for_audit(before),
            after=_for_audit(after),
            now=self.now,
            actor=self.actor,
            key=f"{self.cycle.fiscal_year}/{key}",
            flow_run_id=self.flow_run_id,
        )

    def added(self, item: str) -> None:
        self.report.added += 1
        self.report.added_keys.append(item)

    def changed(self, item: str) -> None:
        self.report.changed += 1
        self.report.changed_keys.append(item)

    # ---- stages -------------------------------------------------------------------------------------------------

    def stages(self, planned: tuple[PlannedStage, ...]) -> dict[str, Stage]:
        assert self.cycle.id is not None
        rows = {row.key: row for row in self.session.exec(select(Stage).where(Stage.cycle_id == self.cycle.id))}
        created: list[tuple[Stage, dict[str, Any]]] = []
        for stage in planned:
            wanted: dict[str, Any] = {
                "title": stage.title,
                "lane": stage.lane,
                "start_date": stage.start,
                "end_date": stage.end,
                "sort_order": stage.sort_order,
            }
            row = rows.get(stage.key)
            if row is None:
                row = Stage(cycle_id=self.cycle.id, key=stage.key, **wanted)
                self.session.add(row)
                rows[stage.key] = row
                created.append((row, {"key": stage.key, **wanted}))
                self.added(f"stage:{stage.key}")
                continue
            before, after = _differences(row, wanted)
            if not after:
                self.report.unchanged += 1
                continue
            for name, value in after.items():
                setattr(row, name, value)
            self.audit("stage.replanned", row, stage.key, before, after)
            self.changed(f"stage:{stage.key}")
        self.session.flush()
        for row, values in created:
            self.audit("stage.planned", row, row.key, None, values)
        return rows

    # ---- meetings -----------------------------------------------------------------------------------------------

    def meetings(self, planned: tuple[PlannedMeeting, ...], stages: Mapping[str, Stage]) -> dict[str, Meeting]:
        assert self.cycle.id is not None
        rows = {row.key: row for row in self.session.exec(select(Meeting).where(Meeting.cycle_id == self.cycle.id))}
        created: list[tuple[Meeting, dict[str, Any]]] = []
        pending_updates: list[tuple[Meeting, dict[str, Any]]] = []
        for meeting in planned:
            wanted: dict[str, Any] = {
                "kind": meeting.kind,
                "number": meeting.number,
                "title": meeting.title,
                "stage_id": stages[meeting.stage_key].id if meeting.stage_key else None,
                "starts_at": meeting.start,
                "ends_at": meeting.end,
                "timezone": self.report.plan.timezone,
                "venue": meeting.venue,
                "pinned": meeting.pinned,
            }
            row = rows.get(meeting.key)
            if row is None:
                row = Meeting(cycle_id=self.cycle.id, key=meeting.key, updated_at=self.now, **wanted)
                self.session.add(row)
                rows[meeting.key] = row
                created.append((row, {"key": meeting.key, **wanted}))
                self.added(f"meeting:{meeting.key}")
            else:
                pending_updates.append((row, wanted))
        self.session.flush()  # ids for the prepares links
        for row, values in created:
            planned_meeting = next(meeting for meeting in planned if meeting.key == row.key)
            if planned_meeting.prepares_key is not None:
                row.prepares_meeting_id = rows[planned_meeting.prepares_key].id
                values["prepares_meeting_id"] = row.prepares_meeting_id
            self.audit("meeting.planned", row, row.key, None, values)
        for row, wanted in pending_updates:
            planned_meeting = next(meeting for meeting in planned if meeting.key == row.key)
            prepares = planned_meeting.prepares_key
            wanted["prepares_meeting_id"] = rows[prepares].id if prepares is not None else None
            before, after = _differences(row, wanted)
            if not after:
                self.report.unchanged += 1
                continue
            for name, value in after.items():
                setattr(row, name, value)
            if _REVISED_MEETING_FIELDS & after.keys():
                before["revision"], after["revision"] = row.revision, row.revision + 1
                row.revision += 1
            row.updated_at = self.now
            action = "meeting.pinned" if after.get("pinned") is True else "meeting.replanned"
            self.audit(action, row, row.key, before, after)
            self.changed(f"meeting:{row.key}")
        self.session.flush()
        return rows

    # ---- tasks --------------------------------------------------------------------------------------------------

    def tasks(
        self,
        planned: tuple[PlannedTask, ...],
        stages: Mapping[str, Stage],
        meetings: Mapping[str, Meeting],
        owner: Organization | None,
    ) -> None:
        assert self.cycle.id is not None
        keys = [task.key for task in planned]
        rows = {
            row.key: row
            for row in self.session.exec(select(Task).where(Task.cycle_id == self.cycle.id, col(Task.key).in_(keys)))
        }
        created: list[tuple[Task, dict[str, Any]]] = []
        for task in planned:
            wanted: dict[str, Any] = {
                "title": task.title,
                "due_date": task.due,
                "stage_id": stages[task.stage_key].id if task.stage_key else None,
                "meeting_id": meetings[task.meeting_key].id if task.meeting_key else None,
            }
            row = rows.get(task.key)
            if row is None:
                row = Task(
                    cycle_id=self.cycle.id,
                    key=task.key,
                    owner_id=owner.id if owner else None,
                    status=TaskStatus.pending,
                    origin=TaskOrigin.planned,
                    updated_at=self.now,
                    **wanted,
                )
                self.session.add(row)
                created.append((row, {"key": task.key, "owner_id": row.owner_id, "status": row.status, **wanted}))
                self.added(f"task:{task.key}")
                continue
            if row.origin != TaskOrigin.planned or row.status in CLOSED_TASK_STATUSES:
                # A person's task, or one already closed: the plan no longer speaks for it.
                self.report.unchanged += 1
                continue
            if row.owner_id is None and owner is not None:
                wanted["owner_id"] = owner.id  # reference data loaded after the first plan
            before, after = _differences(row, wanted)
            if not after:
                self.report.unchanged += 1
                continue
            for name, value in after.items():
                setattr(row, name, value)
            row.updated_at = self.now
            self.audit("task.replanned", row, row.key, before, after)
            self.changed(f"task:{row.key}")
        self.session.flush()
        for row, values in created:
            self.audit("task.planned", row, row.key, None, values)
        self.cancel_obsolete_tasks(set(keys))

    def cancel_obsolete_tasks(self, planned_keys: set[str]) -> None:
        """Open planner tasks that the rules no longer derive are cancelled (kept, with their history)."""
        obsolete = self.session.exec(
            select(Task).where(
                Task.cycle_id == self.cycle.id,
                Task.origin == TaskOrigin.planned,
                col(Task.status).not_in(CLOSED_TASK_STATUSES),
                col(Task.key).not_in(planned_keys),
            )
        ).all()
        for row in obsolete:
            before = {"status": row.status}
            row.status, row.updated_at = TaskStatus.cancelled, self.now
            self.audit("task.obsolete", row, row.key, before, {"status": row.status})
            self.changed(f"task:{row.key}")
        self.session.flush()


def store_plan(
    session: Session,
    council_id: int,
    plan: YearPlan,
    *,
    now: datetime,
    actor: str,
    flow_run_id: str | None = None,
) -> StoreReport:
    """Write `plan` into the council's cycle of that fiscal year, in the caller's transaction (see module doc)."""
    cycle = find_cycle(session, council_id, plan.fiscal_year)
    created_cycle = cycle is None
    if cycle is None:
        cycle = Cycle(
            council_id=council_id, fiscal_year=plan.fiscal_year, rules_digest=plan.rules_digest, planned_at=now
        )
        session.add(cycle)
        session.flush()
    assert cycle.id is not None
    report = StoreReport(fiscal_year=plan.fiscal_year, cycle_id=cycle.id, plan=plan)
    writer = _Writer(session, cycle, report, now=now, actor=actor, flow_run_id=flow_run_id)
    if created_cycle:
        writer.audit(
            "cycle.planned",
            cycle,
            "cycle",
            None,
            {"council_id": council_id, "fiscal_year": plan.fiscal_year, "rules_digest": plan.rules_digest},
        )
    elif cycle.rules_digest != plan.rules_digest:
        writer.audit(
            "cycle.rules_changed",
            cycle,
            "cycle",
            {"rules_digest": cycle.rules_digest},
            {"rules_digest": plan.rules_digest},
        )
        cycle.rules_digest = plan.rules_digest
    stages = writer.stages(plan.stages)
    meetings = writer.meetings(plan.meetings, stages)
    writer.tasks(plan.tasks, stages, meetings, find_secretariat(session))
    if report.wrote_anything and not created_cycle:
        cycle.planned_at = now
    session.flush()
    return report


def stored_pins(session: Session, cycle: Cycle | None) -> dict[str, Pin]:
    """The fixed days of a stored cycle: a pinned meeting keeps its day and start time, and so does a meeting that is
    no longer just planned (confirmed, held or cancelled) — people were told that date, re-planning must not move it."""
    if cycle is None:
        return {}
    meetings = session.exec(
        select(Meeting).where(
            Meeting.cycle_id == cycle.id,
            Meeting.origin == MeetingOrigin.cycle,  # a body's, a team's or a hand-added meeting is not the planner's
            or_(col(Meeting.pinned).is_(True), col(Meeting.status) != MeetingStatus.planned),
        )
    )
    pins: dict[str, Pin] = {}
    for meeting in meetings:
        start = meeting.starts_at.astimezone(TOKYO)
        fixed_because = None if meeting.pinned else MeetingStatus(meeting.status).value
        pins[meeting.key] = Pin(day=start.date(), start=start.time().replace(tzinfo=None), fixed_because=fixed_because)
    return pins


def plan_and_store(
    session: Session,
    *,
    fiscal_year: int,
    rules: CycleRules,
    now: datetime,
    actor: str,
    council_code: str,
    flow_run_id: str | None = None,
    extra_pins: Mapping[str, Pin] | None = None,
) -> StoreReport:
    """Plan `fiscal_year` with the pins stored in the database (plus `extra_pins`, which win) and store it."""
    council = get_council(session, council_code)
    assert council.id is not None
    pins = stored_pins(session, find_cycle(session, council.id, fiscal_year))
    pins.update(extra_pins or {})
    plan = plan_year(rules, fiscal_year, rules.business_calendar(), pins)
    return store_plan(session, council.id, plan, now=now, actor=actor, flow_run_id=flow_run_id)


def pin_meeting(
    session: Session,
    *,
    fiscal_year: int,
    meeting: str,
    day: date,
    start: time | None,
    rules: CycleRules,
    now: datetime,
    actor: str,
    council_code: str,
    flow_run_id: str | None = None,
) -> StoreReport:
    """Pin a meeting (key or id) of a planned year to `day` (and `start`, else its current start time) and re-plan
    what depends on it. Raises NotFoundError for an unplanned year or an unknown meeting, PlanningError when the pin
    breaks a rule; nothing is written then."""
    cycle = require_cycle(session, council_code, fiscal_year)
    row = find_meeting(session, cycle, meeting)
    if start is None:
        start = row.starts_at.astimezone(TOKYO).time().replace(tzinfo=None)
    if row.key not in {rule.key for rule in rules.meetings}:
        raise InputError(f"meeting {row.key!r} is not in the cycle rules {rules.source}")
    return plan_and_store(
        session,
        fiscal_year=fiscal_year,
        rules=rules,
        now=now,
        actor=actor,
        council_code=council_code,
        flow_run_id=flow_run_id,
        extra_pins={row.key: Pin(day=day, start=start)},
    )
