"""A document's life: a draft (案) that follows the current state — no 文書番号, dated with its planned issue day —
then an issued record: numbered in issue order on a business day, its facts kept so its files come out byte for byte
whenever asked again, never re-rendered from today's state; a correction (訂正) is a new numbered version with its
reason; only issued versions are sent. Files stay where the Document row says."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from documents_seed import FISCAL_YEAR, PLANNED_AT, Seeded, seed_year, tokyo
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from council.context import Context
from council.delivery.actions import deliver
from council.documents.actions import document_register, render_documents, revise_document
from council.documents.drafting import meeting_document
from council.documents.files import FORMATS, normalise_formats, version_files
from council.documents.lifecycle import RenderedDocument, current_draft, draft, files_of, issue
from council.documents.stationery import stationery_for
from council.errors import InputError, NotFoundError
from council.meetings.actions import prepare_meeting
from council.planning.cycles import council_and_cycle, find_meeting
from council.resources import data_dir
from models import (
    Delivery,
    DeliveryStatus,
    Document,
    DocumentKind,
    DocumentNumber,
    DocumentStatus,
    Meeting,
    MeetingStatus,
    Theme,
)
from models.db import session_scope

MD = ("md",)
NOTICE, AGENDA, MINUTES = DocumentKind.notice, DocumentKind.agenda, DocumentKind.minutes
MakeContext = Callable[..., Context]


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    with session_scope(engine) as session:
        return seed_year(session)


def render(ctx: Context, **options: object) -> list[RenderedDocument]:
    options.setdefault("formats", MD)
    return render_documents(ctx, fiscal_year=FISCAL_YEAR, **options)  # type: ignore[arg-type]


def one(results: list[RenderedDocument], kind: DocumentKind, subject: str) -> RenderedDocument:
    [found] = [r for r in results if r.document.kind == kind and r.document.subject == subject]
    return found


def issue_draft(ctx: Context, kind: DocumentKind, subject: str, formats: tuple[str, ...] = MD) -> RenderedDocument:
    """Issue the open draft of `kind` and `subject` on the context's day, as a preparation does."""
    stationery = stationery_for(ctx.settings)
    with ctx.transaction() as session:
        _, cycle = council_and_cycle(session, ctx.settings.council_code, FISCAL_YEAR)
        document = current_draft(session, cycle.id or 0, kind, subject)
        assert document is not None, f"no draft of {kind.value} {subject}"
        return issue(
            session,
            stationery,
            document,
            council_id=cycle.council_id,
            on=ctx.clock.today,
            now=ctx.clock.now,
            actor=ctx.actor,
            formats=formats,
        )


def counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        documents = session.exec(select(func.count()).select_from(Document)).one()
        numbers = session.exec(select(func.count()).select_from(DocumentNumber)).one()
    return documents, numbers


def change_meeting(engine: Engine, seeded: Seeded, key: str, **values: object) -> None:
    with session_scope(engine) as session:
        meeting = session.get(Meeting, seeded.meetings[key])
        assert meeting is not None
        for name, value in values.items():
            setattr(meeting, name, value)
        session.add(meeting)


def digests(paths: dict[str, Path]) -> dict[str, str]:
    return {fmt: hashlib.sha256(path.read_bytes()).hexdigest() for fmt, path in paths.items()}


def stored(engine: Engine, document_id: int | None) -> Document:
    with Session(engine) as session:
        document = session.get(Document, document_id)
        assert document is not None
        return document


# ------------------------------------------------------------------------------------------------- drafts


def test_a_draft_has_no_number_and_is_marked_with_its_planned_date(
    engine: Engine, seeded: Seeded, make_context: MakeContext
) -> None:
    notice = one(render(make_context(date(2026, 6, 1))), NOTICE, "council-1")
    document = notice.document
    assert (document.status, document.number_id, document.issued_on) == (DocumentStatus.draft, None, None)
    assert document.planned_issue_on == date(2026, 6, 24)  # the notice:council-1 task's day
    assert document.directory == "documents/2026/notice/council-1/draft"
    assert (notice.created, notice.issued, notice.number) == (True, False, None)
    text = notice.markdown.read_text(encoding="utf-8")
    assert text.startswith("（案）\n\n市第　　号\n\n令和8年6月24日（発出予定）\n")
    assert "令和8年6月1日" not in text  # never dated the day it was drafted
    assert counts(engine)[1] == 0, "a draft takes no 文書番号"
    agenda = one(render(make_context(date(2026, 6, 1))), AGENDA, "council-1")
    assert agenda.markdown.read_text(encoding="utf-8").startswith("（案）\n\n# 令和8年度第1回県・市町村連携推進会議")


