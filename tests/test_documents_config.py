"""Office configuration and document texts: the renamed department lives only in data; bad files are InputErrors."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from documents_seed import TOKYO, seed_year
from sqlalchemy.engine import Engine
from sqlmodel import Session

from council.context import Context
from council.documents.builders import addressees
from council.documents.facts import Member, Members
from council.documents.files import version_files
from council.documents.office import OfficeConfig, load_office
from council.documents.text import circled, markdown_escape, meeting_time_span, one_line
from council.documents.texts import TEXTS_FILE, load_texts
from council.errors import InputError
from council.meetings.actions import prepare_meeting
from council.resources import data_dir
from council.survey.actions import kickoff_survey
from models import Document, OrganizationKind
from models.db import session_scope

PROJECT = Path(__file__).resolve().parents[1]
REFERENCE = data_dir("reference")


def office() -> OfficeConfig:
    return load_office(REFERENCE / "office.yaml")


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
    letterhead = office()
    code_templates_and_wording = [
        *PROJECT.joinpath("council/documents").glob("*.py"),
        *PROJECT.joinpath("templates").rglob("*"),
        REFERENCE / TEXTS_FILE,
    ]
    for path in code_templates_and_wording:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for name in (letterhead.department, "企画振興部", letterhead.section):
                assert name not in text, f"{path.relative_to(PROJECT)} spells {name}"


def test_the_letters_wording_lives_in_reference_data_not_in_code() -> None:
    """Every sentence of a letter is in reference/documents.yaml `letters:` (the builders fill its placeholders)."""
    sentences = ("お願いします", "御提出", "再依頼", "御容赦", "当日配布", "送付します", "開催します", "訂正します")
    wording = (REFERENCE / TEXTS_FILE).read_text(encoding="utf-8")
    for sentence in sentences:
        assert sentence in wording, sentence
    for path in PROJECT.joinpath("council").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for sentence in sentences:
            assert sentence not in text, f"{path.relative_to(PROJECT)} spells {sentence!r}"


def test_office_file_from_the_settings_renames_sender_and_contact(
    engine: Engine, office_file: Path, make_context: Callable[..., Context]
) -> None:
    _edit(office_file, "department: みらい企画創造部", "department: 総合政策部")
    _edit(office_file, "number_format: 市第{n}号", "number_format: 総政第{n}号")
    with session_scope(engine) as session:
        seed_year(session)
    letterhead = {"COUNCIL_OFFICE_FILE": str(office_file)}
    kickoff = kickoff_survey(make_context(date(2026, 5, 29), **letterhead), 2026)
    prepared = prepare_meeting(
        make_context(date(2026, 6, 24), **letterhead), 2026, "council-1", kinds=("notice",), approval=False
    )
    home = make_context().settings.home
    with Session(engine) as session:
        request, notice = (session.get(Document, i) for i in (kickoff.requests[0].document_id, *prepared.document_ids))
        assert request is not None
        assert notice is not None
        request_text = version_files(home, request.directory)["md"].read_text(encoding="utf-8")
        text = version_files(home, notice.directory)["md"].read_text(encoding="utf-8")
    assert "山形県総合政策部長" in text
    assert "担当：総合政策部市町村課" in text
    assert text.startswith("総政第2号\n\n令和8年6月24日\n")
    assert "みらい企画創造部" not in text
    assert "山形県総合政策部長　（公印省略）" in request_text  # the survey family's sender follows the department
    assert request_text.startswith("総政第1号\n\n令和8年5月29日\n")
    assert "令和8年6月23日（火）" in request_text  # the survey's deadline


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("number_format: 市第{n}号", "number_format: 市第号", "number_format: must contain {n}"),
        ("number_format: 市第{n}号", "number_format: 市第{n}号{x}", "unknown placeholder {x}"),
        ('  default: "{prefecture}{department}長"', '  default: "{bureau}長"', "senders.default: unknown placeholder"),
        ('  survey: "', '  survey_letter: "', "'survey_letter' is not 'default' or a letter family"),
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


def test_a_letter_phrase_with_an_unknown_placeholder_is_refused_when_loaded(tmp_path: Path) -> None:
    path = tmp_path / "documents.yaml"
    text = (REFERENCE / TEXTS_FILE).read_text(encoding="utf-8")
    assert "提出期限を{new_deadline}とさせて" in text
    path.write_text(
        text.replace("提出期限を{new_deadline}とさせて", "提出期限を{new_dedline}とさせて"), encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"letters\.reminder_after_deadline\.body") as caught:
        load_texts(path)
    assert str(path) in str(caught.value)
    assert "new_dedline" in str(caught.value)
    assert "line " in str(caught.value)


def _members(addressed: list[Member], everyone: list[Member] | None = None) -> Members:
    sizes: dict[tuple[OrganizationKind, str], int] = {}
    for member in everyone if everyone is not None else addressed:
        sizes[(member.kind, member.role)] = sizes.get((member.kind, member.role), 0) + 1
    return Members(addressed=tuple(addressed), group_sizes=sizes)


COUNCIL = [
    Member(OrganizationKind.municipality, "山形市", "企画担当課長", "山形市企画担当課長", 1),
    Member(OrganizationKind.municipality, "米沢市", "企画担当課長", "米沢市企画担当課長", 2),
    Member(OrganizationKind.municipality, "鶴岡市", "企画担当課長", "鶴岡市企画担当課長", 3),
    Member(OrganizationKind.department, "総務部", "主幹課長", "総務部主幹課長", 4),
    Member(OrganizationKind.department, "県土整備部", "主幹課長", "県土整備部主幹課長", 5),
    Member(OrganizationKind.department, "企画部", "次長", "企画部次長", 6),
    Member(OrganizationKind.regional_office, "庄内総合支庁", "連携支援室長", "庄内総合支庁連携支援室長", 7),
    Member(OrganizationKind.secretariat, "市町村課", "市町村課長", "市町村課長", 8),
]


def test_addressees_group_several_members_and_name_single_posts() -> None:
    assert addressees(_members(COUNCIL), office()) == (
        "各市町村企画担当課長　様",
        "企画部次長　様",
        "各部局主幹課長　様",
        "庄内総合支庁連携支援室長　様",
    )
    mayors = [
        Member(OrganizationKind.municipality, n, "市町村長", f"{n}長", i) for i, n in enumerate(("山形市", "米沢市"))
    ]
    assert addressees(_members(mayors), office()) == ("各市町村長　様",)
    assert addressees(_members([]), office()) == ("関係各位",)


def test_a_letter_to_some_of_a_group_is_addressed_to_those_concerned() -> None:
    """A 督促 to those who have not answered: 関係… for several of a group, the title for one, 各… for all of one."""
    some = [COUNCIL[1], COUNCIL[2], COUNCIL[4], COUNCIL[6]]
    assert addressees(_members(some, COUNCIL), office()) == (
        "関係市町村企画担当課長　様",
        "県土整備部主幹課長　様",
        "庄内総合支庁連携支援室長　様",
    )
    assert addressees(_members([COUNCIL[1]], COUNCIL), office()) == ("米沢市企画担当課長　様",)
    assert addressees(_members(COUNCIL[3:5], COUNCIL), office()) == ("各部局主幹課長　様",)
    mayors = [Member(OrganizationKind.municipality, n, "市町村長", f"{n}長", i) for i, n in enumerate("ABC")]
    assert addressees(_members(mayors[:2], mayors), office()) == ("関係市町村長　様",)


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
