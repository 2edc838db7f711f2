"""Where a fiscal year stands (`council status`): stages with progress, meetings, tasks, the survey's respondents,
and what was produced (documents, deliveries, feeds). Read-only; `payload` is the documented JSON form (README,
"council status JSON")."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from council.cases.catalogue import YearCases, year_cases
from council.clock import TOKYO
from council.errors import NotFoundError
from council.survey.status import respondent_statuses
from council.survey.store import council_id_for, find_survey
from council.tick.state import last_tick
from council.wareki import fiscal_year_label
from models import (
    Approval,
    ApprovalStatus,
    Contact,
    Cycle,
    Delivery,
    DeliveryStatus,
    Document,
    DocumentKind,
    DocumentStatus,
    FeedSnapshot,
    Meeting,
    Organization,
    Stage,
    Task,
    TaskStatus,
)
from models.enums import CLOSED_TASK_STATUSES, OPEN_TASK_STATUSES


@dataclass(frozen=True)
class StageLine:
    key: str
    title: str
    start: date
    end: date
    status: str
    tasks_total: int
    tasks_closed: int  # done or cancelled

    @property
    def progress(self) -> float:
        """Share of the stage's tasks that are settled (1.0 for a done stage without tasks)."""
        if self.tasks_total:
            return round(self.tasks_closed / self.tasks_total, 3)
        return 1.0 if self.status == "done" else 0.0


@dataclass(frozen=True)
class MeetingLine:
    key: str
    title: str
    kind: str
    starts_at: str  # ISO 8601 in Asia/Tokyo
    ends_at: str
    venue: str | None
    status: str
    revision: int
    awaiting_approval: bool
    approval: str | None  # the latest approval's state: requested, approved, changes_requested, expired
    approval_comment: str | None


@dataclass(frozen=True)
class OverdueLine:
    key: str
    title: str
    due: date
    days_overdue: int
    owner: str | None


@dataclass(frozen=True)
class RespondentLine:
    code: str
    name: str
    kind: str
    status: str
    deadline: date
    answered_at: str | None
    answers: int
    reminders: tuple[str, ...]
    overdue: bool


@dataclass(frozen=True)
class YearStatus:
    fiscal_year: int
    as_of: date
    cycle_status: str
    last_tick: date | None
    stages: tuple[StageLine, ...]
    meetings: tuple[MeetingLine, ...]
    tasks: dict[str, int]  # by stored status, plus 'overdue'
    overdue: tuple[OverdueLine, ...]
    survey_status: str | None  # None (not opened), 'open' or 'closed'
    respondents: tuple[RespondentLine, ...]
    documents: dict[str, int]  # issued versions in force, by kind
    drafts: dict[str, int]  # drafts (案) waiting to be issued, by kind
    deliveries: dict[str, int]  # by status
    undeliverable: tuple[str, ...]  # recipients recorded without an address: '山形市 企画担当課長 (調査依頼)'
    feeds: int
    cases: YearCases = field(default_factory=lambda: YearCases((), ()))  # 先進事例 chosen, 横展開 recorded