def test_rendering_unchanged_drafts_again_changes_nothing(
    engine: Engine, seeded: Seeded, make_context: MakeContext
) -> None:
    first = render(make_context(date(2026, 6, 1)))
    before = counts(engine)
    stamps = {path: path.stat().st_mtime_ns for result in first for path in result.paths.values()}
    again = render(make_context(date(2026, 6, 1)))
    assert {path: path.stat().st_mtime_ns for result in again for path in result.paths.values()} == stamps
    later = render(make_context(date(2026, 6, 8)))  # a week later: the same content and the same planned days …
    assert counts(engine) == before == (len(first), 0)
    assert all(result.created for result in first)
    assert not any(result.created for result in again)
    assert [r.document.id for r in again] == [r.document.id for r in later] == [r.document.id for r in first]
    changed = [(r.document.kind, r.document.subject) for r in later if r.created]
    # … except the 年間スケジュール, which no task plans: its draft is planned for the day it is drafted on (or the
    # next business day)
    assert changed == [(DocumentKind.annual_schedule, "year")]
    assert one(first, DocumentKind.annual_schedule, "year").document.planned_issue_on == date(2026, 6, 1)
    schedule = one(later, DocumentKind.annual_schedule, "year")
    assert schedule.document.planned_issue_on == date(2026, 6, 8)
    assert "令和8年6月8日（発出予定）現在" in schedule.markdown.read_text(encoding="utf-8")
    on_a_sunday = one(render(make_context(date(2026, 6, 14))), DocumentKind.annual_schedule, "year")
    assert on_a_sunday.document.planned_issue_on == date(2026, 6, 15)
    unplanned = {one(first, DocumentKind.annual_schedule, "year").markdown}
    assert {p: p.stat().st_mtime_ns for r in later for p in r.paths.values() if p not in unplanned} == {
        p: stamp for p, stamp in stamps.items() if p not in unplanned
    }


def test_a_draft_follows_the_current_state_in_place(engine: Engine, seeded: Seeded, make_context: MakeContext) -> None:
    before = render(make_context(date(2026, 6, 1)), meeting_key="council-1")
    change_meeting(
        engine,
        seeded,
        "council-1",
        venue="山形県自治会館 401会議室",
        starts_at=tokyo(2026, 7, 9, 13, 30),
        ends_at=tokyo(2026, 7, 9, 15, 30),
    )
    after = render(make_context(date(2026, 6, 2)), meeting_key="council-1")
    notice = one(after, NOTICE, "council-1")
    assert notice.created
    assert notice.document.id == one(before, NOTICE, "council-1").document.id
    assert (notice.document.version, notice.document.status, notice.number) == (1, DocumentStatus.draft, None)
    text = notice.markdown.read_text(encoding="utf-8")
    assert "令和8年7月9日（木）13時30分～15時30分" in text
    assert "山形県自治会館 401会議室" in text
    assert counts(engine) == (2, 0)


def test_a_theme_change_renews_the_agenda_draft_but_not_the_notice(
    engine: Engine, seeded: Seeded, make_context: MakeContext
) -> None:
    before = render(make_context(date(2026, 6, 1)), meeting_key="council-1")
    with session_scope(engine) as session:
        theme = session.get(Theme, seeded.themes["T2026-01"])
        assert theme is not None
        theme.title = "ICTの活用促進及び自治体クラウドの導入について"
        session.add(theme)
    after = render(make_context(date(2026, 6, 2)), meeting_key="council-1")
    notice, agenda = one(after, NOTICE, "council-1"), one(after, AGENDA, "council-1")
    assert not notice.created
    assert notice.document.id == one(before, NOTICE, "council-1").document.id
    assert agenda.created
    assert (agenda.document.id, agenda.document.version) == (one(before, AGENDA, "council-1").document.id, 1)
    assert "自治体クラウド" in agenda.markdown.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------- issue


