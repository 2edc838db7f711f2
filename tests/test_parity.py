"""Every action is one use case, whatever the way in: each action is run once through the CLI and once through its
Prefect flow, on two fresh databases brought to the same state, on the same day — and the two leave the same rows
(tasks, meetings, documents and their numbers, deliveries, decisions, approvals, themes, survey, reminders, feeds)
and the same audit events, apart from who acted (the CLI's person, the flow's `flow:<name>`) and the run ids.

The flows run in-process against the session's Prefect test server; the CLI runs in-process through its Typer app
with the wall clock set to the same day at 09:00 Tokyo.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

import council.cli.common
from council.cli.main import app
from council.clock import TOKYO
from council.config import load_settings, reset_settings
from council.context import Clock, Context
from council.meetings.actions import prepare_meeting
from council.planning.rules import load_rules
from council.planning.store import plan_and_store
from council.simulation import install
from council.survey.actions import kickoff_survey, taxonomy
from council.survey.synthetic import synthetic_answers
from council.themes.actions import add_theme_action
from flows.common import open_transport, simulated_clock
from flows.meetings import (
    cancel_meeting_flow,
    postpone_meeting_flow,
    prepare_meeting_flow,
    record_meeting_flow,
    resume_waiting_run,
)
from flows.planning import pin_meeting_flow, plan_year_flow, publish_feeds_flow
from flows.secretariat import complete_task_flow, move_theme_flow, revise_document_flow
from flows.survey import survey_close, survey_intake, survey_kickoff, survey_reminders
from models import (
    Approval,
    AuditEvent,
    Contact,
    Delivery,
    Document,
    DocumentNumber,
    FeedSnapshot,
    Meeting,
    MeetingDecision,
    Organization,
    ReminderSent,
    SurveyRespondent,
    Task,
    Theme,
    ThemeEvent,
    ThemeStatus,
)
from models.db import engine_for, session_scope, upgrade_to_head

pytestmark = [pytest.mark.flow, pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]

FY = 2026
PLANNED_AT = datetime(2026, 2, 2, 9, 0, tzinfo=TOKYO)


@dataclass
class World:
    home: Path
    engine: Engine
    environment: dict[str, str] = field(default_factory=dict)

    def activate(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, value in self.environment.items():
            monkeypatch.setenv(name, value)
        reset_settings()

    def context(self, day: date) -> Context:
        settings = load_settings(self.environment_with_process())
        return Context(
            settings=settings,
            clock=Clock.on(day),
            actor="setup",
            engine=self.engine,
            open_transport=lambda: open_transport(settings),
        )

    def environment_with_process(self) -> dict[str, str]:
        return {**os.environ, **self.environment}


def make_world(root: Path, name: str, approval: str) -> World:
    home = root / name
    url = f"sqlite:///{home / 'council.db'}"
    engine = engine_for(url)
    upgrade_to_head(engine)
    world = World(
        home,
        engine,
        {
            "COUNCIL_HOME": str(home),
            "COUNCIL_DATABASE_URL": url,
            "COUNCIL_ACTOR": "secretariat-person",
            "COUNCIL_APPROVAL": approval,
            "COUNCIL_APPROVAL_POLL_SECONDS": "1",
        },
    )
    settings = load_settings(world.environment_with_process())
    with session_scope(engine) as session:
        install(session, reference_dir=settings.reference_dir, now=PLANNED_AT, actor="setup")
        plan_and_store(
            session,
            fiscal_year=FY,
            rules=load_rules(settings.cycle_file),
            now=PLANNED_AT,
            actor="setup",
            council_code=settings.council_code,
        )
    return world


# ------------------------------------------------------------------------------------------------- what is compared


def _sorted(items: Any) -> list[Any]:
    return sorted(items, key=repr)


def rows(engine: Engine) -> dict[str, Any]:
    """The state of a database by natural keys, leaving out ids, actors, run ids and wall-clock instants."""
    with Session(engine) as session:
        orgs = dict(session.exec(select(Organization.id, Organization.code)).all())
        contacts = {c.id: (orgs[c.organization_id], c.role) for c in session.exec(select(Contact)).all()}
        meetings = {m.id: m.key for m in session.exec(select(Meeting)).all()}
        themes = {t.id: t.code for t in session.exec(select(Theme)).all()}
        numbers = {n.id: (n.label, n.issued_on) for n in session.exec(select(DocumentNumber)).all()}
        documents = {d.id: d for d in session.exec(select(Document)).all()}

        def document_key(document_id: int) -> tuple[Any, ...]:
            document = documents[document_id]
            return (document.kind.value, document.subject, document.version)

        return {
            "tasks": _sorted(
                (t.key, t.status.value, t.due_date, t.origin.value, t.completed_at is not None)
                for t in session.exec(select(Task)).all()
            ),
            "meetings": _sorted(
                (m.key, m.status.value, m.revision, m.starts_at, m.ends_at, m.pinned)
                for m in session.exec(select(Meeting)).all()
            ),
            "documents": _sorted(
                (
                    d.kind.value,
                    d.subject,
                    d.version,
                    d.status.value,
                    d.content_hash,
                    d.issued_on,
                    d.planned_issue_on,
                    numbers.get(d.number_id) if d.number_id else None,
                    d.title,
                    d.addressees,
                    d.sender,
                    d.correction_reason,
                )
                for d in documents.values()
            ),
            "deliveries": _sorted(
                (*document_key(r.document_id), *contacts[r.contact_id], r.channel.value, r.status.value, r.attempts)
                for r in session.exec(select(Delivery)).all()
            ),
            "decisions": _sorted(
                (
                    meetings[r.meeting_id],
                    themes[r.theme_id],
                    r.outcome.value,
                    r.status_before.value,
                    r.status_after.value,
                )
                for r in session.exec(select(MeetingDecision)).all()
            ),
            "approvals": _sorted(
                (meetings[a.meeting_id], a.status.value, a.kinds, a.comment)
                for a in session.exec(select(Approval)).all()
            ),
            "themes": _sorted(
                (t.code, t.status.value, t.current_fiscal_year) for t in session.exec(select(Theme)).all()
            ),
            "theme_events": _sorted(
                (themes[e.theme_id], e.from_status.value if e.from_status else None, e.to_status.value, e.fiscal_year)
                for e in session.exec(select(ThemeEvent)).all()
            ),
            "respondents": _sorted(
                (orgs[r.organization_id], r.status.value, r.sent_at is not None, r.answered_at is not None)
                for r in session.exec(select(SurveyRespondent)).all()
            ),
            "reminders": _sorted(
                (orgs[r.organization_id], r.step, r.due_on, r.deadline)
                for r in session.exec(select(ReminderSent)).all()
            ),
            "feeds": _sorted((f.name, f.body_sha256, f.event_count) for f in session.exec(select(FeedSnapshot)).all()),
            "audit": Counter(
                (e.action, e.entity, e.entity_key)
                for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
            ),
        }


def outbox_names(home: Path) -> list[str]:
    outbox = home / "outbox"
    return sorted(str(path.relative_to(outbox)) for path in outbox.rglob("*.eml")) if outbox.is_dir() else []


# ------------------------------------------------------------------------------------------------- the cases


Setup = Callable[[World], None]


def nothing(world: World) -> None:
    return None


def kicked_off(world: World) -> None:
    kickoff_survey(world.context(date(2026, 4, 1)), FY)


def with_answers_in_inbox(world: World) -> None:
    kicked_off(world)
    ctx = world.context(date(2026, 4, 10))
    with ctx.transaction() as session:
        organizations = session.exec(
            select(Organization).where(col(Organization.code).in_(["062014", "062022", "dept-kikaku"]))
        ).all()
        files = synthetic_answers(
            FY, organizations, 7, world.home / "answers", stamp=PLANNED_AT, taxonomy=taxonomy(ctx)
        )
    inbox = world.home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for item in files:
        (inbox / item.path.name).write_bytes(item.path.read_bytes())


def answered(world: World) -> None:
    with_answers_in_inbox(world)
    from council.survey.actions import import_answers

    import_answers(world.context(date(2026, 4, 10)))


def notice_sent(world: World) -> None:
    prepare_meeting(world.context(date(2026, 6, 10)), FY, "secretariat-1", kinds=("notice",), approval=False)


def meeting_prepared(world: World) -> None:
    prepare_meeting(world.context(date(2026, 6, 10)), FY, "secretariat-1", kinds=("notice",), approval=False)
    prepare_meeting(world.context(date(2026, 6, 19)), FY, "secretariat-1", kinds=("agenda",), approval=False)


def a_candidate(world: World) -> None:
    from models import SurveySection

    add_theme_action(
        world.context(date(2026, 5, 20)),
        fiscal_year=FY,
        title="買い物支援",
        section=SurveySection.policy,
        category="shopping",
        code="T2026-shopping",
    )


def first_notice_id(world: World) -> str:
    with Session(world.engine) as session:
        document = session.exec(
            select(Document).where(Document.kind == "notice", Document.subject == "secretariat-1")
        ).one()
        return str(document.id)


@dataclass(frozen=True)
class Case:
    name: str
    day: date
    setup: Setup
    cli: Callable[[World], list[str]]
    flow: Callable[[World], object]
    approval: str = "off"


CASES = [
    Case(
        "plan",
        date(2026, 12, 1),
        nothing,
        lambda w: ["plan", "--fy", "2027"],
        lambda w: plan_year_flow(2027, as_of=date(2026, 12, 1)),
    ),
    Case(
        "pin",
        date(2026, 3, 2),
        nothing,
        lambda w: ["meeting", "pin", "council-1", "--fy", "2026", "--date", "2026-07-08"],
        lambda w: pin_meeting_flow(FY, "council-1", date(2026, 7, 8), as_of=date(2026, 3, 2)),
    ),
    Case(
        "kickoff",
        date(2026, 4, 1),
        nothing,
        lambda w: ["survey", "kickoff", "--fy", "2026", "--as-of", "2026-04-01"],
        lambda w: survey_kickoff(FY, as_of=date(2026, 4, 1)),
    ),
    Case(
        "import answers",
        date(2026, 4, 10),
        with_answers_in_inbox,
        lambda w: ["survey", "inbox"],
        lambda w: survey_intake(FY, as_of=date(2026, 4, 10)),
    ),
    Case(
        "send reminders",
        date(2026, 4, 17),
        answered,
        lambda w: ["survey", "reminders", "--fy", "2026", "--send"],
        lambda w: survey_reminders(FY, as_of=date(2026, 4, 17)),
    ),
    Case(
        "close the survey",
        date(2026, 5, 7),
        answered,
        lambda w: ["survey", "close", "--fy", "2026"],
        lambda w: survey_close(FY, as_of=date(2026, 5, 7), publish=False),
    ),
    Case(
        "prepare a meeting",
        date(2026, 6, 10),
        nothing,
        lambda w: ["meeting", "prepare", "secretariat-1", "--fy", "2026"],
        lambda w: prepare_meeting_flow(FY, "secretariat-1", as_of=date(2026, 6, 10), publish=False),
    ),
    Case(
        "record a meeting",
        date(2026, 6, 25),
        meeting_prepared,
        lambda w: ["meeting", "record", "secretariat-1", "--fy", "2026"],
        lambda w: record_meeting_flow(FY, "secretariat-1", as_of=date(2026, 6, 25), publish=False),
    ),
    Case(
        "cancel a meeting",
        date(2026, 6, 12),
        notice_sent,
        lambda w: ["meeting", "cancel", "secretariat-1", "--fy", "2026", "--reason", "台風の接近のため"],
        lambda w: cancel_meeting_flow(FY, "secretariat-1", "台風の接近のため", as_of=date(2026, 6, 12)),
    ),
    Case(
        "postpone a meeting",
        date(2026, 6, 12),
        notice_sent,
        lambda w: ["meeting", "postpone", "secretariat-1", "--fy", "2026", "--date", "2026-06-23"],
        lambda w: postpone_meeting_flow(FY, "secretariat-1", date(2026, 6, 23), as_of=date(2026, 6, 12)),
    ),
    Case(
        "complete a task",
        date(2026, 5, 29),
        nothing,
        lambda w: ["tasks", "done", "themes:candidates", "--fy", "2026"],
        lambda w: complete_task_flow(FY, "themes:candidates", as_of=date(2026, 5, 29)),
    ),
    Case(
        "move a theme",
        date(2026, 7, 2),
        a_candidate,
        lambda w: ["themes", "update", "T2026-shopping", "--status", "adopted"],
        lambda w: move_theme_flow("T2026-shopping", ThemeStatus.adopted, as_of=date(2026, 7, 2)),
    ),
    Case(
        "correct a document",
        date(2026, 6, 11),
        notice_sent,
        lambda w: ["docs", "revise", first_notice_id(w), "--reason", "会場の誤り"],
        lambda w: revise_document_flow(int(first_notice_id(w)), "会場の誤り", as_of=date(2026, 6, 11)),
    ),
    Case(
        "publish feeds",
        date(2026, 6, 1),
        nothing,
        lambda w: ["feeds", "publish"],
        lambda w: publish_feeds_flow(as_of=date(2026, 6, 1)),
    ),
]


@pytest.fixture
def fixed_cli_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    def set_day(day: date) -> None:
        instant = Clock.on(day).now
        monkeypatch.setattr(council.cli.common, "now_utc", lambda: instant)

    return set_day


def run_cli(world: World, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    world.activate(monkeypatch)
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_cli_and_the_flow_leave_the_same_rows(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixed_cli_clock: Callable[[date], None]
) -> None:
    by_cli, by_flow = make_world(tmp_path, "cli", case.approval), make_world(tmp_path, "flow", case.approval)
    for world in (by_cli, by_flow):
        world.activate(monkeypatch)
        case.setup(world)
    before = rows(by_flow.engine)
    assert rows(by_cli.engine) == before  # the same starting point

    fixed_cli_clock(case.day)
    run_cli(by_cli, case.cli(by_cli), monkeypatch)
    by_flow.activate(monkeypatch)
    with simulated_clock():
        case.flow(by_flow)

    cli_rows, flow_rows = rows(by_cli.engine), rows(by_flow.engine)
    for table in cli_rows:
        assert cli_rows[table] == flow_rows[table], table
    assert outbox_names(by_cli.home) == outbox_names(by_flow.home)
    assert flow_rows != before, "the action changed nothing"


# ------------------------------------------------------------------------------------------------- approval


def test_approving_from_the_cli_and_from_the_prefect_ui_leaves_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixed_cli_clock: Callable[[date], None]
) -> None:
    """The CLI way: `council meeting prepare` asks, `council approve` answers and the preparation goes on. The
    flow way: prepare-meeting waits (paused) and the answer comes as the UI's Resume would send it."""
    day = date(2026, 6, 10)
    by_cli, by_flow = make_world(tmp_path, "cli", "on"), make_world(tmp_path, "flow", "on")
    fixed_cli_clock(day)
    run_cli(by_cli, ["meeting", "prepare", "secretariat-1", "--fy", "2026"], monkeypatch)
    run_cli(by_cli, ["approve", "secretariat-1", "--fy", "2026", "--comment", "了承"], monkeypatch)

    by_flow.activate(monkeypatch)
    finished: dict[str, object] = {}

    def run_flow() -> None:
        with simulated_clock():
            finished["report"] = prepare_meeting_flow(FY, "secretariat-1", as_of=day, publish=False)

    waiting = threading.Thread(target=run_flow)
    waiting.start()
    run_id = wait_for_request(by_flow.engine)
    assert resume_waiting_run(
        UUID(run_id), {"decision": "approve", "comment": "了承", "approver": "secretariat-person"}
    )
    waiting.join(timeout=120)
    assert "report" in finished

    cli_rows, flow_rows = rows(by_cli.engine), rows(by_flow.engine)
    for table in ("tasks", "meetings", "documents", "deliveries", "approvals"):
        assert cli_rows[table] == flow_rows[table], table
    assert outbox_names(by_cli.home) == outbox_names(by_flow.home)
    assert [row[1] for row in cli_rows["approvals"]] == ["approved"]


def wait_for_request(engine: Engine, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as session:
            approval = session.exec(select(Approval).where(col(Approval.flow_run_id).is_not(None))).first()
            if approval is not None and approval.flow_run_id:
                return approval.flow_run_id
        time.sleep(0.2)
    raise AssertionError("the flow never asked for approval")
