"""Channels against real components: the outbox folder, and a real SMTP server on loopback (plain, STARTTLS with a
certificate made for the test, implicit TLS, and login)."""

from __future__ import annotations

import re
import ssl
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path, PurePosixPath

import pytest
from delivery_support import (
    NOW,
    CertificateFiles,
    ScriptedHandler,
    free_port,
    make_certificates,
    password_authenticator,
    running_smtp,
)

from council.delivery.channels import (
    ChannelError,
    OutboundMail,
    OutboxChannel,
    PermanentDeliveryError,
    SmtpChannel,
    SmtpSecurity,
    SmtpSettings,
    TransientDeliveryError,
    classify_reply,
)
from council.delivery.message import SMTP_POLICY, MailSettings, build_message, mailbox, serialise_verified
from council.errors import InputError


def outbound(
    to: str = "kikaku@062014.example.jp", name: str = "2026/notice-council-1-v1/062014-企画担当課長.eml"
) -> OutboundMail:
    message = build_message(
        sender=MailSettings().sender(),
        recipient=mailbox(to, "山形市企画担当課長"),
        subject="第1回会議の開催について（通知）",
        body_text="本文\n",
        attachments=(),
        message_id="<council.delivery-1.abc@council.example.jp>",
        date=NOW,
    )
    return OutboundMail(message, "secretariat@council.example.jp", to, PurePosixPath(name))


# ---------------------------------------------------------------------------------------------------- outbox


def test_outbox_writes_one_parseable_eml_and_never_twice(tmp_path: Path) -> None:
    channel = OutboxChannel(tmp_path / "outbox")
    mail = outbound()
    assert channel.send(mail) is True
    path = tmp_path / "outbox" / "2026" / "notice-council-1-v1" / "062014-企画担当課長.eml"
    first = path.read_bytes()
    parsed = BytesParser(policy=policy.default).parsebytes(first)
    assert parsed["Subject"] == "第1回会議の開催について（通知）"
    assert parsed["To"].addresses[0].addr_spec == "kikaku@062014.example.jp"

    assert channel.send(mail) is False  # the file is the record: not rewritten
    assert path.read_bytes() == first
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp files left behind


@pytest.mark.parametrize("name", ["../escape.eml", "/etc/x.eml", "2026/../../x.eml"])
def test_outbox_refuses_paths_outside_it(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="inside the outbox"):
        OutboxChannel(tmp_path).send(outbound(name=name))


# ---------------------------------------------------------------------------------------------------- settings


def test_smtp_settings_from_env_defaults_and_secrets() -> None:
    settings = SmtpSettings.from_env(
        {
            "COUNCIL_SMTP_HOST": "relay.example.jp",
            "COUNCIL_SMTP_USERNAME": "council",
            "COUNCIL_SMTP_PASSWORD": "s3cret!",
        }
    )
    assert (settings.host, settings.port, settings.security) == ("relay.example.jp", 587, SmtpSecurity.starttls)
    assert "s3cret!" not in repr(settings)
    assert SmtpSettings.from_env({"COUNCIL_SMTP_HOST": "h", "COUNCIL_SMTP_SECURITY": "ssl"}).port == 465
    resolved = SmtpSettings.from_env(
        {"COUNCIL_SMTP_HOST": "h", "COUNCIL_SMTP_USERNAME": "u", "COUNCIL_SMTP_PASSWORD_BLOCK": "smtp-password"},
        secret_resolver=lambda name: f"from-{name}",
    )
    assert resolved.password == "from-smtp-password"


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({}, "COUNCIL_SMTP_HOST"),
        ({"COUNCIL_SMTP_HOST": "h", "COUNCIL_SMTP_SECURITY": "tls"}, "COUNCIL_SMTP_SECURITY"),
        ({"COUNCIL_SMTP_HOST": "h", "COUNCIL_SMTP_PORT": "x"}, "COUNCIL_SMTP_PORT"),
        ({"COUNCIL_SMTP_HOST": "h", "COUNCIL_SMTP_TIMEOUT": "0"}, "COUNCIL_SMTP_TIMEOUT"),
        ({"COUNCIL_SMTP_HOST": "h", "COUNCIL_SMTP_USERNAME": "u"}, "COUNCIL_SMTP_PASSWORD"),
        ({"COUNCIL_SMTP_HOST": "h", "COUNCIL_SMTP_PASSWORD_BLOCK": "b"}, "COUNCIL_SMTP_PASSWORD_BLOCK"),
        ({"COUNCIL_SMTP_HOST": "h", "COUNCIL_SMTP_CA_FILE": "/nonexistent.pem"}, "COUNCIL_SMTP_CA_FILE"),
    ],
)
def test_smtp_settings_errors_name_the_variable(env: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as caught:
        SmtpSettings.from_env(env)
    assert caught.value.field == field


def test_reply_classification() -> None:
    assert isinstance(classify_reply(451, b"try later"), TransientDeliveryError)
    assert classify_reply(421, b"closing").connection is True  # type: ignore[attr-defined]
    assert isinstance(classify_reply(550, b"no such user"), PermanentDeliveryError)
    assert str(classify_reply(552, b"5.3.4  message\r\n too big")) == "552 5.3.4 message too big"


# ---------------------------------------------------------------------------------------------------- plain SMTP


def plain(port: int, **overrides: object) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security=SmtpSecurity.none, timeout=5, **overrides)  # type: ignore[arg-type]


