from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from council.codes import check_digit, municipality_code_problem
from council.errors import InputError
from council.reference import load_reference, read_reference
from council.resources import data_dir
from models import AuditEvent, Body, Contact, Membership, Organization, OrganizationKind

NOW = datetime(2026, 4, 1, tzinfo=UTC)
SHARED_CSV = Path(__file__).resolve().parents[2] / "shared" / "reference" / "yamagata-municipalities.csv"


@pytest.fixture
def reference_copy(tmp_path: Path) -> Path:
    target = tmp_path / "reference"
    shutil.copytree(data_dir("reference"), target)
    return target


def test_check_digits_of_every_municipality() -> None:
    data = read_reference(data_dir("reference"))
    municipalities = [o for o in data.organizations if o.kind == OrganizationKind.municipality]
    assert len(municipalities) == 35
    assert all(municipality_code_problem(o.code) is None for o in municipalities)
    assert check_digit("06201") == 4
    assert municipality_code_problem("062015") == "'062015' has a bad check digit (expected 062014)"


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="shared reference not beside the checkout")
def test_municipalities_file_is_the_verified_list() -> None:
    assert (data_dir("reference") / "municipalities.csv").read_bytes() == SHARED_CSV.read_bytes()


def test_roster_matches_the_source() -> None:
    data = read_reference(data_dir("reference"))
    council = {(m.organization_code, m.role) for m in data.memberships if m.body == Body.council}
    assert ("062014", "企画担当課長") in council
    assert ("dept-kikaku", "企画振興部次長") in council
    assert ("dept-kendo", "主幹課長") in council
    assert {code for code, role in council if role == "連携支援室長"} == {
        "ro-murayama",
        "ro-mogami",
        "ro-okitama",
        "ro-shonai",
    }
    abbreviations = {o.short_name for o in data.organizations if o.kind == OrganizationKind.department}
    assert {
        "企画",
        "県土",
        "農林",
        "健福",
        "企業",
        "商工",
        "子育て",
        "観文",
        "危機",
        "総務",
        "病院",
        "環エネ",
    } <= abbreviations


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_loading_is_idempotent_and_reports(engine: Engine) -> None:
    with Session(engine) as session:
        first = load_reference(session, data_dir("reference"), now=NOW, actor="t")
        session.commit()
        second = load_reference(session, data_dir("reference"), now=NOW, actor="t")
        session.commit()
        assert first.added["organization"] == 52
        assert first.added["contact"] == 89
        assert first.added["membership"] == 131
        assert sum(second.added.values()) == sum(second.changed.values()) == sum(second.removed.values()) == 0
        assert second.unchanged["organization"] == 52
        assert _count(session, Organization) == 52
        secretariat = session.exec(select(Organization).where(Organization.code == "secretariat")).one()
        kikaku = session.exec(select(Organization).where(Organization.code == "dept-kikaku")).one()
        assert secretariat.parent_id == kikaku.id
        mayor = session.exec(
            select(Contact).join(Organization).where(Organization.code == "063657", Contact.role == "市町村長")
        ).one()
        assert mayor.title == "大蔵村長"


def test_changes_are_reported_and_audited(engine: Engine, reference_copy: Path) -> None:
    with Session(engine) as session:
        load_reference(session, reference_copy, now=NOW, actor="t")
        session.commit()
    organizations = reference_copy / "organizations.csv"
    organizations.write_text(
        organizations.read_text(encoding="utf-8").replace("総務部,総務", "総務部局,総務"), encoding="utf-8"
    )
    roster = reference_copy / "roster.yaml"
    text = roster.read_text(encoding="utf-8")
    secretariat_line = "    - {organization: secretariat, role: 市町村課長, capacity: 事務局}\n  mayors_meeting"
    regional_offices = "    - {kind: regional_office, role: 連携支援室長}\n"
    roster.write_text(text.replace(regional_offices + secretariat_line, secretariat_line), encoding="utf-8")
    with Session(engine) as session:
        report = load_reference(session, reference_copy, now=NOW, actor="t")
        session.commit()
        assert report.changed["organization"] == 1
        assert report.removed["membership"] == 4
        assert any("'総務部'→'総務部局'" in line for line in report.details)
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "organization.changed", AuditEvent.entity_key == "dept-somu")
        ).one()
        assert event.before == {**event.before, "name": "総務部"}
        assert event.after is not None
        assert event.after["name"] == "総務部局"
        assert _count(session, Membership) == 127


