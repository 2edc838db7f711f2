"""The output formats: DOCX read back with python-docx, PDF text extracted with pypdf, and hostile text (a title with
<script> or a newline) harmless in Markdown, HTML and DOCX."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import docx
import pytest
from documents_seed import TOKYO, seed_year
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import select

from council.context import Context
from council.documents.actions import render_documents
from council.documents.builders import agenda_context, notice_context
from council.documents.contexts import Issue
from council.documents.docx_builder import build_docx, parse_html
from council.documents.facts import ItemFacts, MeetingFacts, Member, Members, ThemeFact
from council.documents.office import load_office
from council.documents.pdf_builder import build_pdf
from council.documents.rendering import render_html, render_markdown
from council.documents.texts import load_texts
from council.planning.business_days import BusinessCalendar
from council.resources import data_dir
from council.themes.lifecycle import ThemeSelection
from models import DocumentKind, Meeting, MeetingKind, OrganizationKind, Theme, ThemeStatus
from models.db import session_scope

OFFICE = load_office(data_dir("reference") / "office.yaml")
TEXTS = load_texts(data_dir("reference") / "documents.yaml")

HOSTILE = "<script>alert('x')</script>\r\n以上\n# 見出し [link](javascript:alert(1)) & *強調*"


def _facts(
    theme_title: str = "買い物支援の推進について",
    title: str = "令和8年度第1回県・市町村連携推進会議",
    materials_by: date | None = date(2026, 7, 3),
) -> MeetingFacts:
    members = (
        Member(OrganizationKind.municipality, "山形市", "企画担当課長", "山形市企画担当課長", 1),
        Member(OrganizationKind.municipality, "米沢市", "企画担当課長", "米沢市企画担当課長", 2),
        Member(OrganizationKind.department, "企画振興部", "企画振興部次長", "企画振興部次長", 3),
    )
    sizes = {(OrganizationKind.municipality, "企画担当課長"): 2, (OrganizationKind.department, "企画振興部次長"): 1}
    theme = ThemeFact("T2026-01", theme_title, ThemeStatus.candidate, None, None, ("企画",))
    return MeetingFacts(
        fiscal_year=2026,
        key="council-1",
        kind=MeetingKind.council_meeting,
        title=title,
        starts_at=datetime(2026, 7, 8, 14, tzinfo=TOKYO),
        ends_at=datetime(2026, 7, 8, 16, tzinfo=TOKYO),
        when="令和8年7月8日（水）14時00分～16時00分",
        venue="山形県庁 講堂",
        purpose="新たな連携テーマについて協議・決定します。",
        items=(
            ItemFacts(
                "新たな連携テーマ（案）について", ThemeSelection.new_candidates, (theme,), "新たな連携テーマ（案）"
            ),
        ),
        members=Members(addressed=members, group_sizes=sizes),
        prepares=None,
        decisions=(),
        decided_selection=ThemeSelection.new_candidates,
        materials_by=materials_by,
    )


ISSUE = Issue(number="市第12号", date="令和8年6月15日")


@pytest.fixture(scope="module")
def notice_html() -> str:
    return render_html(notice_context(_facts(), OFFICE, TEXTS, ISSUE, BusinessCalendar()))


@pytest.fixture(scope="module")
def notice_docx(notice_html: str) -> docx.document.Document:
    data = build_docx(notice_html, title="令和8年度第1回県・市町村連携推進会議の開催について（通知）")
    return docx.Document(io.BytesIO(data))


def _plain(text: str) -> str:
    """A paragraph's text as read: without the word joiners that keep dates whole, no-break spaces as spaces."""
    return text.replace("\u2060", "").replace("\u00a0", " ")


def _paragraph(document: docx.document.Document, text: str) -> Paragraph:
    return next(p for p in document.paragraphs if _plain(p.text) == text)


