"""The one place that builds mail: RFC 5322 messages with Japanese subjects, bodies and attachment names.

No input can add a header or a line. Three layers, because one was once not enough:

1. Imports refuse what has no business in a name or title (`header_text_problem`, used by the contacts import and
   the reference loader): control characters (CR, LF, tab, the Unicode line separators, bidi overrides) and the
   encoded-word introducer ``=?``.
2. Every text that reaches a header (document titles, display names, file names) goes through `header_text`:
   controls become spaces and ``=?`` is broken up into ``= ?``. That second rule matters: CPython's header parser
   decodes RFC 2047 encoded-words in any value it is given and its folder writes the decoded text back, so the ASCII
   title ``=?us-ascii?q?a=0D=0ABcc:_x@y.example?=`` used to leave delivery as a real ``Bcc:`` line. Display names
   are set as `email.headerregistry.Address` objects (never pasted into a string) and written out by our policy
   as whole UTF-8 encoded-words, because CPython's folder drops the quotes of a long quoted name.
3. `serialise_verified` turns the message into the bytes that are written or sent, parses them back and compares
   every header of every MIME part — names, order and decoded values — with what was built, and the To address
   with the envelope recipient; any difference raises `UnsafeMessageError` and nothing leaves. The channels send
   exactly the verified bytes.

| variable | default | meaning |
|---|---|---|
| COUNCIL_MAIL_FROM | secretariat@council.example.jp | the secretariat's mailbox: From header and envelope sender |
| COUNCIL_MAIL_FROM_NAME | 県・市町村連携推進会議事務局 | display name of From |
| COUNCIL_MAIL_MESSAGE_ID_DOMAIN | the domain of COUNCIL_MAIL_FROM | right-hand side of every Message-ID |
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import unicodedata
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import errors as email_errors
from email import policy as email_policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import format_datetime
from functools import lru_cache
from typing import Any

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

# C0/C1 controls, DEL, the Unicode line/paragraph separators that some clients treat as line breaks, and the
# bidirectional overrides and isolates that make a name read as something else.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
_SPACES = re.compile(r"\s+")
ENCODED_WORD_START = "=?"  # how every RFC 2047 encoded-word begins


class UnsafeMessageError(ValueError):
    """A built message would not arrive as built (a header added, lost or changed on the wire): never sent."""


def header_text_problem(text: str) -> str | None:
    """Why `text` cannot be a name or title that ends up in a mail header, or None. For imports: refuse, don't fix."""
    if _CONTROL.search(text):
        return "contains a control character (line break, tab, bidi override …)"
    if ENCODED_WORD_START in text:
        return (
            f"contains {ENCODED_WORD_START!r}, the start of a MIME encoded-word: write the text itself, "
            "not its mail encoding"
        )
    return None


def header_text(text: str, *, limit: int = 300) -> str:
    """`text` made safe for one header value: NFC, controls (CR, LF, TAB …) turned into single spaces, trimmed,
    and encoded-word syntax broken up (``=?`` becomes ``= ?``) so that no parser decodes it into something else."""
    flat = _CONTROL.sub(" ", unicodedata.normalize("NFC", text))
    flat = _SPACES.sub(" ", flat).strip()[:limit]
    return flat.replace(ENCODED_WORD_START, "= ?")


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
    if not address.isascii() or _CONTROL.search(address) or address.count("@") != 1 or ENCODED_WORD_START in address:
        raise ValueError(f"not a usable e-mail address: {address!r}")
    local, _, domain = address.partition("@")
    if not local or "." not in domain or " " in address:
        raise ValueError(f"not a usable e-mail address: {address!r}")
    return Address(display_name=header_text(display_name or "", limit=120), username=local, domain=domain)


def message_id_for(delivery_id: int, content_hash: str, domain: str) -> str:
    """A Message-ID that stays the same for every attempt of one delivery, so a retried send is recognisably the
    same message (mail systems drop duplicates by Message-ID)."""
    return f"<council.delivery-{delivery_id}.{content_hash[:12]}@{header_text(domain, limit=100)}>"


_PLAIN_NAME = re.compile(r"[A-Za-z0-9 ]+")
_ADDRESS_HEADERS = frozenset({"from", "to"})
_MAX_LINE = 78


