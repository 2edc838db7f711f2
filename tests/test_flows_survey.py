"""The survey flows on the shared Prefect test server: kickoff (and killed kickoffs run again), intake, reminders,
close. Real SQLite, real outbox files; the database decides what was already done."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort
from prefect.events.filters import EventFilter, EventNameFilter
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

import flows.common
from council.config import Settings, get_settings
from council.delivery.channels import OutboundMail, Transport
from council.errors import InputError
from council.survey.store import Audience
from council.survey.synthetic import synthetic_answers
from council.survey.taxonomy import TAXONOMY_FILE, load_taxonomy
from flows.common import NotRetriedError, set_fault_hook
from flows.survey import survey_close, survey_intake, survey_kickoff, survey_reminders
from models import (
    AuditEvent,
    Delivery,
    DeliveryStatus,
    Document,
    DocumentKind,
    DocumentNumber,
    DocumentStatus,
    Organization,
    Survey,
    SurveyRespondent,
    Task,
    TaskStatus,
    Theme,
)
from models.db import session_scope
from models.survey import ResponseStatus

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_server")]

FY = 2026
KICKOFF_DAY = date(2026, 4, 1)


class KilledError(NotRetriedError):
    """Stands for the process being killed at that point (a retry would not happen either)."""


def counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            "deliveries": session.exec(select(func.count()).select_from(Delivery)).one(),
            "sent": session.exec(
                select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.sent)
            ).one(),
            "documents": session.exec(select(func.count()).select_from(Document)).one(),
            "numbers": session.exec(select(func.count()).select_from(DocumentNumber)).one(),
            "tasks": session.exec(select(func.count()).select_from(Task)).one(),
            "respondents": session.exec(select(func.count()).select_from(SurveyRespondent)).one(),
            "audit": session.exec(select(func.count()).select_from(AuditEvent)).one(),
        }


def outbox_files(home: Path) -> list[Path]:
    return sorted((home / "outbox").rglob("*.eml"))


def response_tasks(engine: Engine) -> list[Task]:
    with session_scope(engine) as session:
        return list(session.exec(select(Task).where(col(Task.key).startswith("survey-response:"))).all())


def read_artifact_data(key: str) -> tuple[UUID, object]:
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(  # the newest of that key: every test of the session shares the server
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])), sort=ArtifactSort.CREATED_DESC, limit=1
        )
        return artifact.id, artifact.data


def events_named(name: str, attempts: int = 50) -> list[object]:
    """Events are persisted asynchronously by the server: wait a little for them."""
    for _ in range(attempts):
        with get_client(sync_client=True) as client:
            page = client.read_events(filter=EventFilter(event=EventNameFilter(name=[name])), limit=50)
        if page.events:
            return list(page.events)
        time.sleep(0.2)
    return []


def assert_each_mail_carries_only_its_own_form(files: list[Path]) -> None:
    """The 調査依頼 goes to everyone with the letter; each organisation's mail also carries its own pre-filled form."""
    forms_seen = 0
    for path in files:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        names = [part.get_filename() or "" for part in message.iter_attachments()]
        forms = [name for name in names if name.endswith(".xlsx")]
        assert any(name.endswith(".pdf") for name in names), names
        assert len(forms) == 1, (path.name, names)
        assert forms[0].startswith(f"survey-{FY}-"), forms
        code = forms[0].removeprefix(f"survey-{FY}-").removesuffix(".xlsx")
        assert path.name.startswith(f"{code}-"), (code, path.name)
        forms_seen += 1
    assert forms_seen == len(files) >= MUNICIPALITIES


# The kickoff's steps, in order: after each one a run may be killed (flows.common.prefect_step's checkpoint).
KICKOFF_STEPS = (
    "open-survey",
    "requests-due",
    "issue-survey-request",
    "deliver-document",
    "record-requests-sent",
    "survey-started",
    "publish-feeds",
)
MUNICIPALITIES = 35  # on the kickoff day only the municipalities' window is open: theirs is the only letter


