"""Render time per document kind and output format, and for the whole year's set.

    .venv/bin/python bench/documents_bench.py [--repeat 5]

Seeds the test year (tests/documents_seed.py) into a temporary SQLite COUNCIL_HOME, builds every kind's context once,
then times Markdown, HTML, DOCX and PDF separately (median of --repeat runs, after one warm-up that also builds the
PDF font configuration), and finally `render_documents` for the whole year's drafts, cold (new drafts, all formats) and
warm (unchanged: hashing only).

Measured here (2 cores, shared with other jobs; IPAex fonts with libharfbuzz-subset0), median ms per document:

    kind                md   html   docx    pdf
    notice             0.1    0.1     30     73
    agenda             0.1    0.1     30     41
    minutes            0.1    0.1     22     49
    survey_request     0.1    0.1     59    117
    survey_summary     0.1    0.2     50    216
    annual_schedule    0.1    0.2     66    161
    render_documents, whole year's drafts (14 documents × 4 formats): cold 1.5 s, warm (unchanged) 0.06 s
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

    from datetime import date

    from documents_seed import seed_year, source_tally

    from council.config import load_settings
    from council.context import Clock, Context
    from council.documents import builders
    from council.documents.actions import render_documents
    from council.documents.contexts import DocumentContext, Issue
    from council.documents.docx_builder import build_docx
    from council.documents.facts import meeting_facts, schedule_facts, survey_facts
    from council.documents.pdf_builder import build_pdf
    from council.documents.rendering import render_html, render_markdown
    from council.documents.stationery import stationery_for
    from council.planning.cycles import council_and_cycle, find_meeting
    from models.db import engine_for, session_scope, upgrade_to_head

    settings = load_settings()
    engine = engine_for(settings.database_url)
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        seed_year(session)
    ctx = Context(
        settings=settings,
        clock=Clock.on(date(2026, 6, 1)),
        actor="bench",
        engine=engine,
        open_transport=lambda: None,  # type: ignore[arg-type,return-value]  # rendering sends nothing
    )
    issue = Issue(number="市第1号", date="令和8年6月15日")
    stationery = stationery_for(settings)
    office, texts, calendar = stationery.office, stationery.texts, stationery.calendar
    with session_scope(engine) as session:
        council, cycle = council_and_cycle(session, settings.council_code, 2026)
        meeting = find_meeting(session, cycle, "council-1")
        council_1 = meeting_facts(session, council, cycle, meeting, texts, as_of=ctx.clock.now)
        survey = survey_facts(session, council, cycle)
        schedule = schedule_facts(session, council, cycle)
    contexts: dict[str, DocumentContext] = {
        "notice": builders.notice_context(council_1, office, texts, issue, calendar),
        "agenda": builders.agenda_context(council_1, texts, issue),
        "minutes": builders.minutes_context(council_1, office, texts, issue),
        "survey_request": builders.survey_request_context(survey, texts, office, issue),
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
        results = render_documents(ctx, fiscal_year=2026)
        elapsed = time.perf_counter() - start
        created = sum(result.created for result in results)
        print(f"render_documents, whole year, {label}: {len(results)} documents ({created} new) in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