class _HeaderEncodingPolicy(EmailPolicy):
    """policy.SMTP, except that we write the Subject and the From/To display names ourselves, as whole UTF-8
    encoded-words made by email.header.Header, instead of letting CPython's folder refold them:

    - the folder can drop the space at a fold between two encoded-words (a title ending '𐀀 ¡' arrived as '𐀀¡');
    - it drops the quotes of a quoted display name when it folds it, so a long name with ``@``, ``,`` or ``:`` in it
      came out unquoted and read back as other addresses.

    Header keeps every character inside base64, so what is read back is exactly what was built."""

    def fold(self, name: str, value: str) -> str:
        lowered = name.lower()
        if lowered == "subject" and not str(value).isascii():
            encoded = Header(str(value), "utf-8", header_name=name).encode(linesep=self.linesep)
            return f"{name}: {encoded}{self.linesep}"
        if lowered in _ADDRESS_HEADERS:
            folded = self._fold_addresses(name, value)
            if folded is not None:
                return folded
        return str(super().fold(name, value))

    def fold_binary(self, name: str, value: str) -> bytes:
        lowered = name.lower()
        if (lowered == "subject" and not str(value).isascii()) or (
            lowered in _ADDRESS_HEADERS and self._fold_addresses(name, value) is not None
        ):
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)

    def _fold_addresses(self, name: str, value: object) -> str | None:
        """`Name: display <local@domain>, …` with every display name that is not plain ASCII words encoded; None
        for what we never build (groups), which is left to the standard folder."""
        groups = getattr(value, "groups", None)
        if not groups or any(group.display_name is not None for group in groups):
            return None
        rendered: list[str] = []
        for group in groups:
            for address in group.addresses:
                rendered.append(self._mailbox(name, address))
        return f"{name}: " + f",{self.linesep} ".join(rendered) + self.linesep

    def _mailbox(self, name: str, address: Address) -> str:
        spec = f"<{address.addr_spec}>"
        display = address.display_name
        if not display:
            return spec
        if _PLAIN_NAME.fullmatch(display) and len(name) + len(display) + len(spec) + 3 <= _MAX_LINE:
            return f"{display} {spec}"
        encoded = Header(display, "utf-8", header_name=name).encode(linesep=self.linesep)
        last = encoded.rsplit(self.linesep, 1)[-1]
        width = len(last) + (len(name) + 2 if self.linesep not in encoded else 0)
        separator = " " if width + 1 + len(spec) <= _MAX_LINE else f"{self.linesep} "
        return f"{encoded}{separator}{spec}"


SMTP_POLICY = _HeaderEncodingPolicy(linesep="\r\n")


@dataclass(frozen=True)
class _PreparedBody:
    """The part of a message below its own headers — the text and the attachments — as every recipient of one
    document gets it: built, serialised and read back once (`_prepared_body`), then shared by their messages."""

    content_headers: tuple[tuple[str, Any], ...]  # MIME-Version, Content-Type (with the boundary) …
    payload: Any  # the text (one part) or the list of parts
    data: bytes  # the serialised body after the header block


# The body each built message carries, found again by `serialise_verified` (a message is its own key: messages
# compare by identity, and an entry goes with its message).
_BODIES: weakref.WeakKeyDictionary[EmailMessage, _PreparedBody] = weakref.WeakKeyDictionary()


