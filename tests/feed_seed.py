"""A small council year inserted row by row, for the feed tests (the planner that fills these tables is tested on
its own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from models import (
    Body,
    Contact,
    Council,
    Cycle,
    Document,
    DocumentKind,
    DocumentStatus,
    Lane,
    Meeting,
    MeetingKind,
    Membership,
    Organization,
    OrganizationKind,
    Stage,
    Task,
)

TOKYO = ZoneInfo("Asia/Tokyo")
PLANNED_AT = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
LONG_VENUE = "山形県庁 2階 講堂（山形市松波二丁目8番1号）、駐車場は県庁北側の来庁者用駐車場をご利用ください"


@dataclass(frozen=True)
class SeededYear:
    council_id: int
    cycle_id: int
    yamagata_id: int
    meeting_ids: dict[str, int]


def tokyo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def seed_year(session: Session, *, fiscal_year: int = 2026, with_agenda: bool = True) -> SeededYear:
    council = Council(code="yamagata", name="県・市町村連携推進会議", prefecture="山形県")
    session.add(council)
    session.flush()
    assert council.id is not None
    orgs = {
        "secretariat": Organization(code="secretariat", kind=OrganizationKind.secretariat, name="市町村課"),
        "062014": Organization(code="062014", kind=OrganizationKind.municipality, name="山形市", region="村山"),
        "062049": Organization(code="062049", kind=OrganizationKind.municipality, name="酒田市", region="庄内"),
        "dept-kendo": Organization(code="dept-kendo", kind=OrganizationKind.department, name="県土整備部"),
        "ro-murayama": Organization(
            code="ro-murayama", kind=OrganizationKind.regional_office, name="村山総合支庁", region="村山"
        ),
    }
    session.add_all(orgs.values())
    session.flush()
    contacts = {
        ("secretariat", "事務局担当"): "shichoson@pref.example.jp",
        ("062014", "企画担当課長"): "kikaku@city.example.jp",
        ("062014", "市町村長"): None,
        ("062049", "企画担当課長"): None,
        ("062049", "市町村長"): None,
        ("dept-kendo", "主幹課長"): None,
        ("ro-murayama", "連携支援室長"): None,
    }
    contact_rows = {}
    for (code, role), email in contacts.items():
        contact = Contact(organization_id=orgs[code].id or 0, role=role, email=email)
        session.add(contact)
        contact_rows[(code, role)] = contact
    session.flush()
    sits_on = [
        (Body.council, ("062014", "企画担当課長")),
        (Body.council, ("062049", "企画担当課長")),
        (Body.council, ("dept-kendo", "主幹課長")),
        (Body.council, ("ro-murayama", "連携支援室長")),
        (Body.secretariat_meeting, ("ro-murayama", "連携支援室長")),
        (Body.mayors_meeting, ("062014", "市町村長")),
        (Body.mayors_meeting, ("062049", "市町村長")),
        (Body.roundtable, ("062014", "市町村長")),
        (Body.roundtable, ("062049", "市町村長")),
    ]
    for body, seat in sits_on:
        session.add(Membership(council_id=council.id, body=body, contact_id=contact_rows[seat].id or 0))

    cycle = Cycle(council_id=council.id, fiscal_year=fiscal_year, rules_digest="0" * 64, planned_at=PLANNED_AT)
    session.add(cycle)
    session.flush()
    assert cycle.id is not None
    fy = fiscal_year
    stages = [
        ("survey", "連携課題・ニーズ調査", Lane.council, date(fy, 4, 6), date(fy, 4, 30)),
        ("theme_candidates", "新たな連携テーマ候補の検討・調整", Lane.council, date(fy, 5, 1), date(fy, 5, 29)),
        (
            "working_groups",
            "具体的な連携方策の検討（ワーキングチーム等）",
            Lane.council,
            date(fy, 8, 3),
            date(fy, 9, 30),
        ),
        ("budgeting", "予算計上（必要に応じて県・市町村で）", Lane.council, date(fy, 11, 2), date(fy + 1, 1, 29)),
    ]
    for order, (key, title, lane, start, end) in enumerate(stages):
        session.add(
            Stage(cycle_id=cycle.id, key=key, title=title, lane=lane, start_date=start, end_date=end, sort_order=order)
        )
    meetings = [
        ("secretariat-1", MeetingKind.secretariat_meeting, "第1回県・市町村連携推進会議幹事会", tokyo(fy, 6, 24, 10)),
        ("council-1", MeetingKind.council_meeting, "第1回県・市町村連携推進会議", tokyo(fy, 7, 8, 14)),
        ("mayors-meeting", MeetingKind.mayors_meeting, "市町村長会議", tokyo(fy, 5, 20, 13, 30)),
        ("roundtable", MeetingKind.roundtable, "県・市町村行政懇談会", tokyo(fy, 10, 21, 15)),
    ]
    meeting_ids = {}
    for key, kind, title, start in meetings:
        meeting = Meeting(
            cycle_id=cycle.id,
            key=key,
            kind=kind,
            title=title,
            starts_at=start,
            ends_at=start.replace(hour=start.hour + 2),
            venue=LONG_VENUE,
            updated_at=PLANNED_AT,
        )
        session.add(meeting)
        session.flush()
        meeting_ids[key] = meeting.id or 0
    tasks = [
        ("notice:council-1", "第1回会議の開催通知の発送", date(fy, 6, 17), None, meeting_ids["council-1"]),
        ("agenda:council-1", "第1回会議の次第・資料の送付", date(fy, 7, 1), None, meeting_ids["council-1"]),
        ("survey-response:062014", "連携課題・ニーズ調査の回答（山形市）", date(fy, 4, 30), orgs["062014"].id, None),
        ("survey-response:062049", "連携課題・ニーズ調査の回答（酒田市）", date(fy, 4, 30), orgs["062049"].id, None),
        (
            "survey-response:dept-kendo",
            "連携課題・ニーズ調査の回答（県土整備部）",
            date(fy, 4, 30),
            orgs["dept-kendo"].id,
            None,
        ),
    ]
    for key, title, due, owner, meeting_id in tasks:
        session.add(
            Task(
                cycle_id=cycle.id,
                key=key,
                title=title,
                due_date=due,
                owner_id=owner,
                meeting_id=meeting_id,
                updated_at=PLANNED_AT,
            )
        )
    if with_agenda:
        session.add(
            Document(
                cycle_id=cycle.id,
                kind=DocumentKind.agenda,
                subject="council-1",
                title="第1回県・市町村連携推進会議 次第",
                status=DocumentStatus.issued,  # only an issued agenda is linked from the feeds
                content_hash="a" * 64,
                directory=f"documents/{fy}/council-1/agenda/v1",
                issued_on=date(fy, 6, 24),
                issued_at=datetime(fy, 6, 24, 0, 30, tzinfo=UTC),
                issued_by="tester",
                created_at=PLANNED_AT,
            )
        )
    session.flush()
    return SeededYear(
        council_id=council.id, cycle_id=cycle.id, yamagata_id=orgs["062014"].id or 0, meeting_ids=meeting_ids
    )
