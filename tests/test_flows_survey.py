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
from prefect.events.filters import EventFilter, EventNameFilter
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

import flows.common
import flows.delivery
from council.config import get_settings
from council.delivery.channels import OutboundMail, Transport
from council.survey.synthetic import synthetic_answers
from flows.common import NotRetriedError, set_fault_hook
from flows.survey import survey_close, survey_intake, survey_kickoff, survey_reminders
from models import (
    AuditEvent,
    Delivery,
    DeliveryStatus,
    Document,
    DocumentKind,
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
        (artifact,) = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])), limit=1)
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
    assert forms_seen == len(files) > 40


def test_kickoff_opens_the_survey_sends_once_and_shows_it(flow_world: Path, sqlite_engine: Engine) -> None:
    report = survey_kickoff(FY, as_of=KICKOFF_DAY)
    after = counts(sqlite_engine)
    assert report.completed
    assert report.respondents == after["respondents"] > 40
    assert report.response_tasks_created == report.respondents
    assert report.delivery.sent == after["sent"] == after["deliveries"] > 0
    assert report.delivery.not_delivered == 0
    assert len(outbox_files(flow_world)) == report.delivery.sent
    assert report.forms == report.respondents
    with session_scope(sqlite_engine) as session:
        opened = session.exec(select(Task).where(Task.key == "survey:open")).one()
        statuses = set(session.exec(select(SurveyRespondent.status)).all())
        done_event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "task.done", AuditEvent.entity_id == opened.id)
        ).one()
    assert opened.status == TaskStatus.done
    assert opened.completed_by == "flow:survey-kickoff"
    assert opened.flow_run_id
    assert done_event.flow_run_id == opened.flow_run_id
    assert statuses == {ResponseStatus.sent}
    # The deadline is the planner's survey:deadline (survey length after survey:open), not the stage's last day.
    assert {t.due_date for t in response_tasks(sqlite_engine)} == {date(2026, 4, 22)}
    assert_each_mail_carries_only_its_own_form(outbox_files(flow_world))
    _, progress = read_artifact_data(f"survey-{FY}-progress")
    assert progress == 0.0
    _, recipients = read_artifact_data(f"survey-{FY}-recipients")
    assert len(json.loads(str(recipients))) == report.delivery.sent

    again = survey_kickoff(FY, as_of=KICKOFF_DAY)
    assert again.delivery.sent == 0
    assert again.delivery.already_sent == report.delivery.sent
    assert again.response_tasks_created == 0
    assert {k: v for k, v in counts(sqlite_engine).items() if k != "audit"} == {
        k: v for k, v in after.items() if k != "audit"
    }
    assert len(outbox_files(flow_world)) == report.delivery.sent


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


@pytest.mark.parametrize(
    "crash_at",
    ["survey-kickoff:opened", "survey-kickoff:rendered", "mid-delivery", "delivered"],
)
def test_a_killed_kickoff_run_again_delivers_exactly_once(
    flow_world: Path, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch, crash_at: str
) -> None:
    if crash_at == "mid-delivery":
        real: Callable[[], Transport] = flows.common.open_transport
        monkeypatch.setattr(flows.delivery, "open_transport", lambda: CrashingTransport(real(), sends=7))
    else:

        def hook(point: str) -> None:
            if point == crash_at or (crash_at == "delivered" and point.startswith("delivered:")):
                raise KilledError(f"killed at {point}")

        set_fault_hook(hook)
    with pytest.raises(KilledError):
        survey_kickoff(FY, as_of=KICKOFF_DAY)
    set_fault_hook(None)
    monkeypatch.undo()

    report = survey_kickoff(FY, as_of=KICKOFF_DAY)

    assert report.completed
    after = counts(sqlite_engine)
    assert after["deliveries"] == after["sent"] == report.delivery.sent + report.delivery.already_sent
    with session_scope(sqlite_engine) as session:
        per_contact = session.exec(select(Delivery.contact_id, func.count()).group_by(col(Delivery.contact_id))).all()
        requests = session.exec(select(Document).where(Document.kind == DocumentKind.survey_request)).all()
        surveys = session.exec(select(func.count()).select_from(Survey)).one()
    assert all(number == 1 for _, number in per_contact)
    assert len(requests) == 1
    assert surveys == 1
    assert len(outbox_files(flow_world)) == after["sent"]
    keys = [t.key for t in response_tasks(sqlite_engine)]
    assert len(keys) == len(set(keys)) == after["respondents"]
    if crash_at == "mid-delivery":
        assert report.delivery.already_sent == 7