def year_status(session: Session, *, fiscal_year: int, today: date, council_code: str) -> YearStatus:
    council_id = council_id_for(session, council_code)
    cycle = session.exec(select(Cycle).where(Cycle.council_id == council_id, Cycle.fiscal_year == fiscal_year)).first()
    if cycle is None:
        raise NotFoundError(f"fiscal year {fiscal_year} is not planned: run `council plan --fy {fiscal_year}`")
    stages = session.exec(select(Stage).where(Stage.cycle_id == cycle.id).order_by(col(Stage.sort_order))).all()
    meetings = session.exec(select(Meeting).where(Meeting.cycle_id == cycle.id).order_by(col(Meeting.starts_at))).all()
    tasks = session.exec(
        select(Task).where(Task.cycle_id == cycle.id).order_by(col(Task.due_date), col(Task.key))
    ).all()
    meeting_stage = {meeting.id: meeting.stage_id for meeting in meetings}
    owners = dict(session.exec(select(Organization.id, Organization.code)).all())

    def stage_of(task: Task) -> int | None:
        return task.stage_id if task.stage_id is not None else meeting_stage.get(task.meeting_id)

    stage_lines = []
    for stage in stages:
        own = [task for task in tasks if stage_of(task) == stage.id]
        stage_lines.append(
            StageLine(
                stage.key,
                stage.title,
                stage.start_date,
                stage.end_date,
                stage.status.value,
                len(own),
                sum(1 for task in own if task.status in CLOSED_TASK_STATUSES),
            )
        )
    latest_approval: dict[int, Approval] = {}
    for approval in session.exec(
        select(Approval)
        .where(col(Approval.meeting_id).in_([m.id for m in meetings]))
        .order_by(col(Approval.requested_at), col(Approval.id))
    ).all():
        latest_approval[approval.meeting_id] = approval
    meeting_lines = tuple(
        MeetingLine(
            m.key,
            m.title,
            m.kind.value,
            m.starts_at.astimezone(TOKYO).isoformat(),
            m.ends_at.astimezone(TOKYO).isoformat(),
            m.venue,
            m.status.value,
            m.revision,
            m.id in latest_approval and latest_approval[m.id].status == ApprovalStatus.requested,
            latest_approval[m.id].status.value if m.id in latest_approval else None,
            latest_approval[m.id].comment if m.id in latest_approval else None,
        )
        for m in meetings
    )
    overdue = tuple(
        OverdueLine(t.key, t.title, t.due_date, (today - t.due_date).days, owners.get(t.owner_id))
        for t in tasks
        if t.status in OPEN_TASK_STATUSES and t.due_date < today
    )
    counts = Counter(task.status.value for task in tasks)
    task_counts = {status.value: counts.get(status.value, 0) for status in TaskStatus} | {"overdue": len(overdue)}
    survey = find_survey(session, fiscal_year, council_code)
    respondents: tuple[RespondentLine, ...] = ()
    if survey is not None:
        respondents = tuple(
            RespondentLine(
                r.organization_code,
                r.organization_name,
                r.kind.value,
                r.status.value,
                r.deadline,
                r.answered_at.astimezone(TOKYO).isoformat() if r.answered_at else None,
                r.answer_count,
                r.reminders,
                r.overdue,
            )
            for r in respondent_statuses(session, survey, today)
        )
    documents = _count_by_kind(session, cycle, DocumentStatus.issued)
    drafts = _count_by_kind(session, cycle, DocumentStatus.draft)
    undeliverable = tuple(
        f"{organization.name} {contact.role}（{document.title}）"
        for organization, contact, document in session.exec(
            select(Organization, Contact, Document)
            .join(Contact, col(Contact.organization_id) == col(Organization.id))
            .join(Delivery, col(Delivery.contact_id) == col(Contact.id))
            .join(Document, col(Document.id) == col(Delivery.document_id))
            .where(Document.cycle_id == cycle.id, Delivery.status == DeliveryStatus.undeliverable)
            .order_by(col(Document.id), col(Organization.sort_order))
        ).all()
    )
    deliveries = dict(
        session.exec(
            select(Delivery.status, func.count())
            .join(Document, col(Document.id) == Delivery.document_id)
            .where(Document.cycle_id == cycle.id)
            .group_by(col(Delivery.status))
        ).all()
    )
    tick = last_tick(session, council_id)
    return YearStatus(
        fiscal_year=fiscal_year,
        as_of=today,
        cycle_status=cycle.status.value,
        last_tick=tick.as_of if tick else None,
        stages=tuple(stage_lines),
        meetings=meeting_lines,
        tasks=task_counts,
        overdue=overdue,
        survey_status=survey.status.value if survey else None,
        respondents=respondents,
        documents=documents,
        drafts=drafts,
        deliveries={DeliveryStatus(status).value: count for status, count in sorted(deliveries.items())},
        undeliverable=undeliverable,
        feeds=session.exec(select(func.count()).select_from(FeedSnapshot)).one(),
        cases=year_cases(session, cycle.id or 0, council_id, fiscal_year),
    )


def _count_by_kind(session: Session, cycle: Cycle, status: DocumentStatus) -> dict[str, int]:
    counts = session.exec(
        select(Document.kind, func.count())
        .where(Document.cycle_id == cycle.id, Document.status == status)
        .group_by(col(Document.kind))
    ).all()
    return {DocumentKind(kind).value: count for kind, count in sorted(counts)}


def payload(status: YearStatus) -> dict[str, Any]:
    """The JSON form of `council status --format json` (keys documented in the README)."""
    answered = [r for r in status.respondents if r.status in ("answered", "late")]
    return {
        "fiscal_year": status.fiscal_year,
        "label": fiscal_year_label(status.fiscal_year),
        "as_of": status.as_of.isoformat(),
        "cycle_status": status.cycle_status,
        "last_tick": status.last_tick.isoformat() if status.last_tick else None,
        "stages": [
            {
                "key": s.key,
                "title": s.title,
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "status": s.status,
                "tasks_total": s.tasks_total,
                "tasks_closed": s.tasks_closed,
                "progress": s.progress,
            }
            for s in status.stages
        ],
        "meetings": [
            {
                "key": m.key,
                "title": m.title,
                "kind": m.kind,
                "starts_at": m.starts_at,
                "ends_at": m.ends_at,
                "venue": m.venue,
                "status": m.status,
                "revision": m.revision,
                "awaiting_approval": m.awaiting_approval,
                "approval": m.approval,
                "approval_comment": m.approval_comment,
            }
            for m in status.meetings
        ],
        "tasks": dict(status.tasks),
        "overdue_tasks": [
            {"key": t.key, "title": t.title, "due": t.due.isoformat(), "days_overdue": t.days_overdue, "owner": t.owner}
            for t in status.overdue
        ],
        "survey": None
        if status.survey_status is None
        else {
            "status": status.survey_status,
            "respondents": len(status.respondents),
            "answered": len(answered),
            "late": sum(1 for r in status.respondents if r.status == "late"),
            "organizations": [
                {
                    "code": r.code,
                    "name": r.name,
                    "kind": r.kind,
                    "status": r.status,
                    "deadline": r.deadline.isoformat(),
                    "answered_at": r.answered_at,
                    "answers": r.answers,
                    "reminders": list(r.reminders),
                    "overdue": r.overdue,
                }
                for r in status.respondents
            ],
        },
        "documents": dict(status.documents),
        "drafts": dict(status.drafts),
        "deliveries": dict(status.deliveries),
        "undeliverable": list(status.undeliverable),
        "feeds": status.feeds,
        "cases": {
            "chosen": [
                {"meeting": meeting, "code": code, "title": title} for meeting, code, title in status.cases.chosen
            ],
            "adoptions": [
                {"code": code, "title": title, "municipality": name} for code, title, name in status.cases.adoptions
            ],
        },
    }