def test_issuing_numbers_letters_in_issue_order_on_business_days(
    engine: Engine, seeded: Seeded, make_context: MakeContext
) -> None:
    render(make_context(date(2026, 6, 1)))
    first = issue_draft(make_context(date(2026, 6, 10)), NOTICE, "secretariat-1")
    assert (first.number, first.document.issued_on, first.document.status) == ("市第1号", date(2026, 6, 10), "issued")
    assert first.document.directory == "documents/2026/notice/secretariat-1/v1"
    assert first.markdown.read_text(encoding="utf-8").startswith("市第1号\n\n令和8年6月10日\n")
    assert "（案）\n\n" not in first.markdown.read_text(encoding="utf-8")
    assert not (council_home_of(make_context) / "documents/2026/notice/secretariat-1/draft").exists()

    closed = {date(2026, 6, 27): "a Saturday", date(2026, 12, 29): "the year-end closure of calendar/cycle.yaml"}
    for day, why in closed.items():
        with pytest.raises(InputError, match="is a closed day: nothing is issued on it"):
            issue_draft(make_context(day), NOTICE, "council-1")
        assert stored(engine, one(render(make_context(day)), NOTICE, "council-1").document.id).status == "draft", why
    with pytest.raises(InputError, match=r"文書番号 go in issue order: 市第1号 is already dated 令和8年6月10日"):
        issue_draft(make_context(date(2026, 6, 9)), NOTICE, "council-1")
    assert counts(engine)[1] == 1

    second = issue_draft(make_context(date(2026, 6, 24)), NOTICE, "council-1")
    agenda = issue_draft(make_context(date(2026, 7, 3)), AGENDA, "council-1")
    assert (second.number, agenda.number, agenda.document.number_id) == ("市第2号", None, None)  # a 次第 has none
    again = issue_draft_of(make_context(date(2026, 7, 6)), second.document.id)
    assert (again.created, again.number, again.document.issued_on) == (False, "市第2号", date(2026, 6, 24))

    # numbers run per fiscal year of the issue date, and a superseded version keeps its own
    later = issue_draft(make_context(date(2027, 3, 31)), NOTICE, "secretariat-2")
    next_year = issue_draft(make_context(date(2027, 4, 1)), NOTICE, "council-2")
    assert (later.number, next_year.number) == ("市第3号", "市第1号")
    with Session(engine) as session:
        numbers = session.exec(select(DocumentNumber).order_by(col(DocumentNumber.id))).all()
        assert [(n.fiscal_year, n.sequence, n.issued_on) for n in numbers] == [
            (2026, 1, date(2026, 6, 10)),
            (2026, 2, date(2026, 6, 24)),
            (2026, 3, date(2027, 3, 31)),
            (2027, 1, date(2027, 4, 1)),
        ]
    register = document_register(make_context(date(2027, 4, 1)), 2026)
    assert [(e.number, e.issued_on, e.version) for e in register] == [
        ("市第1号", date(2026, 6, 10), 1),
        ("市第2号", date(2026, 6, 24), 1),
        ("市第3号", date(2027, 3, 31), 1),
    ]
    assert register[1].addressees[0] == "各市町村企画担当課長　様"
    assert register[1].sender == "山形県みらい企画創造部長"


def council_home_of(make_context: MakeContext) -> Path:
    return make_context().settings.home


def issue_draft_of(ctx: Context, document_id: int | None) -> RenderedDocument:
    """Issue a given version again (an issued one: nothing changes)."""
    stationery = stationery_for(ctx.settings)
    with ctx.transaction() as session:
        document = session.get(Document, document_id)
        assert document is not None
        return issue(
            session,
            stationery,
            document,
            council_id=seeded_council(session),
            on=ctx.clock.today,
            now=ctx.clock.now,
            actor=ctx.actor,
            formats=MD,
        )


