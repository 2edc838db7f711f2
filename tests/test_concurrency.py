"""Two people or two workers doing the same thing at once, in real processes against PostgreSQL (issue 11, items 6
and 7): simultaneous renderings, ticks and kickoffs all succeed, and leave exactly what one of them would have — no
duplicate draft, document, number, delivery, task or reminder."""

from __future__ import annotations

import os
from collections import Counter
from datetime import date, datetime

import pytest
from concurrency_workers import act
from intake_workers import run_together
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from council.clock import TOKYO
from council.config import load_settings
from council.planning.rules import load_rules
from council.planning.store import plan_and_store
from council.simulation import install
from models import Delivery, Document, DocumentNumber, Organization, ReminderSent, SurveyRespondent, Task, TickRun
from models.db import session_scope

pytestmark = pytest.mark.postgres
PLANNED_AT = datetime(2026, 2, 2, 9, 0, tzinfo=TOKYO)


@pytest.fixture
def planned_postgres(engine: Engine, council_home: object) -> dict[str, str]:
    if engine.dialect.name != "postgresql":
        pytest.skip("the cross-process races are PostgreSQL's (SQLite serialises writers)")
    settings = load_settings()
    with session_scope(engine) as session:
        install(session, reference_dir=settings.reference_dir, now=PLANNED_AT, actor="tester")
        plan_and_store(
            session,
            fiscal_year=2026,
            rules=load_rules(settings.cycle_file),
            now=PLANNED_AT,
            actor="tester",
            council_code=settings.council_code,
        )
    return {
        "COUNCIL_HOME": os.environ["COUNCIL_HOME"],
        "COUNCIL_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "COUNCIL_APPROVAL": "off",
    }


def _no_duplicates(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        documents = Counter((d.kind, d.subject, d.version) for d in session.exec(select(Document)).all())
        drafts = Counter((d.kind, d.subject) for d in session.exec(select(Document)).all() if d.status == "draft")
        deliveries = Counter((r.document_id, r.contact_id, r.channel) for r in session.exec(select(Delivery)).all())
        tasks = Counter((t.cycle_id, t.key) for t in session.exec(select(Task)).all())
        reminders = Counter((r.organization_id, r.step) for r in session.exec(select(ReminderSent)).all())
        numbers = Counter((n.fiscal_year, n.sequence) for n in session.exec(select(DocumentNumber)).all())
    for name, counter in (
        ("document", documents),
        ("draft", drafts),
        ("delivery", deliveries),
        ("task", tasks),
        ("reminder", reminders),
        ("number", numbers),
    ):
        assert all(count == 1 for count in counter.values()), f"duplicate {name}: {counter.most_common(1)}"
    return {"documents": len(documents), "deliveries": len(deliveries), "numbers": len(numbers)}


@pytest.mark.parametrize("processes", [2, 4])
def test_simultaneous_renderings_all_succeed_with_one_set_of_drafts(
    planned_postgres: dict[str, str], engine: Engine, processes: int
) -> None:
    reported = run_together(act, [("render", planned_postgres, date(2026, 3, 2))] * processes)
    assert reported == ["ok"] * processes
    counts = _no_duplicates(engine)
    alone = run_together(act, [("render", planned_postgres, date(2026, 3, 2))])
    assert alone == ["ok"]
    assert _no_duplicates(engine) == counts  # nothing new: the others' drafts were the same


@pytest.mark.parametrize("action", ["kickoff", "tick"])
@pytest.mark.parametrize("processes", [2, 4])
def test_simultaneous_kickoffs_and_ticks_send_everything_once(
    planned_postgres: dict[str, str], engine: Engine, action: str, processes: int
) -> None:
    kickoff_day = date(2026, 4, 1)
    reported = run_together(act, [(action, planned_postgres, kickoff_day)] * processes)
    assert reported == ["ok"] * processes
    counts = _no_duplicates(engine)
    with Session(engine) as session:
        statuses = Counter(
            (organization.kind, respondent.status)
            for respondent, organization in session.exec(
                select(SurveyRespondent, Organization).join(
                    Organization, col(Organization.id) == col(SurveyRespondent.organization_id)
                )
            ).all()
        )
        assert len(session.exec(select(TickRun)).all()) <= 1
    # the municipalities have the request; the departments' window opens later, so theirs has not gone out
    assert statuses == {
        ("municipality", "sent"): 35,
        ("department", "not_sent"): 12,
        ("regional_office", "not_sent"): 4,
    }
    assert counts["deliveries"] == 35
    assert counts["numbers"] == 1  # the municipalities' 調査依頼: one letter, one number


def test_simultaneous_catch_up_ticks_send_each_reminder_once(planned_postgres: dict[str, str], engine: Engine) -> None:
    """After a kickoff, four ticks at once on a reminder day (and the day after): each 督促 step once."""
    assert run_together(act, [("kickoff", planned_postgres, date(2026, 4, 1))]) == ["ok"]
    for day in (date(2026, 4, 10), date(2026, 4, 17), date(2026, 4, 20)):
        assert run_together(act, [("tick", planned_postgres, day)] * 4) == ["ok"] * 4
    _no_duplicates(engine)
    with Session(engine) as session:
        assert len(session.exec(select(ReminderSent)).all()) > 0