def test_smtp_delivers_over_one_connection_and_classifies_refusals() -> None:
    handler = ScriptedHandler(
        rcpt_replies={"busy@062022.example.jp": ["451 4.3.0 try again later"]},
        always={"gone@062031.example.jp": "550 5.1.1 no such user"},
    )
    with running_smtp(handler) as server:
        channel = SmtpChannel(plain(server.port))
        try:
            assert channel.send(outbound("kikaku@062014.example.jp")) is True
            with pytest.raises(TransientDeliveryError, match="451"):
                channel.send(outbound("busy@062022.example.jp"))
            with pytest.raises(PermanentDeliveryError, match=re.escape("550 5.1.1 no such user")):
                channel.send(outbound("gone@062031.example.jp"))
            assert channel.send(outbound("busy@062022.example.jp")) is True  # the connection is still usable
        finally:
            channel.close()
    assert [item.rcpt_tos for item in handler.received] == [["kikaku@062014.example.jp"], ["busy@062022.example.jp"]]
    assert handler.received[0].mail_from == "secretariat@council.example.jp"
    assert handler.received[0].parsed()["Subject"] == "第1回会議の開催について（通知）"


def test_smtp_server_down_is_a_transient_connection_error() -> None:
    channel = SmtpChannel(plain(free_port()))
    with pytest.raises(TransientDeliveryError) as caught:
        channel.send(outbound())
    assert caught.value.connection is True
    channel.close()


def test_starttls_required_but_not_offered_stops_the_channel() -> None:
    with running_smtp() as server:
        channel = SmtpChannel(SmtpSettings(host="127.0.0.1", port=server.port, timeout=5))
        with pytest.raises(ChannelError, match="does not offer STARTTLS"):
            channel.send(outbound())
        channel.close()
        assert server.handler.received == []


def test_credentials_are_not_sent_without_tls_to_a_remote_host() -> None:
    channel = SmtpChannel(
        SmtpSettings(host="relay.example.jp", port=25, security=SmtpSecurity.none, username="u", password="p")
    )
    with pytest.raises(ChannelError, match="without TLS"):
        channel.send(outbound())


# ---------------------------------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> CertificateFiles:
    return make_certificates(tmp_path_factory.mktemp("certs"))


def server_tls_context(certificates: CertificateFiles) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates.cert_file, certificates.key_file)
    return context


