"""The heartbeat's view of the database: a year's state for council.tick.decisions, the record of each tick, and
the state changes that need no document (a year opens or closes, a stage starts or ends, tasks flagged overdue).

Every change writes an AuditEvent with the actor and the flow run; applying an action twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from council.audit import record_change
from council.clock import TOKYO
from council.documents.drafting import SCHEDULE_SUBJECT, request_subject
from council.documents.lifecycle import current_draft, latest_issued
from council.keys import SURVEY_SUMMARY_TASK
from council.planning.business_days import BusinessCalendar
from council.survey.inbox import inbox_files
from council.survey.rules import SurveyRules
from council.survey.status import due_reminders, reminder_due_on
from council.survey.store import Audience, opens_on
from council.themes.carry_over import carry_over
from council.themes.catalogue import transition
from council.themes.lifecycle import STAGE_MOVES
from council.tick.decisions import (
    ONE_DAY,
    Action,
    ActionKind,
    CycleState,
    MeetingState,
    StageState,
    SurveyState,
    TaskState,
)
from models import (
    Approval,
    ApprovalStatus,
    AuditEvent,
    Council,
    Cycle,
    CycleStatus,
    DocumentKind,
    Meeting,
    Stage,
    StageStatus,
    Survey,
    Task,
    Theme,
    TickRun,
)
from models.enums import DOCUMENTED_MEETING_KINDS
from models.survey import SurveyStatus

OVERDUE_ACTION = "task.overdue"


def survey_state(
    survey: Survey,
    *,
    tasks: Sequence[Task],
    today: date,
    calendar: BusinessCalendar,
    rules: SurveyRules,
    session: Session,
) -> SurveyState:
    """The survey as the tick sees it: its deadline, its reminder days, and the day to close it — the business day
    after the new deadline the last reminder step sets, and no later than the summary's due date."""
    deadlines = sorted({survey.municipal_closes_on, survey.department_closes_on})
    deadline = deadlines[-1]
    reminder_days = tuple(sorted({reminder_due_on(step, d, calendar) for step in rules.reminders for d in deadlines}))
    last_step = max((step.business_days for step in rules.reminders), default=0)
    extension = rules.new_deadline_business_days if last_step > 0 else 0
    closes_on = calendar.add_business_days(deadline, max(last_step, 0) + extension + 1)
    summary = next((task for task in tasks if task.key == SURVEY_SUMMARY_TASK), None)
    if summary is not None:
        closes_on = max(min(closes_on, summary.due_date), deadline + ONE_DAY)
    is_open = survey.status == SurveyStatus.open
    due = len(due_reminders(session, survey, today, calendar, rules)) if is_open else 0
    cycle = session.exec(
        select(Cycle).where(Cycle.council_id == survey.council_id, Cycle.fiscal_year == survey.fiscal_year)
    ).one()
    requests_due = sum(
        1
        for audience in Audience
        if opens_on(survey, audience) <= today
        and latest_issued(session, cycle.id or 0, DocumentKind.survey_request, request_subject(audience)) is None
    )
    return SurveyState(
        is_open=is_open,
        deadline=deadline,
        closes_on=closes_on,
        reminders_due=due,
        reminder_days=reminder_days,
        requests_due=requests_due,
        opening_days=tuple(sorted({opens_on(survey, audience) for audience in Audience})),
    )


