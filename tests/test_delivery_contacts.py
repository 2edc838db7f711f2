"""Contacts: importing addresses from CSV (all or nothing, located errors), the DEMO file, and recipient groups
resolved from the real reference roster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from delivery_support import NOW, seed_roster
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from council.delivery.contacts import (
    demo_contacts_file,
    email_problem,
    import_contacts,
    normalize_email,
    read_contacts_csv,
)
from council.delivery.recipients import (
    STANDARD_ROLES,
    RecipientGroup,
    parse_group,
    resolve_group,
    resolve_groups,
    resolve_organizations,
    roster_contacts,
)
from council.errors import InputError, NotFoundError
from council.reference import load_reference
from council.resources import data_dir
from models import AuditEvent, Contact, Organization, OrganizationKind

HEADER = "org_code,role,title,person_name,email,phone\n"
ROLES = frozenset(STANDARD_ROLES)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(text, encoding=encoding)
    return path


def contact(session: Session, code: str, role: str) -> Contact:
    return session.exec(
        select(Contact)
        .join(Organization, col(Organization.id) == col(Contact.organization_id))
        .where(Organization.code == code, Contact.role == role)
    ).one()


def contacts_snapshot(session: Session) -> list[tuple[int | None, str | None, str | None]]:
    return [(c.id, c.email, c.person_name) for c in session.exec(select(Contact).order_by(col(Contact.id))).all()]


def test_demo_contacts_and_groups_on_the_reference_roster(session: Session) -> None:
    load_reference(session, data_dir("reference"), now=NOW, actor="tester")
    report = import_contacts(session, demo_contacts_file(), now=NOW, actor="tester")
    session.commit()
    assert demo_contacts_file().read_text(encoding="utf-8").startswith("# DEMO DATA")
    # The roster already has every contact: the demo file only gives each an example.jp address.
    everyone = roster_contacts(session)
    assert (report.added, report.without_email) == ([], [])
    assert len(everyone) == len(report.changed) == 35 * 2 + 12 + 1 + 4 + 2
    assert everyone.without_email == ()
    assert all(r.email and r.email.endswith(".example.jp") for r in everyone.recipients)
    again = import_contacts(session, demo_contacts_file(), now=NOW, actor="tester")
    assert (again.added, again.changed, again.unchanged) == ([], [], len(everyone))

    municipalities = resolve_group(session, RecipientGroup.municipalities)
    assert len(municipalities) == 35
    assert municipalities.recipients[0].email == "kikaku@062014.example.jp"
    assert municipalities.recipients[0].display_name == "山形市企画担当課長"
    assert len(resolve_group(session, RecipientGroup.mayors)) == 35
    assert len(resolve_group(session, RecipientGroup.departments)) == 12
    assert len(resolve_group(session, RecipientGroup.regional_offices)) == 4
    assert len(resolve_group(session, RecipientGroup.survey_respondents)) == 35 + 12 + 4
    assert len(resolve_group(session, RecipientGroup.secretariat)) == 2
    # 企画担当課長 ×35, 企画振興部次長, 主幹課長 ×12, 連携支援室長 ×4, 市町村課長 (事務局)
    assert len(resolve_group(session, RecipientGroup.council)) == 35 + 1 + 12 + 4 + 1
    assert {r.role for r in resolve_group(session, RecipientGroup.secretariat_meeting).recipients} == {
        "企画振興部次長",
        "連携支援室長",
        "市町村課長",
    }
    both = resolve_groups(session, [RecipientGroup.secretariat_meeting, RecipientGroup.secretariat])
    assert len(both) == len({r.contact_id for r in both.recipients}) == 6 + 1  # 市町村課長 once
    assert {r.organization_kind for r in everyone.recipients} == set(OrganizationKind)

    asked = session.exec(select(Organization).where(col(Organization.code).in_(["062014", "dept-somu", "ro-shonai"])))
    chosen = resolve_organizations(session, [org.id or 0 for org in asked])
    assert sorted((r.organization_code, r.role) for r in chosen.recipients) == [
        ("062014", "企画担当課長"),
        ("dept-somu", "主幹課長"),
        ("ro-shonai", "連携支援室長"),
    ]
    with pytest.raises(NotFoundError, match="no organisation with id 999999"):
        resolve_organizations(session, [999999])


def test_an_empty_group_is_an_error_not_silence(session: Session) -> None:
    with pytest.raises(NotFoundError, match="load the roster"):
        resolve_group(session, RecipientGroup.municipalities)
    with pytest.raises(InputError, match="not a recipient group"):
        parse_group("everyone")


def test_import_adds_updates_audits_and_keeps_empty_cells(session: Session, tmp_path: Path) -> None:
    seed_roster(session)
    path = write(
        tmp_path,
        "# our contacts\n"
        + HEADER
        + "062014,企画担当課長,,山形 太郎,ｋｉｋａｋｕ＠City.Example.JP,０２３－６４１－１２１２\n"
        + "secretariat,事務局担当,市町村課 行政支援担当,,shichoson@pref.example.jp,\n",
    )
    report = import_contacts(session, path, now=NOW, actor="tester")
    session.commit()
    assert report.changed == ["062014/企画担当課長"]
    assert report.added == ["secretariat/事務局担当"]
    chief = contact(session, "062014", "企画担当課長")
    assert (chief.email, chief.person_name, chief.phone) == ("kikaku@city.example.jp", "山形 太郎", "023-641-1212")
    assert chief.title == "山形市企画担当課長"  # empty cell: the roster's title is kept
    assert contact(session, "secretariat", "事務局担当").title == "市町村課 行政支援担当"
    keys = {event.entity_key for event in session.exec(select(AuditEvent)).all() if event.actor == "tester"}
    assert keys == {"062014/企画担当課長", "secretariat/事務局担当"}

    excel = write(tmp_path, HEADER + "062022,企画担当課長,,米沢 花子,kikaku@yonezawa.example.jp,\r\n", "cp932")
    import_contacts(session, excel, now=NOW, actor="tester")
    assert contact(session, "062022", "企画担当課長").person_name == "米沢 花子"


def test_an_unknown_organisation_late_in_the_file_changes_nothing(session: Session, tmp_path: Path) -> None:
    seed_roster(session)
    before = contacts_snapshot(session)
    path = write(
        tmp_path,
        HEADER + "062014,企画担当課長,,山形 太郎,new@062014.example.jp,\n" + "999999,企画担当課長,,,a@example.jp,\n",
    )
    with pytest.raises(InputError, match="not an organisation on the roster") as caught:
        import_contacts(session, path, now=NOW, actor="tester")
    assert (caught.value.file, caught.value.row, caught.value.field) == (str(path), 3, "org_code")
    session.rollback()
    assert contacts_snapshot(session) == before


@pytest.mark.parametrize(
    ("rows", "row", "field", "message"),
    [
        ("062014,課長補佐,,,a@example.jp,\n", 3, "role", "not a known role"),
        ("062014,企画担当課長,,,not-an-address,\n", 3, "email", "exactly one @"),
        ("062014,企画担当課長,,,a@localhost,\n", 3, "email", "invalid domain"),
        ("062014,企画担当課長,,,山田@example.jp,\n", 3, "email", "non-ASCII"),
        ("062014,企画担当課長,,,a@example.jp,call me\n", 3, "phone", "not a phone number"),
        (",企画担当課長,,,a@example.jp,\n", 3, "org_code", "is empty"),
        ("062014,,,,a@example.jp,\n", 3, "role", "is empty"),
        ("062014,企画担当課長,,,a@example.jp,\n062014,企画担当課長,,,b@example.jp,\n", 4, "role", "appears twice"),
        # Encoded-words pass a control-character check but decode into line breaks in a mail header.
        ("062014,企画担当課長,=?us-ascii?q?a=0D=0ABcc:_x@y.example?=,,a@example.jp,\n", 3, "title", "encoded-word"),
        (
            "062014,企画担当課長,課長,=?us-ascii?q?a=0D=0AReply-To:_attacker@evil.example=0D=0A=0D=0AInjected_body?=,"
            "a@example.jp,\n",
            3,
            "person_name",
            "encoded-word",
        ),
        ("062014,企画担当課長,x=?utf-8?b?QmNj?=y,,a@example.jp,\n", 3, "title", "encoded-word"),
        ("062014,企画担当課長,,,=?us-ascii?q?a=0D=0ABcc=3A_x=40y.example?=@example.jp,\n", 3, "email", "encoded-word"),
        ("062014,企画担当課長,山形市\u2028企画担当課長,,a@example.jp,\n", 3, "title", "control character"),
        ("062014,企画担当課長,山形市\u202e長課当担画企,,a@example.jp,\n", 3, "title", "control character"),
        # A quoted cell may hold a line break: the row is reported by the line it ends on.
        ('062014,企画担当課長,"山形市\r\nBcc: x@y.example",,a@example.jp,\n', 4, "title", "control character"),
    ],
)
def test_a_bad_row_is_located(tmp_path: Path, rows: str, row: int, field: str, message: str) -> None:
    path = write(tmp_path, HEADER + "062022,企画担当課長,,,kikaku@062022.example.jp,\n" + rows)
    with pytest.raises(InputError, match=message) as caught:
        read_contacts_csv(path, roles=ROLES)
    assert (caught.value.file, caught.value.row, caught.value.field) == (str(path), row, field)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("org_code,role,e-mail\n", "unknown column 'e-mail'"),
        ("org_code,email\n", "missing column"),
        ("# only a comment\n", "no header"),
        (HEADER + "062014,企画担当課長,,,a@example.jp,,extra\n", "7 cells but 6 columns"),
    ],
)
def test_bad_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_contacts_csv(write(tmp_path, text), roles=ROLES)
    with pytest.raises(InputError, match="file not found"):
        read_contacts_csv(tmp_path / "missing.csv", roles=ROLES)


def test_email_rules() -> None:
    assert email_problem("kikaku@062014.example.jp") is None
    assert email_problem("a.b+c@xn--eckwd4c7c.jp") is None
    assert email_problem("a..b@example.jp") is not None
    assert email_problem("a@-example.jp") is not None
    assert email_problem("a@example.123") is not None
    assert normalize_email(" Kikaku＠Example.JP ") == "Kikaku@example.jp"
