"""Opening the survey, status per organisation, and reminders (督促): never twice for the same step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from documents_seed import seed_year as seed_documents_year
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from survey_support import (
    CALENDAR,
    COUNCIL_CODE,
    FY,
    ON_TIME,
    OPENED,
    Row,
    csv_bytes,
    intake,
    open_small_survey,
    seed_roster,
    survey_rules,
    write,
)

from council.clock import TOKYO
from council.context import Context
from council.survey.actions import import_answers, kickoff_survey, send_reminders
from council.survey.intake import import_file
from council.survey.rules import ReminderStep
from council.survey.service import close_survey_record, mark_sent, open_survey
from council.survey.status import RespondentStatus, due_reminders, record_reminders, select_reminders, survey_status
from council.survey.store import get_survey
from models import (
    Council,
    Cycle,
    Document,
    DocumentKind,
    DocumentStatus,
    Lane,
    Organization,
    OrganizationKind,
    Stage,
    SurveySection,
)
from models.db import session_scope
from models.survey import ReminderSent, ResponseStatus, Survey, SurveyRespondent

STEPS = (ReminderStep("before-3", -3), ReminderStep("after-1", 1), ReminderStep("after-5", 5))
DEADLINE = date(2026, 6, 23)  # a Tuesday
EXTENSION = 3  # a reminder after the deadline sets a new one, this many business days after the day it is sent


def status(org_id: int, state: ResponseStatus, deadline: date = DEADLINE) -> RespondentStatus:
    return RespondentStatus(
        organization_id=org_id,
        organization_code=f"org-{org_id}",
        organization_name=f"団体{org_id}",
        kind=OrganizationKind.municipality,
        status=state,
        opens_on=date(2026, 5, 29),
        deadline=deadline,
        sent_at=None,
        answered_at=None,
        answer_count=0,
        reminders=(),
        overdue=False,
    )


RESPONDENTS = [
    status(1, ResponseStatus.sent),
    status(2, ResponseStatus.answered),
    status(3, ResponseStatus.late),
    status(4, ResponseStatus.not_sent),
    status(5, ResponseStatus.sent),
]


def chosen(
    respondents: list[RespondentStatus], sent: set[tuple[int, str]], today: date
) -> list[tuple[int, str, date, date | None]]:
    return [
        (r.organization_id, r.step, r.due_on, r.new_deadline)
        for r in select_reminders(respondents, STEPS, sent, today, CALENDAR, new_deadline_business_days=EXTENSION)
    ]


def picked(today: date, sent: set[tuple[int, str]] | None = None) -> list[tuple[int, str, date, date | None]]:
    return chosen(RESPONDENTS, sent or set(), today)


def test_reminders_go_to_non_respondents_on_each_steps_business_day() -> None:
    assert picked(date(2026, 6, 17)) == []
    # before the deadline: it is restated, no new one
    assert picked(date(2026, 6, 18)) == [
        (1, "before-3", date(2026, 6, 18), None),
        (5, "before-3", date(2026, 6, 18), None),
    ]
    # after it: a new deadline 3 business days after the sending day (Wednesday 6/24 → Monday 6/29)
    assert picked(date(2026, 6, 24)) == [
        (1, "after-1", date(2026, 6, 24), date(2026, 6, 29)),
        (5, "after-1", date(2026, 6, 24), date(2026, 6, 29)),
    ]
    assert picked(date(2026, 6, 30)) == [
        (1, "after-5", date(2026, 6, 30), date(2026, 7, 3)),
        (5, "after-5", date(2026, 6, 30), date(2026, 7, 3)),
    ]


def test_the_letter_names_the_new_deadline_after_the_deadline_and_the_old_one_before() -> None:
    [before] = select_reminders(
        RESPONDENTS[:1], STEPS, set(), date(2026, 6, 18), CALENDAR, new_deadline_business_days=5
    )
    [after] = select_reminders(RESPONDENTS[:1], STEPS, set(), date(2026, 6, 24), CALENDAR, new_deadline_business_days=5)
    assert (before.deadline, before.new_deadline, before.letter_deadline) == (DEADLINE, None, DEADLINE)
    assert (after.deadline, after.new_deadline, after.letter_deadline) == (DEADLINE, date(2026, 7, 1), date(2026, 7, 1))


def test_a_step_already_sent_is_never_sent_again() -> None:
    sent = {(1, "before-3"), (5, "before-3")}
    assert picked(date(2026, 6, 18), sent) == []
    assert picked(date(2026, 6, 22), sent) == []
    assert picked(date(2026, 6, 24), sent) == [
        (1, "after-1", date(2026, 6, 24), date(2026, 6, 29)),
        (5, "after-1", date(2026, 6, 24), date(2026, 6, 29)),
    ]


def test_a_request_that_arrived_late_gets_no_reminder_whose_day_came_before_it() -> None:
    """Requests caught up on 6/19 (the ticks of their opening days were missed): the before-3 reminder of 6/18
    would follow them the same day, so it is skipped; the first one after the deadline still goes."""
    late = replace(status(6, ResponseStatus.sent), sent_at=datetime(2026, 6, 19, 0, 30, tzinfo=UTC))  # 09:30 JST
    on_time = replace(status(7, ResponseStatus.sent), sent_at=datetime(2026, 5, 29, 0, 0, tzinfo=UTC))
    assert chosen([late, on_time], set(), date(2026, 6, 19)) == [(7, "before-3", date(2026, 6, 18), None)]
    assert chosen([late], set(), date(2026, 6, 24)) == [(6, "after-1", date(2026, 6, 24), date(2026, 6, 29))]


def test_after_missed_days_only_the_latest_due_step_goes_out() -> None:
    # due on Wednesday 6/24, sent on Friday 6/26: the new deadline counts from the day it is sent
    assert picked(date(2026, 6, 26)) == [
        (1, "after-1", date(2026, 6, 24), date(2026, 7, 1)),
        (5, "after-1", date(2026, 6, 24), date(2026, 7, 1)),
    ]


def test_reminder_days_skip_closed_days() -> None:
    # deadline Friday 2026-07-17; the Monday after is 海の日 (7/20): after-1 is Tuesday 7/21, new deadline Friday 7/24
    respondents = [status(1, ResponseStatus.sent, date(2026, 7, 17))]
    assert chosen(respondents, set(), date(2026, 7, 21)) == [(1, "after-1", date(2026, 7, 21), date(2026, 7, 24))]
    assert chosen(respondents, set(), date(2026, 7, 20))[0][1] == "before-3"


@given(
    today=st.dates(min_value=date(2026, 5, 1), max_value=date(2026, 8, 31)),
    sent=st.sets(st.tuples(st.integers(1, 5), st.sampled_from([s.step for s in STEPS]))),
)
def test_selection_never_repeats_a_sent_step_and_sends_one_per_organisation(
    today: date, sent: set[tuple[int, str]]
) -> None:
    due = select_reminders(RESPONDENTS, STEPS, sent, today, CALENDAR, new_deadline_business_days=EXTENSION)
    assert all((r.organization_id, r.step) not in sent for r in due)
    assert len({r.organization_id for r in due}) == len(due)
    assert {r.organization_id for r in due} <= {1, 5}
    assert all(r.due_on <= today for r in due)
    assert all((r.new_deadline is None) == (r.due_on <= r.deadline) for r in due)
    assert all(r.new_deadline is None or r.new_deadline > today for r in due)


def test_the_shipped_rules_are_the_documented_steps() -> None:
    rules = survey_rules()
    assert rules.reminders == STEPS
    assert rules.new_deadline_business_days == EXTENSION


def test_open_survey_uses_the_configured_windows_and_the_roster(engine: Engine) -> None:
    open_small_survey(engine)
    with session_scope(engine) as session:
        survey = session.exec(select(Survey)).one()
        assert (survey.municipal_opens_on, survey.municipal_closes_on) == (date(2026, 5, 29), date(2026, 6, 23))
        assert (survey.department_opens_on, survey.department_closes_on) == (date(2026, 6, 7), date(2026, 6, 23))
        codes = [s.organization_code for s in survey_status(session, FY, date(2026, 6, 1), council_code=COUNCIL_CODE)]
    assert codes == ["062014", "062022", "062031", "dept-kikaku", "dept-kendo", "dept-norin", "ro-shonai"]


def test_open_survey_takes_the_window_from_the_planned_survey_stage(engine: Engine) -> None:
    with session_scope(engine) as session:
        seed_roster(session)
        council = session.exec(select(Council)).one()
        cycle = Cycle(council_id=council.id, fiscal_year=FY, rules_digest="0" * 64, planned_at=OPENED)
        session.add(cycle)
        session.flush()
        session.add(
            Stage(
                cycle_id=cycle.id,
                key="survey",
                title="連携課題・ニーズ調査",
                lane=Lane.council,
                start_date=date(2026, 4, 6),
                end_date=date(2026, 4, 30),
            )
        )
        session.flush()
        survey = open_survey(
            session,
            fiscal_year=FY,
            now=OPENED,
            calendar=CALENDAR,
            rules=survey_rules(),
            council_code=COUNCIL_CODE,
            actor="tester",
        )
        assert (survey.municipal_opens_on, survey.municipal_closes_on) == (date(2026, 4, 6), date(2026, 4, 30))
        # 7 business days after Monday 4/6
        assert (survey.department_opens_on, survey.department_closes_on) == (date(2026, 4, 15), date(2026, 4, 30))


def test_open_survey_is_idempotent_and_adds_organisations_joining_the_roster(engine: Engine) -> None:
    open_small_survey(engine)
    with session_scope(engine) as session:
        session.add(Organization(code="062049", kind=OrganizationKind.municipality, name="酒田市", sort_order=3))
        session.add(Organization(code="dept-old", kind=OrganizationKind.department, name="旧部", active=False))
        again = open_survey(
            session,
            fiscal_year=FY,
            now=ON_TIME,
            calendar=CALENDAR,
            rules=survey_rules(),
            council_code=COUNCIL_CODE,
            actor="tester",
        )
        assert again.opened_at == OPENED
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Survey)).one() == 1
        assert session.exec(select(func.count()).select_from(SurveyRespondent)).one() == 8


def test_status_reminders_and_closing_through_the_database(engine: Engine, tmp_path: Path) -> None:
    open_small_survey(engine)
    with session_scope(engine) as session:
        survey = get_survey(session, FY, COUNCIL_CODE)
        assert mark_sent(session, survey, now=OPENED, organization_codes=["062014", "062022", "dept-kikaku"]) == 3
        assert mark_sent(session, survey, now=OPENED, organization_codes=["062014"]) == 0
    import_file(
        write(tmp_path / "a.csv", csv_bytes(FY, "062022", [Row(SurveySection.policy, "youth")])),
        now=ON_TIME,
        setup=intake(engine),
    )
    rules = survey_rules()
    day = date(2026, 6, 18)
    with session_scope(engine) as session:
        survey = get_survey(session, FY, COUNCIL_CODE)
        assert due_reminders(session, survey, date(2026, 6, 20), CALENDAR, rules) == []  # a Saturday: nothing
        due = due_reminders(session, survey, day, CALENDAR, rules)
        assert [(r.organization_code, r.step, r.new_deadline) for r in due] == [
            ("062014", "before-3", None),
            ("dept-kikaku", "before-3", None),
        ]
        now = datetime(2026, 6, 18, 9, 0, tzinfo=TOKYO)
        assert len(record_reminders(session, survey, due, now=now)) == 2
        assert record_reminders(session, survey, due, now=now) == []  # recorded twice: still once
        assert due_reminders(session, survey, day, CALENDAR, rules) == []
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(ReminderSent)).one() == 2
    with session_scope(engine) as session:
        statuses = {
            s.organization_code: s for s in survey_status(session, FY, date(2026, 6, 24), council_code=COUNCIL_CODE)
        }
    assert statuses["062014"].status == ResponseStatus.sent
    assert statuses["062014"].reminders == ("before-3",)
    assert statuses["062014"].overdue
    assert (statuses["062022"].status, statuses["062022"].answer_count, statuses["062022"].overdue) == (
        ResponseStatus.answered,
        1,
        False,
    )
    assert statuses["062031"].status == ResponseStatus.not_sent
    with session_scope(engine) as session:  # the day after the deadline: the new deadline is recorded with the step
        survey = get_survey(session, FY, COUNCIL_CODE)
        after = due_reminders(session, survey, date(2026, 6, 24), CALENDAR, rules)
        assert [(r.organization_code, r.step, r.new_deadline) for r in after] == [
            ("062014", "after-1", date(2026, 6, 29)),
            ("dept-kikaku", "after-1", date(2026, 6, 29)),
        ]
        record_reminders(session, survey, after, now=datetime(2026, 6, 24, 9, 0, tzinfo=TOKYO))
    with Session(engine) as session:
        recorded = session.exec(select(ReminderSent.step, ReminderSent.deadline).order_by(col(ReminderSent.id))).all()
        assert [tuple(row) for row in recorded] == [
            ("before-3", DEADLINE),
            ("before-3", DEADLINE),
            ("after-1", date(2026, 6, 29)),
            ("after-1", date(2026, 6, 29)),
        ]
    with session_scope(engine) as session:
        survey = get_survey(session, FY, COUNCIL_CODE)
        assert close_survey_record(session, survey, now=datetime(2026, 6, 30, 17, 0, tzinfo=TOKYO), actor="tester")
        assert not close_survey_record(session, survey, now=datetime(2026, 7, 1, 17, 0, tzinfo=TOKYO), actor="t")
        assert survey.closed_at == datetime(2026, 6, 30, 17, 0, tzinfo=TOKYO)
        assert due_reminders(session, survey, date(2026, 6, 30), CALENDAR, rules) == []


def test_the_reminders_use_case_sends_each_step_once_to_those_who_have_not_answered(
    engine: Engine, tmp_path: Path, make_context: Callable[..., Context]
) -> None:
    """Through the use case the CLI (`survey reminders --send`) and the survey-reminders flow call: one letter per
    step, to the organisations that have not answered; after the deadline it sets a new one; never on a closed day."""
    with session_scope(engine) as session:
        seed_documents_year(session)  # the roster with addresses, the plan's tasks, the survey (deadline 6/23)
    kickoff = kickoff_survey(make_context(date(2026, 5, 29)), FY)
    assert (kickoff.sent, kickoff.completed) == (3, True)  # the municipalities' letter
    departments = kickoff_survey(make_context(date(2026, 6, 9)), FY)  # their window opens: their letter
    assert (departments.sent, [batch.audience.value for batch in departments.requests]) == (5, ["departments"])
    answers = [
        write(tmp_path / f"{code}.csv", csv_bytes(FY, code, [Row(SurveySection.policy, "youth")]))
        for code in ("062014", "dept-kikaku")
    ]
    assert import_answers(make_context(date(2026, 6, 12)), answers).rejected == ()

    assert send_reminders(make_context(date(2026, 6, 17)), FY).batches == ()
    before = send_reminders(make_context(date(2026, 6, 18)), FY).batches  # one letter per audience
    assert sorted((b.step, b.deadline, b.new_deadline, b.organizations) for b in before) == [
        ("before-3", DEADLINE, None, ("062022", "062031")),
        ("before-3", DEADLINE, None, ("dept-kendo", "dept-norin", "ro-murayama", "ro-shonai")),
    ]
    assert sum(b.sent for b in before) == 6
    assert send_reminders(make_context(date(2026, 6, 18)), FY).batches == ()  # never twice
    # the day after the deadline falls on a missed Wednesday; Saturday sends nothing; Monday catches up
    assert send_reminders(make_context(date(2026, 6, 27)), FY).batches == ()
    after = send_reminders(make_context(date(2026, 6, 29)), FY).batches
    assert [(b.step, b.new_deadline) for b in after] == [("after-1", date(2026, 7, 2))] * 2
    assert sum(b.sent for b in after) == 6
    with Session(engine) as session:
        letters = session.exec(
            select(Document).where(Document.kind == DocumentKind.survey_reminder).order_by(col(Document.id))
        ).all()
        assert [(d.issued_on, d.status) for d in letters] == [
            (date(2026, 6, 18), DocumentStatus.issued),
            (date(2026, 6, 18), DocumentStatus.issued),
            (date(2026, 6, 29), DocumentStatus.issued),
            (date(2026, 6, 29), DocumentStatus.issued),
        ]
        assert sorted(letter.addressees or "" for letter in letters[2:]) == [
            "関係市町村企画担当課長　様",
            "関係部局主幹課長　様\n各総合支庁連携支援室長　様",
        ]
        recorded = session.exec(select(ReminderSent.step, ReminderSent.deadline).order_by(col(ReminderSent.id))).all()
    assert [tuple(row) for row in recorded] == [("before-3", DEADLINE)] * 6 + [("after-1", date(2026, 7, 2))] * 6
    home = make_context().settings.home
    text = next((home / letters[3].directory).glob("*.md")).read_text(encoding="utf-8")
    assert "提出期限の令和8年6月23日（火）を過ぎましたが" in text
    assert "1. 新たな提出期限　令和8年7月2日（木）" in text
    outbox = sorted(path.name for path in (home / "outbox" / "2026").glob("survey_reminder-*-v1/*.eml"))
    assert len(outbox) == 12
    assert not any(name.startswith(("062014", "dept-kikaku")) for name in outbox)  # those who answered
