"""No silent no-ops: sending to organisations without an e-mail address fails with one line naming them and sends
nothing — or, when the secretariat chose to go on (COUNCIL_UNDELIVERABLE=record), records them as undeliverable and
shows them in `council status`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from council.clock import TOKYO
from council.context import Context
from council.errors import InputError
from council.planning.rules import load_rules
from council.planning.store import plan_and_store
from council.reference import load_reference
from council.status import payload, year_status
from council.survey.actions import kickoff_survey
from models import Contact, Delivery, DeliveryStatus, SurveyRespondent, Task
from models.db import session_scope

FY = 2026
PLANNED_AT = datetime(2026, 2, 2, 9, 0, tzinfo=TOKYO)
KICKOFF = date(2026, 4, 1)
MUNICIPALITIES = 35


@pytest.fixture
def without_addresses(engine: Engine, make_context: Callable[..., Context]) -> None:
    """The reference data (roster, bodies) and the plan, but no contact addresses loaded."""
    ctx = make_context(KICKOFF)
    with session_scope(engine) as session:
        load_reference(session, ctx.settings.reference_dir, now=PLANNED_AT, actor="tester")
        plan_and_store(
            session,
            fiscal_year=FY,
            rules=load_rules(ctx.settings.cycle_file),
            now=PLANNED_AT,
            actor="tester",
            council_code=ctx.settings.council_code,
        )
        contact = session.exec(select(Contact).where(Contact.role == "企画担当課長")).first()
        assert contact is not None
        assert contact.email is None


@pytest.mark.usefixtures("without_addresses")
def test_a_kickoff_to_nobody_reachable_fails_naming_them_and_sends_nothing(
    engine: Engine, make_context: Callable[..., Context]
) -> None:
    with pytest.raises(InputError) as raised:
        kickoff_survey(make_context(KICKOFF), FY)
    message = str(raised.value)
    assert "\n" not in message
    assert "山形市" in message
    assert "COUNCIL_UNDELIVERABLE=record" in message
    with Session(engine) as session:
        assert session.exec(select(Delivery)).all() == []
        assert {r.status.value for r in session.exec(select(SurveyRespondent)).all()} == {"not_sent"}
        task = session.exec(select(Task).where(Task.key == "survey:open")).one()
    assert task.status.value == "pending"


@pytest.mark.usefixtures("without_addresses")
def test_going_on_records_them_as_undeliverable_and_status_shows_them(
    engine: Engine, make_context: Callable[..., Context]
) -> None:
    ctx = make_context(KICKOFF, COUNCIL_UNDELIVERABLE="record")
    report = kickoff_survey(ctx, FY)
    assert report.sent == 0
    assert report.undeliverable == MUNICIPALITIES  # the letter of 4/1 is the municipalities' (departments: 4/10)
    assert report.completed  # the secretariat chose to go on: the step is settled
    with Session(engine) as session:
        statuses = {row.status for row in session.exec(select(Delivery)).all()}
        status = year_status(session, fiscal_year=FY, today=KICKOFF, council_code=ctx.settings.council_code)
    assert statuses == {DeliveryStatus.undeliverable}
    shown = payload(status)
    assert shown["deliveries"] == {"undeliverable": MUNICIPALITIES}
    assert any(line.startswith("山形市 企画担当課長") for line in shown["undeliverable"])
    again = kickoff_survey(ctx, FY)  # nothing new: the same rows, nobody reached twice
    assert again.undeliverable == report.undeliverable
