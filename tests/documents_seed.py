"""A small council year inserted row by row for the document tests (the planner and the reference loader that fill
these tables in production are tested on their own): the roster with (fictitious) addresses, the stages, the meetings
with the tasks that plan their documents (notice 10 business days before, 次第 3 before, 議事概要 10 after, as
calendar/cycle.yaml's lead times give them), the survey and its tasks, and the themes with their history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from council.survey.store import RESPONDENT_KINDS
from council.survey.tally import CategoryCount, SurveyTally
from models import (
    Body,
    Contact,
    Council,
    Cycle,
    Lane,
    Meeting,
    MeetingKind,
    Membership,
    Organization,
    OrganizationKind,
    Stage,
    SurveySection,
    Task,
    TaskOrigin,
    Theme,
    ThemeEvent,
    ThemeOrganization,
    ThemeStatus,
)
from models.survey import Survey, SurveyRespondent

TOKYO = ZoneInfo("Asia/Tokyo")
FISCAL_YEAR = 2026
NOW = datetime(2026, 6, 15, 9, 0, tzinfo=TOKYO)  # letters of this test year are dated 令和8年6月15日
PLANNED_AT = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)

MUNICIPALITIES = (("062014", "山形市"), ("062022", "米沢市"), ("062031", "鶴岡市"))
DEPARTMENTS = (
    ("dept-kikaku", "企画振興部", "企画"),
    ("dept-kendo", "県土整備部", "県土"),
    ("dept-norin", "農林水産部", "農林"),
)
REGIONAL_OFFICES = (("ro-murayama", "村山総合支庁", "村山"), ("ro-shonai", "庄内総合支庁", "庄内"))


@dataclass
class Seeded:
    council_id: int
    cycle_id: int
    organizations: dict[str, int] = field(default_factory=dict)  # code → id
    meetings: dict[str, int] = field(default_factory=dict)  # key → id
    themes: dict[str, int] = field(default_factory=dict)  # code → id
    stages: dict[str, int] = field(default_factory=dict)  # key → id
    tasks: dict[str, int] = field(default_factory=dict)  # key → id


def tokyo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def seed_year(session: Session, *, survey: bool = True) -> Seeded:
    council = Council(code="yamagata", name="県・市町村連携推進会議", prefecture="山形県")
    session.add(council)
    session.flush()
    assert council.id is not None
    cycle = Cycle(council_id=council.id, fiscal_year=FISCAL_YEAR, rules_digest="0" * 64, planned_at=PLANNED_AT)
    session.add(cycle)
    session.flush()
    assert cycle.id is not None
    seeded = Seeded(council_id=council.id, cycle_id=cycle.id)
    _roster(session, seeded)
    _stages(session, seeded)
    _meetings(session, seeded)
    _tasks(session, seeded)
    _themes(session, seeded)
    if survey:
        opened = Survey(
            council_id=council.id,
            fiscal_year=FISCAL_YEAR,
            municipal_opens_on=date(2026, 5, 29),
            municipal_closes_on=date(2026, 6, 23),
            department_opens_on=date(2026, 6, 9),
            department_closes_on=date(2026, 6, 23),
            opened_at=tokyo(2026, 5, 29, 9),
        )
        session.add(opened)
        session.flush()
        assert opened.id is not None
        # Open, as `survey open` leaves it: every municipality, department and regional office asked to answer.
        for organization in session.exec(select(Organization).where(col(Organization.kind).in_(RESPONDENT_KINDS))):
            assert organization.id is not None
            session.add(SurveyRespondent(survey_id=opened.id, organization_id=organization.id))
    session.flush()
    return seeded


def _organization(
    session: Session,
    seeded: Seeded,
    code: str,
    kind: OrganizationKind,
    name: str,
    *,
    short_name: str | None = None,
    municipality_type: str | None = None,
) -> int:
    organization = Organization(
        code=code,
        kind=kind,
        name=name,
        short_name=short_name,
        municipality_type=municipality_type,
        sort_order=len(seeded.organizations),
    )
    session.add(organization)
    session.flush()
    assert organization.id is not None
    seeded.organizations[code] = organization.id
    return organization.id


def _contact(
    session: Session, seeded: Seeded, organization_id: int, role: str, title: str, email: str, *bodies: Body
) -> None:
    contact = Contact(organization_id=organization_id, role=role, title=title, email=email)
    session.add(contact)
    session.flush()
    assert contact.id is not None
    for body in bodies:
        session.add(Membership(council_id=seeded.council_id, body=body, contact_id=contact.id))


def _roster(session: Session, seeded: Seeded) -> None:
    for code, name in MUNICIPALITIES:
        org = _organization(session, seeded, code, OrganizationKind.municipality, name, municipality_type=name[-1])
        _contact(session, seeded, org, "企画担当課長", f"{name}企画担当課長", f"kikaku@{code}.example.jp", Body.council)
        mayor = f"shicho@{code}.example.jp"
        _contact(session, seeded, org, "市町村長", f"{name}長", mayor, Body.roundtable, Body.mayors_meeting)
    for code, name, short in DEPARTMENTS:
        org = _organization(session, seeded, code, OrganizationKind.department, name, short_name=short)
        _contact(session, seeded, org, "主幹課長", f"{name}主幹課長", f"shukan@{code}.pref.example.jp", Body.council)
        if code == "dept-kikaku":
            deputy = "jicho@dept-kikaku.pref.example.jp"
            bodies = (Body.council, Body.secretariat_meeting)
            _contact(session, seeded, org, "企画振興部次長", "企画振興部次長", deputy, *bodies)
    for code, name, short in REGIONAL_OFFICES:
        org = _organization(session, seeded, code, OrganizationKind.regional_office, name, short_name=short)
        liaison = f"renkei@{code}.pref.example.jp"
        bodies = (Body.council, Body.secretariat_meeting)
        _contact(session, seeded, org, "連携支援室長", f"{name}連携支援室長", liaison, *bodies)
    secretariat = _organization(session, seeded, "secretariat", OrganizationKind.secretariat, "市町村課")
    _contact(session, seeded, secretariat, "市町村課長", "市町村課長", "kacho@secretariat.pref.example.jp", *Body)


STAGES = (
    # the survey as the source ran it in 2017 (5/29–6/23), the candidates worked out before the 1st meeting
    ("survey", "連携課題・ニーズ調査", Lane.council, date(2026, 5, 29), date(2026, 6, 23)),
    ("theme_candidates", "新たな連携テーマ候補に係る検討・調整", Lane.council, date(2026, 6, 24), date(2026, 7, 7)),
    ("mayors_meeting", "市町村長会議", Lane.other, date(2026, 5, 11), date(2026, 5, 22)),
    ("first_meeting", "第1回会議", Lane.council, date(2026, 6, 1), date(2026, 7, 31)),
    (
        "working_groups",
        "新たな連携テーマに係る具体的な連携方策の検討",
        Lane.council,
        date(2026, 8, 3),
        date(2026, 9, 30),
    ),
    ("roundtable", "県・市町村行政懇談会", Lane.other, date(2026, 10, 1), date(2026, 10, 30)),
    ("budgeting", "予算計上（必要に応じて）", Lane.council, date(2026, 11, 2), date(2027, 1, 29)),
    ("second_meeting", "第2回会議", Lane.council, date(2027, 2, 1), date(2027, 3, 19)),
)


def _stages(session: Session, seeded: Seeded) -> None:
    for order, (key, title, lane, start, end) in enumerate(STAGES):
        stage = Stage(
            cycle_id=seeded.cycle_id, key=key, title=title, lane=lane, start_date=start, end_date=end, sort_order=order
        )
        session.add(stage)
        session.flush()
        assert stage.id is not None
        seeded.stages[key] = stage.id


MEETINGS = (
    # key, kind, number, title, start, end, venue, prepares, stage
    (
        "mayors-meeting",
        MeetingKind.mayors_meeting,
        None,
        "市町村長会議",
        tokyo(2026, 5, 13, 13, 30),
        tokyo(2026, 5, 13, 16),
        "山形県庁 講堂",
        None,
        "mayors_meeting",
    ),
    (
        "secretariat-1",
        MeetingKind.secretariat_meeting,
        1,
        "第1回県・市町村連携推進会議幹事会",
        tokyo(2026, 6, 24, 10),
        tokyo(2026, 6, 24, 11, 30),
        "山形県庁 1001会議室",
        "council-1",
        "first_meeting",
    ),
    (
        "council-1",
        MeetingKind.council_meeting,
        1,
        "第1回県・市町村連携推進会議",
        tokyo(2026, 7, 8, 14),
        tokyo(2026, 7, 8, 16),
        "山形県庁 講堂",
        None,
        "first_meeting",
    ),
    (
        "roundtable",
        MeetingKind.roundtable,
        None,
        "県・市町村行政懇談会",
        tokyo(2026, 10, 21, 13, 30),
        tokyo(2026, 10, 21, 15),
        "山形県庁 講堂",
        None,
        "roundtable",
    ),
    (
        "secretariat-3",
        MeetingKind.secretariat_meeting,
        3,
        "第3回県・市町村連携推進会議幹事会",
        tokyo(2026, 11, 18, 10),
        tokyo(2026, 11, 18, 11, 30),
        "山形県庁 1001会議室",
        None,  # held as needed (その他必要に応じて開催): it prepares no council meeting
        None,
    ),
    (
        "secretariat-2",
        MeetingKind.secretariat_meeting,
        2,
        "第2回県・市町村連携推進会議幹事会",
        tokyo(2027, 2, 3, 10),
        tokyo(2027, 2, 3, 11, 30),
        "山形県庁 1001会議室",
        "council-2",
        "second_meeting",
    ),
    (
        "council-2",
        MeetingKind.council_meeting,
        2,
        "第2回県・市町村連携推進会議",
        tokyo(2027, 2, 17, 14),
        tokyo(2027, 2, 17, 16),
        None,
        None,
        "second_meeting",
    ),
)


def _meetings(session: Session, seeded: Seeded) -> None:
    # Insert prepared meetings first so a 幹事会 can point at them.
    for key, kind, number, title, start, end, venue, prepares, stage in sorted(
        MEETINGS, key=lambda row: row[7] is not None
    ):
        meeting = Meeting(
            cycle_id=seeded.cycle_id,
            stage_id=seeded.stages[stage] if stage else None,
            prepares_meeting_id=seeded.meetings[prepares] if prepares else None,
            key=key,
            kind=kind,
            number=number,
            title=title,
            starts_at=start,
            ends_at=end,
            venue=venue,
            updated_at=PLANNED_AT,
        )
        session.add(meeting)
        session.flush()
        assert meeting.id is not None
        seeded.meetings[key] = meeting.id


# The days each meeting's documents are planned for: notice 10 business days before, 次第 and materials 3 before,
# 議事概要 10 after (calendar/cycle.yaml's lead times on its business days).
DOCUMENT_TASKS = {
    "secretariat-1": (date(2026, 6, 10), date(2026, 6, 19), date(2026, 7, 8)),
    "council-1": (date(2026, 6, 24), date(2026, 7, 3), date(2026, 7, 23)),
    "roundtable": (date(2026, 10, 6), date(2026, 10, 16), date(2026, 11, 5)),
    "secretariat-3": (date(2026, 11, 4), date(2026, 11, 13), date(2026, 12, 3)),
    "secretariat-2": (date(2027, 1, 20), date(2027, 1, 29), date(2027, 2, 18)),
    "council-2": (date(2027, 2, 2), date(2027, 2, 12), date(2027, 3, 4)),
}
TASK_TITLES = {"notice": "開催通知の発出", "agenda": "次第・会議資料の送付", "minutes": "議事概要の作成・送付"}
SURVEY_TASKS = (
    ("survey:open", "連携課題・ニーズ調査の依頼（調査開始）", date(2026, 5, 29)),
    ("survey:deadline", "連携課題・ニーズ調査の回答期限", date(2026, 6, 23)),
    ("survey:summary", "連携課題・ニーズ調査の結果の取りまとめ（結果概要）", date(2026, 6, 30)),
)


def _tasks(session: Session, seeded: Seeded) -> None:
    secretariat = seeded.organizations["secretariat"]
    rows = [(key, title, due, None, seeded.stages["survey"]) for key, title, due in SURVEY_TASKS]
    for meeting_key, dues in DOCUMENT_TASKS.items():
        for prefix, due in zip(("notice", "agenda", "minutes"), dues, strict=True):
            meeting_title = next(row[3] for row in MEETINGS if row[0] == meeting_key)
            title = f"{meeting_title} {TASK_TITLES[prefix]}"
            rows.append((f"{prefix}:{meeting_key}", title, due, seeded.meetings[meeting_key], None))
    for key, title, due, meeting_id, stage_id in rows:
        task = Task(
            cycle_id=seeded.cycle_id,
            key=key,
            stage_id=stage_id,
            meeting_id=meeting_id,
            owner_id=secretariat,
            title=title,
            due_date=due,
            origin=TaskOrigin.planned,
            updated_at=PLANNED_AT,
        )
        session.add(task)
        session.flush()
        assert task.id is not None
        seeded.tasks[key] = task.id


THEMES = (
    # code, title, section, category, status, deferred_to, leads — all in FY2026's plan
    (
        "T2026-01",
        "ICTの活用促進について",
        SurveySection.policy,
        "policy-other",
        ThemeStatus.candidate,
        None,
        ("dept-kikaku",),
    ),
    (
        "T2026-02",
        "災害対応業務の支援体制強化について",
        SurveySection.operations,
        "disaster",
        ThemeStatus.candidate,
        None,
        ("dept-kendo",),
    ),
    (
        "T2026-03",
        "地域公共交通に係る新たな手法の導入検討",
        SurveySection.policy,
        "transport",
        ThemeStatus.candidate,
        None,
        ("dept-kikaku", "dept-kendo"),
    ),
    (
        "T2025-04",
        "専門的・技術的分野の支援充実に向けた対応",
        SurveySection.operations,
        "specialist",
        ThemeStatus.under_study,  # adopted in FY2025, still being studied
        None,
        ("dept-kendo", "dept-norin"),
    ),
    (
        "T2026-05",
        "生活排水処理の連携について",
        SurveySection.operations,
        "water",
        ThemeStatus.deferred,
        2027,
        ("dept-kendo",),
    ),
)


def _themes(session: Session, seeded: Seeded) -> None:
    """The themes and their history (one event bringing each to its status before the year's first document: agendas
    read the themes as their history says they stood)."""
    for code, title, section, category, status, deferred_to, leads in THEMES:
        theme = Theme(
            council_id=seeded.council_id,
            code=code,
            origin_fiscal_year=int(code[1:5]),
            current_fiscal_year=FISCAL_YEAR,
            title=title,
            section=section,
            category=category,
            status=status,
            deferred_to_year=deferred_to,
            updated_at=PLANNED_AT,
        )
        session.add(theme)
        session.flush()
        assert theme.id is not None
        seeded.themes[code] = theme.id
        session.add(
            ThemeEvent(
                theme_id=theme.id,
                occurred_at=PLANNED_AT,
                actor="seed",
                from_status=None,
                to_status=status,
                fiscal_year=FISCAL_YEAR,
                comment="seeded",
                detail={"deferred_to_year": deferred_to} if deferred_to else None,
            )
        )
        for lead in leads:
            session.add(ThemeOrganization(theme_id=theme.id, organization_id=seeded.organizations[lead], role="lead"))


def source_tally(fiscal_year: int = FISCAL_YEAR) -> SurveyTally:
    """The 2017 results of the source's 「結果の概要」 (municipal counts as printed; departmental ones invented so the
    `*` marks match)."""
    policy, operations, exchange = SurveySection.policy, SurveySection.operations, SurveySection.exchange
    rows = (
        CategoryCount(policy, "youth", "若者の定着・回帰関係", "（移住定住、空き家対策、Uターン等）", 17, 6, True),
        CategoryCount(policy, "shopping", "買い物支援関係", "（移動販売車導入、店舗設置支援等）", 8, 3, True),
        CategoryCount(policy, "transport", "生活交通対策関係", "（バス、鉄道等）", 6, 2, True),
        CategoryCount(policy, "islands", "離島振興関係", "（飛島の振興）", 1, 1, True),
        CategoryCount(policy, "tourism", "観光振興関係", "（ジオパーク、インバウンド等）", 16, 4, True),
        CategoryCount(policy, "childcare", "子育て支援関係", "（貧困、障がい児対策等）", 4, 2, True),
        CategoryCount(policy, "hilly-areas", "中山間地振興関係", "（地域コミュニティ対策等）", 4, 0, False),
        CategoryCount(policy, "policy-other", "その他", "（健康づくり関係、地域経済の活性化関係等）", 31, 14, False),
        CategoryCount(operations, "specialist", "専門的・技術的業務関係", "（税務、文化財等）", 11, 0, False),
        CategoryCount(operations, "disaster", "災害対応業務関係", "（罹災証明書交付、職員相互派遣等）", 5, 2, True),
        CategoryCount(operations, "wildlife", "鳥獣被害対策関係", "", 4, 1, True),
        CategoryCount(operations, "water", "水道事業関係", "（広域化、業務の共同化等）", 17, 2, True),
        CategoryCount(operations, "operations-other", "その他", "（職員採用関係等）", 31, 1, False),
        CategoryCount(exchange, "personnel", "人的交流関係", "（人事交流、研修派遣等）", 10, 0, False),
        CategoryCount(exchange, "information", "情報共有関係", "（県予算・事業の情報等）", 8, 2, True),
        CategoryCount(exchange, "exchange-other", "その他", "", 0, 0, False),
    )
    return SurveyTally(
        fiscal_year=fiscal_year,
        rows=rows,
        municipal_totals={policy: 87, operations: 68, exchange: 18},
        department_totals={policy: 32, operations: 6, exchange: 2},
        municipal_respondents=35,
        department_respondents=17,
    )
