"""Versions and numbers: unchanged content changes nothing; a change is version n+1 with a new 文書番号; numbers are
per fiscal year and never reused; files stay where the Document row says."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from documents_seed import NOW, Seeded, seed_year, tokyo
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from council.config import get_settings
from council.documents.service import render_documents, render_meeting_documents
from council.documents.store import document_files, normalise_formats
from council.errors import InputError, NotFoundError
from models import Document, DocumentKind, DocumentNumber, DocumentStatus, Meeting, MeetingStatus, Theme
from models.db import session_scope

MD = ("md",)


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    with session_scope(engine) as session:
        return seed_year(session)


def _notice(session: Session, now: datetime = NOW, formats: tuple[str, ...] = MD) -> Document:
    (result,) = render_meeting_documents(
        session, meeting_key="council-1", fiscal_year=2026, now=now, kinds=(DocumentKind.notice,), formats=formats
    )
    return result.document


def _counts(session: Session) -> tuple[int, int]:
    documents = session.exec(select(func.count()).select_from(Document)).one()
    numbers = session.exec(select(func.count()).select_from(DocumentNumber)).one()
    return documents, numbers


def test_rendering_unchanged_content_again_changes_nothing(engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as session:
        first = render_documents(session, fiscal_year=2026, formats=MD, now=NOW)
        counts = _counts(session)
    stamps = {path: path.stat().st_mtime_ns for result in first for path in result.paths.values()}
    with session_scope(engine) as session:  # a week later: same content, so same versions, numbers and dates
        again = render_documents(session, fiscal_year=2026, formats=MD, now=NOW + timedelta(days=7))
        assert _counts(session) == counts
    assert all(result.created for result in first)
    assert not any(result.created for result in again)
    assert [r.document.id for r in again] == [r.document.id for r in first]
    assert [r.number for r in again] == [r.number for r in first]
    assert {path: path.stat().st_mtime_ns for result in again for path in result.paths.values()} == stamps
    notice = next(r for r in again if r.document.kind == DocumentKind.notice and r.document.subject == "council-1")
    assert "令和8年6月15日" in notice.markdown.read_text(encoding="utf-8")


def test_a_changed_meeting_is_a_new_version_with_a_new_number(engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as session:
        v1 = _notice(session)
        v1_number = session.get(DocumentNumber, v1.number_id)
        assert v1_number is not None
        assert v1_number.label == "市第1号"
    with session_scope(engine) as session:
        meeting = session.get(Meeting, seeded.meetings["council-1"])
        assert meeting is not None
        meeting.venue = "山形県自治会館 401会議室"
        meeting.starts_at, meeting.ends_at = tokyo(2026, 7, 9, 13, 30), tokyo(2026, 7, 9, 15, 30)
        session.add(meeting)
    later = NOW + timedelta(days=3)
    with session_scope(engine) as session:
        v2 = _notice(session, now=later)
        assert _notice(session, now=later + timedelta(days=1)).id == v2.id  # and it is stable again
    with session_scope(engine) as session:
        old = session.get(Document, v1.id)
        assert old is not None
        assert old.status == DocumentStatus.superseded
        assert v2.version == 2
        assert v2.status == DocumentStatus.current
        assert v2.number_id != v1.number_id
        number = session.get(DocumentNumber, v2.number_id)
        assert number is not None
        assert number.label == "市第2号"
    home = get_settings().home
    assert (home / v1.directory).is_dir(), "the old version's files are kept"
    assert v1.directory.endswith("/council-1/v1")
    assert v2.directory.endswith("/council-1/v2")
    text = document_files(v2)["md"].read_text(encoding="utf-8")
    assert "令和8年7月9日（木）13時30分～15時30分" in text
    assert "山形県自治会館 401会議室" in text
    assert "令和8年6月18日" in text
    assert "市第2号" in text


def test_numbers_are_never_reused_and_restart_each_fiscal_year(engine: Engine, seeded: Seeded) -> None:
    venues = ("A会議室", "B会議室", "A会議室")  # back to A: still a new version and a new number
    labels = []
    for index, venue in enumerate(venues):
        with session_scope(engine) as session:
            meeting = session.get(Meeting, seeded.meetings["council-1"])
            assert meeting is not None
            meeting.venue = venue
            session.add(meeting)
        with session_scope(engine) as session:
            document = _notice(session, now=NOW + timedelta(days=index))
            number = session.get(DocumentNumber, document.number_id)
            assert number is not None
            labels.append((document.version, number.label, number.fiscal_year))
    assert labels == [(1, "市第1号", 2026), (2, "市第2号", 2026), (3, "市第3号", 2026)]
    with session_scope(engine) as session:  # issued in April 2027: fiscal year 2027's series starts again at 1
        (result,) = render_meeting_documents(
            session,
            meeting_key="council-2",
            fiscal_year=2026,
            now=tokyo(2027, 4, 2, 9),
            kinds=(DocumentKind.notice,),
            formats=MD,
        )
        assert result.number == "市第1号"
        fiscal_years = session.exec(select(DocumentNumber.fiscal_year).order_by(col(DocumentNumber.id))).all()
        assert list(fiscal_years) == [2026, 2026, 2026, 2027]


def test_a_theme_change_renews_the_agenda_but_not_the_notice(engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as session:
        before = render_meeting_documents(session, meeting_key="council-1", fiscal_year=2026, now=NOW, formats=MD)
    with session_scope(engine) as session:
        theme = session.get(Theme, seeded.themes["T2026-01"])
        assert theme is not None
        theme.title = "ICTの活用促進及び自治体クラウドの導入について"
        session.add(theme)
    with session_scope(engine) as session:
        after = render_meeting_documents(session, meeting_key="council-1", fiscal_year=2026, now=NOW, formats=MD)
    notice, agenda = after
    assert not notice.created
    assert notice.document.id == before[0].document.id
    assert agenda.created
    assert agenda.document.version == 2
    assert agenda.number is None
    assert "自治体クラウド" in agenda.markdown.read_text(encoding="utf-8")


def test_a_format_asked_for_later_joins_the_same_version(engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as session:
        first = _notice(session)
    assert set(document_files(first)) == {"md"}
    with session_scope(engine) as session:
        second = _notice(session, formats=("docx", "html"))
    assert second.id == first.id
    files = document_files(second)
    assert set(files) == {"md", "html", "docx"}
    assert files["docx"].name == "令和8年度第1回県・市町村連携推進会議_開催通知.docx"
    assert "市第1号" in files["html"].read_text(encoding="utf-8")


def test_a_new_version_starts_from_an_empty_folder(engine: Engine, seeded: Seeded) -> None:
    """Files left by a rolled-back attempt at the same version never mix with the committed one."""
    stale = get_settings().home / "documents/2026/notice/council-1/v1/stale.pdf"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left over")
    with session_scope(engine) as session:
        document = _notice(session)
    assert not stale.exists()
    assert set(document_files(document)) == {"md"}


def test_rolled_back_rendering_leaves_no_rows(engine: Engine, seeded: Seeded) -> None:
    def render_then_fail() -> None:
        with session_scope(engine) as session:
            _notice(session)
            raise RuntimeError("the caller failed after rendering")

    with pytest.raises(RuntimeError):
        render_then_fail()
    with session_scope(engine) as session:
        assert _counts(session) == (0, 0)
        assert _notice(session).version == 1


def test_minutes_come_with_the_year_once_a_meeting_is_held(engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as session:
        before = render_documents(session, fiscal_year=2026, formats=MD, now=NOW)
    assert DocumentKind.minutes not in {r.document.kind for r in before}
    with session_scope(engine) as session:
        meeting = session.get(Meeting, seeded.meetings["secretariat-1"])
        assert meeting is not None
        meeting.status = MeetingStatus.held
        session.add(meeting)
    with session_scope(engine) as session:
        after = render_documents(session, fiscal_year=2026, formats=MD, now=NOW)
        on_the_day = render_documents(session, fiscal_year=2026, formats=MD, now=tokyo(2026, 7, 8, 16))
    assert [(r.document.kind, r.document.subject) for r in after if r.created] == [
        (DocumentKind.minutes, "secretariat-1")
    ]
    assert {r.document.subject for r in on_the_day if r.document.kind == DocumentKind.minutes} == {
        "secretariat-1",
        "council-1",
    }


def test_cancelled_and_mayors_meetings_get_no_documents(engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as session:
        meeting = session.get(Meeting, seeded.meetings["roundtable"])
        assert meeting is not None
        meeting.status = MeetingStatus.cancelled
        session.add(meeting)
    with session_scope(engine) as session:
        results = render_documents(session, fiscal_year=2026, kinds=[DocumentKind.notice], formats=MD, now=NOW)
        assert {r.document.subject for r in results} == {"secretariat-1", "council-1", "secretariat-2", "council-2"}
        with pytest.raises(InputError, match="cancelled"):
            render_documents(session, fiscal_year=2026, meeting_key="roundtable", formats=MD, now=NOW)
        with pytest.raises(InputError, match="no documents are issued"):
            render_documents(session, fiscal_year=2026, meeting_key="mayors-meeting", formats=MD, now=NOW)


def test_wrong_requests_are_input_errors_and_write_nothing(engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as session:
        with pytest.raises(NotFoundError, match="no plan for fiscal year 2030"):
            render_documents(session, fiscal_year=2030, now=NOW)
        with pytest.raises(NotFoundError, match="no meeting 'council-9'"):
            render_documents(session, fiscal_year=2026, meeting_key="council-9", now=NOW)
        with pytest.raises(InputError, match="needs the tally"):
            render_documents(session, fiscal_year=2026, kinds=[DocumentKind.survey_summary], now=NOW)
        with pytest.raises(InputError, match="unknown format 'odt'"):
            render_documents(session, fiscal_year=2026, formats=("md", "odt"), now=NOW)
        with pytest.raises(ValueError, match="naive"):
            render_documents(session, fiscal_year=2026, formats=MD, now=NOW.replace(tzinfo=None))
        assert _counts(session) == (0, 0)
    assert not (get_settings().home / "documents").exists()


def test_markdown_is_always_written() -> None:
    assert normalise_formats(["pdf", "HTML"]) == ("md", "html", "pdf")
    assert normalise_formats([]) == ("md",)


def test_paths_are_under_council_home(engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as session:
        results = render_documents(session, fiscal_year=2026, kinds=[DocumentKind.annual_schedule], now=NOW, formats=MD)
    (result,) = results
    home = get_settings().home
    assert result.document.directory == "documents/2026/annual_schedule/year/v1"
    assert result.markdown == home / result.document.directory / "令和8年度県・市町村連携推進会議_年間スケジュール.md"
    assert Path(result.markdown).is_file()
