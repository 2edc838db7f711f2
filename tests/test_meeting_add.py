"""`council meeting add`: any body's meeting held when needed (その他必要に応じて開催) — validated like a pin,
idempotent, with its notice/agenda/minutes tasks so the tick prepares and records it like any other; planning leaves
it alone — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from council.cli.main import app
from council.clock import TOKYO
from council.context import Context
from council.errors import InputError
from council.meetings.actions import record_meeting
from council.meetings.adhoc import add_meeting
from council.planning.actions import pin_meeting_action, store_plan_step
from council.planning.business_days import BusinessCalendar
from council.planning.rules import load_rules
from council.planning.store import plan_and_store
from council.resources import data_dir
from council.simulation import install
from council.tick.heartbeat import run_tick
from models import Document, DocumentKind, Meeting, MeetingKind, MeetingOrigin, Task, TaskOrigin
from models.db import session_scope

FY = 2026
PLANNED_AT = datetime(2026, 2, 2, 9, 0, tzinfo=TOKYO)
TODAY = date(2026, 6, 1)
CALENDAR = BusinessCalendar()


@pytest.fixture
def year(engine: Engine, make_context: Callable[..., Context]) -> Callable[..., Context]:
    ctx = make_context(PLANNED_AT.date())
    with session_scope(engine) as session:
        install(session, reference_dir=ctx.settings.reference_dir, now=PLANNED_AT, actor="tester")
    store_plan_step(ctx, FY)

    def on(day: date = TODAY) -> Context:
        return make_context(day, COUNCIL_APPROVAL="off")

    return on


def _count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Meeting)).one()


def test_a_regional_body_meets_when_needed(year: Callable[..., Context], engine: Engine) -> None:
    added = add_meeting(year(), FY, body="西村山地域広域連携協議会", day=date(2026, 6, 10), start=time(14, 0))
    assert added.added
    assert added.key == "nishimurayama-kouiki-adhoc-20260610"
    assert added.title == "西村山地域広域連携協議会（臨時）"
    with Session(engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.key == added.key)).one()
        tasks = {task.key: task for task in session.exec(select(Task).where(Task.meeting_id == meeting.id)).all()}
    assert (meeting.kind, meeting.origin) == (MeetingKind.regional_meeting, MeetingOrigin.manual)
    assert meeting.regional_body_id is not None
    assert meeting.venue == "村山総合支庁 本庁舎講堂"  # its area's venue
    assert meeting.ends_at.astimezone(TOKYO) == datetime(2026, 6, 10, 16, 0, tzinfo=TOKYO)
    # Seven business days ahead: the notice is due at once (today), the agenda 3 business days before.
    assert tasks[f"notice:{added.key}"].due_date == TODAY
    assert tasks[f"agenda:{added.key}"].due_date == CALENDAR.add_business_days(date(2026, 6, 10), -3)
    assert tasks[f"minutes:{added.key}"].due_date == CALENDAR.add_business_days(date(2026, 6, 10), 10)
    assert {task.origin for task in tasks.values()} == {TaskOrigin.manual}
    # The same again changes nothing; another meeting under the key is refused.
    again = add_meeting(year(), FY, body="nishimurayama-kouiki", day=date(2026, 6, 10), start=time(14, 0))
    assert not again.added
    with pytest.raises(InputError, match="meeting 'nishimurayama-kouiki-adhoc-20260610' already exists"):
        add_meeting(year(), FY, body="nishimurayama-kouiki", day=date(2026, 6, 10), start=time(10, 0))
    # Planning the year again, or the bodies' meetings, leaves it alone; it cannot be pinned (it is not the plan's).
    with session_scope(engine) as session:
        report = plan_and_store(
            session,
            fiscal_year=FY,
            rules=load_rules(data_dir("calendar") / "cycle.yaml"),
            now=PLANNED_AT,
            actor="t",
            council_code="yamagata",
        )
    assert report.changed == 0
    with pytest.raises(InputError, match="is not in the cycle rules"):
        pin_meeting_action(year(), FY, added.key, day=date(2026, 6, 11))


def test_an_ad_hoc_council_meeting_goes_out_and_decides_nothing(year: Callable[..., Context], engine: Engine) -> None:
    added = add_meeting(
        year(),
        FY,
        body="council",
        day=date(2026, 6, 19),
        start=time(10, 0),
        end=time(11, 30),
        title="県・市町村連携推進会議（臨時会議）",
        venue="kencho",
    )
    assert added.key == "council-adhoc-20260619"
    notice_day = CALENDAR.add_business_days(date(2026, 6, 19), -10)
    report = run_tick(year(notice_day), fiscal_year=FY)
    assert "prepare-meeting 2026 council-adhoc-20260619 (notice)" in report.performed
    with Session(engine) as session:
        notice = session.exec(
            select(Document).where(Document.kind == DocumentKind.notice, Document.subject == added.key)
        ).one()
        assert notice.title == "令和8年度県・市町村連携推進会議（臨時会議）の開催について（通知）"
        assert notice.sender == "山形県みらい企画創造部長"
    recorded = record_meeting(year(date(2026, 6, 22)), FY, added.key)
    assert recorded.held_now
    assert recorded.decisions == ()  # only the 1st and 2nd meetings move themes


def test_a_team_meets_when_needed_by_its_themes_code(year: Callable[..., Context], engine: Engine) -> None:
    with pytest.raises(InputError, match="'T2026-water' is not a body"):
        add_meeting(year(), FY, body="T2026-water", day=date(2026, 6, 10), start=time(14, 0))
    assert _count(engine) == 6  # the year's own meetings only


@pytest.mark.parametrize(
    ("day", "at", "extra", "message"),
    [
        (date(2026, 6, 6), time(14, 0), {}, "field --date: 令和8年6月6日（土） is a closed day (土曜日)"),
        (date(2026, 7, 20), time(14, 0), {}, "field --date: 令和8年7月20日（月） is a closed day (祝日（海の日）)"),
        (date(2027, 4, 5), time(14, 0), {}, "field --date: 2027-04-05 is outside fiscal year 2026"),
        (date(2026, 5, 29), time(14, 0), {}, "field --date: 令和8年5月29日（金） is not after today"),
        (date(2026, 6, 10), time(14, 0), {"end": time(13, 0)}, "field --end: the meeting must end after 14:00"),
        (date(2026, 6, 10), time(14, 0), {"key": "Bad Key"}, "field --key: 'Bad Key' is not a meeting key"),
        (date(2026, 6, 10), time(14, 0), {"title": "a\u202eb"}, "field --title: contains a control character"),
        (date(2026, 6, 10), time(14, 0), {"body": "roundtable"}, "field --body: 'roundtable' is not a body"),
    ],
)
def test_bad_input_is_one_error_and_nothing_is_added(
    year: Callable[..., Context], engine: Engine, day: date, at: time, extra: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {"body": "shonai-airport", "day": day, "start": at, **extra}
    with pytest.raises(InputError) as caught:
        add_meeting(year(), FY, **arguments)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)
    assert _count(engine) == 6


def test_the_command_line_is_one_line_on_bad_input(year: Callable[..., Context], engine: Engine) -> None:
    result = CliRunner().invoke(
        app, ["meeting", "add", "--body", "shonai-airport", "--date", "2026-06-06", "--time", "14:00", "--fy", "2026"]
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["error: field --date: 令和8年6月6日（土） is a closed day (土曜日)"]
    result = CliRunner().invoke(
        app, ["meeting", "add", "--body", "shonai-airport", "--date", "2026-06-10", "--time", "25:00", "--fy", "2026"]
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["error: --time '25:00' is not a time HH:MM"]
    assert _count(engine) == 6