def drop_answers(home: Path, engine: Engine, codes: list[str]) -> None:
    with session_scope(engine) as session:
        organizations = session.exec(select(Organization).where(col(Organization.code).in_(codes))).all()
        stamp = session.exec(select(Survey)).one().opened_at
    made = synthetic_answers(FY, organizations, 5, home / "answers", stamp=stamp)
    inbox = get_settings().inbox_dir
    inbox.mkdir(parents=True, exist_ok=True)
    for item in made:
        shutil.copy(item.path, inbox / item.path.name)


def test_intake_completes_response_tasks_updates_progress_in_place_and_emits(
    flow_world: Path, sqlite_engine: Engine
) -> None:
    survey_kickoff(FY, as_of=KICKOFF_DAY)
    progress_id, _ = read_artifact_data(f"survey-{FY}-progress")
    drop_answers(flow_world, sqlite_engine, ["062014", "062022", "dept-kikaku"])

    report = survey_intake(FY, as_of=date(2026, 4, 10))

    assert report.accepted == ("062014", "062022", "dept-kikaku")
    done = {t.key for t in response_tasks(sqlite_engine) if t.status == TaskStatus.done}
    assert done == {"survey-response:062014", "survey-response:062022", "survey-response:dept-kikaku"}
    artifact_id, progress = read_artifact_data(f"survey-{FY}-progress")
    assert artifact_id == progress_id
    assert progress == pytest.approx(100 * 3 / report.respondents)
    received = events_named("council.survey.response-received")
    assert {e.payload["organization_code"] for e in received} >= {"062014", "062022", "dept-kikaku"}  # type: ignore[attr-defined]
    assert {e.resource.id for e in received} == {f"council.{FY}.survey"}  # type: ignore[attr-defined]


def test_reminders_go_to_those_who_have_not_answered_once_per_step(flow_world: Path, sqlite_engine: Engine) -> None:
    survey_kickoff(FY, as_of=KICKOFF_DAY)
    drop_answers(flow_world, sqlite_engine, ["062014"])
    survey_intake(FY, as_of=date(2026, 4, 10))
    before = counts(sqlite_engine)["sent"]

    report = survey_reminders(FY, as_of=date(2026, 4, 17))  # 3 business days before the 4/22 deadline

    assert report.reminded
    assert not any(code.startswith("062014:") for code in report.reminded)
    assert {code.split(":")[1] for code in report.reminded} == {"before-3"}
    sent = counts(sqlite_engine)["sent"] - before
    assert sent == len(report.reminded)
    again = survey_reminders(FY, as_of=date(2026, 4, 17))
    assert again.reminded == ()
    assert counts(sqlite_engine)["sent"] - before == sent


def test_close_tallies_cancels_the_missing_and_creates_candidates(flow_world: Path, sqlite_engine: Engine) -> None:
    survey_kickoff(FY, as_of=KICKOFF_DAY)
    with session_scope(sqlite_engine) as session:
        municipalities = session.exec(select(Organization.code).where(Organization.kind == "municipality")).all()
    answering = [*sorted(municipalities)[:30], "dept-kikaku", "dept-kendo"]
    drop_answers(flow_world, sqlite_engine, answering)
    survey_intake(FY, as_of=date(2026, 4, 20))

    report = survey_close(FY, as_of=date(2026, 5, 12))

    assert report.answered == len(answering)
    assert len(report.cancelled_tasks) == report.respondents - len(answering)
    assert report.delivery is not None
    assert report.delivery.sent > 0
    with session_scope(sqlite_engine) as session:
        statuses = {t.key: t.status for t in session.exec(select(Task)).all()}
        themes = session.exec(select(Theme.code)).all()
    assert statuses["survey:deadline"] == TaskStatus.done
    assert statuses["survey:summary"] == TaskStatus.done
    assert sorted(themes) == sorted(report.candidates)
    open_responses = [k for k, s in statuses.items() if k.startswith("survey-response:") and s == TaskStatus.pending]
    assert open_responses == []
    again = survey_close(FY, as_of=date(2026, 5, 12))
    assert again.cancelled_tasks == ()
    assert again.candidates == report.candidates