def test_kickoff_opens_the_survey_sends_once_and_shows_it(flow_world: Path, sqlite_engine: Engine) -> None:
    passed: list[str] = []
    set_fault_hook(passed.append)
    report = survey_kickoff(FY, as_of=KICKOFF_DAY)
    set_fault_hook(None)
    assert tuple(passed) == tuple(f"after:{step}" for step in KICKOFF_STEPS)
    after = counts(sqlite_engine)
    assert report.completed
    assert report.opened.respondents == after["respondents"] > 40
    assert report.opened.tasks_created == report.opened.respondents
    [batch] = report.requests
    assert batch.audience == Audience.municipalities
    assert batch.delivery.sent == report.sent == after["sent"] == after["deliveries"] == MUNICIPALITIES
    assert (batch.delivery.not_delivered, batch.delivery.undeliverable) == (0, 0)
    assert len(outbox_files(flow_world)) == batch.delivery.sent
    assert batch.forms == MUNICIPALITIES
    with session_scope(sqlite_engine) as session:
        opened = session.exec(select(Task).where(Task.key == "survey:open")).one()
        statuses = set(session.exec(select(SurveyRespondent.status)).all())
        done_event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "task.done", AuditEvent.entity_id == opened.id)
        ).one()
        request = session.get(Document, batch.document_id)
        assert request is not None
        number = session.get(DocumentNumber, request.number_id)
    # The request is an issued record: numbered, dated the kickoff day, by the flow.
    assert (request.kind, request.status, request.issued_on) == (
        DocumentKind.survey_request,
        DocumentStatus.issued,
        KICKOFF_DAY,
    )
    assert request.issued_by == "flow:survey-kickoff"
    assert number is not None
    assert (number.fiscal_year, number.sequence, number.issued_on) == (FY, 1, KICKOFF_DAY)
    assert opened.status == TaskStatus.done
    assert opened.completed_by == "flow:survey-kickoff"
    assert opened.flow_run_id
    assert done_event.flow_run_id == opened.flow_run_id
    assert statuses == {ResponseStatus.sent, ResponseStatus.not_sent}  # the departments' letter goes on 4/10
    # The deadline is the planner's survey:deadline (survey length after survey:open), not the stage's last day.
    assert date(2026, 4, 22) in {t.due_date for t in response_tasks(sqlite_engine)}
    assert_each_mail_carries_only_its_own_form(outbox_files(flow_world))
    _, progress = read_artifact_data(f"survey-{FY}-progress")
    assert progress == 0.0
    _, recipients = read_artifact_data(f"survey-{FY}-recipients")
    assert len(json.loads(str(recipients))) == batch.delivery.sent
    _, summary = read_artifact_data(f"survey-{FY}-kickoff")
    assert f"送信 {batch.delivery.sent} 件" in str(summary)

    again = survey_kickoff(FY, as_of=KICKOFF_DAY)
    assert again.requests == ()  # every letter due has gone: nothing is issued or sent again
    assert again.sent == 0
    assert again.completed
    assert again.opened.tasks_created == 0
    assert {k: v for k, v in counts(sqlite_engine).items() if k != "audit"} == {
        k: v for k, v in after.items() if k != "audit"
    }
    assert len(outbox_files(flow_world)) == batch.delivery.sent


class CrashingTransport:
    """The configured transport, killed after `sends` messages went out."""

    def __init__(self, inner: Transport, sends: int) -> None:
        self.inner, self.left = inner, sends
        self.channel = inner.channel

    def send(self, mail: OutboundMail) -> bool:
        if self.left == 0:
            raise KilledError("killed in the middle of the delivery batch")
        self.left -= 1
        return self.inner.send(mail)

    def close(self) -> None:
        self.inner.close()


def crash_in_the_delivery_batch(monkeypatch: pytest.MonkeyPatch, sends: int) -> None:
    real = flows.common.open_transport

    def opener(settings: Settings) -> Transport:
        return CrashingTransport(real(settings), sends=sends)

    monkeypatch.setattr(flows.common, "transport_opener", opener)


def kill_at(point: str) -> Callable[[str], None]:
    def hook(reached: str) -> None:
        if reached == point:
            raise KilledError(f"killed at {point}")

    return hook


def assert_nothing_sent_twice(home: Path, engine: Engine) -> dict[str, int]:
    now = counts(engine)
    with session_scope(engine) as session:
        per_contact = session.exec(
            select(Delivery.document_id, Delivery.contact_id, func.count()).group_by(
                col(Delivery.document_id), col(Delivery.contact_id)
            )
        ).all()
        requests = session.exec(select(Document).where(Document.kind == DocumentKind.survey_request)).all()
        surveys = session.exec(select(func.count()).select_from(Survey)).one()
    assert all(number == 1 for _, _, number in per_contact)
    assert len(requests) <= 1
    assert now["numbers"] == len(requests)  # one 文書番号, taken once
    assert surveys == 1
    assert len(outbox_files(home)) == now["sent"]
    keys = [t.key for t in response_tasks(engine)]
    assert len(keys) == len(set(keys)) == now["respondents"]
    return now


