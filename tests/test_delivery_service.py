"""deliver_document against a real database (SQLite and PostgreSQL) and a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from delivery_support import (
    NOW,
    TITLE,
    Roster,
    ScriptedHandler,
    SmtpServer,
    add_meeting,
    free_port,
    make_document,
    running_smtp,
    seed_roster,
)
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from council.delivery.channels import OutboxChannel, SmtpChannel, SmtpSecurity, SmtpSettings, Transport
from council.delivery.message import MailSettings
from council.delivery.recipients import RecipientGroup, UndeliverablePolicy, resolve_contacts, resolve_group
from council.delivery.service import (
    MISSING_EMAIL,
    DeliveryReport,
    Outcome,
    deliver_document,
    delivery_status,
    exponential_backoff,
)
from council.errors import InputError, NotFoundError
from models import Channel, Contact, Delivery, DeliveryStatus, DocumentStatus, MeetingKind

CHIEFS = ["kikaku@062014.example.jp", "kikaku@062022.example.jp", "kikaku@062031.example.jp"]
COUNCIL = [*CHIEFS, "shukan.somu@pref.example.jp", "kacho.shichoson@pref.example.jp"]


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def roster(session: Session) -> Roster:
    return seed_roster(session)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with running_smtp() as server:
        yield server


class Sleeps:
    """Stands in for time.sleep: records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def smtp_channel(server: SmtpServer) -> SmtpChannel:
    return SmtpChannel(SmtpSettings(host=server.host, port=server.port, security=SmtpSecurity.none, timeout=5))


def send(session: Session, document_id: int | None, channel: Transport, home: Path, **options: Any) -> DeliveryReport:
    """One run, as the CLI does it: fixed `now`, the default sender, no real waiting, the channel closed
    afterwards."""
    assert document_id is not None
    options.setdefault("sleep", Sleeps())
    options.setdefault("mail", MailSettings())
    try:
        return deliver_document(session, document_id, channel=channel, now=NOW, home=home, **options)
    finally:
        channel.close()


def rows(session: Session, document_id: int | None) -> dict[str, Delivery]:
    result = session.exec(
        select(Delivery, Contact)
        .join(Contact, col(Contact.id) == col(Delivery.contact_id))
        .where(Delivery.document_id == document_id)
    ).all()
    return {contact.email or contact.role: delivery for delivery, contact in result}


def test_every_recipient_receives_the_document_exactly_once(
    session: Session, roster: Roster, smtp: SmtpServer, council_home: Path
) -> None:
    document = make_document(session, council_home, roster.cycle)
    report = send(session, document.id, smtp_channel(smtp), council_home)

    assert report.complete
    assert report.count(Outcome.sent) == 5
    assert report.recipients_label == "県・市町村連携推進会議 構成員"
    assert sorted(address for item in smtp.handler.received for address in item.rcpt_tos) == sorted(COUNCIL)
    stored = rows(session, document.id)
    assert {row.status for row in stored.values()} == {DeliveryStatus.sent}
    assert {row.attempts for row in stored.values()} == {1}
    assert all(row.sent_at == NOW for row in stored.values())
    message_ids = {item.parsed()["Message-ID"] for item in smtp.handler.received}
    assert message_ids == {row.message_id for row in stored.values()}
    assert len(message_ids) == 5

    again = send(session, document.id, smtp_channel(smtp), council_home)
    assert again.count(Outcome.already_sent) == 5
    assert again.count(Outcome.sent) == 0
    assert len(smtp.handler.received) == 5  # a second run sends nothing
    assert len(session.exec(select(Delivery)).all()) == 5


