"""Working teams (ワーキングチーム): proposed from the survey answers in the theme's category and its departments,
formed with their meetings inside the working-group stage on business days (idempotent), sent like every meeting,
and their 検討結果 moving the theme to reported and becoming the roundtable's 検討状況 — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from icalendar import Calendar
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from council.cli.main import app
from council.clock import TOKYO
from council.context import Context
from council.documents.actions import render_documents
from council.errors import InputError, NotFoundError
from council.meetings.actions import record_meeting
from council.planning.actions import store_plan_step
from council.planning.business_days import BusinessCalendar
from council.simulation import install
from council.teams.actions import form_team, list_teams, propose, report_team
from council.themes.actions import add_theme_action, move_theme
from council.tick.heartbeat import run_tick
from models import (
    Delivery,
    Document,
    DocumentKind,
    FeedSnapshot,
    Meeting,
    MeetingDecision,
    MeetingKind,
    Organization,
    Stage,
    SurveySection,
    Task,
    TaskOrigin,
    TeamRole,
    TeamStatus,
    Theme,
    ThemeStatus,
    WorkingTeam,
    WorkingTeamMember,
)
from models.db import session_scope
from models.survey import Survey, SurveyAnswer, SurveySubmission, Urgency

FY = 2026
PLANNED_AT = datetime(2026, 2, 2, 9, 0, tzinfo=TOKYO)
ADOPTED_ON = date(2026, 7, 15)  # after the 1st council meeting
CALENDAR = BusinessCalendar()
THEME = "T2026-shopping"
# Who answered in the category 買い物支援 (施策の連携): 山形市 twice, 新庄市, 商工労働部, 最上総合支庁; 米沢市 answered
# in another category only.
ANSWERS = (("062014", "shopping"), ("062014", "shopping"), ("062057", "shopping"), ("dept-shoko", "shopping"))
ANSWERS += (("ro-mogami", "shopping"), ("062022", "transport"))
FINDINGS = "移動販売・店舗・移動手段・宅配の4方策について、県1/2・市町村1/2の負担割合による支援制度を検討した。"


@pytest.fixture
def year(engine: Engine, make_context: Callable[..., Context]) -> Callable[..., Context]:
    ctx = make_context(PLANNED_AT.date())
    with session_scope(engine) as session:
        install(session, reference_dir=ctx.settings.reference_dir, now=PLANNED_AT, actor="tester")
    store_plan_step(ctx, FY)
    _answers(engine)
    add_theme_action(
        make_context(date(2026, 6, 1)),
        fiscal_year=FY,
        title="買い物支援",
        section=SurveySection.policy,
        category="shopping",
        leads=["企画", "商工"],
        related=["大蔵村"],
        code=THEME,
    )
    move_theme(make_context(ADOPTED_ON), THEME, ThemeStatus.adopted)

    def on(day: date = ADOPTED_ON) -> Context:
        return make_context(day, COUNCIL_APPROVAL="off")

    return on


def _answers(engine: Engine) -> None:
    opened = datetime(2026, 4, 1, 9, 0, tzinfo=TOKYO)
    with session_scope(engine) as session:
        orgs = {org.code: org.id for org in session.exec(select(Organization)).all()}
        survey = Survey(
            council_id=1,
            fiscal_year=FY,
            municipal_opens_on=date(2026, 4, 1),
            municipal_closes_on=date(2026, 4, 22),
            department_opens_on=date(2026, 4, 1),
            department_closes_on=date(2026, 4, 22),
            opened_at=opened,
        )
        session.add(survey)
        session.flush()
        submissions: dict[str, int] = {}
        for index, (code, category) in enumerate(ANSWERS, start=1):
            if code not in submissions:
                submission = SurveySubmission(
                    survey_id=survey.id,
                    organization_id=orgs[code],
                    original_name=f"{code}.csv",
                    sha256=f"{index:064d}",
                    size=1,
                    archive_path="",
                    received_at=opened,
                    outcome="accepted",
                    current=True,
                )
                session.add(submission)
                session.flush()
                submissions[code] = submission.id or 0
            session.add(
                SurveyAnswer(
                    survey_id=survey.id or 0,
                    organization_id=orgs[code],
                    submission_id=submissions[code],
                    section=SurveySection.policy,
                    row_number=index,
                    category=category,
                    item="移動販売車の導入" if category == "shopping" else "バス路線の維持",
                    urgency=Urgency.high,
                )
            )


def _team(engine: Engine) -> tuple[WorkingTeam, list[tuple[str, TeamRole]]]:
    with Session(engine) as session:
        team = session.exec(select(WorkingTeam)).one()
        members = session.exec(
            select(Organization.code, WorkingTeamMember.role)
            .join(WorkingTeamMember, WorkingTeamMember.organization_id == Organization.id)
            .order_by(WorkingTeamMember.id)
        ).all()
        return team, [(code, role) for code, role in members]


# ------------------------------------------------------------------------------------------------- proposing


def test_the_proposal_comes_from_the_answers_and_the_themes_departments(
    year: Callable[..., Context], engine: Engine
) -> None:
    proposal = propose(year(), FY, THEME)
    assert proposal.name == "買い物支援ワーキングチーム"
    assert [(m.organization.code, m.role, m.reason) for m in proposal.members] == [
        ("dept-kikaku", TeamRole.lead, "テーマの関係部局"),
        ("dept-shoko", TeamRole.department, "テーマの関係部局・調査回答1件"),
        ("ro-mogami", TeamRole.regional_office, "調査回答1件"),
        ("062014", TeamRole.municipality, "調査回答2件"),
        ("062057", TeamRole.municipality, "調査回答1件"),
        ("063657", TeamRole.municipality, "テーマの関係市町村"),
    ]
    changed = propose(year(), FY, THEME, lead="商工", add=["米沢市"], without=["062057"])
    assert [(m.organization.code, m.role) for m in changed.members][:2] == [
        ("dept-shoko", TeamRole.lead),
        ("dept-kikaku", TeamRole.department),
    ]
    assert ("062022", TeamRole.municipality, "事務局指定") in [
        (m.organization.code, m.role, m.reason) for m in changed.members
    ]
    assert "062057" not in [m.organization.code for m in changed.members]
    with Session(engine) as session:  # proposing writes nothing
        assert session.exec(select(func.count()).select_from(WorkingTeam)).one() == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--add", "東京都"], "error: field --add: no organisation '東京都' (give its code, name or short name)"),
        (["--lead", "山形市"], "error: field --lead: 山形市 is not a department: a team is led by one"),
        (
            ["--lead", "企画", "--without", "企画"],
            "error: field --without: みらい企画創造部 leads the team: it cannot be left out",
        ),
    ],
)
def test_bad_team_options_are_one_line_and_form_nothing(
    year: Callable[..., Context], engine: Engine, arguments: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["teams", "form", THEME, "--fy", str(FY), *arguments])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [message]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(WorkingTeam)).one() == 0
        assert session.exec(select(func.count()).select_from(Meeting).where(Meeting.kind == "team_meeting")).one() == 0


def test_only_an_adopted_theme_of_the_year_gets_a_team(year: Callable[..., Context]) -> None:
    add_theme_action(
        year(), fiscal_year=FY, title="水道事業", section=SurveySection.operations, category="water", code="T2026-water"
    )
    with pytest.raises(InputError, match="theme T2026-water is candidate: a team is formed for an adopted theme"):
        form_team(year(), FY, "T2026-water", lead="企画")
    with pytest.raises(NotFoundError, match="no theme 'T2026-nothing'"):
        form_team(year(), FY, "T2026-nothing")
    with pytest.raises(InputError, match=r"fiscal year 2027 .* has not been planned"):
        propose(year(), 2027, THEME)


# ------------------------------------------------------------------------------------------------- forming


def test_forming_plans_the_meetings_inside_the_working_group_stage(
    year: Callable[..., Context], engine: Engine
) -> None:
    report = form_team(year(), FY, THEME)
    assert report.formed_now
    assert report.planned == ("team-t2026-shopping-1", "team-t2026-shopping-2")
    team, members = _team(engine)
    assert (team.code, team.name, team.status) == (
        "team-t2026-shopping",
        "買い物支援ワーキングチーム",
        TeamStatus.formed,
    )
    assert members[0] == ("dept-kikaku", TeamRole.lead)
    assert len(members) == 6
    with Session(engine) as session:
        stage = session.exec(select(Stage).where(Stage.key == "working_groups")).one()
        meetings = session.exec(select(Meeting).where(Meeting.working_team_id == team.id)).all()
        tasks = session.exec(select(Task).where(Task.key.like("%team-t2026-shopping%"))).all()  # type: ignore[attr-defined]
    days = sorted(meeting.starts_at.astimezone(TOKYO).date() for meeting in meetings)
    assert days == [date(2026, 8, 5), date(2026, 9, 1)]  # the first business day on/after 08-05 and 09-01
    assert all(stage.start_date <= day <= stage.end_date and CALENDAR.is_business_day(day) for day in days)
    assert {meeting.stage_id for meeting in meetings} == {stage.id}
    assert {meeting.kind for meeting in meetings} == {MeetingKind.team_meeting}
    assert meetings[0].title == "買い物支援ワーキングチーム（第1回）"
    assert len(tasks) == 6
    assert {task.origin for task in tasks} == {TaskOrigin.auto}
    # Forming it again changes nothing; forming it differently is refused.
    again = form_team(year(), FY, THEME)
    assert not again.formed_now
    assert again.planned == ()
    with pytest.raises(InputError, match="買い物支援ワーキングチーム is already formed"):
        form_team(year(), FY, THEME, lead="商工")
    assert list_teams(year(), FY)[0].lead == "みらい企画創造部"


def test_a_team_formed_late_leaves_out_the_meetings_it_can_no_longer_announce(
    year: Callable[..., Context], engine: Engine
) -> None:
    report = form_team(year(date(2026, 8, 25)), FY, THEME)
    assert report.left_out == 1
    assert report.planned == ("team-t2026-shopping-1",)
    with Session(engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.key == "team-t2026-shopping-1")).one()
        notice = session.exec(select(Task).where(Task.key == "notice:team-t2026-shopping-1")).one()
    day = meeting.starts_at.astimezone(TOKYO).date()
    assert day == CALENDAR.add_business_days(date(2026, 8, 25), 10)  # its notice can still go out on time
    assert notice.due_date == date(2026, 8, 25)


def test_the_teams_notice_goes_to_its_members(year: Callable[..., Context], engine: Engine) -> None:
    form_team(year(), FY, THEME)
    notice_day = CALENDAR.add_business_days(date(2026, 8, 5), -10)
    report = run_tick(year(notice_day), fiscal_year=FY)
    assert "prepare-meeting 2026 team-t2026-shopping-1 (notice)" in report.performed
    with Session(engine) as session:
        notice = session.exec(
            select(Document).where(Document.kind == DocumentKind.notice, Document.subject == "team-t2026-shopping-1")
        ).one()
        sent = session.exec(select(Delivery).where(Delivery.document_id == notice.id)).all()
        feeds = {row.name: row.body for row in session.exec(select(FeedSnapshot)).all()}
    assert len(sent) == 6
    assert notice.title == "令和8年度買い物支援ワーキングチーム（第1回）の開催について（通知）"
    assert notice.addressees == "各市町村企画担当課長　様\n各部局主幹課長　様\n最上総合支庁連携支援室長　様"
    summary = "買い物支援ワーキングチーム（第1回）"
    assert _has(feeds["org-062014"], summary)
    assert not _has(feeds["org-062022"], summary)
    assert not _has(feeds["council"], summary)
    assert _has(feeds["region-mogami"], summary)  # 新庄市 and the 最上 office are members


# ------------------------------------------------------------------------------------------------- reporting


def test_the_findings_move_the_theme_and_become_the_roundtables_status(
    year: Callable[..., Context], engine: Engine
) -> None:
    form_team(year(), FY, THEME)
    with pytest.raises(InputError, match="the 検討結果 is empty"):
        report_team(year(), FY, THEME, "   ")
    with pytest.raises(InputError, match="MIME encoded-word"):
        report_team(year(), FY, THEME, "検討=?utf-8?q?x?=結果")
    assert _team(engine)[0].status == TeamStatus.formed
    filed = report_team(year(date(2026, 9, 18)), FY, THEME, FINDINGS)
    assert filed.changed
    assert filed.theme_status == ThemeStatus.reported
    assert not report_team(year(date(2026, 9, 18)), FY, THEME, FINDINGS).changed  # the same again: nothing
    with Session(engine) as session:
        theme = session.exec(select(Theme).where(Theme.code == THEME)).one()
        assert theme.status == ThemeStatus.reported
    [agenda] = render_documents(
        year(date(2026, 10, 1)), fiscal_year=FY, meeting_key="roundtable", kinds=[DocumentKind.agenda], formats=["md"]
    )
    text = agenda.markdown.read_text(encoding="utf-8")
    assert "      - 買い物支援（報告済）〔企画、商工〕" in text
    assert f"        - 検討状況：{FINDINGS}" in text
    # The roundtable hears it: its decision is recorded with the meeting, its minutes show the 検討状況.
    with Session(engine) as session:
        roundtable = session.exec(select(Meeting).where(Meeting.key == "roundtable")).one()
    after = roundtable.ends_at.astimezone(TOKYO).date()
    recorded = record_meeting(year(CALENDAR.add_business_days(after, 1)), FY, "roundtable")
    assert (THEME, "reported") in recorded.decisions
    with Session(engine) as session:
        decision = session.exec(select(MeetingDecision)).one()
        minutes = session.get(Document, recorded.minutes_document_id)
        assert minutes is not None
        assert (decision.status_before, decision.status_after) == (ThemeStatus.reported, ThemeStatus.reported)
    home = year().settings.home
    minutes_text = next((home / minutes.directory).glob("*.md")).read_text(encoding="utf-8")
    assert f"検討状況：{FINDINGS}" in minutes_text


def _has(body: bytes, summary: str) -> bool:
    return any(str(event.get("SUMMARY")) == summary for event in Calendar.from_ical(body).walk("VEVENT"))
