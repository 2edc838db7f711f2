"""The one place that builds mail: RFC 5322 messages with Japanese subjects, bodies and attachment names.

Every text that reaches a header (document titles, display names, file names) goes through `header_text` first:
control characters — CR and LF above all — become spaces, so a title like ``"会議\\r\\nBcc: x@example.com"`` stays one
Subject line and can never add a header. The standard library would refuse such a value anyway (policy SMTP raises
on CR/LF); sanitising first means a hostile title is delivered harmlessly instead of failing the whole batch.

| variable | default | meaning |
|---|---|---|
| COUNCIL_MAIL_FROM | secretariat@council.example.jp | the secretariat's mailbox: From header and envelope sender |
| COUNCIL_MAIL_FROM_NAME | 県・市町村連携推進会議事務局 | display name of From |
| COUNCIL_MAIL_MESSAGE_ID_DOMAIN | the domain of COUNCIL_MAIL_FROM | right-hand side of every Message-ID |
"""

from __future__ import annotations

import mimetypes
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime

from council.clock import TOKYO

DEFAULT_SENDER_ADDRESS = "secretariat@council.example.jp"
DEFAULT_SENDER_NAME = "県・市町村連携推進会議事務局"

# Office formats are missing from some systems' mime.types; the rest comes from `mimetypes`.
_KNOWN_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".html": "text/html",
    ".ics": "text/calendar",
    ".csv": "text/csv",
}

# C0/C1 controls, DEL, and the Unicode line/paragraph separators that some clients treat as line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


def header_text(text: str, *, limit: int = 300) -> str:
    """`text` made safe for one header value: NFC, controls (CR, LF, TAB …) turned into single spaces, trimmed."""
    flat = _CONTROL.sub(" ", unicodedata.normalize("NFC", text))
    return _SPACES.sub(" ", flat).strip()[:limit]


def attachment_filename(name: str) -> str:
    """A file name safe to announce: no directories, no controls, no characters that Windows refuses."""
    base = header_text(os.path.basename(name.replace("\\", "/")), limit=200)
    base = re.sub(r'[<>:"/\\|?*]', "_", base).strip(" .")
    return base or "attachment"


@dataclass(frozen=True)
class MailSettings:
    """Who the mail comes from. Read from the environment at the boundary (`from_env`)."""

    sender_address: str = DEFAULT_SENDER_ADDRESS
    sender_name: str | None = DEFAULT_SENDER_NAME
    message_id_domain: str = "council.example.jp"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> MailSettings:
        env = environ
        address = env.get("COUNCIL_MAIL_FROM") or DEFAULT_SENDER_ADDRESS
        name = env.get("COUNCIL_MAIL_FROM_NAME", DEFAULT_SENDER_NAME) or None
        domain = env.get("COUNCIL_MAIL_MESSAGE_ID_DOMAIN") or address.rpartition("@")[2] or "localhost"
        return cls(sender_address=address, sender_name=name, message_id_domain=domain)

    def sender(self) -> Address:
        return mailbox(self.sender_address, self.sender_name)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str

    @classmethod
    def of(cls, filename: str, content: bytes) -> Attachment:
        suffix = os.path.splitext(filename)[1].lower()
        guessed = _KNOWN_TYPES.get(suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return cls(filename=attachment_filename(filename), content=content, content_type=guessed)


def mailbox(address: str, display_name: str | None = None) -> Address:
    """An Address with a sanitised display name; raises ValueError for an address that is not `local@domain`."""
    address = address.strip()
    if not address.isascii() or _CONTROL.search(address) or address.count("@") != 1:
        raise ValueError(f"not a usable e-mail address: {address!r}")
    local, _, domain = address.partition("@")
    if not local or "." not in domain or " " in address:
        raise ValueError(f"not a usable e-mail address: {address!r}")
    return Address(display_name=header_text(display_name or "", limit=120), username=local, domain=domain)


def message_id_for(delivery_id: int, content_hash: str, domain: str) -> str:
    """A Message-ID that stays the same for every attempt of one delivery, so a retried send is recognisably the
    same message (mail systems drop duplicates by Message-ID)."""
    return f"<council.delivery-{delivery_id}.{content_hash[:12]}@{header_text(domain, limit=100)}>"


class _SubjectEncodingPolicy(EmailPolicy):
    """policy.SMTP, except that a non-ASCII Subject is written as whole UTF-8 encoded-words by email.header.Header.

    CPython's own folder can drop the space at a fold between two encoded-words (a title ending '𐀀 ¡' arrived as
    '𐀀¡'); Header keeps every space inside the encoded text, so the subject decodes to exactly what was sent."""

    def fold(self, name: str, value: str) -> str:
        if name.lower() == "subject" and not str(value).isascii():
            encoded = Header(str(value), "utf-8", header_name=name).encode(linesep=self.linesep)
            return f"{name}: {encoded}{self.linesep}"
        return str(super().fold(name, value))

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() == "subject" and not str(value).isascii():
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


SMTP_POLICY = _SubjectEncodingPolicy(linesep="\r\n")


def build_message(
    *,
    sender: Address,
    recipient: Address,
    subject: str,
    body_text: str,
    attachments: Sequence[Attachment],
    message_id: str,
    date: datetime,
) -> EmailMessage:
    """One RFC 5322 message: text/plain UTF-8 body (base64, so any relay carries it), every attachment with its
    Japanese file name as an RFC 2231 parameter, the subject as UTF-8 encoded-words, Date in Asia/Tokyo."""
    if date.tzinfo is None:
        raise ValueError("the Date of a message needs a time zone")
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = header_text(subject)
    message["Date"] = format_datetime(date.astimezone(TOKYO))
    message["Message-ID"] = header_text(message_id, limit=200)
    message.set_content(body_text, subtype="plain", charset="utf-8", cte="base64")
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=attachment_filename(attachment.filename),
        )
    # Set last: set_content and add_attachment move or drop every Content-* header already present.
    message["Content-Language"] = "ja"
    return message