def test_a_kickoff_killed_at_every_step_boundary_and_run_again_delivers_exactly_once(
    flow_world: Path, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after each step in turn (and once in the middle of the delivery batch): every run starts from what
    the killed one left, the last one finishes the job, and nobody ever gets the request twice."""
    kills = [f"after:{step}" for step in KICKOFF_STEPS]
    kills.insert(KICKOFF_STEPS.index("deliver-document"), "mid-delivery")
    for kill in kills:
        if kill == "mid-delivery":
            crash_in_the_delivery_batch(monkeypatch, sends=7)
        else:
            set_fault_hook(kill_at(kill))
        with pytest.raises(KilledError):
            survey_kickoff(FY, as_of=KICKOFF_DAY)
        set_fault_hook(None)
        monkeypatch.undo()
        now = assert_nothing_sent_twice(flow_world, sqlite_engine)
        if kill == "after:open-survey":
            assert now["respondents"] > 40
            assert (now["documents"], now["deliveries"]) == (0, 0)
        if kill == "after:issue-survey-request":
            assert (now["documents"], now["numbers"], now["sent"]) == (1, 1, 0)
        if kill == "mid-delivery":
            assert now["sent"] == 7
        if kill == "after:deliver-document":
            assert now["sent"] == MUNICIPALITIES
            with session_scope(sqlite_engine) as session:  # the run died before recording who has the request
                assert set(session.exec(select(SurveyRespondent.status)).all()) == {ResponseStatus.not_sent}

    report = survey_kickoff(FY, as_of=KICKOFF_DAY)

    assert report.completed
    assert report.sent == 0
    after = assert_nothing_sent_twice(flow_world, sqlite_engine)
    assert after["deliveries"] == after["sent"] == MUNICIPALITIES
    with session_scope(sqlite_engine) as session:
        sent = session.exec(
            select(func.count()).select_from(SurveyRespondent).where(SurveyRespondent.status == ResponseStatus.sent)
        ).one()
        assert sent == MUNICIPALITIES
        opened = session.exec(select(Task).where(Task.key == "survey:open")).one()
    assert opened.status == TaskStatus.done


def drop_answers(home: Path, engine: Engine, codes: list[str]) -> None:
    with session_scope(engine) as session:
        organizations = session.exec(select(Organization).where(col(Organization.code).in_(codes))).all()
        stamp = session.exec(select(Survey)).one().opened_at
    settings = get_settings()
    taxonomy = load_taxonomy(settings.reference_file(TAXONOMY_FILE))
    made = synthetic_answers(FY, organizations, 5, home / "answers", stamp=stamp, taxonomy=taxonomy)
    inbox = settings.inbox_dir
    inbox.mkdir(parents=True, exist_ok=True)
    for item in made:
        shutil.copy(item.path, inbox / item.path.name)


def test_intake_completes_response_tasks_updates_progress_in_place_and_emits(
    flow_world: Path, sqlite_engine: Engine
) -> None:
    kickoff = survey_kickoff(FY, as_of=KICKOFF_DAY)
    progress_id, _ = read_artifact_data(f"survey-{FY}-progress")
    drop_answers(flow_world, sqlite_engine, ["062014", "062022", "dept-kikaku"])

    report = survey_intake(FY, as_of=date(2026, 4, 10))

    accepted = sorted(str(item.organization_code) for item in report.files if item.outcome == "accepted")
    assert accepted == ["062014", "062022", "dept-kikaku"]
    assert (report.rejected, report.years) == ((), (FY,))
    done = {t.key for t in response_tasks(sqlite_engine) if t.status == TaskStatus.done}
    assert done == {"survey-response:062014", "survey-response:062022", "survey-response:dept-kikaku"}
    artifact_id, progress = read_artifact_data(f"survey-{FY}-progress")
    assert artifact_id == progress_id
    assert progress == pytest.approx(100 * 3 / kickoff.opened.respondents)
    received = events_named("council.survey.response-received")
    assert {e.payload["organization_code"] for e in received} >= {"062014", "062022", "dept-kikaku"}  # type: ignore[attr-defined]
    assert {e.resource.id for e in received} == {f"council.{FY}.survey"}  # type: ignore[attr-defined]


def reminder_letters(engine: Engine) -> list[Document]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(Document).where(Document.kind == DocumentKind.survey_reminder).order_by(col(Document.id))
            ).all()
        )


def test_reminders_go_to_those_who_have_not_answered_once_per_step(flow_world: Path, sqlite_engine: Engine) -> None:
    survey_kickoff(FY, as_of=KICKOFF_DAY)
    drop_answers(flow_world, sqlite_engine, ["062014"])
    survey_intake(FY, as_of=date(2026, 4, 10))
    before = counts(sqlite_engine)["sent"]

    report = survey_reminders(FY, as_of=date(2026, 4, 17))  # 3 business days before the 4/22 deadline

    assert report.reminded
    assert not any(code.startswith("062014:") for code in report.reminded)
    [batch] = report.batches
    assert (batch.step, batch.deadline, batch.new_deadline) == ("before-3", date(2026, 4, 22), None)
    sent = counts(sqlite_engine)["sent"] - before
    assert sent == len(report.reminded) == batch.sent
    # Before the deadline it asks kindly and restates the deadline; an issued record dated the day it went out.
    [letter] = reminder_letters(sqlite_engine)
    assert letter.id == batch.document_id
    assert letter.title.endswith("の提出について（お願い）")
    assert (letter.status, letter.issued_on) == (DocumentStatus.issued, date(2026, 4, 17))
    again = survey_reminders(FY, as_of=date(2026, 4, 17))
    assert again.reminded == ()
    assert counts(sqlite_engine)["sent"] - before == sent
    assert len(reminder_letters(sqlite_engine)) == 1


def test_a_reminder_after_the_deadline_sets_a_new_one(flow_world: Path, sqlite_engine: Engine) -> None:
    survey_kickoff(FY, as_of=KICKOFF_DAY)
    drop_answers(flow_world, sqlite_engine, ["062014"])
    survey_intake(FY, as_of=date(2026, 4, 10))

    # The first business day after the 4/22 deadline; the missed before-3 step is not sent late.
    report = survey_reminders(FY, as_of=date(2026, 4, 23))

    [batch] = report.batches
    # 3 business days after the day it is sent (reference/survey.yaml new_deadline_business_days).
    assert (batch.step, batch.deadline, batch.new_deadline) == ("after-1", date(2026, 4, 22), date(2026, 4, 28))
    assert "062014" not in batch.organizations
    [letter] = reminder_letters(sqlite_engine)
    assert letter.title.endswith("の提出について（再依頼）")
    assert letter.issued_on == date(2026, 4, 23)
    body = next((flow_world / letter.directory).glob("*.md")).read_text(encoding="utf-8")
    assert "提出期限を令和8年4月28日（火）とさせていただきます" in body
    _, table = read_artifact_data(f"survey-{FY}-reminders")
    rows = json.loads(str(table))
    assert {row["新たな期限"] for row in rows} == {"令和8年4月28日（火）"}
    assert len(rows) == len(batch.organizations)


def test_close_tallies_cancels_the_missing_and_creates_candidates(flow_world: Path, sqlite_engine: Engine) -> None:
    survey_kickoff(FY, as_of=KICKOFF_DAY)
    with session_scope(sqlite_engine) as session:
        municipalities = session.exec(select(Organization.code).where(Organization.kind == "municipality")).all()
    answering = [*sorted(municipalities)[:30], "dept-kikaku", "dept-kendo"]
    drop_answers(flow_world, sqlite_engine, answering)
    survey_intake(FY, as_of=date(2026, 4, 20))

    report = survey_close(FY, as_of=date(2026, 5, 12))

    assert report.closed.answered == len(answering)
    assert len(report.closed.cancelled_tasks) == report.closed.respondents - len(answering)
    assert report.delivery.sent > 0
    with session_scope(sqlite_engine) as session:
        statuses = {t.key: t.status for t in session.exec(select(Task)).all()}
        themes = session.exec(select(Theme.code)).all()
        summary = session.get(Document, report.summary_document_id)
    assert summary is not None
    assert (summary.kind, summary.status, summary.issued_on) == (
        DocumentKind.survey_summary,
        DocumentStatus.issued,
        date(2026, 5, 12),
    )
    assert statuses["survey:deadline"] == TaskStatus.done
    assert statuses["survey:summary"] == TaskStatus.done
    assert sorted(themes) == sorted(report.candidates)
    open_responses = [k for k, s in statuses.items() if k.startswith("survey-response:") and s == TaskStatus.pending]
    assert open_responses == []
    sent = counts(sqlite_engine)["sent"]
    again = survey_close(FY, as_of=date(2026, 5, 12))
    assert again.closed.cancelled_tasks == ()
    assert again.candidates == report.candidates
    assert again.summary_document_id == report.summary_document_id
    assert (again.delivery.sent, counts(sqlite_engine)["sent"]) == (0, sent)


def test_the_survey_is_not_closed_on_a_closed_day(flow_world: Path, sqlite_engine: Engine) -> None:
    survey_kickoff(FY, as_of=KICKOFF_DAY)
    with pytest.raises(InputError, match="is a closed day"):
        survey_close(FY, as_of=date(2026, 5, 9))  # a Saturday
    with session_scope(sqlite_engine) as session:
        assert session.exec(select(Survey)).one().closed_at is None
        assert session.exec(select(func.count()).select_from(Document)).one() == 1  # the request only