def test_starttls_with_login_against_a_verified_certificate(certificates: CertificateFiles) -> None:
    handler = ScriptedHandler()
    with running_smtp(
        handler,
        tls_context=server_tls_context(certificates),
        require_starttls=True,
        authenticator=password_authenticator("council", "pa55-word"),
        auth_require_tls=True,
    ) as server:
        settings = SmtpSettings(
            host="127.0.0.1",
            port=server.port,
            security=SmtpSecurity.starttls,
            username="council",
            password="pa55-word",
            ca_file=certificates.ca_file,
            timeout=5,
        )
        channel = SmtpChannel(settings)
        assert channel.send(outbound()) is True
        channel.close()

        wrong = SmtpChannel(SmtpSettings(**{**settings.__dict__, "password": "not-the-password"}))
        with pytest.raises(ChannelError, match="refused the login") as caught:
            wrong.send(outbound())
        assert "not-the-password" not in str(caught.value)
        wrong.close()
    assert len(handler.received) == 1


def test_starttls_refuses_an_unknown_certificate(certificates: CertificateFiles) -> None:
    with running_smtp(tls_context=server_tls_context(certificates)) as server:
        channel = SmtpChannel(SmtpSettings(host="127.0.0.1", port=server.port, timeout=5))  # system CAs only
        with pytest.raises(ChannelError, match=re.escape("TLS with 127.0.0.1")):
            channel.send(outbound())
        channel.close()
        assert server.handler.received == []


def test_implicit_tls(certificates: CertificateFiles) -> None:
    handler = ScriptedHandler()
    with running_smtp(handler, ssl_context=server_tls_context(certificates)) as server:
        channel = SmtpChannel(
            SmtpSettings(
                host="127.0.0.1", port=server.port, security=SmtpSecurity.ssl, ca_file=certificates.ca_file, timeout=5
            )
        )
        assert channel.send(outbound()) is True
        channel.close()
    assert len(handler.received) == 1


# ---------------------------------------------------------------------------------------------------- verification


def unsafe_outbound(to: str = "kikaku@062014.example.jp") -> OutboundMail:
    """A message put together by hand (not by build_message): its Subject decodes into a second header line."""
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = "secretariat@council.example.jp"
    message["To"] = to
    message["Subject"] = "=?us-ascii?q?a=0D=0ABcc:_x@y.example?="
    message.set_content("本文\n")
    return OutboundMail(message, "secretariat@council.example.jp", to, PurePosixPath("2026/x/unsafe.eml"))


def test_outbox_writes_the_verified_bytes_and_refuses_an_unsafe_message(tmp_path: Path) -> None:
    channel = OutboxChannel(tmp_path / "outbox")
    mail = outbound()
    channel.send(mail)
    written = (tmp_path / "outbox" / mail.outbox_path).read_bytes()
    assert written == serialise_verified(mail.message, to=mail.envelope_to)
    with pytest.raises(PermanentDeliveryError, match="header"):
        channel.send(unsafe_outbound())
    assert not (tmp_path / "outbox" / "2026" / "x").exists()


def test_outbox_refuses_a_message_addressed_to_someone_else_than_the_envelope(tmp_path: Path) -> None:
    mail = outbound()
    other = OutboundMail(mail.message, mail.envelope_from, "other@062022.example.jp", PurePosixPath("2026/y/o.eml"))
    with pytest.raises(PermanentDeliveryError, match="To header"):
        OutboxChannel(tmp_path).send(other)
    assert not (tmp_path / "2026").exists()


def test_smtp_sends_the_verified_bytes_and_never_an_unsafe_message() -> None:
    with running_smtp() as server:
        channel = SmtpChannel(plain(server.port))
        try:
            with pytest.raises(PermanentDeliveryError, match="header"):
                channel.send(unsafe_outbound())
            mail = outbound()
            assert channel.send(mail) is True
        finally:
            channel.close()
    (received,) = server.handler.received
    assert received.rcpt_tos == ["kikaku@062014.example.jp"]
    expected = serialise_verified(mail.message, to=mail.envelope_to)
    assert received.data.replace(b"\r\n", b"\n") == expected.replace(b"\r\n", b"\n")
    assert received.parsed()["Bcc"] is None
