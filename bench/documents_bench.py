"""Render time per document kind and output format, and for the whole year's set.

    .venv/bin/python bench/documents_bench.py [--repeat 5]

Seeds the test year (tests/documents_seed.py) into a temporary SQLite COUNCIL_HOME, builds every kind's context once,
then times Markdown, HTML, DOCX and PDF separately (median of --repeat runs, after one warm-up that also builds the
PDF font configuration), and finally `render_documents` for the whole year, cold (new versions, all formats) and warm
(unchanged: hashing only).

Measured here (2 cores, shared with other jobs; IPAex fonts with libharfbuzz-subset0), median ms per document:

    kind                md   html   docx    pdf
    notice             0.1    0.1     30     73
    agenda             0.1    0.1     30     41
    minutes            0.1    0.1     22     49
    survey_request     0.1    0.1     59    117
    survey_summary     0.1    0.2     50    216
    annual_schedule    0.1    0.2     66    161
    render_documents, whole year (12 documents × 4 formats): cold 1.8 s, warm (unchanged) 0.09 s
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    action()  # warm-up: template compilation, font configuration
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="council-docs-bench-"))
    os.environ["COUNCIL_HOME"] = str(home)
    os.environ["COUNCIL_DATABASE_URL"] = f"sqlite:///{home / 'council.db'}"

    from documents_seed import NOW, seed_year, source_tally

    from council.documents import builders
    from council.documents.contexts import DocumentContext, Issue
    from council.documents.docx_builder import build_docx
    from council.documents.facts import find_meeting, load_cycle, meeting_facts, schedule_facts, survey_facts
    from council.documents.office import load_office
    from council.documents.pdf_builder import build_pdf
    from council.documents.rendering import render_html, render_markdown
    from council.documents.service import render_documents
    from council.documents.texts import load_texts
    from council.planning.business_days import BusinessCalendar
    from models.db import get_engine, session_scope, upgrade_to_head

    upgrade_to_head(get_engine())
    with session_scope() as session:
        seed_year(session)
    issue = Issue(number="市第1号", date="令和8年6月15日")
    office, texts = load_office(), load_texts()
    with session_scope() as session:
        council, cycle = load_cycle(session, 2026)
        council_1 = meeting_facts(session, council, cycle, find_meeting(session, cycle, "council-1"), texts)
        survey = survey_facts(session, council, cycle)
        schedule = schedule_facts(session, council, cycle)
    contexts: dict[str, DocumentContext] = {
        "notice": builders.notice_context(council_1, office, issue, BusinessCalendar()),
        "agenda": builders.agenda_context(council_1, texts, issue),
        "minutes": builders.minutes_context(council_1, office, issue),
        "survey_request": builders.survey_request_context(survey, texts.survey, office, issue),
        "survey_summary": builders.survey_summary_context(source_tally(), survey, texts.survey, issue),
        "annual_schedule": builders.schedule_context(schedule, issue),
    }
    print(f"{'kind':<16} {'md ms':>8} {'html ms':>8} {'docx ms':>8} {'pdf ms':>8}")
    for name, context in contexts.items():
        html = render_html(context)
        row = [
            _median_ms(lambda c=context: render_markdown(c), args.repeat),
            _median_ms(lambda c=context: render_html(c), args.repeat),
            _median_ms(lambda h=html, c=context: build_docx(h, title=c.title), args.repeat),
            _median_ms(lambda h=html: build_pdf(h), args.repeat),
        ]
        print(f"{name:<16} " + " ".join(f"{value:8.1f}" for value in row))

    for label in ("cold", "warm"):
        start = time.perf_counter()
        with session_scope() as session:
            results = render_documents(session, fiscal_year=2026, now=NOW)
        elapsed = time.perf_counter() - start
        created = sum(result.created for result in results)
        print(f"render_documents, whole year, {label}: {len(results)} documents ({created} new) in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