def test_japanese_subject_and_attachment_names_arrive_intact(
    session: Session, roster: Roster, smtp: SmtpServer, council_home: Path
) -> None:
    document = make_document(session, council_home, roster.cycle)
    send(
        session,
        document.id,
        smtp_channel(smtp),
        council_home,
        recipients=resolve_group(session, RecipientGroup.municipalities),
    )
    received = smtp.handler.to("kikaku@062014.example.jp")
    assert len(received) == 1
    message = received[0].parsed()
    assert message["Subject"] == TITLE
    assert message["To"].addresses[0].display_name == "山形市企画担当課長"
    body = message.get_body(("plain",))
    assert body is not None
    assert "令和8年7月8日（水）14時00分" in body.get_content()
    assert sorted(str(part.get_filename()) for part in message.iter_attachments()) == [
        "開催通知_第1回会議.docx",
        "開催通知_第1回会議.html",
        "開催通知_第1回会議.pdf",
    ]
    pdf = next(part for part in message.iter_attachments() if str(part.get_filename()).endswith(".pdf"))
    assert pdf.get_payload(decode=True) == b"%PDF-1.7 fake pdf bytes"


def test_a_transient_4xx_is_retried_with_backoff_and_delivered_once(
    session: Session, roster: Roster, council_home: Path
) -> None:
    handler = ScriptedHandler(rcpt_replies={CHIEFS[1]: ["451 4.7.1 greylisted, try again", "452 4.2.2 busy"]})
    document = make_document(session, council_home, roster.cycle)
    sleeps = Sleeps()
    with running_smtp(handler) as server:
        report = send(session, document.id, smtp_channel(server), council_home, sleep=sleeps)
    assert report.complete
    assert len(handler.to(CHIEFS[1])) == 1
    assert handler.rcpt_attempts[CHIEFS[1]] == 3
    assert sleeps.waits == [exponential_backoff(1), exponential_backoff(2)] == [2.0, 4.0]
    row = rows(session, document.id)[CHIEFS[1]]
    assert (row.status, row.attempts, row.error) == (DeliveryStatus.sent, 3, None)


def test_a_permanent_5xx_is_recorded_and_the_others_still_receive(
    session: Session, roster: Roster, council_home: Path
) -> None:
    handler = ScriptedHandler(always={CHIEFS[0]: "550 5.1.1 <kikaku@062014.example.jp>: user unknown"})
    document = make_document(session, council_home, roster.cycle)
    sleeps = Sleeps()
    with running_smtp(handler) as server:
        report = send(session, document.id, smtp_channel(server), council_home, sleep=sleeps)
        assert not report.complete
        assert report.count(Outcome.failed) == 1
        assert report.count(Outcome.sent) == 4
        assert sleeps.waits == []  # permanent: not retried
        failed = rows(session, document.id)[CHIEFS[0]]
        assert failed.status is DeliveryStatus.failed
        assert failed.attempts == 1
        assert "550 5.1.1" in (failed.error or "")
        assert handler.to(CHIEFS[0]) == []

        # A rerun leaves the failed recipient alone (and sends nothing to the others) …
        rerun = send(session, document.id, smtp_channel(server), council_home)
        assert rerun.count(Outcome.failed_before) == 1
        assert rerun.count(Outcome.already_sent) == 4
        assert len(handler.received) == 4
        # … until asked to retry, e.g. after the address was corrected.
        del handler.always[CHIEFS[0]]
        retried = send(session, document.id, smtp_channel(server), council_home, retry_failed=True)
    assert retried.complete
    assert len(handler.to(CHIEFS[0])) == 1
    assert len(handler.received) == 5
    row = rows(session, document.id)[CHIEFS[0]]
    assert (row.status, row.attempts, row.error) == (DeliveryStatus.sent, 2, None)


def test_transient_errors_that_outlast_the_attempts_stay_queued_for_the_next_run(
    session: Session, roster: Roster, council_home: Path
) -> None:
    handler = ScriptedHandler(always={CHIEFS[2]: "421 4.3.2 service shutting down"})
    document = make_document(session, council_home, roster.cycle)
    with running_smtp(handler) as server:
        report = send(session, document.id, smtp_channel(server), council_home, max_attempts=3)
        pending = rows(session, document.id)[CHIEFS[2]]
        assert (pending.status, pending.attempts) == (DeliveryStatus.queued, 3)
        assert "421" in (pending.error or "")
        assert report.count(Outcome.pending) >= 1
        assert report.stopped is not None  # 421 means the server is going away: the batch stops
        del handler.always[CHIEFS[2]]
        resumed = send(session, document.id, smtp_channel(server), council_home)
    assert resumed.complete
    assert sorted(address for item in handler.received for address in item.rcpt_tos) == sorted(COUNCIL)