@lru_cache(maxsize=16)
def _prepared_body(body_text: str, attachments: tuple[Attachment, ...]) -> _PreparedBody:
    """The body for `body_text` and `attachments`, its MIME parts' headers verified as `serialise_verified` does.
    Its boundary derives from the content, so one document's messages differ only in their own headers; it starts
    with "=_", which no base64 line (every part here is base64) and no header can contain."""
    skeleton = EmailMessage(policy=SMTP_POLICY)
    skeleton.set_content(body_text, subtype="plain", charset="utf-8", cte="base64")
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        skeleton.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=attachment_filename(attachment.filename),
        )
    if skeleton.is_multipart():
        digest = hashlib.sha256(body_text.encode("utf-8"))
        for attachment in attachments:
            digest.update(attachment.filename.encode("utf-8") + b"\0" + attachment.content)
        skeleton.set_boundary(f"=_council_{digest.hexdigest()[:32]}")
    serialised = skeleton.as_bytes()
    header_end = serialised.index(b"\r\n\r\n") + 4
    try:
        _compare_parts(skeleton, _parse(serialised), first=1)
    except UnsafeMessageError:
        raise
    except _READ_BACK_ERRORS as error:
        raise UnsafeMessageError(f"the message does not read back: {error}") from None
    return _PreparedBody(tuple(skeleton.raw_items()), skeleton.get_payload(), serialised[header_end:])


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
    Japanese file name as an RFC 2231 parameter, the subject as UTF-8 encoded-words, Date in Asia/Tokyo. The body
    is built once for all the messages with the same text and attachments (a document's recipients)."""
    if date.tzinfo is None:
        raise ValueError("the Date of a message needs a time zone")
    body = _prepared_body(body_text, tuple(attachments))
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = sender
    message["To"] = recipient
    subject_text = header_text(subject)
    message["Subject"] = subject_text
    message["Date"] = format_datetime(date.astimezone(TOKYO))
    message["Message-ID"] = header_text(message_id, limit=200)
    for name, value in body.content_headers:
        message[name] = value
    message.set_payload(list(body.payload) if isinstance(body.payload, list) else body.payload)
    message["Content-Language"] = "ja"
    _check_as_built(message, sender=sender, recipient=recipient, subject=subject_text)
    _BODIES[message] = body
    return message


def _check_as_built(message: EmailMessage, *, sender: Address, recipient: Address, subject: str) -> None:
    """The library parses every value it is given: make sure it kept what we meant (nothing decoded into more)."""
    if message["Subject"] != subject:
        raise UnsafeMessageError("the Subject header would not carry the title as given")
    for name, address in (("From", sender), ("To", recipient)):
        addresses = message[name].addresses
        if len(addresses) != 1 or addresses[0] != address:
            raise UnsafeMessageError(f"the {name} header would not carry exactly {address.addr_spec}")


def serialise_verified(message: EmailMessage, *, to: str) -> bytes:
    """The bytes to write or send, after reading them back: every MIME part must have the same headers in the same
    order with the same decoded values (none with a line break), and To must name exactly the envelope recipient.
    Raises UnsafeMessageError otherwise.

    A message from `build_message` whose parts are still the ones it was built with is its own header block, read
    back and checked here, followed by its body's bytes, whose parts were read back and checked when it was built."""
    try:
        body = _BODIES.get(message)
        if body is not None and _still_carries(message, body):
            headers = b"".join(message.policy.fold_binary(name, value) for name, value in message.raw_items())
            header_block = headers + b"\r\n"
            _verify_top(message, _parse(header_block, headers_only=True), to=to)
            return header_block + body.data
        data = message.as_bytes()
        parsed = _parse(data)
        _compare_parts(message, parsed, first=0)
        _verify_top(message, parsed, to=to)
        return data
    except UnsafeMessageError:
        raise
    except _READ_BACK_ERRORS as error:  # the parser (or a header's lazy parse) choked
        raise UnsafeMessageError(f"the message does not read back: {error}") from None


def _still_carries(message: EmailMessage, body: _PreparedBody) -> bool:
    payload = message.get_payload()
    if isinstance(body.payload, list):
        return (
            isinstance(payload, list)
            and len(payload) == len(body.payload)
            and all(mine is theirs for mine, theirs in zip(payload, body.payload, strict=True))
        )
    return payload is body.payload


_READ_BACK_ERRORS = (ValueError, TypeError, LookupError, email_errors.MessageError)


def _parse(data: bytes, *, headers_only: bool = False) -> EmailMessage:
    parsed = BytesParser(policy=email_policy.default).parsebytes(data, headersonly=headers_only)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _compare_parts(message: EmailMessage, parsed: EmailMessage, *, first: int) -> None:
    """Every MIME part from index `first` on (0 is the message itself) reads back with the headers it was built with."""
    built_parts, parsed_parts = list(message.walk()), list(parsed.walk())
    if len(built_parts) != len(parsed_parts):
        raise UnsafeMessageError(
            f"the message reads back with {len(parsed_parts)} MIME parts instead of {len(built_parts)} "
            "(a header ended the header block early?)"
        )
    for index, (built_part, parsed_part) in enumerate(zip(built_parts, parsed_parts, strict=True)):
        if index >= first:
            _compare_headers(built_part, parsed_part, "the message" if index == 0 else f"MIME part {index}")


def _verify_top(message: EmailMessage, parsed: EmailMessage, *, to: str) -> None:
    """The message's own headers read back as built, and To names exactly the envelope recipient."""
    _compare_headers(message, parsed, "the message")
    to_header = parsed["To"]
    recipients = [address.addr_spec for address in to_header.addresses] if to_header is not None else []
    if recipients != [to]:
        raise UnsafeMessageError(f"the To header names {recipients} instead of {[to]}")


def _compare_headers(built: EmailMessage, parsed: EmailMessage, where: str) -> None:
    built_names = [name.lower() for name in built]
    parsed_names = [name.lower() for name in parsed]
    if built_names != parsed_names:
        raise UnsafeMessageError(
            f"{where}: the header set changed on the wire: built {built_names}, read back {parsed_names}"
        )
    for (name, built_value), (_, parsed_value) in zip(built.items(), parsed.items(), strict=True):
        if _CONTROL.search(str(built_value)) or _CONTROL.search(str(parsed_value)):
            raise UnsafeMessageError(f"{where}: header {name} carries a control character (a line break?)")
        if _comparable(name, built_value) != _comparable(name, parsed_value):
            raise UnsafeMessageError(f"{where}: header {name} reads back differently from what was built")


def _comparable(name: str, value: object) -> object:
    """A header's decoded value; for addresses, each address with its display name without whitespace: CPython
    reads the fold between two encoded-words of a phrase as a space (RFC 2047 says to drop it), so a long Japanese
    name reads back with an extra space that no other reader shows."""
    if name.lower() in _ADDRESS_HEADERS and hasattr(value, "addresses"):
        return [(address.addr_spec, "".join(address.display_name.split())) for address in value.addresses]
    return str(value)
