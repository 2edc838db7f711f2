"""Documents as printed. Every kind of the seeded year (tests/documents_seed.py) is rendered to PDF by WeasyPrint and
to DOCX; LibreOffice prints the DOCX and the survey form (one soffice run) and saves the form again (a second run);
then pdftotext -layout, pdffonts and pypdf read the prints back as a reader would see them.

Needs LibreOffice and poppler-utils (scripts/bootstrap installs them as root): skipped without them, except under
CI=true, where that fails.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from documents_seed import NOW, seed_year, source_tally
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from survey_support import taxonomy

from council.cli.common import cli_context
from council.config import reset_settings
from council.context import Context
from council.documents.docx_builder import build_docx
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
from council.documents.layout import mark_print_layout
from council.documents.lifecycle import RenderedDocument, issue_now
from council.documents.pdf_builder import build_pdf
from council.documents.printing import broken_across_lines, convert, convert_to_pdf, font_names, page_texts
from council.documents.rendering import environment
from council.documents.stationery import Stationery, stationery_for
from council.meetings.lifecycle import record_meeting_held, set_status
from council.planning.cycles import council_and_cycle, find_meeting
from council.survey.forms import (
    INSTRUCTIONS_SHEET,
    SECTION_SHEETS,
    FormRespondent,
    form_bytes,
    form_file_name,
)
from council.survey.readers import parse_file
from council.survey.store import Audience
from models import Council, Cycle, DocumentKind, MeetingStatus, Organization
from models.db import engine_for, session_scope

_MISSING = [tool for tool in ("soffice", "pdftotext", "pdffonts") if shutil.which(tool) is None]
if _MISSING and os.environ.get("CI") == "true":
    raise RuntimeError(f"{', '.join(_MISSING)} missing under CI: scripts/bootstrap installs them")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(_MISSING), reason=f"{', '.join(_MISSING)} not installed (scripts/bootstrap, as root)"),
]

# What must never break across lines, defined here independently of council.documents.layout's own patterns.
_DATE = r"(?:令和(?:元|\d+)年)?\d{1,2}月\d{1,2}日(?:（[月火水木金土日]）)?"
_TIME = r"\d{1,2}時\d{2}分"
_POINT = rf"(?:{_DATE}(?:[ 　]?{_TIME})?|{_TIME})"
UNITS = re.compile(rf"{_POINT}(?:～{_POINT})?")
TITLE_SUFFIX = re.compile(r"（[^（）]{1,5}）$")  # （通知）（依頼）（再依頼）
# Pages per kind, as WeasyPrint prints the PDF and LibreOffice the DOCX (the seeded year). The 調査結果概要's PDF
# has its third table, kept whole with its caption, and the closing note on page 2.
EXPECTED_PAGES = {
    "advance_notice": (1, 1),
    "cancellation": (1, 1),
    "postponement": (1, 1),
    "notice": (1, 1),
    "agenda": (1, 1),
    "minutes": (1, 1),
    "survey_request": (1, 1),
    "survey_reminder": (1, 1),
    "survey_summary": (2, 1),
    "annual_schedule": (1, 1),
}
HEADER_ROW = "項目件数"  # the header row's cells, 「項　目」 and 「件数」, as one line reads without spaces


@dataclass
class Printed:
    kind: str
    name: str
    title: str
    markdown: str
    pages: dict[str, list[str]] = field(default_factory=dict)  # format (pdf, docx) → page texts
    fonts: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Prints:
    documents: list[Printed]
    tables: dict[str, dict[str, list[str]]]  # long / short → format → page texts
    form_pdf: Path
    form_saved: Path


def _table_page(rows: int, filler: int) -> str:
    css = environment().globals["a4_css"]
    body = "".join(f'<p class="gap">本文{index}</p>' for index in range(filler))
    cells = "".join(f'<tr><td>項目{index}番</td><td class="num">{index}</td></tr>' for index in range(1, rows + 1))
    return mark_print_layout(
        f'<!DOCTYPE html>\n<html lang="ja">\n<head>\n<title>表</title>\n<style>\n{css}\n</style>\n</head>\n<body>\n'
        f'<h1>表</h1>\n{body}\n<p class="gap">（1）表の見出し</p>\n<table class="grid">\n'
        f"<thead><tr><th>項　目</th><th>件数</th></tr></thead>\n<tbody>\n{cells}\n</tbody>\n</table>\n"
        "</body>\n</html>\n"
    )


PrintPlan = Callable[[Session, Stationery, Council, Cycle, Context], DocumentPlan]
PRINT_FORMATS = ("md", "pdf", "docx")


def _meeting(key: str, kind: DocumentKind) -> PrintPlan:
    def plan(session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context) -> DocumentPlan:
        return meeting_document(session, stationery, council, cycle, find_meeting(session, cycle, key), kind, now=NOW)

    return plan


def _change(key: str, kind: DocumentKind, reason: str) -> PrintPlan:
    """A 延期 (to a week later) or 中止 of a meeting whose notice went out."""

    def plan(session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context) -> DocumentPlan:
        meeting = find_meeting(session, cycle, key)
        notified = meeting_when(meeting)
        if kind == DocumentKind.postponement:
            meeting.starts_at += timedelta(days=7)
            meeting.ends_at += timedelta(days=7)
            meeting.revision += 1
            session.add(meeting)
        else:
            set_status(session, meeting, MeetingStatus.cancelled, now=ctx.clock.now, actor=ctx.actor, flow_run_id=None)
        session.flush()
        return meeting_change_document(
            session, stationery, council, cycle, meeting, kind, notified_when=notified, reason=reason, now=NOW
        )

    return plan


def _reminder(codes: tuple[str, ...]) -> PrintPlan:
    def plan(session: Session, stationery: Stationery, council: Council, cycle: Cycle, ctx: Context) -> DocumentPlan:
        ids = [i for i in session.exec(select(Organization.id).where(col(Organization.code).in_(codes))) if i]
        return reminder_document(
            session,
            stationery,
            council,
            cycle,
            organization_ids=ids,
            audience=Audience.municipalities,
            step="after-1",
            deadline=date(2026, 6, 23),
            new_deadline=date(2026, 6, 29),
        )

    return plan


def _held(key: str) -> Callable[[Session, Cycle, Context], None]:
    def act(session: Session, cycle: Cycle, ctx: Context) -> None:
        record_meeting_held(
            session, find_meeting(session, cycle, key), now=ctx.clock.now, actor=ctx.actor, flow_run_id=None
        )

    return act


# Every kind, issued on its day in the seeded year (tests/documents_seed.py), as the golden year issues it.
PRINTED_YEAR: tuple[tuple[date, PrintPlan | Callable[[Session, Cycle, Context], None]], ...] = (
    (date(2026, 5, 21), lambda s, st, c, cy, ctx: schedule_document(s, st, c, cy, planned_issue_on=None)),
    (date(2026, 5, 29), lambda s, st, c, cy, ctx: survey_request_document(s, st, c, cy, Audience.municipalities)),
    (date(2026, 6, 24), _meeting("council-1", DocumentKind.notice)),
    (date(2026, 6, 24), _reminder(("062022", "062031"))),
    (date(2026, 6, 26), _meeting("council-1", DocumentKind.agenda)),
    (date(2026, 6, 30), lambda s, st, c, cy, ctx: summary_document(s, st, c, cy, source_tally())),
    (date(2026, 7, 9), _held("council-1")),
    (date(2026, 7, 23), _meeting("council-1", DocumentKind.minutes)),
    (date(2026, 8, 19), _meeting("roundtable", DocumentKind.advance_notice)),
    (date(2026, 10, 6), _meeting("roundtable", DocumentKind.notice)),
    (date(2026, 10, 9), _change("roundtable", DocumentKind.postponement, "知事の公務の都合のため")),
    (date(2026, 11, 4), _meeting("secretariat-3", DocumentKind.notice)),
    (date(2026, 11, 11), _change("secretariat-3", DocumentKind.cancellation, "協議すべき案件がなくなったため")),
)


def _issue_the_year(engine: Engine) -> list[RenderedDocument]:
    issued = []
    for day, step in PRINTED_YEAR:
        ctx = cli_context(day)
        stationery = stationery_for(ctx.settings)
        with session_scope(engine) as session:
            council, cycle = council_and_cycle(session, ctx.settings.council_code, 2026)
            if step.__name__ == "act":
                step(session, cycle, ctx)  # type: ignore[call-arg]
                continue
            plan = step(session, stationery, council, cycle, ctx)  # type: ignore[call-arg]
            assert isinstance(plan, DocumentPlan)
            issued.append(
                issue_now(
                    session,
                    stationery,
                    cycle=cycle,
                    subject=plan.subject,
                    make=plan.make,
                    on=day,
                    now=ctx.clock.now,
                    actor=ctx.actor,
                    formats=PRINT_FORMATS,
                )
            )
    return issued


@pytest.fixture(scope="module")
def prints(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Prints:
    root = tmp_path_factory.mktemp("print")
    home = root / "home"
    home.mkdir()
    shutil.copyfile(sqlite_template, home / "council.db")
    url = f"sqlite:///{home / 'council.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COUNCIL_HOME", str(home))
        patch.setenv("COUNCIL_DATABASE_URL", url)
        patch.setenv("COUNCIL_ACTOR", "tester")
        reset_settings()
        engine = engine_for(url)
        with session_scope(engine) as session:
            seed_year(session)
        results = _issue_the_year(engine)
        documents = [
            Printed(
                kind=result.document.kind.value,
                name=f"{result.document.kind.value}--{result.document.subject}",
                title=result.document.title,
                markdown=result.paths["md"].read_text(encoding="utf-8"),
            )
            for result in results
        ]
        sources = {
            printed.name: (result.paths["pdf"], result.paths["docx"])
            for printed, result in zip(documents, results, strict=True)
        }
        engine.dispose()
        reset_settings()

    files = root / "files"
    files.mkdir()
    docx = []
    for printed in documents:
        pdf, word = sources[printed.name]
        printed.pages["pdf"] = page_texts(pdf)
        docx.append(shutil.copyfile(word, files / f"{printed.name}.docx"))
    tables: dict[str, dict[str, list[str]]] = {}
    # The short table (20 rows, kept) starts low on page 1 in both prints, so keeping it whole moves it to page 2.
    for name, rows, filler in (("long", 70, 0), ("short", 20, 15)):
        html = _table_page(rows, filler)
        (files / f"table-{name}.pdf").write_bytes(build_pdf(html))
        docx.append(files / f"table-{name}.docx")
        docx[-1].write_bytes(build_docx(html, title=name))
        tables[name] = {"pdf": page_texts(files / f"table-{name}.pdf")}
    yamagata = FormRespondent("062014", "山形市")
    form = files / form_file_name(2026, yamagata)
    form.write_bytes(form_bytes(2026, yamagata, taxonomy(), stamp=datetime(2026, 4, 1, tzinfo=UTC)))

    environment_ = dict(os.environ)
    printed_pdfs = convert_to_pdf([*docx, form], root / "printed", work_dir=root / "work", environment=environment_)
    (saved,) = convert([form], root / "saved", to="xlsx", work_dir=root / "work", environment=environment_)
    by_name = {pdf.stem: pdf for pdf in printed_pdfs}
    for printed in documents:
        printed.pages["docx"] = page_texts(by_name[printed.name])
        printed.fonts["docx"] = font_names(by_name[printed.name])
    for name in tables:
        tables[name]["docx"] = page_texts(by_name[f"table-{name}"])
    return Prints(documents=documents, tables=tables, form_pdf=by_name[form.stem], form_saved=saved)


def _units(printed: Printed) -> list[str]:
    units = UNITS.findall(printed.markdown)
    units += TITLE_SUFFIX.findall(printed.title)
    return units


def test_every_kind_is_printed(prints: Prints) -> None:
    assert {printed.kind for printed in prints.documents} == set(EXPECTED_PAGES)
    assert sum(len(_units(printed)) for printed in prints.documents) > 60  # the check below has plenty to check


def test_no_date_time_or_range_breaks_across_lines(prints: Prints) -> None:
    broken = {
        f"{printed.name}.{fmt}": units
        for printed in prints.documents
        for fmt, pages in printed.pages.items()
        if (units := broken_across_lines(_units(printed), pages))
    }
    assert broken == {}


def test_every_kind_prints_on_its_expected_number_of_pages(prints: Prints) -> None:
    pages = {printed.name: (len(printed.pages["pdf"]), len(printed.pages["docx"])) for printed in prints.documents}
    expected = {printed.name: EXPECTED_PAGES[printed.kind] for printed in prints.documents}
    assert pages == expected


def test_the_docx_prints_in_a_mincho_face(prints: Prints) -> None:
    for printed in prints.documents:
        fonts = printed.fonts["docx"]
        assert fonts, printed.name
        assert all("Mincho" in font for font in fonts), (printed.name, fonts)


def test_a_long_table_repeats_its_header_and_a_short_one_stays_on_one_page(prints: Prints) -> None:
    for fmt in ("pdf", "docx"):
        # Spaces out: LibreOffice spaces digits from Japanese text (「項目 1 番」).
        long = [re.sub(r"\s+", "", page) for page in prints.tables["long"][fmt]]
        assert len(long) >= 2, fmt
        assert "項目1番" in long[0], f"{fmt}: a long table starts where it stands"
        for number, page in enumerate(long, start=1):
            assert HEADER_ROW in page, f"{fmt}: page {number} lacks the header row"
        short = [re.sub(r"\s+", "", page) for page in prints.tables["short"][fmt]]
        holding = [page for page in short if "項目1番" in page or "項目20番" in page]
        assert len(holding) == 1, f"{fmt}: the short table is split over pages"
        assert "表の見出し" in holding[0], f"{fmt}: the caption left its table"
        assert len(short) == 2, f"{fmt}: the page before it is full, so the table moved to the next"


def test_the_survey_form_prints_one_page_wide_per_sheet(prints: Prints) -> None:
    texts = page_texts(prints.form_pdf)
    reader = PdfReader(io.BytesIO(prints.form_pdf.read_bytes()))
    sheets = [INSTRUCTIONS_SHEET, *SECTION_SHEETS.values()]
    pages: dict[str, list[int]] = {sheet: [] for sheet in sheets}
    for index, text in enumerate(texts):
        header = text.strip().splitlines()[0]  # 山形市（062014）  <sheet>  n / N
        assert "山形市（062014）" in header
        (sheet,) = [sheet for sheet in sheets if sheet in header]
        pages[sheet].append(index)
    assert {sheet: len(indexes) for sheet, indexes in pages.items()} == dict.fromkeys(sheets, 1)
    for sheet, (index,) in pages.items():
        box = reader.pages[index].mediabox
        assert (box.width > box.height) == (sheet != INSTRUCTIONS_SHEET), sheet  # answer sheets landscape
    instructions = re.sub(r"\s+", "", texts[pages[INSTRUCTIONS_SHEET][0]])
    assert "想定される連携の形・内容・課題を記入してください。" in instructions  # the long line is not cut off
    answers = texts[pages[SECTION_SHEETS[next(iter(SECTION_SHEETS))]][0]]
    assert "課題" in answers  # the last column is on the same page as the first
    assert "No." in answers


def test_libreoffice_keeps_the_forms_protection_and_the_importer_still_reads_it(prints: Prints) -> None:
    workbook = load_workbook(prints.form_saved)
    for name in SECTION_SHEETS.values():
        sheet = workbook[name]
        assert sheet.protection.sheet, name
        for cell in ("A1", "B2", "D2", "F2", "B4", "A5"):
            assert sheet[cell].protection.locked, (name, cell)
        for cell in ("B5", "G5", "C30", "G54"):
            assert not sheet[cell].protection.locked, (name, cell)
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.fitToWidth == 1
    assert workbook[INSTRUCTIONS_SHEET].protection.sheet
    parsed = parse_file("saved.xlsx", prints.form_saved.read_bytes(), taxonomy())
    assert (parsed.fiscal_year, parsed.organization_code, parsed.answers) == (2026, "062014", ())