def seeded_council(session: Session) -> int:
    _, cycle = council_and_cycle(session, "yamagata", FISCAL_YEAR)
    return cycle.council_id


def test_an_issued_version_is_rendered_again_from_its_stored_facts_byte_for_byte(
    engine: Engine, seeded: Seeded, make_context: MakeContext, tmp_path: Path
) -> None:
    render(make_context(date(2026, 6, 1)), formats=FORMATS)
    issued = issue_draft(make_context(date(2026, 6, 24)), NOTICE, "council-1", formats=FORMATS)
    assert set(issued.paths) == set(FORMATS)
    original = digests(dict(issued.paths))

    # Everything the letter was made from changes: the meeting, the members' titles, the letterhead file.
    change_meeting(
        engine, seeded, "council-1", venue="別の会場", starts_at=tokyo(2026, 7, 10, 10), ends_at=tokyo(2026, 7, 10, 12)
    )
    with session_scope(engine) as session:
        session.exec(sa.text("UPDATE contact SET title = title || '（新）'"))  # type: ignore[call-overload]
    office = tmp_path / "office.yaml"
    text = (data_dir("reference") / "office.yaml").read_text(encoding="utf-8")
    office.write_text(
        text.replace("みらい企画創造部", "未来創造部").replace("市第{n}号", "未第{n}号"), encoding="utf-8"
    )
    later = make_context(date(2027, 1, 6), COUNCIL_OFFICE_FILE=str(office))

    for path in issued.paths.values():  # e.g. the files were lost, or a format is asked for the first time
        path.unlink()
    stationery = stationery_for(later.settings)
    with later.transaction() as session:
        document = session.get(Document, issued.document.id)
        assert document is not None
        again = files_of(session, document, stationery, FORMATS)
    assert again == dict(issued.paths)
    assert digests(again) == original

    # `docs render` shows the record as it is: no new version, no draft, not a byte changed
    rendered = one(render(later, meeting_key="council-1", kinds=[NOTICE], formats=FORMATS), NOTICE, "council-1")
    assert (rendered.created, rendered.document.id, rendered.document.status) == (False, issued.document.id, "issued")
    assert digests(dict(rendered.paths)) == original
    with Session(engine) as session:
        notices = session.exec(select(Document).where(Document.kind == NOTICE, Document.subject == "council-1")).all()
    assert len(notices) == 1


def test_a_format_asked_for_later_joins_the_same_version(
    engine: Engine, seeded: Seeded, make_context: MakeContext
) -> None:
    render(make_context(date(2026, 6, 1)), meeting_key="council-1")
    issued = issue_draft(make_context(date(2026, 6, 24)), NOTICE, "council-1")
    home = council_home_of(make_context)
    assert set(version_files(home, issued.document.directory)) == {"md"}
    markdown = issued.markdown.read_bytes()
    later = one(render(make_context(date(2026, 6, 25)), formats=("docx", "html")), NOTICE, "council-1")
    assert later.document.id == issued.document.id
    files = version_files(home, issued.document.directory)
    assert set(files) == {"md", "html", "docx"}
    assert files["docx"].name == "令和8年度第1回県・市町村連携推進会議_開催通知.docx"
    assert "市第1号" in files["html"].read_text(encoding="utf-8")
    assert files["md"].read_bytes() == markdown


def test_a_version_starts_from_an_empty_folder(engine: Engine, seeded: Seeded, make_context: MakeContext) -> None:
    """Files left by a rolled-back attempt at the same version never mix with the committed one."""
    home = council_home_of(make_context)
    stale = home / "documents/2026/notice/council-1/v1/stale.pdf"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left over")
    render(make_context(date(2026, 6, 1)), meeting_key="council-1")
    issued = issue_draft(make_context(date(2026, 6, 24)), NOTICE, "council-1")
    assert not stale.exists()
    assert set(version_files(home, issued.document.directory)) == {"md"}