def test_docx_has_the_letter_structure(notice_docx: docx.document.Document) -> None:
    texts = [_plain(p.text) for p in notice_docx.paragraphs]
    title = _paragraph(notice_docx, "令和8年度第1回県・市町村連携推進会議の開催について（通知）")
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert all(run.bold for run in title.runs)
    assert _paragraph(notice_docx, "記").alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert _paragraph(notice_docx, "以上").alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert _paragraph(notice_docx, "市第12号").alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert _paragraph(notice_docx, "令和8年6月15日").alignment == WD_ALIGN_PARAGRAPH.RIGHT
    title_text = _plain(title.text)
    assert texts.index("市第12号") < texts.index("各市町村企画担当課長　様") < texts.index(title_text)
    assert texts.index(title_text) < texts.index("記") < texts.index("以上")
    assert "1\t日時　令和8年7月8日（水）14時00分～16時00分" in texts  # an item's label, a tab, its text
    assert "(1)\t新たな連携テーマ（案）について" in texts
    (box,) = notice_docx.tables  # the contact block
    assert [_plain(p.text) for p in box.cell(0, 0).paragraphs][:2] == [
        "担当：みらい企画創造部市町村課 行政支援担当",
        "電話：023-000-0000",
    ]
    section = notice_docx.sections[0]
    assert section.page_width is not None
    assert section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_the_notice_says_when_the_materials_come() -> None:
    """Sent ahead with the 次第 (its task's day) when that is before the meeting; else handed out on the day."""
    ahead = notice_context(_facts(), OFFICE, TEXTS, ISSUE, BusinessCalendar())
    assert ahead.other == (
        "出席者を7月1日（水）までに担当あて電子メールにより御報告ください。",
        "次第及び会議資料は、7月3日（金）までに電子メールにより送付します。",
    )
    for materials_by in (None, date(2026, 7, 8)):
        on_the_day = notice_context(_facts(materials_by=materials_by), OFFICE, TEXTS, ISSUE, BusinessCalendar())
        assert on_the_day.other[1] == "会議資料は当日配布します。"
    # the reply-by day counts the office's business days back from the meeting, over the calendar's closed days
    closed = BusinessCalendar(extra_closed=frozenset({date(2026, 7, 1)}))
    assert notice_context(_facts(), OFFICE, TEXTS, ISSUE, closed).other[0].startswith("出席者を6月30日（火）まで")
    no_reply = replace(OFFICE, attendance_reply_business_days=0)
    assert notice_context(_facts(), no_reply, TEXTS, ISSUE, closed).other == (ahead.other[1],)


def test_docx_names_the_east_asian_font_and_japanese_language(notice_docx: docx.document.Document) -> None:
    normal = notice_docx.styles["Normal"].element.rPr
    assert normal is not None
    assert normal.find(qn("w:rFonts")).get(qn("w:eastAsia"))
    assert normal.find(qn("w:lang")).get(qn("w:eastAsia")) == "ja-JP"
    runs = [run for paragraph in notice_docx.paragraphs for run in paragraph.runs if run.text]
    assert runs
    for run in runs:
        rpr = run._r.rPr
        assert rpr is not None
        assert rpr.find(qn("w:rFonts")).get(qn("w:eastAsia")), run.text
        # A date kept whole (word joiners) is "no language" for East Asian line breaking: see docx_builder.
        expected = "x-none" if "\u2060" in run.text else "ja-JP"
        assert rpr.find(qn("w:lang")).get(qn("w:eastAsia")) == expected, run.text
    assert notice_docx.core_properties.language == "ja-JP"


def test_hostile_theme_title_is_text_in_every_format() -> None:
    flat = re.sub(r"\s+", " ", HOSTILE)  # what facts.one_line makes of it (tested below through the database)
    context = agenda_context(_facts(theme_title=flat), TEXTS, ISSUE)
    html = render_html(context)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "javascript:alert(1)" in html
    assert "<a " not in html
    markdown = render_markdown(context)
    assert "\\<script\\>" in markdown
    assert "<script>" not in markdown
    assert "\\[link\\](javascript" in markdown
    assert "\\*強調*" in markdown
    assert not any(line.startswith(("#", "以上")) for line in markdown.splitlines()[1:])
    document = docx.Document(io.BytesIO(build_docx(html, title=context.title)))
    assert any("<script>alert('x')</script>" in _plain(p.text) for p in document.paragraphs)


