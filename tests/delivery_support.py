"""Test helpers for delivery: a real SMTP server on loopback whose replies the test scripts, a small roster, and
documents with rendered files on disk. Imported by tests/test_delivery*.py."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlmodel import Session

from council.clock import TOKYO
from council.delivery.recipients import LEAD_SECTION_CHIEF, PLANNING_CHIEF, SECTION_CHIEF
from models import (
    Body,
    Contact,
    Council,
    Cycle,
    Document,
    DocumentKind,
    DocumentStatus,
    Meeting,
    MeetingKind,
    Membership,
    Organization,
    OrganizationKind,
)

NOW = dt.datetime(2026, 6, 1, 9, 30, tzinfo=TOKYO)
TITLE = "令和8年度第1回県・市町村連携推進会議の開催について（通知）"
BODY_MD = "# 開催通知\n\n各市町村企画担当課長 様\n\n令和8年7月8日（水）14時00分から開催します。\n"
FILES = {
    "開催通知_第1回会議.docx": b"PK\x03\x04 fake docx bytes",
    "開催通知_第1回会議.pdf": b"%PDF-1.7 fake pdf bytes",
    "開催通知_第1回会議.html": '<!doctype html><html lang="ja"><p>開催通知</p></html>'.encode(),
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    def parsed(self) -> EmailMessage:
        message = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class ScriptedHandler:
    """Accepts everything, except what `rcpt_replies` scripts: address → replies for its next RCPT commands
    (e.g. ['451 4.3.0 try later'] then accepted; ['550 5.1.1 no such user'] for every attempt via `always`)."""

    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)
    always: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    rcpt_attempts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        with self.lock:
            self.rcpt_attempts[address] = self.rcpt_attempts.get(address, 0) + 1
            if address in self.always:
                return self.always[address]
            scripted = self.rcpt_replies.get(address)
            if scripted:
                return scripted.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [item for item in self.received if address in item.rcpt_tos]


@dataclass
class SmtpServer:
    handler: ScriptedHandler
    host: str
    port: int


@contextmanager
def running_smtp(handler: ScriptedHandler | None = None, **controller_options: Any) -> Iterator[SmtpServer]:
    handler = handler or ScriptedHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **controller_options)
    controller.start()
    try:
        yield SmtpServer(handler, "127.0.0.1", port)
    finally:
        controller.stop()


def password_authenticator(login: str, password: str) -> Any:
    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == login.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False)

    return authenticate


# ------------------------------------------------------------------------------------------------ roster + docs


@dataclass
class Roster:
    council: Council
    cycle: Cycle
    municipalities: list[Organization]
    department: Organization
    secretariat: Organization
    planning_chiefs: list[Contact]
    lead_chief: Contact
    section_chief: Contact


def seed_roster(session: Session, *, fiscal_year: int = 2026) -> Roster:
    """Three municipalities (企画担当課長 each), one department (主幹課長), the secretariat (市町村課長); all on the
    council; the 幹事会 is the department and the secretariat. Addresses under example.jp."""
    council = Council(code="yamagata", name="県・市町村連携推進会議", prefecture="山形県")
    session.add(council)
    session.flush()
    assert council.id is not None
    municipalities = [
        Organization(code=code, kind=OrganizationKind.municipality, name=name, sort_order=index)
        for index, (code, name) in enumerate((("062014", "山形市"), ("062022", "米沢市"), ("062031", "鶴岡市")), 1)
    ]
    department = Organization(code="dept-somu", kind=OrganizationKind.department, name="総務部", sort_order=40)
    secretariat = Organization(code="secretariat", kind=OrganizationKind.secretariat, name="市町村課", sort_order=50)
    session.add_all([*municipalities, department, secretariat])
    session.flush()
    chiefs = [
        Contact(
            organization_id=org.id or 0,
            role=PLANNING_CHIEF,
            title=f"{org.name}企画担当課長",
            email=f"kikaku@{org.code}.example.jp",
        )
        for org in municipalities
    ]
    lead = Contact(
        organization_id=department.id or 0,
        role=LEAD_SECTION_CHIEF,
        title="総務部主幹課長",
        email="shukan.somu@pref.example.jp",
    )
    head = Contact(
        organization_id=secretariat.id or 0,
        role=SECTION_CHIEF,
        title="市町村課長",
        email="kacho.shichoson@pref.example.jp",
    )
    session.add_all([*chiefs, lead, head])
    session.flush()
    for contact in [*chiefs, lead, head]:
        session.add(Membership(council_id=council.id, body=Body.council, contact_id=contact.id or 0))
    for contact in (lead, head):
        session.add(Membership(council_id=council.id, body=Body.secretariat_meeting, contact_id=contact.id or 0))
    cycle = Cycle(council_id=council.id, fiscal_year=fiscal_year, rules_digest="0" * 64, planned_at=NOW)
    session.add(cycle)
    session.commit()
    return Roster(council, cycle, municipalities, department, secretariat, chiefs, lead, head)


def make_document(
    session: Session,
    home: Path,
    cycle: Cycle,
    *,
    title: str = TITLE,
    kind: DocumentKind = DocumentKind.notice,
    subject: str = "council-1",
    version: int = 1,
    status: DocumentStatus = DocumentStatus.issued,
    files: dict[str, bytes] | None = None,
    body: str = BODY_MD,
) -> Document:
    """A Document row and its rendered files (a .md body and attachments) under `home`; issued on NOW's day unless
    `status` is draft (a draft has no issue date)."""
    directory = Path("documents") / str(cycle.fiscal_year) / f"{kind.value}-{subject}" / f"v{version}"
    folder = home / directory
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "開催通知_第1回会議.md").write_text(body, encoding="utf-8")
    for name, content in (FILES if files is None else files).items():
        (folder / name).write_bytes(content)
    assert cycle.id is not None
    document = Document(
        cycle_id=cycle.id,
        kind=kind,
        subject=subject,
        version=version,
        status=status,
        title=title,
        content_hash=f"{version:02d}" + "ab" * 31,
        directory=directory.as_posix(),
        issued_on=None if status is DocumentStatus.draft else NOW.date(),
        issued_at=None if status is DocumentStatus.draft else NOW,
        issued_by=None if status is DocumentStatus.draft else "tester",
        created_at=NOW,
    )
    session.add(document)
    session.commit()
    return document


def add_meeting(session: Session, cycle: Cycle, *, key: str, kind: MeetingKind) -> Meeting:
    assert cycle.id is not None
    meeting = Meeting(
        cycle_id=cycle.id,
        key=key,
        kind=kind,
        title="幹事会",
        starts_at=dt.datetime(2026, 7, 1, 10, tzinfo=TOKYO),
        ends_at=dt.datetime(2026, 7, 1, 12, tzinfo=TOKYO),
        updated_at=NOW,
    )
    session.add(meeting)
    session.commit()
    return meeting


# ------------------------------------------------------------------------------------------------ certificates


@dataclass(frozen=True)
class CertificateFiles:
    ca_file: Path
    cert_file: Path
    key_file: Path


def make_certificates(folder: Path) -> CertificateFiles:
    """A throwaway CA and a server certificate for 127.0.0.1/localhost signed by it (EC keys: milliseconds)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "council-cycle test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = CertificateFiles(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    paths.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths
