"""Golden files: the Markdown and HTML of every document kind, rendered from the database (SQLite and PostgreSQL
give the same bytes). A reviewer sees any change of wording or layout in the diff of tests/golden/documents/.

Regenerate after an intended change with COUNCIL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_documents_golden.py
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from documents_seed import NOW, seed_year, source_tally
from sqlalchemy.engine import Engine

from council.documents.service import (
    RenderedDocument,
    render_documents,
    render_minutes,
    render_survey_reminder,
    render_survey_summary,
)
from models.db import session_scope

GOLDEN = Path(__file__).parent / "golden" / "documents"
UPDATE = os.environ.get("COUNCIL_UPDATE_GOLDEN") == "1"


def _render_all(engine: Engine) -> list[RenderedDocument]:
    with session_scope(engine) as session:
        seeded = seed_year(session)
    with session_scope(engine) as session:
        results = render_documents(session, fiscal_year=2026, formats=("md", "html"), now=NOW)
        results.append(
            render_minutes(session, meeting_key="council-1", fiscal_year=2026, now=NOW, formats=("md", "html"))
        )
        results.append(
            render_survey_summary(session, fiscal_year=2026, tally=source_tally(), now=NOW, formats=("html",))
        )
        late = [seeded.organizations["062022"], seeded.organizations["dept-norin"]]
        results.append(
            render_survey_reminder(
                session,
                fiscal_year=2026,
                respondents=late,
                deadline=date(2026, 6, 30),
                step="after-1",
                now=NOW + timedelta(days=9),
                formats=("md", "html"),
            )
        )
    return results


def _golden_name(result: RenderedDocument, fmt: str) -> str:
    document = result.document
    return f"{document.kind.value}--{document.subject}.{fmt}"


def test_every_kind_matches_its_golden_files(engine: Engine) -> None:
    results = _render_all(engine)
    kinds = {result.document.kind for result in results}
    assert len(kinds) == 7, "every document kind is covered"
    produced: dict[str, str] = {}
    for result in results:
        for fmt in ("md", "html"):
            produced[_golden_name(result, fmt)] = result.paths[fmt].read_text(encoding="utf-8")
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
    ("name", "fragments"),
    [
        (
            "notice--council-1.md",
            [
                "市第",
                "令和8年6月15日",
                "各市町村企画担当課長　様",
                "企画振興部次長　様",
                "各部局主幹課長　様",
                "各総合支庁連携支援室長　様",
                "（通知）",
                "\n記\n",
                "1. 日時　令和8年7月8日（水）14時00分～16時00分",
                "2. 場所　山形県庁 講堂",
                "3. 議題",
                "4. その他",
                "\n以上\n",
                "e-mail：",
            ],
        ),
        (
            "agenda--council-1.md",
            [
                "1. 開会",
                "2. あいさつ",
                "3. 議事",
                "1. 連携課題・ニーズ調査の結果について",
                "ICTの活用促進について〔企画〕",
                "（「見える化」）",
                "4. その他",
                "5. 閉会",
                "【配布資料】",
                "資料1　",
            ],
        ),
        ("agenda--roundtable.md", ["（検討中）", "地域公共交通に係る新たな手法の導入検討（テーマ決定）"]),
        (
            "agenda--council-2.md",
            ["買い物支援推進事業〔新規〕〔企画、県土、農林〕", "〔充実〕", "生活排水処理の連携について（継続検討）"],
        ),
        (
            "agenda--secretariat-1.md",
            ["第1回県・市町村連携推進会議（令和8年7月8日（水）開催予定）", "新たな連携テーマ（案）について"],
        ),
        (
            "survey_summary--survey.md",
            [
                "①若者の定着・回帰関係（移住定住、空き家対策、Uターン等）* | 17",
                "⑦中山間地振興関係（地域コミュニティ対策等） | 4",
                "173件（施策の連携 87件、業務の連携 68件、情報交換等 18件）",
                "40件（施策の連携 32件",
            ],
        ),
        (
            "annual_schedule--year.md",
            [
                "## 4月",
                "連携課題・ニーズ調査（4月6日～4月30日）",
                "## 10月",
                "県・市町村行政懇談会 10月21日（水）",
                "## 3月",
            ],
        ),
        (
            "survey_reminder--survey-reminder-after-1-20260630.md",
            ["米沢市企画担当課長　様", "農林水産部主幹課長　様", "令和8年6月15日付け市第", "（再依頼）"],
        ),
    ],
)
def test_golden_files_say_what_the_source_prescribes(name: str, fragments: list[str]) -> None:
    """Guards the golden files themselves, so a careless regeneration cannot bless a wrong document."""
    text = (GOLDEN / name).read_text(encoding="utf-8")
    for fragment in fragments:
        assert fragment in text, f"{name} lacks {fragment!r}"


def test_html_golden_files_are_standalone_japanese_a4_pages() -> None:
    pages = sorted(GOLDEN.glob("*.html"))
    assert len(pages) == 15
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert text.startswith('<!DOCTYPE html>\n<html lang="ja">'), page.name
        assert "size: A4" in text, page.name
        assert '"IPAexMincho"' in text, page.name  # quotes intact: the CSS is not autoescaped
        assert "<link" not in text, page.name
        assert "<script" not in text, page.name