@pytest.mark.parametrize(
    ("file", "find", "replace", "message"),
    [
        (
            "municipalities.csv",
            "062014,山形市",
            "062015,山形市",
            "municipalities.csv: row 2, field code: '062015' has a bad check digit (expected 062014)",
        ),
        (
            "municipalities.csv",
            "062022,米沢市,ヨネザワシ,市",
            "062022,米沢市,ヨネザワシ,区",
            "municipalities.csv: row 3, field kind: '区' is not one of 市/町/村",
        ),
        ("municipalities.csv", "062031,鶴岡市", "062031,", "municipalities.csv: row 4, field name: is empty"),
        (
            "organizations.csv",
            "dept-somu,department,総務部",
            "dept-somu,department,=?us-ascii?q?a=0D=0ABcc:_x@y.example?=",
            "organizations.csv: row 4, field name: contains '=?', the start of a MIME encoded-word: "
            "write the text itself, not its mail encoding",
        ),
        (
            "municipalities.csv",
            "062014,山形市",
            '062014,"山形市\nBcc: x@y.example"',
            "municipalities.csv: row 2, field name: contains a control character (line break, tab, bidi override …)",
        ),
        (
            "roster.yaml",
            '{role: 企画担当課長, title: "{name}企画担当課長"}',
            '{role: 企画担当課長, title: "{name}=?us-ascii?q?a=0D=0AReply-To:_attacker@evil.example?="}',
            "roster.yaml: line 16: contact_roles.municipality[0].title: contains '=?', the start of a MIME "
            "encoded-word: write the text itself, not its mail encoding",
        ),
        (
            "organizations.csv",
            "dept-somu,department",
            "dept-somu,bureau",
            "organizations.csv: row 4, field kind: 'bureau' is not one of department/regional_office/secretariat",
        ),
        (
            "organizations.csv",
            "dept-kanene,",
            "dept-somu,",
            "organizations.csv: row 6, field code: duplicate organisation code 'dept-somu'",
        ),
        (
            "roster.yaml",
            "{organization: dept-kikaku, role: 企画振興部次長}\n    - {kind: department",
            "{organization: dept-nothing, role: 企画振興部次長}\n    - {kind: department",
            "roster.yaml: line 35: bodies.council[1].organization: 'dept-nothing' is not an organisation code",
        ),
        (
            "roster.yaml",
            "  roundtable:",
            "  banquet:",
            "roster.yaml: line 46: bodies.banquet: 'banquet' is not one of "
            "council, secretariat_meeting, mayors_meeting, roundtable",
        ),
        (
            "roster.yaml",
            "council:\n  code: yamagata",
            "council:\n  code: [yamagata",
            "roster.yaml: line 10: YAML syntax error: expected ',' or ']', but got ':'",
        ),
    ],
)
def test_bad_reference_files_name_file_row_and_field_and_change_nothing(
    engine: Engine, reference_copy: Path, file: str, find: str, replace: str, message: str
) -> None:
    path = reference_copy / file
    text = path.read_text(encoding="utf-8")
    assert find in text
    path.write_text(text.replace(find, replace, 1), encoding="utf-8")
    with Session(engine) as session, pytest.raises(InputError) as raised:
        load_reference(session, reference_copy, now=NOW, actor="t")
    assert str(raised.value).replace(f"{reference_copy}/", "") == message
    with Session(engine) as session:
        assert _count(session, Organization) == 0