def test_server_down_stops_the_batch_and_a_later_run_finishes_it(
    session: Session, roster: Roster, council_home: Path
) -> None:
    document = make_document(session, council_home, roster.cycle)
    port = free_port()
    down = SmtpChannel(SmtpSettings(host="127.0.0.1", port=port, security=SmtpSecurity.none, timeout=2))
    sleeps = Sleeps()
    report = send(session, document.id, down, council_home, max_attempts=2, sleep=sleeps)
    assert report.stopped is not None
    assert report.count(Outcome.pending) == 5
    assert sleeps.waits == [2.0]  # only the first recipient was tried; the rest were not attempted
    assert [row.attempts for row in rows(session, document.id).values()].count(0) == 4
    assert {row.status for row in rows(session, document.id).values()} == {DeliveryStatus.queued}


def test_a_contact_without_an_address_stops_the_sending_before_anything_goes_out(
    session: Session, roster: Roster, smtp: SmtpServer, council_home: Path
) -> None:
    roster.planning_chiefs[1].email = None
    session.add(roster.planning_chiefs[1])
    session.commit()
    document = make_document(session, council_home, roster.cycle)
    with pytest.raises(
        InputError, match=r"no e-mail address for 1 recipient\(s\) \(米沢市\).*COUNCIL_UNDELIVERABLE"
    ) as error:
        send(session, document.id, smtp_channel(smtp), council_home)
    assert "\n" not in str(error.value)
    assert session.exec(select(Delivery)).all() == []
    assert smtp.handler.received == []


def test_the_secretariat_may_go_on_and_record_who_has_no_address(
    session: Session, roster: Roster, smtp: SmtpServer, council_home: Path
) -> None:
    roster.planning_chiefs[1].email = None
    session.add(roster.planning_chiefs[1])
    session.commit()
    document = make_document(session, council_home, roster.cycle)
    report = send(session, document.id, smtp_channel(smtp), council_home, undeliverable=UndeliverablePolicy.record)
    missing = [item for item in report.outcomes if item.outcome is Outcome.undeliverable]
    assert [item.recipient for item in missing] == ["米沢市企画担当課長"]
    assert report.complete  # settled: the secretariat chose to go on without them
    assert report.count(Outcome.sent) == 4
    assert "宛先なし（メールアドレス未登録） 1件" in report.summary_ja()
    assert "| 米沢市企画担当課長 |  | undeliverable | 0 | no e-mail address on the roster |" in report.as_markdown()
    row = rows(session, document.id)["企画担当課長"]
    assert (row.status, row.error) == (DeliveryStatus.undeliverable, MISSING_EMAIL)
    assert len(smtp.handler.received) == 4

    again = send(session, document.id, smtp_channel(smtp), council_home, undeliverable=UndeliverablePolicy.record)
    assert (again.count(Outcome.undeliverable), again.count(Outcome.already_sent)) == (1, 4)
    assert len(smtp.handler.received) == 4

    roster.planning_chiefs[1].email = "kikaku@062022.example.jp"
    session.add(roster.planning_chiefs[1])
    session.commit()
    late = send(session, document.id, smtp_channel(smtp), council_home)  # its address loaded: it is sent now
    assert late.complete
    assert (late.count(Outcome.sent), late.count(Outcome.already_sent)) == (1, 4)
    assert len(smtp.handler.to("kikaku@062022.example.jp")) == 1
    assert rows(session, document.id)["kikaku@062022.example.jp"].status is DeliveryStatus.sent


