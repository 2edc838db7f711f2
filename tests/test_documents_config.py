"""Office configuration and document texts: the renamed department lives only in data; bad files are InputErrors."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from documents_seed import NOW, TOKYO, seed_year
from sqlalchemy.engine import Engine

from council.documents.builders import addressees
from council.documents.facts import Member
from council.documents.office import load_office
from council.documents.service import render_meeting_documents, render_survey_request
from council.documents.text import circled, markdown_escape, meeting_time_span, one_line
from council.documents.texts import load_texts
from council.errors import InputError
from council.resources import data_dir
from models import DocumentKind, OrganizationKind
from models.db import session_scope

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def office_file(tmp_path: Path) -> Path:
    target = tmp_path / "office.yaml"
    shutil.copyfile(data_dir("reference") / "office.yaml", target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_department_is_named_only_in_configuration() -> None:
    office = load_office()
    code_and_templates = [
        *PROJECT.joinpath("council/documents").glob("*.py"),
        *PROJECT.joinpath("templates").rglob("*"),
    ]
    for path in code_and_templates:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for name in (office.department, "企画振興部", office.section):
                assert name not in text, f"{path.relative_to(PROJECT)} spells {name}"


def test_office_file_from_the_environment_renames_sender_and_contact(
    engine: Engine, office_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit(office_file, "department: みらい企画創造部", "department: 総合政策部")
    _edit(office_file, "number_format: 市第{n}号", "number_format: 総政第{n}号")
    monkeypatch.setenv("COUNCIL_OFFICE_FILE", str(office_file))
    with session_scope(engine) as session:
        seed_year(session)
    with session_scope(engine) as session:
        (notice,) = render_meeting_documents(
            session, meeting_key="council-1", fiscal_year=2026, now=NOW, kinds=(DocumentKind.notice,), formats=("md",)
        )
        request = render_survey_request(session, fiscal_year=2026, now=NOW, formats=("md",), deadline=date(2026, 6, 30))
    text = notice.markdown.read_text(encoding="utf-8")
    assert "山形県総合政策部長" in text
    assert "担当：総合政策部市町村課" in text
    assert "総政第1号" in text
    assert "みらい企画創造部" not in text
    request_text = request.markdown.read_text(encoding="utf-8")
    assert "山形県知事" in request_text
    assert "総政第2号" in request_text
    assert "令和8年6月30日（火）" in request_text


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("number_format: 市第{n}号", "number_format: 市第号", "number_format: must contain {n}"),
        ("number_format: 市第{n}号", "number_format: 市第{n}号{x}", "unknown placeholder {x}"),
        ('  default: "{prefecture}{department}長"', '  default: "{bureau}長"', "senders.default: unknown placeholder"),
        ("  survey_request:", "  survey_letter:", "'survey_letter' is not 'default' or a document kind"),
        ("section: 市町村課", "section:", "section: is required"),
        ("attendance_reply_business_days: 5", "attendance_reply_business_days: -1", "non-negative integer"),
    ],
)
def test_bad_office_files_name_file_line_and_field(office_file: Path, old: str, new: str, message: str) -> None:
    _edit(office_file, old, new)
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        load_office(office_file)
    assert str(office_file) in str(caught.value)
    assert "line " in str(caught.value)


def test_bad_texts_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "documents.yaml"
    text = (data_dir("reference") / "documents.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("themes: new_candidates", "themes: newest"), encoding="utf-8")
    with pytest.raises(InputError, match=r"meetings\.council-1\.items\[1\]\.themes: 'newest' is not one of"):
        load_texts(path)


def test_addressees_group_several_members_and_name_single_posts() -> None:
    office = load_office()
    members = [
        Member(OrganizationKind.municipality, "山形市", "企画担当課長", "山形市企画担当課長", 1),
        Member(OrganizationKind.municipality, "米沢市", "企画担当課長", "米沢市企画担当課長", 2),
        Member(OrganizationKind.department, "総務部", "主幹課長", "総務部主幹課長", 4),
        Member(OrganizationKind.department, "県土整備部", "主幹課長", "県土整備部主幹課長", 5),
        Member(OrganizationKind.department, "企画部", "次長", "企画部次長", 6),
        Member(OrganizationKind.regional_office, "庄内総合支庁", "連携支援室長", "庄内総合支庁連携支援室長", 7),
        Member(OrganizationKind.secretariat, "市町村課", "市町村課長", "市町村課長", 8),
    ]
    assert addressees(members, office) == (
        "各市町村企画担当課長　様",
        "企画部次長　様",
        "各部局主幹課長　様",
        "庄内総合支庁連携支援室長　様",
    )
    mayors = [
        Member(OrganizationKind.municipality, n, "市町村長", f"{n}長", i) for i, n in enumerate(("山形市", "米沢市"))
    ]
    assert addressees(mayors, office) == ("各市町村長　様",)
    assert addressees([], office) == ("関係各位",)


def test_text_helpers() -> None:
    assert one_line(" 会議\r\n\tBcc: x\u2028y　z ") == "会議 Bcc: x y　z"  # the full-width space stays
    assert markdown_escape("<b>[a](b) #1 | *x* a_b c*") == "\\<b\\>\\[a\\](b) \\#1 \\| \\*x* a\\_b c*"
    assert circled(1) == "①"
    assert circled(20) == "⑳"
    assert circled(21) == "(21)"
    start = datetime(2026, 7, 8, 14, 0, tzinfo=TOKYO)
    assert meeting_time_span(start, start.replace(hour=16)) == "令和8年7月8日（水）14時00分～16時00分"
    assert (
        meeting_time_span(start, start.replace(day=9, hour=12))
        == "令和8年7月8日（水）14時00分～令和8年7月9日（木）12時00分"
    )