def test_docx_drops_characters_that_xml_forbids() -> None:
    data = build_docx('<p class="right">市第1号\x0b\x01</p><h1>題\x07名</h1>', title="題\x07名")
    document = docx.Document(io.BytesIO(data))
    assert [p.text for p in document.paragraphs] == ["市第1号", "題名"]


def test_html_parser_keeps_full_width_spaces_and_collapses_template_whitespace() -> None:
    root = parse_html("<p>1　日時\n   令和8年</p>")
    (paragraph,) = [child for child in root.children if not isinstance(child, str)]
    assert paragraph.children == ["1　日時\n   令和8年"]
    document = docx.Document(io.BytesIO(build_docx("<p>1　日時\n   令和8年</p>", title="t")))
    assert document.paragraphs[0].text == "1　日時 令和8年"


def test_pdf_carries_the_title_the_date_and_a_japanese_font(notice_html: str) -> None:
    reader = PdfReader(io.BytesIO(build_pdf(notice_html)))
    text = "".join(page.extract_text() for page in reader.pages)
    compact = re.sub(r"\s+", "", text)
    assert "令和8年度第1回県・市町村連携推進会議の開催について（通知）" in compact
    assert "令和8年7月8日（水）14時00分" in compact
    assert "市第12号" in compact
    fonts: set[str] = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        fonts.update(str(font.get_object()["/BaseFont"]) for font in resources["/Font"].values())
    assert any("IPAex" in name or "NotoS" in name for name in fonts), fonts
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4: 210 mm


def test_hostile_titles_from_the_database_are_harmless(engine: Engine, make_context: Callable[..., Context]) -> None:
    with session_scope(engine) as session:
        seeded = seed_year(session, survey=False)
        theme = session.get(Theme, seeded.themes["T2026-01"])
        assert theme is not None
        theme.title = HOSTILE
        session.add(theme)
    results = render_documents(
        make_context(date(2026, 6, 15)), fiscal_year=2026, meeting_key="council-1", formats=("md", "html", "docx")
    )
    notice, agenda = results
    with session_scope(engine) as session:
        assert session.exec(select(Theme.title).where(Theme.code == "T2026-01")).one() == HOSTILE
    html = agenda.paths["html"].read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 以上 # 見出し" in html
    markdown = agenda.paths["md"].read_text(encoding="utf-8")
    assert markdown.count("以上") == 1
    assert "\n#" not in markdown.split("# ", 1)[1]  # the title is the only heading
    document = docx.Document(str(agenda.paths["docx"]))
    assert any(_plain(p.text).startswith("・<script>alert('x')</script> 以上 # 見出し") for p in document.paragraphs)
    assert notice.document.kind == DocumentKind.notice


def test_meeting_title_with_a_newline_stays_one_line(engine: Engine, make_context: Callable[..., Context]) -> None:
    with session_scope(engine) as session:
        seeded = seed_year(session, survey=False)
        meeting = session.get(Meeting, seeded.meetings["council-1"])
        assert meeting is not None
        meeting.title = "第1回会議\r\nBcc: someone@example.com"
        session.add(meeting)
    (notice,) = render_documents(
        make_context(date(2026, 6, 15)),
        fiscal_year=2026,
        meeting_key="council-1",
        kinds=[DocumentKind.notice],
        formats=("md",),
    )
    assert notice.document.title == "令和8年度第1回会議 Bcc: someone@example.comの開催について（通知）"
    assert "\n" not in notice.document.title
    assert "\r" not in notice.document.title
    assert Path(notice.markdown).name == "令和8年度第1回会議 Bcc_ someone@example.com_開催通知.md"