def test_a_hostile_title_cannot_add_a_header_or_a_recipient(
    session: Session, roster: Roster, smtp: SmtpServer, council_home: Path
) -> None:
    title = "会議の開催について\r\nBcc: evil@example.com\r\n<script>alert(1)</script>"
    document = make_document(session, council_home, roster.cycle, title=title)
    send(
        session,
        document.id,
        smtp_channel(smtp),
        council_home,
        recipients=resolve_contacts(session, [roster.lead_chief.id or 0]),
    )
    assert [item.rcpt_tos for item in smtp.handler.received] == [["shukan.somu@pref.example.jp"]]
    message = smtp.handler.received[0].parsed()
    assert message["Bcc"] is None
    assert message["Subject"] == "会議の開催について Bcc: evil@example.com <script>alert(1)</script>"
    assert not any(line.lower().startswith(b"bcc:") for line in smtp.handler.received[0].data.splitlines())


def test_outbox_writes_one_eml_per_recipient_and_survives_a_crash_before_commit(
    session: Session, roster: Roster, council_home: Path
) -> None:
    document = make_document(session, council_home, roster.cycle)
    outbox = council_home / "outbox"
    report = send(session, document.id, OutboxChannel(outbox), council_home)
    assert report.complete
    files = sorted(outbox.rglob("*.eml"))
    assert [path.relative_to(outbox).as_posix() for path in files] == sorted(
        [
            "2026/notice-council-1-v1/062014-企画担当課長.eml",
            "2026/notice-council-1-v1/062022-企画担当課長.eml",
            "2026/notice-council-1-v1/062031-企画担当課長.eml",
            "2026/notice-council-1-v1/dept-somu-主幹課長.eml",
            "2026/notice-council-1-v1/secretariat-市町村課長.eml",
        ]
    )
    parsed = BytesParser(policy=policy.default).parsebytes(files[0].read_bytes())
    assert parsed["Subject"] == TITLE
    assert len(list(parsed.iter_attachments())) == 3
    before = {path: path.read_bytes() for path in files}

    # A crash after writing the file but before the commit: the row is still queued.
    for row in session.exec(select(Delivery)).all():
        row.status, row.sent_at, row.message_id = DeliveryStatus.queued, None, None
        session.add(row)
    session.commit()
    rerun = send(session, document.id, OutboxChannel(outbox), council_home)
    assert rerun.complete
    assert {path: path.read_bytes() for path in sorted(outbox.rglob("*.eml"))} == before  # no second copy
    assert {row.status for row in session.exec(select(Delivery)).all()} == {DeliveryStatus.sent}


def test_outbox_and_smtp_are_separate_deliveries(
    session: Session, roster: Roster, smtp: SmtpServer, council_home: Path
) -> None:
    document = make_document(session, council_home, roster.cycle)
    send(session, document.id, OutboxChannel(council_home / "outbox"), council_home)
    send(session, document.id, smtp_channel(smtp), council_home)
    channels = [row.channel for row in session.exec(select(Delivery)).all()]
    assert sorted(channels) == [Channel.outbox] * 5 + [Channel.smtp] * 5


def test_default_recipients_follow_the_meeting_body(
    session: Session, roster: Roster, smtp: SmtpServer, council_home: Path
) -> None:
    add_meeting(session, roster.cycle, key="kanjikai-1", kind=MeetingKind.secretariat_meeting)
    document = make_document(
        session, council_home, roster.cycle, subject="kanjikai-1", title="幹事会の開催について（通知）"
    )
    report = send(session, document.id, smtp_channel(smtp), council_home)
    assert report.recipients_label == "幹事会 構成員"
    assert sorted(address for item in smtp.handler.received for address in item.rcpt_tos) == [
        "kacho.shichoson@pref.example.jp",
        "shukan.somu@pref.example.jp",
    ]