def test_rolled_back_drafting_leaves_no_rows(engine: Engine, seeded: Seeded, make_context: MakeContext) -> None:
    ctx = make_context(date(2026, 6, 1))
    stationery = stationery_for(ctx.settings)

    def draft_then_fail() -> None:
        with ctx.transaction() as session:
            council, cycle = council_and_cycle(session, "yamagata", FISCAL_YEAR)
            meeting = find_meeting(session, cycle, "council-1")
            plan = meeting_document(session, stationery, council, cycle, meeting, NOTICE, now=ctx.clock.now)
            draft(
                session,
                stationery,
                cycle=cycle,
                subject=plan.subject,
                make=plan.make,
                planned_issue_on=plan.planned_issue_on,
                formats=MD,
                now=ctx.clock.now,
            )
            raise RuntimeError("the caller failed after drafting")

    with pytest.raises(RuntimeError):
        draft_then_fail()
    assert counts(engine) == (0, 0)
    assert one(render(ctx, meeting_key="council-1"), NOTICE, "council-1").document.version == 1


# ------------------------------------------------------------------------------------------------- records


def test_render_never_makes_a_new_version_of_an_issued_document(
    engine: Engine, seeded: Seeded, make_context: MakeContext
) -> None:
    render(make_context(date(2026, 6, 1)))
    issued = issue_draft(make_context(date(2026, 6, 24)), NOTICE, "council-1")
    content = issued.markdown.read_bytes()
    change_meeting(engine, seeded, "council-1", venue="山形県自治会館 401会議室")
    with session_scope(engine) as session:
        theme = session.get(Theme, seeded.themes["T2026-01"])
        assert theme is not None
        theme.title = "変更後の題名"
        session.add(theme)
    before = counts(engine)
    for day in (date(2026, 6, 25), date(2026, 12, 1)):
        results = render(make_context(day))
        notice = one(results, NOTICE, "council-1")
        assert (notice.created, notice.document.id, notice.document.version) == (False, issued.document.id, 1)
        assert (notice.issued, notice.number) == (True, "市第1号")
        assert notice.markdown.read_bytes() == content
        assert one(results, AGENDA, "council-1").document.status == DocumentStatus.draft  # not issued: it follows
        assert counts(engine) == before


def test_a_correction_is_a_new_numbered_version_with_its_reason(
    engine: Engine, seeded: Seeded, make_context: MakeContext
) -> None:
    prepared = prepare_meeting(
        make_context(date(2026, 6, 24)), FISCAL_YEAR, "council-1", kinds=("notice",), approval=False
    )
    [notice_id] = prepared.document_ids
    assert prepared.sent == 10  # the council's members: 3 + 1 + 3 + 2 + the secretariat's head
    v1 = stored(engine, notice_id)
    change_meeting(engine, seeded, "council-1", venue="山形県自治会館 401会議室")

    with pytest.raises(InputError, match="a correction needs its reason"):
        revise_document(make_context(date(2026, 6, 26)), notice_id, reason="  \n ")
    report = revise_document(make_context(date(2026, 6, 26)), notice_id, reason="会場の変更のため")
    correction = stored(engine, report.correction_id)
    assert (correction.version, correction.status, correction.revises_id) == (2, "issued", notice_id)
    assert (report.number, correction.issued_on, correction.correction_reason) == (
        "市第2号",
        date(2026, 6, 26),
        "会場の変更のため",
    )
    assert correction.title == "令和8年度第1回県・市町村連携推進会議の開催について（通知）（訂正）"
    assert correction.directory == "documents/2026/notice/council-1/v2"
    old = stored(engine, notice_id)
    assert (old.status, old.number_id, old.directory) == ("superseded", v1.number_id, v1.directory)
    home = council_home_of(make_context)
    assert set(version_files(home, old.directory)) == set(FORMATS), "the corrected version's files are kept"
    text = version_files(home, correction.directory)["md"].read_text(encoding="utf-8")
    assert text.startswith("市第2号\n\n令和8年6月26日\n")
    assert "令和8年6月24日付け市第1号の内容を次のとおり訂正します（訂正理由：会場の変更のため）。" in text
    assert "2. 場所　山形県自治会館 401会議室" in text
    # sent to everyone who received the version it corrects
    assert report.delivery is not None
    assert report.delivery.sent == 10
    with Session(engine) as session:
        sent = session.exec(select(Delivery.document_id, Delivery.contact_id).where(Delivery.status == "sent")).all()
    assert {c for d, c in sent if d == notice_id} == {c for d, c in sent if d == report.correction_id}
    register = document_register(make_context(date(2026, 6, 26)), FISCAL_YEAR)
    assert [(e.number, e.version, e.note) for e in register] == [
        ("市第1号", 1, ""),
        ("市第2号", 2, "市第1号の訂正（会場の変更のため）"),
    ]
    with pytest.raises(InputError, match="is superseded: only the current issued version can be corrected"):
        revise_document(make_context(date(2026, 6, 29)), notice_id, reason="再訂正")
    with pytest.raises(NotFoundError, match="no document with id 999"):
        revise_document(make_context(date(2026, 6, 29)), 999, reason="x")


