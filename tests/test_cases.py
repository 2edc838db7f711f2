"""先進事例: the catalogue (add, import — idempotent, all or nothing), the cases suggested from the year's themes and
chosen for the 1st meeting (its agenda's 先進事例の紹介 lists them), its handout (drafted, issued, sent; golden files in
tests/golden/bodies/), and 横展開 (recorded once, in `council status` and the next year's handout) — on SQLite and
PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from council.cases.actions import add_case, adopt_case, case_handout, cases, choose_cases, import_cases, suggest
from council.cli.main import app
from council.clock import TOKYO
from council.context import Context
from council.documents.actions import render_documents
from council.errors import InputError
from council.planning.actions import store_plan_step
from council.resources import data_dir
from council.simulation import install
from council.status import payload, year_status
from council.themes.actions import add_theme_action
from models import AdvancedCase, CaseAdoption, CaseSelection, Delivery, DocumentKind, SurveySection
from models.db import session_scope

FY = 2026
PLANNED_AT = datetime(2026, 2, 2, 9, 0, tzinfo=TOKYO)
DEMO = data_dir("reference") / "demo" / "cases.csv"
GOLDEN = Path(__file__).parent / "golden" / "bodies"
UPDATE = os.environ.get("COUNCIL_UPDATE_GOLDEN") == "1"
CHOSEN_ON = date(2026, 6, 15)
HEADER = "code,title,scope,organization,category,summary,source,fiscal_year"


@pytest.fixture
def year(engine: Engine, make_context: Callable[..., Context]) -> Callable[..., Context]:
    ctx = make_context(PLANNED_AT.date())
    with session_scope(engine) as session:
        install(session, reference_dir=ctx.settings.reference_dir, now=PLANNED_AT, actor="tester")
    for fiscal_year in (FY, FY + 1):
        store_plan_step(ctx, fiscal_year)
    import_cases(ctx, DEMO)
    for title, category in (("生活交通の確保", "transport"), ("若者の定着・回帰", "youth")):
        add_theme_action(
            make_context(date(2026, 5, 29)),
            fiscal_year=FY,
            title=title,
            section=SurveySection.policy,
            category=category,
        )

    def on(day: date = CHOSEN_ON) -> Context:
        return make_context(day, COUNCIL_APPROVAL="off")

    return on


def _count(engine: Engine, table: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_the_catalogue_is_imported_once_and_cases_are_added(year: Callable[..., Context], engine: Engine) -> None:
    again = import_cases(year(), DEMO)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 7)
    values = {
        "title": "移動販売車の共同運行",
        "scope": "県外",
        "organization": "〇〇県△△町",
        "category": "買い物支援関係",
        "summary": "町と商工会が移動販売車を共同運行",
        "source": "総務省 事例集",
        "fiscal_year": "2026",
    }
    view, outcome = add_case(year(), values)
    assert (view.code, outcome, view.category, view.category_label) == (
        "C2026-01",
        "added",
        "shopping",
        "買い物支援関係",
    )
    assert add_case(year(), values)[1] == "unchanged"  # the same case again
    assert [case.code for case in cases(year(), category="youth")] == ["C2017-03", "C2017-04"]
    assert _count(engine, AdvancedCase) == 8


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("C9,題,県央,団体,youth,概要,出典,2026", "row 3, field scope: '県央' is not one of 県内/県外"),
        ("C9,題,県内,団体,sports,概要,出典,2026", "row 3, field category: 'sports' is not a theme category"),
        ("C9,題,県内,団体,youth,概要,出典,26", "row 3, field fiscal_year: '26' is not a fiscal year"),
        ("C9,,県内,団体,youth,概要,出典,2026", "row 3, field title: is empty"),
        ("C9,題,県内,団体,youth,概要=?utf-8?q?x?=,出典,2026", "row 3, field summary: contains '=?'"),
        ("C 9,題,県内,団体,youth,概要,出典,2026", "row 3, field code: 'C 9' is not a case code"),
        ("C1,題,県内,団体,youth,概要,出典,2026", "field code: case code 'C1' is used twice"),
    ],
)
def test_a_bad_catalogue_is_one_line_and_nothing_is_imported(
    year: Callable[..., Context], engine: Engine, tmp_path: Path, row: str, message: str
) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(f"{HEADER}\nC1,新しい事例,県内,団体,youth,概要,出典,2026\n{row}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["cases", "import", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {path}: {message}")
    assert _count(engine, AdvancedCase) == 7


def test_the_first_meeting_lists_the_cases_chosen_from_the_years_themes(
    year: Callable[..., Context], engine: Engine
) -> None:
    suggested = [view.code for view in suggest(year(), FY)]
    assert suggested == ["C2017-01", "C2017-03", "C2017-04"]  # 生活交通 and 若者の定着 themes
    chosen, changed = choose_cases(year(), FY, [], suggested=True)
    assert changed
    assert [view.code for view in chosen] == suggested
    assert not choose_cases(year(), FY, suggested)[1]  # the same again: nothing changes
    chosen, _ = choose_cases(year(), FY, ["C2017-04", "C2017-01"])
    assert _count(engine, CaseSelection) == 2
    [agenda] = render_documents(
        year(), fiscal_year=FY, meeting_key="council-1", kinds=[DocumentKind.agenda], formats=["md"]
    )
    text = agenda.markdown.read_text(encoding="utf-8")
    item = text[text.index("県内外の先進事例の紹介") :]
    assert item.index("若者定着支援基金の運営（奨学金返還支援）（県内・県・市町村）") < item.index(
        "高校生の下校用バスの調査運行（県内・西村山地域広域連携協議会）"
    )
    # Only a meeting whose agenda introduces cases takes them; a held one keeps what it had.
    with pytest.raises(InputError, match="introduces no 先進事例"):
        choose_cases(year(), FY, ["C2017-01"], meeting_key="roundtable")
    with pytest.raises(InputError, match="no case 'C1999-01'"):
        choose_cases(year(), FY, ["C1999-01"])
    assert _count(engine, CaseSelection) == 2


def test_the_handout_is_issued_sent_and_shows_last_years_spread(
    year: Callable[..., Context], engine: Engine, make_context: Callable[..., Context]
) -> None:
    with pytest.raises(InputError, match="no cases are chosen for"):
        case_handout(year(), FY, formats=["md"])
    choose_cases(year(), FY, ["C2017-01", "C2017-04"])
    draft = case_handout(year(), FY, formats=["md", "html"])
    assert not draft.rendered.issued
    assert draft.rendered.document.planned_issue_on is not None  # with the meeting's 次第
    issued = case_handout(year(date(2026, 7, 1)), FY, formats=["md", "html"], issue_now=True)
    assert issued.rendered.issued
    assert issued.sent == _count(engine, Delivery) > 0  # the council's members, once each
    assert case_handout(year(date(2026, 7, 2)), FY, issue_now=True).sent == 0
    _golden("case_handout.md", issued.rendered.paths["md"].read_text(encoding="utf-8"))
    _golden("case_handout.html", issued.rendered.paths["html"].read_text(encoding="utf-8"))
    # 横展開 in FY2026: in the year's status, and in FY2027's handout.
    assert adopt_case(year(), "C2017-01", "寒河江市", FY, "下校用バスの実証運行")
    assert not adopt_case(year(), "C2017-01", "062065", FY)
    with pytest.raises(InputError, match="寒河江市 took C2017-01 up in 2026 already"):
        adopt_case(year(), "C2017-01", "寒河江市", FY + 1)
    with pytest.raises(InputError, match="みらい企画創造部 is not a municipality"):
        adopt_case(year(), "C2017-01", "企画", FY)
    assert _count(engine, CaseAdoption) == 1
    with Session(engine) as session:
        status = payload(year_status(session, fiscal_year=FY, today=date(2026, 7, 2), council_code="yamagata"))
    assert status["cases"] == {
        "chosen": [
            {"meeting": "council-1", "code": "C2017-01", "title": "高校生の下校用バスの調査運行"},
            {"meeting": "council-1", "code": "C2017-04", "title": "若者定着支援基金の運営（奨学金返還支援）"},
        ],
        "adoptions": [{"code": "C2017-01", "title": "高校生の下校用バスの調査運行", "municipality": "寒河江市"}],
    }
    choose_cases(make_context(date(2027, 6, 1)), FY + 1, ["C2017-03"])
    next_year = case_handout(make_context(date(2027, 6, 1)), FY + 1, formats=["md"])
    text = next_year.rendered.markdown.read_text(encoding="utf-8")
    assert "## 横展開の状況（これまでに取り入れた市町村）" in text
    assert "- 高校生の下校用バスの調査運行：寒河江市（令和8年度）" in text


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing (COUNCIL_UPDATE_GOLDEN=1 to write it)"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"
