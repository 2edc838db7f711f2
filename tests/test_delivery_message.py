"""Building mail: Japanese subjects and file names survive the trip, and no title can add a header."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from council.clock import TOKYO
from council.delivery.message import (
    SMTP_POLICY,
    Attachment,
    MailSettings,
    UnsafeMessageError,
    attachment_filename,
    build_message,
    header_text,
    header_text_problem,
    mailbox,
    message_id_for,
    serialise_verified,
)

NOW = datetime(2026, 6, 1, 9, 30, tzinfo=TOKYO)
TITLE = "令和8年度第1回県・市町村連携推進会議の開催について（通知）"
# A message without attachments is one text/plain part, so its transfer encoding is a top-level header.
EXPECTED_HEADERS = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-language",
}


def build(
    subject: str = TITLE,
    *,
    display_name: str = "山形市企画担当課長",
    attachments: tuple[Attachment, ...] = (),
    body: str = "各市町村企画担当課長 様\n\n本文。\n",
) -> bytes:
    message = build_message(
        sender=MailSettings().sender(),
        recipient=mailbox("kikaku@062014.example.jp", display_name),
        subject=subject,
        body_text=body,
        attachments=attachments,
        message_id=message_id_for(7, "0123456789abcdef" * 4, "council.example.jp"),
        date=NOW,
    )
    return message.as_bytes()


def parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def test_japanese_subject_is_ascii_on_the_wire_and_decodes_back() -> None:
    data = build()
    header_block = data.split(b"\r\n\r\n", 1)[0]
    assert header_block.isascii()
    assert b"=?utf-8?b?" in header_block
    message = parse(data)
    assert message["Subject"] == TITLE
    assert message["To"].addresses[0].display_name == "山形市企画担当課長"
    assert message["From"].addresses[0].addr_spec == "secretariat@council.example.jp"


def test_body_is_the_markdown_text() -> None:
    message = parse(build(body="# 開催通知\n\n各市町村企画担当課長 様\n"))
    body = message.get_body(("plain",))
    assert body is not None
    assert body.get_content_charset() == "utf-8"
    assert body.get_content().replace("\r\n", "\n") == "# 開催通知\n\n各市町村企画担当課長 様\n"


def test_japanese_attachment_names_decode_and_content_is_intact() -> None:
    attachments = (
        Attachment.of("令和8年度_第1回会議_開催通知（通知）.docx", b"PK\x03\x04docx"),
        Attachment.of("開催通知.pdf", b"%PDF-1.7"),
        Attachment.of("開催通知.html", b"<p>x</p>"),
    )
    message = parse(build(attachments=attachments))
    parts = list(message.iter_attachments())
    assert [part.get_filename() for part in parts] == [
        "令和8年度_第1回会議_開催通知（通知）.docx",
        "開催通知.pdf",
        "開催通知.html",
    ]
    assert [part.get_content_type() for part in parts] == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/pdf",
        "text/html",
    ]
    assert [part.get_payload(decode=True) for part in parts] == [b"PK\x03\x04docx", b"%PDF-1.7", b"<p>x</p>"]


def test_attachment_filename_uses_rfc2231_on_the_wire() -> None:
    data = build(attachments=(Attachment.of("開催通知.pdf", b"%PDF"),))
    assert b"filename*=utf-8''%E9%96%8B%E5%82%AC%E9%80%9A%E7%9F%A5.pdf" in data


@pytest.mark.parametrize(
    "hostile",
    [
        "Meeting\r\nBcc: evil@example.com",
        "会議\r\nBcc: evil@example.com",
        "会議\nBcc: evil@example.com",
        "会議\rBcc: evil@example.com",
        "会議\u2028Bcc: evil@example.com",
        "会議\x85Bcc: evil@example.com",
        "会議\r\n\r\n<script>alert(1)</script>",
    ],
)
def test_a_newline_in_a_title_cannot_add_a_header(hostile: str) -> None:
    data = build(hostile, display_name=hostile)
    message = parse(data)
    assert {key.lower() for key in message} == EXPECTED_HEADERS
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"]
    assert "\r" not in message["Subject"]
    assert message["Subject"] == header_text(hostile)
    for line in data.split(b"\r\n"):
        assert not line.lower().startswith(b"bcc:")


def test_script_in_a_title_is_plain_text_in_the_subject() -> None:
    message = parse(build("<script>alert('x')</script> 会議"))
    assert message["Subject"] == "<script>alert('x')</script> 会議"


@given(st.text(max_size=200))
@example("0000 0000¡¡¡¡¡¡¡ॠ𐀀𐀀𐀀𐀀 ¡")  # a space at a fold between two encoded-words, once lost by CPython's folder
def test_any_title_gives_exactly_the_expected_headers(title: str) -> None:
    message = parse(build(title, display_name=title))
    assert {key.lower() for key in message} == EXPECTED_HEADERS
    assert message["Subject"] == header_text(title)


def test_header_text_flattens_controls() -> None:
    assert header_text(" a\r\n\tb\x00c  ") == "a b c"
    assert header_text("ｶﾞ") == "ｶﾞ"  # NFC keeps half-width kana as they are


def test_attachment_filename_keeps_only_a_base_name() -> None:
    assert attachment_filename("../../etc/passwd") == "passwd"
    assert attachment_filename("C:\\temp\\通知.pdf") == "通知.pdf"
    assert attachment_filename("a\r\nb?.pdf") == "a b_.pdf"
    assert attachment_filename("...") == "attachment"


def test_message_id_is_stable_per_delivery_and_date_is_tokyo() -> None:
    first = message_id_for(7, "ab" * 32, "council.example.jp")
    assert first == message_id_for(7, "ab" * 32, "council.example.jp")
    assert first != message_id_for(8, "ab" * 32, "council.example.jp")
    message = parse(build())
    assert message["Message-ID"] == "<council.delivery-7.0123456789ab@council.example.jp>"
    assert message["Date"] == "Mon, 01 Jun 2026 09:30:00 +0900"
    assert message["Date"].datetime == NOW


def test_date_needs_a_time_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        build_message(
            sender=MailSettings().sender(),
            recipient=mailbox("a@example.jp"),
            subject="x",
            body_text="x",
            attachments=(),
            message_id="<x@example.jp>",
            date=datetime(2026, 6, 1, 9, 30),
        )
    assert build_message(
        sender=MailSettings().sender(),
        recipient=mailbox("a@example.jp"),
        subject="x",
        body_text="x",
        attachments=(),
        message_id="<x@example.jp>",
        date=datetime(2026, 6, 1, 0, 30, tzinfo=UTC),
    )["Date"].endswith("+0900")


@pytest.mark.parametrize(
    "address",
    [
        "no-at-sign",
        "a@b",
        "a b@example.jp",
        "a@b@example.jp",
        "山田@example.jp",
        "x\r\n@example.jp",
        "=?us-ascii?q?a=0D=0ABcc=3A_x=40y.example?=@example.jp",  # every character allowed in a local part
    ],
)
def test_mailbox_refuses_unusable_addresses(address: str) -> None:
    with pytest.raises(ValueError, match="not a usable e-mail address"):
        mailbox(address)


def test_mail_settings_from_env() -> None:
    settings = MailSettings.from_env(
        {"COUNCIL_MAIL_FROM": "shichoson@pref.example.jp", "COUNCIL_MAIL_FROM_NAME": "山形県市町村課"}
    )
    assert settings.sender_address == "shichoson@pref.example.jp"
    assert settings.message_id_domain == "pref.example.jp"
    assert str(settings.sender()).endswith("<shichoson@pref.example.jp>")
    assert MailSettings.from_env({}) == MailSettings()


# ---------------------------------------------------------------------------------------------------- encoded words
# CPython's header parser decodes RFC 2047 encoded-words in any header value it is given, and its folder writes the
# decoded text back: an ASCII title like the ones below once came out of delivery as real header lines.

BCC_WORD = "=?us-ascii?q?a=0D=0ABcc:_x@y.example?="
REPLY_TO_WORD = "=?us-ascii?q?a=0D=0AReply-To:_attacker@evil.example=0D=0A=0D=0AInjected_body?="
ENCODED_WORD_ATTACKS = [
    BCC_WORD,
    REPLY_TO_WORD,
    f"会議 {BCC_WORD}",
    f"x{BCC_WORD}y",
    "=?utf-8?b?YQ0KQmNjOiB4QHkuZXhhbXBsZQ==?=",  # the same in base64
    "=?UTF-8?Q?=E4=BC=9A=E8=AD=B0=0D=0ABcc:_x@y.example?=",
    '"=?us-ascii?q?a=0D=0ABcc:_x@y.example?=" <z@z.example>',
    "=?us-ascii*ja?q?a=0A=0ABcc:_x@y.example?=",  # RFC 2231 language tag
]
BODY = "各市町村企画担当課長 様\n\n本文。\n"


def display_name(data: bytes, header: str) -> str:
    """The display name as an RFC 2047 reader decodes it (whitespace between adjacent encoded-words dropped; the
    modern parser of CPython keeps it as a space)."""
    raw = str(BytesParser(policy=policy.compat32).parsebytes(data)[header])
    unfolded = re.sub(r"\r?\n[ \t]", " ", raw)
    match = re.fullmatch(r"(.*?)\s*<[^<>\s]+@[^<>\s]+>", unfolded)
    assert match, unfolded
    return str(make_header(decode_header(match.group(1))))


def parsed_headers(message: EmailMessage) -> list[str]:
    return [key.lower() for key in message]


def assert_exactly_one_message(data: bytes, *, attachments: int = 0) -> EmailMessage:
    message = parse(data)
    expected = set(EXPECTED_HEADERS)
    if attachments:  # multipart: the transfer encoding moves into the parts
        expected = expected - {"content-transfer-encoding"}
    assert set(parsed_headers(message)) == expected
    assert len(parsed_headers(message)) == len(expected)
    for name in ("bcc", "cc", "reply-to"):
        assert message[name] is None
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        assert not line.lower().startswith((b"bcc:", b"reply-to:", b"cc:"))
    assert [address.addr_spec for address in message["To"].addresses] == ["kikaku@062014.example.jp"]
    body = message.get_body(("plain",))
    assert body is not None
    assert body.get_content().replace("\r\n", "\n") == BODY
    assert len(list(message.iter_attachments())) == attachments
    return message


@pytest.mark.parametrize("hostile", ENCODED_WORD_ATTACKS)
def test_an_encoded_word_in_a_subject_cannot_add_a_header(hostile: str) -> None:
    message = assert_exactly_one_message(build(hostile, body=BODY))
    assert "\n" not in message["Subject"]
    assert "\r" not in message["Subject"]
    assert message["Subject"] == header_text(hostile)


@pytest.mark.parametrize("hostile", ENCODED_WORD_ATTACKS)
def test_an_encoded_word_in_a_display_name_cannot_add_a_header(hostile: str) -> None:
    assert_exactly_one_message(build(display_name=hostile, body=BODY))
    assert display_name(build(display_name=hostile, body=BODY), "To") == header_text(hostile)


@pytest.mark.parametrize("hostile", ENCODED_WORD_ATTACKS)
def test_an_encoded_word_in_the_sender_name_cannot_add_a_header(hostile: str) -> None:
    message = build_message(
        sender=MailSettings(sender_name=hostile).sender(),
        recipient=mailbox("kikaku@062014.example.jp", "山形市企画担当課長"),
        subject=TITLE,
        body_text=BODY,
        attachments=(),
        message_id="<x@council.example.jp>",
        date=NOW,
    )
    assert_exactly_one_message(message.as_bytes())
    assert display_name(message.as_bytes(), "From") == header_text(hostile)


@pytest.mark.parametrize("hostile", ENCODED_WORD_ATTACKS)
def test_an_encoded_word_in_an_attachment_name_cannot_add_a_header(hostile: str) -> None:
    attachment = Attachment.of(f"{hostile}.pdf", b"%PDF-1.7")
    message = assert_exactly_one_message(build(attachments=(attachment,), body=BODY), attachments=1)
    (part,) = message.iter_attachments()
    assert part.get_filename() == attachment_filename(f"{hostile}.pdf")
    assert {key.lower() for key in part} == {
        "content-type",
        "content-disposition",
        "content-transfer-encoding",
        "mime-version",
    }
    assert part.get_payload(decode=True) == b"%PDF-1.7"


def test_header_text_breaks_up_encoded_word_syntax() -> None:
    assert "=?" not in header_text(BCC_WORD)
    assert "=?" not in header_text("==??=?=?")
    assert header_text("a = b ? c") == "a = b ? c"
    assert header_text_problem(BCC_WORD) is not None
    assert header_text_problem("山形市企画担当課長") is None
    assert header_text_problem("a\u2028b") is not None
    assert header_text_problem("a\u202eb") is not None  # a bidi override would disguise a name
    assert header_text_problem("a\tb") is not None


HEADER_PIECES = st.sampled_from(
    [
        "=?",
        "?=",
        "=?us-ascii?q?",
        "=?utf-8?b?",
        "=0D=0A",
        "=0A",
        "_",
        "Bcc:",
        "Reply-To:",
        " x@y.example",
        "\r\n",
        "\n",
        "\r",
        '"',
        "\\",
        ",",
        ";",
        "<",
        ">",
        "@",
        "(",
        ")",
        ":",
        "'",
        " ",
        "\t",
        "\x00",
        "\u2028",
        "\x85",
        "会議",
        "（通知）",
        "𐀀",
        "ｶﾞ",
    ]
)
HOSTILE_TEXT = st.one_of(
    st.text(max_size=120),
    st.lists(st.one_of(HEADER_PIECES, st.text(max_size=6)), max_size=30).map("".join),
)


@settings(deadline=None)  # parsing a message back takes a few ms, and a busy machine stretches the first example
@given(subject=HOSTILE_TEXT, name=HOSTILE_TEXT, sender_name=HOSTILE_TEXT, filename=HOSTILE_TEXT)
@example(subject=BCC_WORD, name=REPLY_TO_WORD, sender_name=BCC_WORD, filename=REPLY_TO_WORD)
def test_no_name_title_subject_or_file_name_adds_a_header_or_a_line(
    subject: str, name: str, sender_name: str, filename: str
) -> None:
    attachment = Attachment.of(f"{filename}.docx", b"PK\x03\x04")
    message = build_message(
        sender=MailSettings(sender_name=sender_name).sender(),
        recipient=mailbox("kikaku@062014.example.jp", name),
        subject=subject,
        body_text=BODY,
        attachments=(attachment,),
        message_id="<x@council.example.jp>",
        date=NOW,
    )
    data = serialise_verified(message, to="kikaku@062014.example.jp")
    assert data == message.as_bytes()
    parsed = assert_exactly_one_message(data, attachments=1)
    assert parsed["Subject"] == header_text(subject)
    assert display_name(data, "To") == header_text(name, limit=120)
    assert display_name(data, "From") == header_text(sender_name, limit=120)
    (part,) = parsed.iter_attachments()
    assert part.get_filename() == attachment_filename(f"{filename}.docx")


def hand_made(subject: str) -> EmailMessage:
    """A message built without build_message's care: what the verification is there to catch."""
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = "secretariat@council.example.jp"
    message["To"] = "kikaku@062014.example.jp"
    message["Subject"] = subject
    message.set_content(BODY)
    return message