def load_cycle_state(
    session: Session,
    cycle: Cycle,
    *,
    today: date,
    calendar: BusinessCalendar,
    survey_rules: SurveyRules,
    inbox: Path | None = None,
) -> CycleState:
    stages = session.exec(select(Stage).where(Stage.cycle_id == cycle.id).order_by(col(Stage.sort_order))).all()
    meetings = session.exec(select(Meeting).where(Meeting.cycle_id == cycle.id)).all()
    tasks = session.exec(select(Task).where(Task.cycle_id == cycle.id).order_by(col(Task.due_date))).all()
    stage_keys = {stage.id: stage.key for stage in stages}
    meeting_rows = {meeting.id: meeting for meeting in meetings}
    waiting = set(
        session.exec(
            select(Approval.meeting_id).where(
                col(Approval.meeting_id).in_(list(meeting_rows)), Approval.status == ApprovalStatus.requested
            )
        ).all()
    )
    flagged = set(
        session.exec(
            select(AuditEvent.entity_id).where(
                AuditEvent.action == OVERDUE_ACTION,
                AuditEvent.entity == "task",
                col(AuditEvent.entity_id).in_([task.id for task in tasks]),
            )
        ).all()
    )

    def task_stage(task: Task) -> str | None:
        if task.stage_id is not None:
            return stage_keys.get(task.stage_id)
        meeting = meeting_rows.get(task.meeting_id)
        return stage_keys.get(meeting.stage_id) if meeting is not None else None

    survey = find_survey_of_cycle(session, cycle)
    schedule = current_draft(session, cycle.id or 0, DocumentKind.annual_schedule, SCHEDULE_SUBJECT)
    return CycleState(
        fiscal_year=cycle.fiscal_year,
        status=cycle.status,
        stages=tuple(StageState(s.key, s.start_date, s.end_date, s.status) for s in stages),
        meetings=tuple(
            MeetingState(
                key=m.key,
                kind=m.kind,
                day=m.starts_at.astimezone(TOKYO).date(),
                status=m.status,
                stage_key=stage_keys.get(m.stage_id),
                documented=m.kind in DOCUMENTED_MEETING_KINDS,
                awaiting_approval=m.id in waiting,
            )
            for m in sorted(meetings, key=lambda m: m.starts_at)
        ),
        tasks=tuple(
            TaskState(
                key=t.key,
                due=t.due_date,
                status=t.status,
                stage_key=task_stage(t),
                meeting_key=meeting_rows[t.meeting_id].key if t.meeting_id in meeting_rows else None,
                flagged_overdue=t.id in flagged,
            )
            for t in tasks
        ),
        survey=(
            survey_state(survey, tasks=tasks, today=today, calendar=calendar, rules=survey_rules, session=session)
            if survey is not None
            else None
        ),
        inbox_files=len(inbox_files(inbox)) if inbox is not None and survey is not None else 0,
        schedule_draft_on=(schedule.planned_issue_on or today) if schedule is not None else None,
    )


def find_survey_of_cycle(session: Session, cycle: Cycle) -> Survey | None:
    return session.exec(
        select(Survey).where(Survey.council_id == cycle.council_id, Survey.fiscal_year == cycle.fiscal_year)
    ).first()


def active_cycles(session: Session, council_id: int, today: date, fiscal_year: int | None = None) -> list[Cycle]:
    """The cycles a tick on `today` looks at: not closed, and not starting more than a year later."""
    query = select(Cycle).where(
        Cycle.council_id == council_id, Cycle.status != CycleStatus.closed, Cycle.fiscal_year <= today.year
    )
    if fiscal_year is not None:
        query = query.where(Cycle.fiscal_year == fiscal_year)
    return list(session.exec(query.order_by(col(Cycle.fiscal_year))).all())


# ------------------------------------------------------------------------------------------------- the tick record


def last_tick_before(session: Session, council_id: int, as_of: date) -> date | None:
    """The latest finished tick before `as_of`."""
    return session.exec(
        select(col(TickRun.as_of))
        .where(TickRun.council_id == council_id, TickRun.as_of < as_of, col(TickRun.finished_at).is_not(None))
        .order_by(col(TickRun.as_of).desc())
    ).first()


def last_tick(session: Session, council_id: int) -> TickRun | None:
    return session.exec(
        select(TickRun)
        .where(TickRun.council_id == council_id, col(TickRun.finished_at).is_not(None))
        .order_by(col(TickRun.as_of).desc())
    ).first()


def begin_tick(session: Session, council_id: int, as_of: date, *, now: datetime, flow_run_id: str | None) -> TickRun:
    row = session.exec(select(TickRun).where(TickRun.council_id == council_id, TickRun.as_of == as_of)).first()
    if row is None:
        row = TickRun(council_id=council_id, as_of=as_of, started_at=now)
    row.started_at, row.finished_at, row.flow_run_id = now, None, flow_run_id
    session.add(row)
    session.flush()
    return row


