"""The regional table (【参考】地域における…の主な連携の取組み): the source's FY2018 table shipped as demo data,
imported (idempotent, all or nothing), rendered through the same builders as every document, and checked word for
word against the source; its Markdown and HTML as golden files (tests/golden/bodies/).

Regenerate the golden files after an intended change with COUNCIL_UPDATE_GOLDEN=1 .venv/bin/pytest
tests/test_regional_table.py -n 0
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from council.bodies.actions import import_regional_table, regional_table_document
from council.cli.main import app
from council.clock import TOKYO
from council.context import Context
from council.errors import InputError
from council.planning.actions import store_plan_step
from council.resources import data_dir
from council.simulation import install
from models import AuditEvent, Document, DocumentStatus, RegionalInitiative
from models.db import session_scope

FY = 2018  # 平成30年度
SOURCE = data_dir("reference") / "000_24f283ba9920ad4b.txt"
DEMO = data_dir("reference") / "demo" / "regional_initiatives_2018.csv"
GOLDEN = Path(__file__).parent / "golden" / "bodies"
UPDATE = os.environ.get("COUNCIL_UPDATE_GOLDEN") == "1"
ISSUE_DAY = date(2018, 5, 1)  # a Tuesday


@pytest.fixture
def year(engine: Engine, make_context: Callable[..., Context]) -> Callable[..., Context]:
    ctx = make_context(date(2018, 2, 1))
    with session_scope(engine) as session:
        install(session, reference_dir=ctx.settings.reference_dir, now=datetime(2018, 2, 1, tzinfo=TOKYO), actor="t")
    store_plan_step(ctx, FY)
    return lambda day=ISSUE_DAY: make_context(day)


def source_rows() -> list[tuple[str, str, str]]:
    """(area, content, mark) of every row of the source's 【参考】 table, as the source prints them."""
    text = SOURCE.read_text(encoding="utf-8")
    start = text.index("【参考】 地域における平成30年度の主な連携の取組み")
    end = text.index("【企画振興部 市町村課】", start)
    rows = []
    for line in text[start:end].splitlines():
        match = re.fullmatch(r"(\S+)\t○ (.+) (〈(?:新規|充実)〉)", line.strip())
        if match:
            rows.append((match.group(1), match.group(2), match.group(3)))
    return rows


def test_the_demo_table_reproduces_the_source(year: Callable[..., Context]) -> None:
    expected = source_rows()
    assert [area for area, _, _ in expected] == ["村山", "西村山", "北村山", "最上", "置賜", "庄内"]
    report = import_regional_table(year(), DEMO, FY)
    assert report.added == 6
    rendered = regional_table_document(year(), FY, formats=["md", "html"])
    markdown = rendered.markdown.read_text(encoding="utf-8")
    assert "# 【参考】 地域における平成30年度の主な連携の取組み" in markdown
    assert "| 地域 | 取組内容 |" in markdown
    table = [line for line in markdown.splitlines() if line.startswith("| ") and "取組内容" not in line]
    assert table == [f"| {area} | ○ {content} {mark} |" for area, content, mark in expected]
    html = re.sub(r"</?span[^>]*>", "", rendered.paths["html"].read_text(encoding="utf-8"))  # print marks
    for area, content, mark in expected:
        assert f'<td class="month">{area}</td><td>○ {content} {mark}</td>' in html


def test_importing_again_changes_nothing_and_a_changed_file_replaces_the_year(
    year: Callable[..., Context], engine: Engine, tmp_path: Path
) -> None:
    import_regional_table(year(), DEMO, FY)
    again = import_regional_table(year(), DEMO, FY)
    assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, 6)
    changed = tmp_path / "table.csv"
    lines = DEMO.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",充実,", ",新規,")
    lines.append("最上,,新規,最上地域の新しい取組み")
    del lines[6]  # 庄内
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_regional_table(year(), changed, FY)
    assert (report.added, report.changed, report.removed, report.unchanged) == (1, 1, 1, 4)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(RegionalInitiative)).one() == 6
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "regional_initiative.removed")).one()
    markdown = regional_table_document(year(), FY, formats=["md"]).markdown.read_text(encoding="utf-8")
    assert "| 村山 | ○ 山形市の中核市移行" in markdown
    assert "〈新規〉 |" in markdown
    assert "| 最上 | ○ 『最上地域政策研究所』" in markdown
    assert "<br>○ 最上地域の新しい取組み 〈新規〉 |" in markdown
    assert "庄内空港" not in markdown


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("米沢,,充実,x", "row 3, field area: '米沢' is not an area (e.g. 村山, 西村山, 最上)"),
        ("置賜,,継続,x", "row 3, field kind: '継続' is not one of 新規/充実"),
        ("置賜,,充実,", "row 3, field content: is empty"),
        ("置賜,shonai-airport,充実,x", "row 3, field body: 庄内空港利用振興協議会 is not a body of 置賜"),
        ('置賜,,充実,"a\tb"', "row 3, field content: contains a control character"),
        ("置賜,,充実,x,y", "row 3: 5 cells for 4 columns"),
    ],
)
def test_a_bad_row_is_one_line_and_nothing_changes(
    year: Callable[..., Context], engine: Engine, tmp_path: Path, row: str, message: str
) -> None:
    import_regional_table(year(), DEMO, FY)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"area,body,kind,content\n最上,,新規,最上の新しい取組み\n{row}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["bodies", "table", "import", str(bad), "--fy", str(FY)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {bad}: {message}")
    with Session(engine) as session:
        rows = session.exec(select(RegionalInitiative)).all()
    assert len(rows) == 6
    assert not any("新しい" in row.content for row in rows)


def test_no_table_for_the_year_is_one_clear_error(year: Callable[..., Context]) -> None:
    with pytest.raises(InputError, match="no regional table for 平成30年度"):
        regional_table_document(year(), FY, formats=["md"])


def test_issued_table_is_a_record_and_matches_its_golden_files(year: Callable[..., Context], engine: Engine) -> None:
    import_regional_table(year(), DEMO, FY)
    draft = regional_table_document(year(), FY, formats=["md", "html"])
    issued = regional_table_document(year(ISSUE_DAY), FY, formats=["md", "html"], issue_now=True)
    assert issued.document.status == DocumentStatus.issued
    assert issued.document.issued_on == ISSUE_DAY
    assert issued.document.number_id is None  # a table is not a numbered letter
    assert issued.document.id == draft.document.id
    for fmt in ("md", "html"):
        _golden(f"regional_initiatives.{fmt}", issued.paths[fmt].read_text(encoding="utf-8"))
    # Issuing again, or drafting with unchanged rows, changes nothing.
    again = regional_table_document(year(date(2018, 5, 2)), FY, formats=["md"], issue_now=True)
    assert again.document.id == issued.document.id
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Document)).one() == 1


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing (COUNCIL_UPDATE_GOLDEN=1 to write it)"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"