def test_a_draft_is_refused_by_delivery(engine: Engine, seeded: Seeded, make_context: MakeContext) -> None:
    ctx = make_context(date(2026, 6, 1))
    notice = one(render(ctx), NOTICE, "council-1")
    with pytest.raises(InputError, match=r"is a draft \(案\): issue it before sending it"):
        deliver(ctx, notice.document.id or 0)
    with Session(engine) as session:
        assert session.exec(select(Delivery)).all() == []
    assert not ctx.settings.outbox_dir.exists()
    issue_draft(make_context(date(2026, 6, 24)), NOTICE, "council-1")
    summary = deliver(make_context(date(2026, 6, 24)), notice.document.id or 0)
    assert (summary.sent, summary.not_delivered) == (10, 0)
    with Session(engine) as session:
        assert {row.status for row in session.exec(select(Delivery)).all()} == {DeliveryStatus.sent}


def test_the_schema_keeps_the_lifecycle_rules(engine: Engine, seeded: Seeded) -> None:
    """A draft has no number and no date, one draft per document, a correction has its reason — in the schema."""
    base = {
        "cycle_id": seeded.cycle_id,
        "kind": NOTICE,
        "subject": "council-1",
        "title": "t",
        "content_hash": "0" * 64,
        "directory": "d",
        "created_at": PLANNED_AT,
    }
    with session_scope(engine) as session:
        session.add(Document(**base))  # a draft
    number = {"council_id": seeded.council_id, "fiscal_year": 2026, "sequence": 1, "label": "市第1号"}
    wrong = [
        {**base, "version": 2},  # a second draft of the same document
        {**base, "subject": "council-2", "status": DocumentStatus.issued},  # issued without a date
        {**base, "subject": "council-2", "issued_on": date(2026, 6, 1)},  # a draft with a date
        {
            **base,
            "subject": "council-2",
            "status": DocumentStatus.issued,
            "issued_on": date(2026, 6, 1),
            "revises_id": None,
            "correction_reason": "理由だけ",
        },  # a reason without the version it corrects
    ]
    for values in wrong:
        with pytest.raises(sa.exc.IntegrityError), session_scope(engine) as session:
            session.add(Document(**values))
    with session_scope(engine) as session:
        row = DocumentNumber(**number, issued_on=date(2026, 6, 1), issued_at=PLANNED_AT)
        session.add(row)
    with pytest.raises(sa.exc.IntegrityError), session_scope(engine) as session:  # a draft holding a number
        session.add(Document(**{**base, "subject": "council-2", "number_id": row.id}))


# ------------------------------------------------------------------------------------------------- which documents


def test_minutes_come_with_the_year_once_a_meeting_is_held(
    engine: Engine, seeded: Seeded, make_context: MakeContext
) -> None:
    before = render(make_context(date(2026, 6, 1)))
    assert MINUTES not in {r.document.kind for r in before}
    change_meeting(engine, seeded, "secretariat-1", status=MeetingStatus.held)
    after = render(make_context(date(2026, 6, 1)))
    assert [(r.document.kind, r.document.subject) for r in after if r.created] == [(MINUTES, "secretariat-1")]
    minutes = one(after, MINUTES, "secretariat-1").document
    assert (minutes.status, minutes.planned_issue_on) == (DocumentStatus.draft, date(2026, 7, 8))


