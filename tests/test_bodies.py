"""The regional promotion bodies (地域における推進体制): their reference data loaded by `council init`, their regular
meetings planned from calendar/bodies.yaml on business days (idempotent, notified meetings keep their day, a room
never taken twice), and those meetings going out like the council's — notices signed by the convening office,
addressed to the members, delivered to them, in their region's feed — on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from typer.testing import CliRunner

from council.bodies.actions import list_bodies, plan_body_meetings
from council.bodies.rules import load_bodies_rules
from council.cli.main import app
from council.clock import TOKYO
from council.config import reset_settings
from council.context import Context
from council.errors import InputError
from council.feeds.actions import publish_feeds_step
from council.meetings.actions import prepare_meeting
from council.planning.actions import store_plan_step
from council.planning.business_days import BusinessCalendar
from council.planning.rules import load_rules
from council.planning.store import plan_and_store
from council.reference import load_reference
from council.resources import data_dir
from council.simulation import install
from council.tick.heartbeat import run_tick
from models import (
    Area,
    AuditEvent,
    Delivery,
    Document,
    DocumentKind,
    FeedSnapshot,
    Meeting,
    MeetingKind,
    MeetingOrigin,
    MeetingStatus,
    RegionalBody,
    RegionalBodyMember,
    Task,
    TaskOrigin,
)
from models.db import session_scope

FY = 2026
PLANNED_AT = datetime(2026, 2, 2, 9, 0, tzinfo=TOKYO)
CALENDAR = BusinessCalendar()


@pytest.fixture
def planned(engine: Engine, make_context: Callable[..., Context]) -> Callable[..., Context]:
    """Reference data with the demo addresses, and FY2026 planned; returns a context maker (approvals off)."""
    ctx = make_context(PLANNED_AT.date())
    with session_scope(engine) as session:
        install(session, reference_dir=ctx.settings.reference_dir, now=PLANNED_AT, actor="tester")
    store_plan_step(ctx, FY)

    def on(day: date | None = None, **env: str) -> Context:
        return make_context(day or PLANNED_AT.date(), COUNCIL_APPROVAL="off", **env)

    return on


def _count(session: Session, table: type) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def _meetings(engine: Engine) -> dict[str, Meeting]:
    with Session(engine) as session:
        rows = session.exec(select(Meeting).where(Meeting.kind == MeetingKind.regional_meeting)).all()
        return {row.key: row for row in rows}


# ------------------------------------------------------------------------------------------------- reference data


def test_init_loads_the_areas_bodies_and_members(engine: Engine) -> None:
    with session_scope(engine) as session:
        report = load_reference(session, data_dir("reference"), now=PLANNED_AT, actor="t")
    assert (report.added["area"], report.added["regional_body"], report.added["body_member"]) == (6, 6, 50)
    with Session(engine) as session:
        areas = {area.code: area for area in session.exec(select(Area)).all()}
        assert areas["nishimurayama"].parent_id == areas["murayama"].id
        assert areas["mogami"].parent_id is None
        body = session.exec(select(RegionalBody).where(RegionalBody.code == "nishimurayama-kouiki")).one()
        assert (body.name, body.sender, body.contact_unit) == (
            "西村山地域広域連携協議会",
            "山形県村山総合支庁長",
            "村山総合支庁連携支援室",
        )
        assert body.composition == "管内市町、村山総合支庁等で構成"
    with session_scope(engine) as session:  # loading again changes nothing
        again = load_reference(session, data_dir("reference"), now=PLANNED_AT, actor="t")
    assert not (again.added)
    assert not (again.changed)
    assert not (again.removed)
    assert again.unchanged["body_member"] == 50


def test_members_are_the_areas_municipalities_and_the_office(planned: Callable[..., Context]) -> None:
    views = {view.code: view for view in list_bodies(planned())}
    assert views["nishimurayama-kouiki"].members == (
        "寒河江市企画担当課長",
        "河北町企画担当課長",
        "西川町企画担当課長",
        "朝日町企画担当課長",
        "大江町企画担当課長",
        "村山総合支庁連携支援室長",
    )
    assert len(views["kitamurayama-renkei"].members) == 5  # 村山市、東根市、尾花沢市、大石田町 and the office
    assert (views["mogami-seisaku"].region, views["mogami-seisaku"].area) == ("最上", "最上")
    assert (views["kitamurayama-renkei"].region, views["kitamurayama-renkei"].area) == ("村山", "北村山")
    assert sorted(views) == [
        "kitamurayama-renkei",
        "mogami-seisaku",
        "murayama-renkei-chusu",
        "nishimurayama-kouiki",
        "okitama-genki-lab",
        "shonai-airport",
    ]


def test_a_body_left_out_of_the_file_is_retired_and_a_member_removed(engine: Engine, tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(data_dir("reference"), reference)
    with session_scope(engine) as session:
        load_reference(session, reference, now=PLANNED_AT, actor="t")
    path = reference / "regional_bodies.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - code: shonai-airport")
    text = text[:start]  # the last body goes
    text = text.replace("    members: [{area: kitamurayama}]", "    members: [{organization: '062081'}]")
    path.write_text(text, encoding="utf-8")
    with session_scope(engine) as session:
        report = load_reference(session, reference, now=PLANNED_AT, actor="t")
    assert report.removed["regional_body"] == 1
    assert report.removed["body_member"] == 3  # 東根市、尾花沢市、大石田町
    with Session(engine) as session:
        retired = session.exec(select(RegionalBody).where(RegionalBody.code == "shonai-airport")).one()
        assert not retired.active
        kita = session.exec(select(RegionalBody).where(RegionalBody.code == "kitamurayama-renkei")).one()
        members = session.exec(select(RegionalBodyMember).where(RegionalBodyMember.regional_body_id == kita.id)).all()
        assert len(members) == 2
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "regional_body.retired")).one()


@pytest.mark.parametrize(
    ("find", "replace", "message"),
    [
        (
            "{code: nishimurayama, name: 西村山, office: ro-murayama, parent: murayama}",
            "{code: nishimurayama, name: 西村山, office: ro-shonai, parent: murayama}",
            "line 23: areas[1].office: 'ro-shonai' is not the office of 'murayama'",
        ),
        (
            "{code: mogami, name: 最上, office: ro-mogami}",
            "{code: mogami, name: 最上郡, office: ro-mogami}",
            "line 25: areas[3].name: no municipality of municipalities.csv is in '最上郡'",
        ),
        ("  - code: shonai-airport", "  - code: Shonai Airport", "bodies[5].code: 'Shonai Airport' is not a valid"),
        ("    area: okitama\n", "    area: yonezawa\n", "bodies[4].area: 'yonezawa' is not an area code"),
        (
            "    members: [{area: shonai}]",
            "    members: [{organization: '062031', role: 市長}]",
            "bodies[5].members[0].role: 062031 has no contact role '市長'",
        ),
        ("    name: 最上地域政策研究所", '    name: "最上=?utf-8?q?x?="', "bodies[3].name:"),
        ('  sender: "{prefecture}{office}長"', '  sender: "{office}{head}"', "unknown placeholder {head}"),
    ],
)
def test_a_bad_bodies_file_is_one_line_and_nothing_is_loaded(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, find: str, replace: str, message: str
) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(data_dir("reference"), reference)
    path = reference / "regional_bodies.yaml"
    text = path.read_text(encoding="utf-8")
    assert find in text
    path.write_text(text.replace(find, replace, 1), encoding="utf-8")
    monkeypatch.setenv("COUNCIL_REFERENCE_DIR", str(reference))
    reset_settings()
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert "regional_bodies.yaml" in lines[0]
    assert message in lines[0]
    with Session(engine) as session:
        assert _count(session, RegionalBody) == 0
        assert session.exec(select(func.count()).select_from(Area)).one() == 0


# ------------------------------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("find", "replace", "message"),
    [
        ("venue: kencho\n  meetings:", "venue: kenchou\n  meetings:", "working_teams.venue: unknown venue 'kenchou'"),
        (
            '{window: {start: "05-07", end: "06-30"}, on_or_after: "05-20"}',
            '{window: {start: "05-07", end: "06-30"}, on_or_after: "07-20"}',
            "regional_bodies.default.meetings[0].on_or_after: 07-20 is outside the window 05-07..06-30",
        ),
        ("{prefix: agenda,", "{prefix: materials,", "meeting_tasks[1].prefix: 'materials' is not one of"),
        ('title: "{body}（第{n}回情報交換会）"', 'title: "{body}（第{no}回）"', "unknown placeholder {no}"),
        ("{weekdays: [wed]}", "{weekdays: [wen]}", "regional_bodies.bodies.nishimurayama-kouiki.weekdays[0]"),
    ],
)
def test_a_bad_calendar_is_refused_with_its_line(tmp_path: Path, find: str, replace: str, message: str) -> None:
    path = tmp_path / "bodies.yaml"
    text = (data_dir("calendar") / "bodies.yaml").read_text(encoding="utf-8")
    assert find in text
    path.write_text(text.replace(find, replace, 1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_bodies_rules(path)
    assert message in str(caught.value)
    assert "line " in str(caught.value)


# ------------------------------------------------------------------------------------------------- planning


def test_meetings_are_planned_on_business_days_from_the_rules(planned: Callable[..., Context], engine: Engine) -> None:
    summary = plan_body_meetings(planned(), FY)
    meetings = _meetings(engine)
    assert len(meetings) == 5 * 4 + 6  # five quarterly bodies, 最上地域政策研究所 every other month
    assert len([item for item in summary.added if item.startswith("meeting:")]) == 26
    rules = load_bodies_rules(data_dir("calendar") / "bodies.yaml")
    for meeting in meetings.values():
        day = meeting.starts_at.astimezone(TOKYO).date()
        assert CALENDAR.is_business_day(day), meeting.key
        assert meeting.origin == MeetingOrigin.bodies
        assert meeting.regional_body_id is not None
        code, number = meeting.key.rsplit("-", 1)
        series = rules.series_for_body(code)
        first, last = series.occurrences[int(number) - 1].window.dates(FY)
        assert first <= day <= last
        assert day.weekday() in series.weekdays
    west = meetings["nishimurayama-kouiki-1"]
    assert west.title == "西村山地域広域連携協議会（第1回情報交換会）"
    assert west.starts_at.astimezone(TOKYO) == datetime(2026, 5, 20, 13, 30, tzinfo=TOKYO)  # Wed on/after 05-20
    assert west.venue == "村山総合支庁 本庁舎講堂"
    assert meetings["mogami-seisaku-2"].title == "最上地域政策研究所（第2回研究会）"
    with Session(engine) as session:
        tasks = {task.key: task for task in session.exec(select(Task).where(col(Task.key).like("%nishimurayama%")))}
        office = session.exec(select(RegionalBody).where(RegionalBody.code == "nishimurayama-kouiki")).one()
    notice, agenda, minutes = (tasks[f"{prefix}:nishimurayama-kouiki-1"] for prefix in ("notice", "agenda", "minutes"))
    assert notice.due_date == CALENDAR.add_business_days(date(2026, 5, 20), -10)
    assert agenda.due_date == CALENDAR.add_business_days(date(2026, 5, 20), -3)
    assert minutes.due_date == CALENDAR.add_business_days(date(2026, 5, 20), 10)
    assert {task.origin for task in tasks.values()} == {TaskOrigin.auto}
    assert {task.owner_id for task in tasks.values()} == {office.convener_id}
    # No two meetings of one room at one time: the three bodies of 村山 meet on their own weekdays.
    starts = [(m.venue, m.starts_at) for m in meetings.values()]
    assert len(starts) == len(set(starts))


def test_planning_again_changes_nothing_and_a_notified_meeting_keeps_its_day(
    planned: Callable[..., Context], engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_body_meetings(planned(), FY)
    again = plan_body_meetings(planned(), FY)
    assert (again.added, again.changed, again.cancelled) == ((), (), ())
    with session_scope(engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.key == "shonai-airport-1")).one()
        meeting.status = MeetingStatus.confirmed  # its notice went out
    # The rules move every first meeting a week later, and 最上 drops its last two meetings.
    calendar = tmp_path / "calendar"
    shutil.copytree(data_dir("calendar"), calendar)
    text = (calendar / "bodies.yaml").read_text(encoding="utf-8")
    text = text.replace('on_or_after: "05-20"}', 'on_or_after: "05-27"}', 1)
    start = text.index('        - {window: {start: "01-06"')
    end = text.index("\nworking_teams:")
    text = text[:start] + text[end:]
    (calendar / "bodies.yaml").write_text(text, encoding="utf-8")
    moved = plan_body_meetings(planned(COUNCIL_CYCLE_FILE=str(calendar / "cycle.yaml")), FY)
    meetings = _meetings(engine)
    assert meetings["shonai-airport-1"].starts_at.astimezone(TOKYO).date() == date(2026, 5, 20)  # kept
    assert meetings["okitama-genki-lab-1"].starts_at.astimezone(TOKYO).date() == date(2026, 5, 27)
    assert meetings["okitama-genki-lab-1"].revision == 1  # the feed's SEQUENCE
    assert "meeting:okitama-genki-lab-1" in moved.changed
    assert sorted(moved.cancelled) == ["meeting:mogami-seisaku-5", "meeting:mogami-seisaku-6"]
    assert meetings["mogami-seisaku-6"].status == MeetingStatus.cancelled
    with Session(engine) as session:
        task = session.exec(select(Task).where(Task.key == "notice:mogami-seisaku-6")).one()
        assert task.status == "cancelled"
    # Planning the council's year again leaves the bodies' meetings alone (a confirmed one is not the planner's pin).
    with session_scope(engine) as session:
        report = plan_and_store(
            session,
            fiscal_year=FY,
            rules=load_rules(data_dir("calendar") / "cycle.yaml"),
            now=PLANNED_AT,
            actor="t",
            council_code="yamagata",
        )
    assert report.added == 0
    assert report.changed == 0


def test_a_room_taken_twice_is_refused_and_nothing_is_stored(
    planned: Callable[..., Context], engine: Engine, tmp_path: Path
) -> None:
    calendar = tmp_path / "calendar"
    shutil.copytree(data_dir("calendar"), calendar)
    text = (calendar / "bodies.yaml").read_text(encoding="utf-8")
    (calendar / "bodies.yaml").write_text(text.replace("{weekdays: [wed]}", "{weekdays: [tue]}"), encoding="utf-8")
    result_ctx = planned(COUNCIL_CYCLE_FILE=str(calendar / "cycle.yaml"))
    with pytest.raises(InputError, match="would be held in 村山総合支庁 本庁舎講堂 at the same time"):
        plan_body_meetings(result_ctx, FY)
    assert _meetings(engine) == {}


def test_an_unplanned_year_is_one_line_from_the_cli(planned: Callable[..., Context], engine: Engine) -> None:
    result = CliRunner().invoke(app, ["bodies", "plan", "--fy", "2030"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: fiscal year 2030 (令和12年度) has not been planned: run `council plan --fy 2030`"
    ]
    ok = CliRunner().invoke(app, ["bodies", "plan", "--fy", "2026"])
    assert ok.exit_code == 0, ok.output
    assert "regional bodies FY2026: 104 added" in ok.output


# ------------------------------------------------------------------------------------------------- going out


def test_a_body_meeting_goes_out_like_the_councils(planned: Callable[..., Context], engine: Engine) -> None:
    plan_body_meetings(planned(), FY)
    notice_day = CALENDAR.add_business_days(date(2026, 5, 20), -10)
    report = run_tick(planned(notice_day), fiscal_year=FY)
    assert "prepare-meeting 2026 nishimurayama-kouiki-1 (notice)" in report.performed
    with Session(engine) as session:
        notice = session.exec(
            select(Document).where(Document.kind == DocumentKind.notice, Document.subject == "nishimurayama-kouiki-1")
        ).one()
        assert notice.sender == "山形県村山総合支庁長"
        assert notice.addressees == "各市町村企画担当課長　様"
        assert notice.title == "令和8年度西村山地域広域連携協議会（第1回情報交換会）の開催について（通知）"
        sent = session.exec(select(Delivery).where(Delivery.document_id == notice.id, Delivery.status == "sent")).all()
        assert len(sent) == 6  # the five municipalities and the convening office
        meeting = session.exec(select(Meeting).where(Meeting.key == "nishimurayama-kouiki-1")).one()
        assert meeting.status == MeetingStatus.confirmed
        feeds = {row.name: row.body for row in session.exec(select(FeedSnapshot)).all()}
    assert "CONFIRMED" in _event(feeds["region-murayama"], "西村山地域広域連携協議会（第1回情報交換会）")
    assert _event(feeds["org-062065"], "西村山地域広域連携協議会（第1回情報交換会）")  # 寒河江市, a member
    assert _event(feeds["org-062081"], "西村山地域広域連携協議会（第1回情報交換会）") is None  # 村山市 is not
    assert _event(feeds["region-shonai"], "西村山地域広域連携協議会（第1回情報交換会）") is None
    assert _event(feeds["council"], "西村山地域広域連携協議会（第1回情報交換会）") is None  # never public
    # Preparing again sends nothing twice.
    again = prepare_meeting(planned(notice_day), FY, "nishimurayama-kouiki-1", kinds=("notice",))
    assert again.sent == 0


def test_the_annual_schedule_keeps_to_the_councils_meetings(planned: Callable[..., Context]) -> None:
    from council.documents.actions import render_documents

    ctx = planned()
    plan_body_meetings(ctx, FY)
    publish_feeds_step(ctx)
    [schedule] = render_documents(ctx, fiscal_year=FY, kinds=[DocumentKind.annual_schedule], formats=["md"])
    text = schedule.markdown.read_text(encoding="utf-8")
    assert "第1回幹事会" in text
    assert "情報交換会" not in text
    assert "研究会" not in text


def _event(body: bytes, summary: str) -> str | None:
    for event in Calendar.from_ical(body).walk("VEVENT"):
        if str(event.get("SUMMARY")) == summary:
            return str(event.get("STATUS", ""))
    return None