def finish_tick(session: Session, council_id: int, as_of: date, *, labels: Sequence[str], now: datetime) -> None:
    row = session.exec(select(TickRun).where(TickRun.council_id == council_id, TickRun.as_of == as_of)).one()
    row.finished_at = now
    row.action_count = len(labels)
    row.actions = list(labels)
    session.add(row)
    session.flush()


# ------------------------------------------------------------------------------------------------- bookkeeping


def apply_bookkeeping(
    session: Session, council: Council, action: Action, *, now: datetime, actor: str, flow_run_id: str | None
) -> list[str]:
    """Perform one bookkeeping action (see council.tick.decisions.BOOKKEEPING); returns what changed, for the log."""
    cycle = session.exec(
        select(Cycle).where(Cycle.council_id == council.id, Cycle.fiscal_year == action.fiscal_year)
    ).one()

    def audit(
        verb: str, row: Cycle | Stage | Task, key: str, before: dict[str, object], after: dict[str, object]
    ) -> None:
        record_change(
            session,
            action=verb,
            row=row,
            before=before,
            after=after,
            now=now,
            actor=actor,
            key=f"{cycle.fiscal_year}/{key}",
            flow_run_id=flow_run_id,
        )

    changed: list[str] = []
    if action.kind in (ActionKind.activate_cycle, ActionKind.close_cycle):
        target = CycleStatus.active if action.kind == ActionKind.activate_cycle else CycleStatus.closed
        if cycle.status != target:
            audit(f"cycle.{target.value}", cycle, "cycle", {"status": cycle.status}, {"status": target})
            cycle.status = target
            session.add(cycle)
            changed.append(f"cycle {cycle.fiscal_year} {target.value}")
        if target == CycleStatus.active:
            # The initiatives decided last year and the themes deferred to this one come into this year's plan.
            report = carry_over(
                session, cycle.fiscal_year - 1, cycle.fiscal_year, now=now, actor=actor, council_code=council.code
            )
            changed += [f"theme {code} carried over" for code in (*report.initiatives, *report.revived)]
    elif action.kind in (ActionKind.start_stage, ActionKind.finish_stage):
        stage = session.exec(select(Stage).where(Stage.cycle_id == cycle.id, Stage.key == action.subject)).one()
        target_stage = StageStatus.in_progress if action.kind == ActionKind.start_stage else StageStatus.done
        if stage.status != target_stage and stage.status != StageStatus.done:
            verb = "stage.started" if target_stage == StageStatus.in_progress else "stage.finished"
            audit(verb, stage, stage.key, {"status": stage.status}, {"status": target_stage})
            stage.status = target_stage
            session.add(stage)
            changed.append(f"stage {stage.key} {target_stage.value}")
            if target_stage == StageStatus.in_progress:
                changed += _move_themes_for_stage(session, cycle, stage.key, now=now, actor=actor)
    elif action.kind == ActionKind.flag_overdue:
        tasks = session.exec(select(Task).where(Task.cycle_id == cycle.id, col(Task.key).in_(action.task_keys))).all()
        flagged = set(
            session.exec(
                select(AuditEvent.entity_id).where(
                    AuditEvent.action == OVERDUE_ACTION, col(AuditEvent.entity_id).in_([t.id for t in tasks])
                )
            ).all()
        )
        for task in tasks:
            if task.id not in flagged:
                audit(OVERDUE_ACTION, task, task.key, {"due_date": task.due_date}, {"status": "overdue"})
                changed.append(f"task {task.key} overdue")
    else:
        raise ValueError(f"{action.kind} is not bookkeeping")
    session.flush()
    return changed


def _move_themes_for_stage(session: Session, cycle: Cycle, stage_key: str, *, now: datetime, actor: str) -> list[str]:
    move = STAGE_MOVES.get(stage_key)
    if move is None:
        return []
    source, target = move
    themes = session.exec(
        select(Theme).where(
            Theme.council_id == cycle.council_id,
            Theme.current_fiscal_year == cycle.fiscal_year,
            Theme.status == source,
        )
    ).all()
    for theme in themes:
        transition(session, theme, target, now=now, actor=actor, comment=f"stage {stage_key} started")
    return [f"theme {theme.code} {target.value}" for theme in themes]
