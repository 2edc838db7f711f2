"""`council docs render` and `council docs list` against a real database."""

from __future__ import annotations

import json

from documents_seed import seed_year
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from council.cli.main import app
from models.db import session_scope

runner = CliRunner()


def test_render_then_list(engine: Engine) -> None:
    with session_scope(engine) as session:
        seed_year(session)
    # --kind: without it, whether the meeting is past (and gets minutes) would depend on the wall clock
    command = [
        "docs",
        "render",
        "--fy",
        "2026",
        "--meeting",
        "council-1",
        "--kind",
        "notice,agenda",
        "--format",
        "md,html",
    ]
    first = runner.invoke(app, command)
    assert first.exit_code == 0, first.output
    assert "new  notice" in first.output
    assert "市第1号" in first.output
    assert "[md,html]" in first.output
    assert "2 document(s): 2 new version(s), 0 unchanged" in first.output
    again = runner.invoke(app, command)
    assert again.exit_code == 0, again.output
    assert "2 document(s): 0 new version(s), 2 unchanged" in again.output

    schedule = runner.invoke(app, ["docs", "render", "--fy", "2026", "--kind", "annual_schedule", "--format", "md"])
    assert schedule.exit_code == 0, schedule.output

    listed = runner.invoke(app, ["docs", "list", "--fy", "2026", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [(row["kind"], row["subject"], row["version"]) for row in rows] == [
        ("agenda", "council-1", 1),
        ("annual_schedule", "year", 1),
        ("notice", "council-1", 1),
    ]
    notice = rows[2]
    assert notice["number"] == "市第1号"
    assert len(notice["hash"]) == 64
    assert set(notice["paths"]) == {"md", "html"}
    assert notice["paths"]["md"].endswith(
        "documents/2026/notice/council-1/v1/令和8年度第1回県・市町村連携推進会議_開催通知.md"
    )
    text = runner.invoke(app, ["docs", "list", "--fy", "2026"])
    assert text.exit_code == 0
    assert "notice" in text.output
    assert "市第1号" in text.output


def test_mistakes_are_one_line_errors(engine: Engine) -> None:
    with session_scope(engine) as session:
        seed_year(session)
    for arguments, message in (
        (["docs", "render", "--fy", "2026", "--kind", "memo"], "'memo' is not a document kind"),
        (["docs", "render", "--fy", "2031"], "no plan for fiscal year 2031"),
        (["docs", "render", "--fy", "2026", "--format", "md,odt"], "unknown format 'odt'"),
        (["docs", "list", "--fy", "2031"], "no plan for fiscal year 2031"),
    ):
        result = runner.invoke(app, arguments)
        assert result.exit_code == 2, (arguments, result.output)
        assert message in result.output
        assert "Traceback" not in result.output