def test_verification_refuses_a_message_whose_headers_change_on_the_wire() -> None:
    with pytest.raises(UnsafeMessageError, match="header"):
        serialise_verified(hand_made(BCC_WORD), to="kikaku@062014.example.jp")
    with pytest.raises(UnsafeMessageError, match="header"):
        serialise_verified(hand_made(REPLY_TO_WORD), to="kikaku@062014.example.jp")
    assert serialise_verified(hand_made("会議"), to="kikaku@062014.example.jp")


def test_verification_refuses_a_recipient_other_than_the_envelope() -> None:
    with pytest.raises(UnsafeMessageError, match="To"):
        serialise_verified(hand_made("会議"), to="other@062014.example.jp")


def test_verification_turns_a_parser_failure_into_a_refusal() -> None:
    """An encoded-word in the local part: the reader decodes it into a CR LF and the parser itself gives up."""
    message = hand_made("会議")
    del message["To"]
    message["To"] = Address(username="=?us-ascii?q?a=0D=0ABcc=3A_x=40y.example?=", domain="example.jp")
    with pytest.raises(UnsafeMessageError):
        serialise_verified(message, to="=?us-ascii?q?a=0D=0ABcc=3A_x=40y.example?=@example.jp")


def test_one_documents_messages_share_one_body_and_differ_only_in_their_headers() -> None:
    """The body (text and attachments) is built and read back once per document; each recipient's message is its
    own verified header block before it, byte for byte what serialising the whole message gives."""
    attachments = (
        Attachment.of("開催通知.pdf", b"%PDF-1.7 " * 500),
        Attachment.of("開催通知.docx", b"PK\x03\x04" * 300),
    )

    def message_to(address: str, name: str) -> EmailMessage:
        return build_message(
            sender=MailSettings().sender(),
            recipient=mailbox(address, name),
            subject=TITLE,
            body_text=BODY,
            attachments=attachments,
            message_id=f"<{address}>",
            date=NOW,
        )

    first, second = message_to("kikaku@062014.example.jp", "山形市"), message_to("kikaku@062022.example.jp", "米沢市")
    first_bytes = serialise_verified(first, to="kikaku@062014.example.jp")
    second_bytes = serialise_verified(second, to="kikaku@062022.example.jp")
    assert first_bytes == first.as_bytes()
    assert second_bytes == second.as_bytes()
    first_head, first_body = first_bytes.split(b"\r\n\r\n", 1)
    second_head, second_body = second_bytes.split(b"\r\n\r\n", 1)
    assert first_body == second_body
    assert first_head != second_head
    assert first.get_boundary() == second.get_boundary()
    boundary = first.get_boundary()
    assert boundary is not None
    assert boundary.startswith("=_council_")
    assert_exactly_one_message(first_bytes, attachments=2)


def test_a_built_message_changed_afterwards_is_verified_whole() -> None:
    """Its parts replaced after it was built: the shared body no longer applies, the whole message is read back."""
    message = build_message(
        sender=MailSettings().sender(),
        recipient=mailbox("kikaku@062014.example.jp", "山形市"),
        subject=TITLE,
        body_text=BODY,
        attachments=(Attachment.of("a.pdf", b"%PDF"),),
        message_id="<x@council.example.jp>",
        date=NOW,
    )
    extra = EmailMessage(policy=SMTP_POLICY)
    extra.set_content(b"more", maintype="application", subtype="pdf", filename="b.pdf")
    message.attach(extra)
    data = serialise_verified(message, to="kikaku@062014.example.jp")
    assert data == message.as_bytes()
    assert_exactly_one_message(data, attachments=2)