def test_refusals_change_nothing(session: Session, roster: Roster, smtp: SmtpServer, council_home: Path) -> None:
    superseded = make_document(session, council_home, roster.cycle, status=DocumentStatus.superseded)
    with pytest.raises(InputError, match="superseded"):
        send(session, superseded.id, smtp_channel(smtp), council_home)
    draft = make_document(session, council_home, roster.cycle, status=DocumentStatus.draft, subject="council-3")
    with pytest.raises(InputError, match=r"is a draft \(案\): issue it before sending it"):
        send(session, draft.id, smtp_channel(smtp), council_home)
    with pytest.raises(NotFoundError):
        send(session, 9999, smtp_channel(smtp), council_home)
    no_body = make_document(session, council_home, roster.cycle, version=2, subject="council-2")
    for path in (council_home / no_body.directory).glob("*.md"):
        path.unlink()
    with pytest.raises(InputError, match="Markdown"):
        send(session, no_body.id, smtp_channel(smtp), council_home)
    assert session.exec(select(Delivery)).all() == []
    assert smtp.handler.received == []


def test_delivery_status_lists_the_year(session: Session, roster: Roster, smtp: SmtpServer, council_home: Path) -> None:
    handler = smtp.handler
    handler.always[CHIEFS[0]] = "550 5.1.1 user unknown"
    document = make_document(session, council_home, roster.cycle)
    send(session, document.id, smtp_channel(smtp), council_home)
    lines = delivery_status(session, 2026)
    assert [(line.organization_code, line.status) for line in lines] == [
        ("062014", DeliveryStatus.failed),
        ("062022", DeliveryStatus.sent),
        ("062031", DeliveryStatus.sent),
        ("dept-somu", DeliveryStatus.sent),
        ("secretariat", DeliveryStatus.sent),
    ]
    assert lines[0].error is not None
    assert lines[0].as_dict()["status"] == "failed"
    assert lines[1].as_dict()["sent_at"] == "2026-06-01T00:30:00+00:00"
    assert delivery_status(session, 2027) == []
    assert delivery_status(session, 2026, document_id=(document.id or 0) + 1) == []


BCC_WORD = "=?us-ascii?q?a=0D=0ABcc:_x@y.example?="
REPLY_TO_WORD = "=?us-ascii?q?a=0D=0AReply-To:_attacker@evil.example=0D=0A=0D=0AInjected_body?="


def test_hostile_titles_names_and_file_names_add_no_header_on_the_way_out(
    session: Session, roster: Roster, council_home: Path
) -> None:
    """Titles stored before imports refused encoded-words (or by any other way in): the .eml files on disk still
    carry exactly the headers that were built — no Bcc, no Reply-To, no early end of the header block."""
    for index, contact in enumerate(session.exec(select(Contact)).all()):
        contact.title = BCC_WORD if index % 2 else REPLY_TO_WORD
        contact.person_name = REPLY_TO_WORD
        session.add(contact)
    session.commit()
    document = make_document(
        session,
        council_home,
        roster.cycle,
        title=REPLY_TO_WORD,
        files={f"{BCC_WORD}.pdf": b"%PDF-1.7", f"{REPLY_TO_WORD}.docx": b"PK\x03\x04"},
    )
    outbox = council_home / "outbox"
    report = send(session, document.id, OutboxChannel(outbox), council_home)
    assert report.count(Outcome.sent) == 5
    files = sorted(outbox.rglob("*.eml"))
    assert len(files) == 5
    for path in files:
        data = path.read_bytes()
        head = data.split(b"\r\n\r\n", 1)[0]
        names = [line.split(b":", 1)[0].lower() for line in head.split(b"\r\n") if not line.startswith((b" ", b"\t"))]
        assert names == [
            b"from",
            b"to",
            b"subject",
            b"date",
            b"message-id",
            b"mime-version",
            b"content-type",
            b"content-language",
        ], path
        message = BytesParser(policy=policy.default).parsebytes(data)
        assert message["Bcc"] is None
        assert message["Reply-To"] is None
        assert len(list(message.iter_attachments())) == 2
        body = message.get_body(("plain",))
        assert body is not None
        assert "Injected_body" not in body.get_content()
