"""Golden files: the Markdown and HTML of every document kind, as a year issues them — drafts (案), issued letters with
their 文書番号 and dates, a correction (訂正), reminders before and after the deadline, a postponement and a
cancellation, minutes built from each meeting's recorded decisions — and the year's 文書番号簿. Rendered from the
database (SQLite and PostgreSQL give the same bytes). A reviewer sees any change of wording or layout in the diff of
tests/golden/documents/.

Regenerate after an intended change with COUNCIL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_documents_golden.py -n 0
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from documents_seed import FISCAL_YEAR, seed_year, source_tally, tokyo
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from council.bodies.regional_table import TableRow, regional_document, regional_facts, store_table
from council.cases.catalogue import CaseRecord, choose, store_case
from council.cases.handout import handout_document, handout_facts
from council.context import Context
from council.documents.actions import document_register, render_documents
from council.documents.drafting import (
    DocumentPlan,
    meeting_change_document,
    meeting_document,
    reminder_document,
    schedule_document,
    summary_document,
    survey_request_document,
)
from council.documents.facts import meeting_when
from council.documents.lifecycle import RenderedDocument, draft, issue, issue_now, latest_issued, revise
from council.documents.register import register_text
from council.documents.stationery import Stationery, stationery_for
from council.meetings.lifecycle import record_meeting_held, set_status
from council.planning.cycles import council_and_cycle, find_meeting, find_task
from council.planning.rules import cycle_rules
from council.resources import data_dir
from council.survey.actions import taxonomy
from council.survey.store import Audience
from council.themes.actions import move_theme
from models import (
    Area,
    CaseScope,
    Council,
    Cycle,
    Document,
    DocumentKind,
    DocumentStatus,
    InitiativeKind,
    MeetingStatus,
    Organization,
    ThemeStatus,
)
from models.db import session_scope

GOLDEN = Path(__file__).parent / "golden" / "documents"
UPDATE = os.environ.get("COUNCIL_UPDATE_GOLDEN") == "1"
FORMATS = ("md", "html")
MUNICIPALITIES, DEPARTMENTS = Audience.municipalities, Audience.departments
PlanFor = Callable[[Session, Stationery, Council, Cycle, Context], DocumentPlan]


def golden_stem(document: Document) -> str:
    """'notice--council-1', with '--draft' for a draft (案) and '--v2' for a later version."""
    stem = f"{document.kind.value}--{document.subject}"
    if document.status == DocumentStatus.draft:
        return f"{stem}--draft"
    return stem if document.version == 1 else f"{stem}--v{document.version}"


def meeting_plan(key: str, kind: DocumentKind) -> PlanFor:
    def plan(session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context) -> DocumentPlan:
        meeting = find_meeting(session, cycle, key)
        return meeting_document(session, stationery, council, cycle, meeting, kind, now=ctx.clock.now)

    return plan


@dataclass
class Year:
    """The seeded year, acted on day by day: what each day issues is kept as golden text."""

    make_context: Callable[..., Context]
    produced: dict[str, str] = field(default_factory=dict)

    def keep(self, rendered: RenderedDocument) -> None:
        stem = golden_stem(rendered.document)
        for fmt in FORMATS:
            self.produced[f"{stem}.{fmt}"] = rendered.paths[fmt].read_text(encoding="utf-8")

    def act(self, day: date, action: Callable[[Session, Stationery, Council, Cycle, Context], None]) -> None:
        ctx = self.make_context(day)
        stationery = stationery_for(ctx.settings)
        with ctx.transaction() as session:
            council, cycle = council_and_cycle(session, ctx.settings.council_code, FISCAL_YEAR)
            action(session, stationery, council, cycle, ctx)

    def issue(self, day: date, plan_for: PlanFor, *, at_once: bool = False) -> None:
        """Draft the document from the state of `day` and issue it that day (a letter takes its number)."""

        def act(session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context) -> None:
            plan = plan_for(session, stationery, council, cycle, ctx)
            if at_once:  # issued by its own action (a 督促, a summary, a change of a meeting)
                rendered = issue_now(
                    session,
                    stationery,
                    cycle=cycle,
                    subject=plan.subject,
                    make=plan.make,
                    on=day,
                    now=ctx.clock.now,
                    actor=ctx.actor,
                    formats=FORMATS,
                )
            else:
                drafted = draft(
                    session,
                    stationery,
                    cycle=cycle,
                    subject=plan.subject,
                    make=plan.make,
                    planned_issue_on=plan.planned_issue_on,
                    formats=FORMATS,
                    now=ctx.clock.now,
                )
                rendered = issue(
                    session,
                    stationery,
                    drafted.document,
                    council_id=cycle.council_id,
                    on=day,
                    now=ctx.clock.now,
                    actor=ctx.actor,
                    formats=FORMATS,
                )
            self.keep(rendered)

        self.act(day, act)

    def meeting_documents(self, key: str, notice: date, agenda: date) -> None:
        self.issue(notice, meeting_plan(key, DocumentKind.notice))
        self.issue(agenda, meeting_plan(key, DocumentKind.agenda))

    def record(self, day: date, key: str) -> None:
        """The meeting held: its decisions recorded with it (the day after, at 09:00)."""

        def act(session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context) -> None:
            meeting = find_meeting(session, cycle, key)
            record_meeting_held(session, meeting, now=ctx.clock.now, actor=ctx.actor, flow_run_id=None)

        self.act(day, act)

    def reminder(
        self, day: date, step: str, codes: tuple[str, ...], audience: Audience, new_deadline: date | None
    ) -> None:
        def plan(
            session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context
        ) -> DocumentPlan:
            ids = session.exec(select(Organization.id).where(Organization.code.in_(codes))).all()  # type: ignore[attr-defined]
            return reminder_document(
                session,
                stationery,
                council,
                cycle,
                organization_ids=[i for i in ids if i is not None],
                audience=audience,
                step=step,
                deadline=date(2026, 6, 23),
                new_deadline=new_deadline,
            )

        self.issue(day, plan, at_once=True)


def choose_two_cases(session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context) -> None:
    assert council.id is not None
    records = [
        CaseRecord(
            "C2026-01",
            "移動販売車の共同運行",
            CaseScope.out_of_prefecture,
            "〇〇県△△町",
            "shopping",
            "町と商工会が移動販売車を共同で運行",
            "総務省 事例集",
            2025,
        ),
        CaseRecord(
            "C2026-02",
            "高校生の下校用バスの調査運行",
            CaseScope.in_prefecture,
            "西村山地域広域連携協議会",
            "transport",
            "市町を跨ぐ下校用バスを調査運行",
            "連携推進方針 関係資料",
            2017,
        ),
    ]
    chosen = [store_case(session, council.id, record, now=ctx.clock.now, actor=ctx.actor)[0] for record in records]
    choose(session, find_meeting(session, cycle, "council-1"), chosen, now=ctx.clock.now, actor=ctx.actor)


def case_handout_plan(
    session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context
) -> DocumentPlan:
    facts = handout_facts(session, cycle, find_meeting(session, cycle, "council-1"), taxonomy(ctx))
    return handout_document(facts, stationery.texts.tables[DocumentKind.case_handout.value], "council-1")


def regional_table_rows(session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context) -> None:
    assert council.id is not None
    office = session.exec(select(Organization).where(Organization.code == "ro-murayama")).one()
    area = Area(council_id=council.id, code="murayama", name="村山", office_id=office.id or 0, sort_order=1)
    session.add(area)
    session.flush()
    row = TableRow(area.id or 0, None, InitiativeKind.enhanced, "連携中枢都市圏の形成に向けたワーキング会合を開催", 1)
    store_table(session, council.id, cycle.fiscal_year, [row], now=ctx.clock.now, actor=ctx.actor)


def regional_table_plan(
    session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context
) -> DocumentPlan:
    assert council.id is not None
    facts = regional_facts(session, council.id, cycle.fiscal_year, compiled_by="（作成課）")
    return regional_document(
        facts, stationery.texts.tables[DocumentKind.regional_initiatives.value], planned_issue_on=None
    )


def _run_the_year(engine: Engine, make_context: Callable[..., Context]) -> Year:
    with session_scope(engine) as session:
        seed_year(session)
    year = Year(make_context)

    # May 20th: everything not issued yet is a draft (案), dated with its planned issue day and numbered 市第　　号.
    for result in render_documents(make_context(date(2026, 5, 20)), fiscal_year=FISCAL_YEAR, formats=FORMATS):
        if (result.document.kind, result.document.subject) in (
            (DocumentKind.notice, "council-2"),
            (DocumentKind.agenda, "council-1"),
        ):
            year.keep(result)
    year.issue(date(2026, 5, 21), lambda s, st, c, cy, ctx: schedule_document(s, st, c, cy, planned_issue_on=None))
    # Each audience's 調査依頼 on the day its window opens.
    year.issue(date(2026, 5, 29), lambda s, st, c, cy, ctx: survey_request_document(s, st, c, cy, MUNICIPALITIES))
    year.issue(date(2026, 6, 9), lambda s, st, c, cy, ctx: survey_request_document(s, st, c, cy, DEPARTMENTS))
    year.issue(date(2026, 6, 10), meeting_plan("secretariat-1", DocumentKind.notice))
    # 山形市 and 企画振興部 answered: each audience's 督促 goes to those of it who have not (関係…), both offices (各…)
    year.reminder(date(2026, 6, 18), "before-3", ("062022", "062031"), MUNICIPALITIES, None)
    departments = ("dept-kendo", "dept-norin", "ro-murayama", "ro-shonai")
    year.reminder(date(2026, 6, 18), "before-3", departments, DEPARTMENTS, None)
    year.issue(date(2026, 6, 19), meeting_plan("secretariat-1", DocumentKind.agenda))
    year.issue(date(2026, 6, 24), meeting_plan("council-1", DocumentKind.notice))
    # after the deadline (6/23), 鶴岡市 having answered: a new deadline three business days after sending
    year.reminder(date(2026, 6, 24), "after-1", ("062022",), MUNICIPALITIES, date(2026, 6, 29))
    year.record(date(2026, 6, 25), "secretariat-1")  # endorses the candidates for the 1st meeting
    year.issue(
        date(2026, 6, 30), lambda s, st, c, cy, ctx: summary_document(s, st, c, cy, source_tally()), at_once=True
    )

    def correct_the_venue(
        session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context
    ) -> None:
        meeting = find_meeting(session, cycle, "council-1")
        meeting.venue = "山形県自治会館 401会議室"
        session.add(meeting)
        notice = latest_issued(session, cycle.id or 0, DocumentKind.notice, "council-1")
        assert notice is not None
        plan = meeting_plan("council-1", DocumentKind.notice)(session, stationery, council, cycle, ctx)
        corrected = revise(
            session,
            stationery,
            notice,
            cycle=cycle,
            make=plan.make,
            reason="会場の変更のため",
            on=ctx.clock.today,
            now=ctx.clock.now,
            actor=ctx.actor,
            formats=FORMATS,
        )
        year.keep(corrected)

    year.act(date(2026, 6, 26), correct_the_venue)  # （訂正）: a new number
    year.issue(date(2026, 7, 3), meeting_plan("council-1", DocumentKind.agenda))
    # The 先進事例 chosen for the 1st meeting, and its handout sent with the 次第 (a catalogue of two cases).
    year.act(date(2026, 7, 3), choose_two_cases)
    year.issue(date(2026, 7, 3), case_handout_plan)
    # The regional table of the year (地域における…の主な連携の取組み), one line of 村山.
    year.act(date(2026, 7, 10), regional_table_rows)
    year.issue(date(2026, 7, 10), regional_table_plan)
    year.issue(date(2026, 7, 8), meeting_plan("secretariat-1", DocumentKind.minutes))
    year.record(date(2026, 7, 9), "council-1")  # adopts the candidates
    year.issue(date(2026, 7, 23), meeting_plan("council-1", DocumentKind.minutes))

    # The mayors' calendars fill early: the roundtable's date is announced about two months ahead.
    year.issue(date(2026, 8, 19), meeting_plan("roundtable", DocumentKind.advance_notice))
    year.issue(date(2026, 10, 6), meeting_plan("roundtable", DocumentKind.notice))

    def postpone_the_roundtable(
        session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context
    ) -> None:
        meeting = find_meeting(session, cycle, "roundtable")
        notified = meeting_when(meeting)
        meeting.starts_at, meeting.ends_at = tokyo(2026, 10, 28, 13, 30), tokyo(2026, 10, 28, 15)
        meeting.revision += 1
        session.add(meeting)
        for key, due in (("agenda:roundtable", date(2026, 10, 23)), ("minutes:roundtable", date(2026, 11, 12))):
            task = find_task(session, cycle, key)
            assert task is not None
            task.due_date = due
            session.add(task)
        session.flush()
        plan = meeting_change_document(
            session,
            stationery,
            council,
            cycle,
            meeting,
            DocumentKind.postponement,
            notified_when=notified,
            reason="知事の公務の都合のため",
            now=ctx.clock.now,
        )
        year.keep(
            issue_now(
                session,
                stationery,
                cycle=cycle,
                subject=plan.subject,
                make=plan.make,
                on=ctx.clock.today,
                now=ctx.clock.now,
                actor=ctx.actor,
                formats=FORMATS,
            )
        )

    year.act(date(2026, 10, 9), postpone_the_roundtable)
    year.issue(date(2026, 10, 23), meeting_plan("roundtable", DocumentKind.agenda))
    year.record(date(2026, 10, 29), "roundtable")  # hears how the adopted themes stand

    year.issue(date(2026, 11, 4), meeting_plan("secretariat-3", DocumentKind.notice))

    def cancel_the_extra_meeting(
        session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context
    ) -> None:
        meeting = find_meeting(session, cycle, "secretariat-3")
        notified = meeting_when(meeting)
        set_status(session, meeting, MeetingStatus.cancelled, now=ctx.clock.now, actor=ctx.actor, flow_run_id=None)
        plan = meeting_change_document(
            session,
            stationery,
            council,
            cycle,
            meeting,
            DocumentKind.cancellation,
            notified_when=notified,
            reason="協議すべき案件がなくなったため",
            now=ctx.clock.now,
        )
        year.keep(
            issue_now(
                session,
                stationery,
                cycle=cycle,
                subject=plan.subject,
                make=plan.make,
                on=ctx.clock.today,
                now=ctx.clock.now,
                actor=ctx.actor,
                formats=FORMATS,
            )
        )

    year.act(date(2026, 11, 11), cancel_the_extra_meeting)
    year.issue(date(2026, 11, 12), meeting_plan("roundtable", DocumentKind.minutes))
    move_theme(make_context(date(2026, 12, 10)), "T2026-02", ThemeStatus.budgeted, comment="予算計上")

    def fix_the_venue(session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context) -> None:
        meeting = find_meeting(session, cycle, "council-2")
        meeting.venue = "山形県庁 講堂"
        session.add(meeting)

    year.act(date(2027, 1, 15), fix_the_venue)  # the 2nd meeting's room, unknown in May (its draft said 調整中)
    year.issue(date(2027, 1, 20), meeting_plan("secretariat-2", DocumentKind.notice))
    year.issue(date(2027, 1, 29), meeting_plan("secretariat-2", DocumentKind.agenda))
    year.issue(date(2027, 2, 2), meeting_plan("council-2", DocumentKind.notice))
    year.record(date(2027, 2, 4), "secretariat-2")  # endorses next year's initiatives
    year.issue(date(2027, 2, 12), meeting_plan("council-2", DocumentKind.agenda))
    year.issue(date(2027, 2, 18), meeting_plan("secretariat-2", DocumentKind.minutes))
    year.record(date(2027, 2, 18), "council-2")  # decides them: 新規 for this year's themes, 充実 for older ones
    year.issue(date(2027, 3, 4), meeting_plan("council-2", DocumentKind.minutes))

    entries = document_register(make_context(date(2027, 3, 31)), FISCAL_YEAR)
    year.produced["register--2026.txt"] = register_text(FISCAL_YEAR, entries)
    return year


def test_every_kind_matches_its_golden_files(engine: Engine, make_context: Callable[..., Context]) -> None:
    produced = _run_the_year(engine, make_context).produced
    kinds = {name.split("--")[0] for name in produced}
    assert kinds == {kind.value for kind in DocumentKind} | {"register"}, "every document kind is covered"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for stale in GOLDEN.iterdir():
            stale.unlink()
        for name, text in produced.items():
            (GOLDEN / name).write_text(text, encoding="utf-8")
    expected = {path.name: path.read_text(encoding="utf-8") for path in GOLDEN.iterdir()}
    assert sorted(produced) == sorted(expected)
    for name, text in produced.items():
        assert text == expected[name], f"{name} differs from its golden file (COUNCIL_UPDATE_GOLDEN=1 to accept)"


@pytest.mark.parametrize(
    ("name", "present", "absent"),
    [
        (
            "notice--council-1.md",
            [
                "市第6号\n\n令和8年6月24日\n",
                "各市町村企画担当課長　様",
                "企画振興部次長　様",
                "各部局主幹課長　様",
                "各総合支庁連携支援室長　様",
                "山形県みらい企画創造部長　（公印省略）",
                "（通知）",
                "\n記\n",
                "1. 日時　令和8年7月8日（水）14時00分～16時00分",
                "2. 場所　山形県庁 講堂",
                "3. 議題",
                "4. その他",
                "出席者を7月1日（水）までに担当あて電子メールにより御報告ください。",
                "次第及び会議資料は、7月3日（金）までに電子メールにより送付します。",  # its 次第's planned day
                "\n以上\n",
                "e-mail：",
            ],
            ["（案）\n\n", "当日配布", "発出予定"],
        ),
        (
            "notice--council-2--draft.md",
            ["（案）\n\n市第　　号\n\n令和9年2月2日（発出予定）\n", "2. 場所　（調整中）"],
            ["市第1", "令和8年5月20日"],  # no number taken, and not dated the day it was drafted
        ),
        (
            "notice--council-2.md",
            ["市第15号\n\n令和9年2月2日\n", "2. 場所　山形県庁 講堂"],
            ["（案）\n\n", "発出予定", "調整中"],
        ),
        (
            "notice--council-1--v2.md",
            [
                "市第8号\n\n令和8年6月26日\n",
                "# 令和8年度第1回県・市町村連携推進会議の開催について（通知）（訂正）",
                "令和8年6月24日付け市第6号の内容を次のとおり訂正します（訂正理由：会場の変更のため）。",
                "2. 場所　山形県自治会館 401会議室",
            ],
            ["山形県庁 講堂"],
        ),
        (
            "agenda--council-1.md",
            [
                "1. 開会",
                "2. あいさつ",
                "3. 議事",
                "1. 連携課題・ニーズ調査の結果について",
                "ICTの活用促進について〔企画〕",
                "地域公共交通に係る新たな手法の導入検討〔企画、県土〕",
                "（「見える化」）",
                "4. その他",
                "5. 閉会",
                "【配布資料】",
                "- 出席者名簿",
                "資料1　連携課題・ニーズ調査の結果概要",
                "場所　山形県自治会館 401会議室",
            ],
            ["（案）\n\n", "生活排水処理"],
        ),
        ("agenda--council-1--draft.md", ["（案）\n\n# 令和8年度第1回県・市町村連携推進会議"], []),
        (
            "agenda--secretariat-1.md",
            ["令和8年度第1回県・市町村連携推進会議（令和8年7月8日（水）開催予定）", "新たな連携テーマ（案）について"],
            [],
        ),
        (
            "agenda--roundtable.md",
            [
                "日時　令和8年10月28日（水）13時30分～15時00分",  # as postponed
                "専門的・技術的分野の支援充実に向けた対応（検討中）〔県土、農林〕",
                "地域公共交通に係る新たな手法の導入検討（採択）〔企画、県土〕",
            ],
            ["テーマ決定", "生活排水処理"],
        ),
        (
            "agenda--council-2.md",
            [
                "災害対応業務の支援体制強化について（予算計上）〔県土〕",
                "ICTの活用促進について〔企画〕",
                "生活排水処理の連携について（継続検討）〔県土〕",
            ],
            ["〔新規〕", "〔充実〕"],  # the meeting decides them: its agenda proposes
        ),
        (
            "minutes--secretariat-1.md",
            [
                "【結果】原案のとおり了承し、令和8年度第1回県・市町村連携推進会議に付議することとした。",
                "ICTの活用促進について〔企画〕",
            ],
            ["原案のとおり決定した"],  # a 幹事会 endorses; the council meeting decides
        ),
        ("minutes--council-1.md", ["【結果】原案のとおり決定した。\n      - ICTの活用促進について〔企画〕"], []),
        (
            "minutes--roundtable.md",
            ["【結果】各テーマの検討状況について報告があった。", "令和8年10月28日（水）"],
            ["〔新規〕"],
        ),
        (
            "minutes--council-2.md",
            [
                "専門的・技術的分野の支援充実に向けた対応〔充実〕〔県土、農林〕",
                "ICTの活用促進について〔新規〕〔企画〕",
                "災害対応業務の支援体制強化について〔新規〕（予算計上）〔県土〕",
            ],
            ["生活排水処理"],  # exchanged views on it, decided nothing
        ),
        (
            "survey_request--survey.md",
            [
                "市第1号\n\n令和8年5月29日\n\n各市町村企画担当課長　様\n",
                "山形県みらい企画創造部長　（公印省略）",  # the survey family's one voice (office.yaml senders)
                "（依頼）",
                "2. 調査期間\n   - 令和8年5月29日（金）～令和8年6月23日（火）",
            ],
            ["各部局主幹課長", "令和8年6月9日"],  # the departments get their own letter when their window opens
        ),
        (
            "survey_request--survey-departments.md",
            [
                "市第2号\n\n令和8年6月9日\n\n各部局主幹課長　様\n\n各総合支庁連携支援室長　様\n",
                "2. 調査期間\n   - 令和8年6月9日（火）～令和8年6月23日（火）",
            ],
            ["各市町村"],
        ),
        (
            "survey_reminder--survey-reminder-before-3-20260623.md",
            [
                "関係市町村企画担当課長　様",
                "令和8年5月29日付け市第1号で依頼しました",
                "提出について（お願い）",
                "1. 提出期限　令和8年6月23日（火）",
            ],
            ["再依頼", "現時点で御回答をいただいておりません", "各市町村", "部局"],
        ),
        (
            "survey_reminder--survey-reminder-before-3-20260623-departments.md",
            [
                "関係部局主幹課長　様\n\n各総合支庁連携支援室長　様\n",
                "令和8年6月9日付け市第2号で依頼しました",
                "提出について（お願い）",
            ],
            ["再依頼", "市町村企画担当課長"],
        ),
        (
            "survey_reminder--survey-reminder-after-1-20260623.md",
            [
                "\n米沢市企画担当課長　様\n",
                "提出について（再依頼）",
                "提出期限の令和8年6月23日（火）を過ぎましたが",
                "提出期限を令和8年6月29日（月）とさせていただきます",
                "1. 新たな提出期限　令和8年6月29日（月）",
            ],
            ["関係市町村", "各市町村"],
        ),
        (
            "survey_summary--survey.md",
            [
                "①若者の定着・回帰関係（移住定住、空き家対策、Uターン等）* | 17",
                "⑦中山間地振興関係（地域コミュニティ対策等） | 4",
                "173件（施策の連携 87件、業務の連携 68件、情報交換等 18件）",
                "40件（施策の連携 32件",
            ],
            ["市第"],
        ),
        (
            "annual_schedule--year.md",
            [
                "令和8年5月21日現在",
                "## 4月",
                "連携課題・ニーズ調査（5月29日～6月23日）",
                "## 10月",
                "県・市町村行政懇談会 10月21日（水）",
                "予算計上（必要に応じて）（11月2日～1月29日）",
                "## 3月",
            ],
            ["（案）\n\n", "発出予定"],
        ),
        (
            "advance_notice--roundtable.md",
            [
                "市第9号\n\n令和8年8月19日\n\n各市町村長　様\n",
                "日程確保について（予告）",
                "2. 日時（予定）　令和8年10月21日（水）13時30分～15時00分",
                "開催通知及び議題の詳細については、改めてお知らせします。",
            ],
            [],
        ),
        (
            "postponement--roundtable.md",
            [
                "市第11号\n\n令和8年10月9日\n",
                "開催延期について（お知らせ）",
                "令和8年10月6日付け市第10号で通知しました標記会議",
                "2. 当初の日時　令和8年10月21日（水）13時30分～15時00分",
                "3. 変更後の日時　令和8年10月28日（水）13時30分～15時00分",
                "5. 変更の理由　知事の公務の都合のため",
            ],
            [],
        ),
        (
            "cancellation--secretariat-3.md",
            [
                "市第13号\n\n令和8年11月11日\n",
                "開催中止について（お知らせ）",
                "令和8年11月4日付け市第12号で通知しました標記会議",
                "4. 中止の理由　協議すべき案件がなくなったため",
            ],
            [],
        ),
    ],
)
def test_golden_files_say_what_the_source_prescribes(name: str, present: list[str], absent: list[str]) -> None:
    """Guards the golden files themselves, so a careless regeneration cannot bless a wrong document."""
    text = (GOLDEN / name).read_text(encoding="utf-8")
    for fragment in present:
        assert fragment in text, f"{name} lacks {fragment!r}"
    for fragment in absent:
        assert fragment not in text, f"{name} says {fragment!r}"


def test_the_register_numbers_letters_in_issue_order_on_business_days() -> None:
    calendar = cycle_rules(data_dir("calendar") / "cycle.yaml").business_calendar()
    header, *rows = (GOLDEN / "register--2026.txt").read_text(encoding="utf-8").splitlines()
    assert header == f"令和8年度 文書番号簿（{len(rows)}件）"
    numbers = [row.split("\t")[0] for row in rows]
    assert numbers == [f"市第{n}号" for n in range(1, len(rows) + 1)]
    days = [parse_letter_date(row.split("\t")[1]) for row in rows]
    assert days == sorted(days)
    assert all(calendar.is_business_day(day) for day in days)
    kinds = [row.split("\t")[2] for row in rows]
    assert all(
        kind.endswith(("（予告）", "（通知）", "（依頼）", "（お願い）", "（再依頼）", "（お知らせ）", "（訂正）"))
        for kind in kinds
    )
    assert rows[7].endswith("\tv2\t市第6号の訂正（会場の変更のため）")


def parse_letter_date(text: str) -> date:
    """'令和8年6月24日' → 2026-06-24."""
    era_year, rest = text.removeprefix("令和").split("年")
    month, day = rest.removesuffix("日").split("月")
    return date(2018 + int(era_year), int(month), int(day))


def test_html_golden_files_are_standalone_japanese_a4_pages() -> None:
    pages = sorted(GOLDEN.glob("*.html"))
    assert (
        len(pages) == len(list(GOLDEN.glob("*.md"))) == 31
    )  # 29 of the council year, the 先進事例 handout and the regional table
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert text.startswith('<!DOCTYPE html>\n<html lang="ja">'), page.name
        assert "size: A4" in text, page.name
        assert '"IPAexMincho"' in text, page.name  # quotes intact: the CSS is not autoescaped
        assert "<link" not in text, page.name
        assert "<script" not in text, page.name
        assert ('<p class="right"><span class="nobr">（案）</span></p>' in text) == page.name.endswith(
            "--draft.html"
        ), page.name