def test_cancelled_and_mayors_meetings_get_no_drafts(engine: Engine, seeded: Seeded, make_context: MakeContext) -> None:
    ctx = make_context(date(2026, 6, 1))
    change_meeting(engine, seeded, "roundtable", status=MeetingStatus.cancelled)
    results = render(ctx, kinds=[NOTICE])
    assert {r.document.subject for r in results} == {
        "secretariat-1",
        "council-1",
        "secretariat-3",
        "secretariat-2",
        "council-2",
    }
    assert render(ctx, meeting_key="roundtable") == []
    with Session(engine) as session:
        assert session.exec(select(Document).where(Document.subject == "roundtable")).all() == []
    with pytest.raises(InputError, match="no documents are issued for meeting 'mayors-meeting'"):
        render(ctx, meeting_key="mayors-meeting")


def test_kinds_issued_by_their_own_action_are_never_drafted_by_render(
    engine: Engine, seeded: Seeded, make_context: MakeContext
) -> None:
    ctx = make_context(date(2026, 6, 1))
    own = [DocumentKind.survey_summary, DocumentKind.survey_reminder, DocumentKind.cancellation]
    assert render(ctx, kinds=[*own, DocumentKind.postponement]) == []
    assert counts(engine) == (0, 0)


def test_wrong_requests_are_input_errors_and_write_nothing(
    engine: Engine, seeded: Seeded, make_context: MakeContext
) -> None:
    ctx = make_context(date(2026, 6, 1))
    with pytest.raises(NotFoundError, match=r"fiscal year 2030 \(令和12年度\) has not been planned"):
        render_documents(ctx, fiscal_year=2030)
    with pytest.raises(NotFoundError, match="no meeting 'council-9'"):
        render(ctx, meeting_key="council-9")
    with pytest.raises(InputError, match="a meeting has only notice, agenda and minutes documents"):
        render(ctx, meeting_key="council-1", kinds=[DocumentKind.annual_schedule])
    with pytest.raises(InputError, match="unknown format 'odt'"):
        render(ctx, formats=("md", "odt"))
    with ctx.transaction() as session:
        _, cycle = council_and_cycle(session, "yamagata", FISCAL_YEAR)
        stationery = stationery_for(ctx.settings)
        with pytest.raises(ValueError, match="naive"):
            draft(
                session,
                stationery,
                cycle=cycle,
                subject="year",
                make=lambda issue: pytest.fail("nothing is made with a naive clock"),
                planned_issue_on=None,
                formats=MD,
                now=ctx.clock.now.replace(tzinfo=None),
            )
    assert counts(engine) == (0, 0)
    assert not (ctx.settings.home / "documents").exists()


def test_markdown_is_always_written() -> None:
    assert normalise_formats(["pdf", "HTML"]) == ("md", "html", "pdf")
    assert normalise_formats([]) == ("md",)


def test_paths_are_under_council_home(engine: Engine, seeded: Seeded, make_context: MakeContext) -> None:
    ctx = make_context(date(2026, 6, 1))
    (drafted,) = render(ctx, kinds=[DocumentKind.annual_schedule])
    home = ctx.settings.home
    assert drafted.document.directory == "documents/2026/annual_schedule/year/draft"
    assert drafted.markdown == home / drafted.document.directory / "令和8年度県・市町村連携推進会議_年間スケジュール.md"
    issued = issue_draft(make_context(date(2026, 6, 2)), DocumentKind.annual_schedule, "year")
    assert issued.document.directory == "documents/2026/annual_schedule/year/v1"
    assert (
        issued.markdown
        == home / "documents/2026/annual_schedule/year/v1/令和8年度県・市町村連携推進会議_年間スケジュール.md"
    )
    assert issued.markdown.is_file()
    assert not (home / drafted.document.directory).exists()
    assert issued.markdown.read_text(encoding="utf-8").splitlines()[2] == "令和8年6月2日現在"
