"""Ways a message leaves: the `outbox` folder (the embedded default) and `smtp`.

A channel writes or sends exactly the bytes `verified_bytes` returns: the message serialised, read back and checked
header by header (no header added or lost, To = the envelope recipient), so no name or title can add a header or a
line on the way out.

A channel's `send` either returns (delivered, or already there) or raises one of three errors, which decide what the
service does next:

- `TransientDeliveryError` — try again later (4xx replies, dropped connections, timeouts);
- `PermanentDeliveryError` — this recipient cannot be reached this way (5xx replies): record it and go on;
- `ChannelError` — the channel itself does not work (bad credentials, no TLS offered, certificate refused, our
  sender refused): stop the batch, nothing more can succeed until the configuration is fixed.

SMTP settings come from the environment (read at the boundary, never at import):

| variable | default | meaning |
|---|---|---|
| COUNCIL_SMTP_HOST | — (required for the smtp channel) | the relay |
| COUNCIL_SMTP_SECURITY | starttls | `starttls`, `ssl` (implicit TLS) or `none` |
| COUNCIL_SMTP_PORT | 587 / 465 / 25 by security | |
| COUNCIL_SMTP_USERNAME | — | log in when set |
| COUNCIL_SMTP_PASSWORD | — | the password, or … |
| COUNCIL_SMTP_PASSWORD_BLOCK | — | … the name of a Prefect Secret block holding it (resolved by the caller) |
| COUNCIL_SMTP_TIMEOUT | 30 | seconds per network operation |
| COUNCIL_SMTP_CA_FILE | the system's CAs | PEM bundle to verify the relay's certificate (an internal CA) |

Certificates are always verified. Credentials are never logged, printed or put in an error message.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Protocol, TypeVar

from council.delivery.message import UnsafeMessageError, serialise_verified
from council.errors import InputError
from council.files import write_atomically
from models.enums import Channel

ENV_SOURCE = "environment"


class DeliveryError(Exception):
    """Why one send did not succeed (safe to store and show: never contains credentials)."""


class TransientDeliveryError(DeliveryError):
    def __init__(self, message: str, *, connection: bool = False) -> None:
        super().__init__(message)
        self.connection = connection  # the link failed, not this recipient: the next send needs a new connection


class PermanentDeliveryError(DeliveryError):
    pass


class ChannelError(DeliveryError):
    pass


@dataclass(frozen=True)
class OutboundMail:
    """One message for one recipient. `outbox_path` is its stable name under the outbox, relative (e.g.
    ``2026/notice-council-1-v1/062014-企画担当課長.eml``): the same delivery always gets the same name."""

    message: EmailMessage
    envelope_from: str
    envelope_to: str
    outbox_path: PurePosixPath


def verified_bytes(mail: OutboundMail) -> bytes:
    """The exact bytes a channel writes or sends: serialised, read back and compared header by header with what was
    built (see council.delivery.message). A message that fails is this recipient's permanent failure."""
    try:
        return serialise_verified(mail.message, to=mail.envelope_to)
    except UnsafeMessageError as error:
        raise PermanentDeliveryError(f"not sent, the message failed its header check: {error}") from None


class Transport(Protocol):
    channel: Channel

    def send(self, mail: OutboundMail) -> bool:
        """Deliver `mail`; True when it went out now, False when it had already gone (outbox file present)."""
        ...

    def close(self) -> None: ...


class OutboxChannel:
    """Writes one .eml per delivery under `root` (COUNCIL_HOME/outbox). The file name is the delivery's natural key,
    so a message that is already there is never written twice — even if the database never learnt it was sent."""

    channel = Channel.outbox

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, mail: OutboundMail) -> Path:
        relative = PurePosixPath(mail.outbox_path)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"outbox path must stay inside the outbox: {relative}")
        return self.root.joinpath(*relative.parts)

    def send(self, mail: OutboundMail) -> bool:
        target = self.path_of(mail)
        if target.exists():
            return False
        write_atomically(target, verified_bytes(mail))
        return True

    def close(self) -> None:
        return None


class SmtpSecurity(StrEnum):
    starttls = "starttls"
    ssl = "ssl"
    none = "none"


_Number = TypeVar("_Number", int, float)

DEFAULT_PORTS = {SmtpSecurity.starttls: 587, SmtpSecurity.ssl: 465, SmtpSecurity.none: 25}
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: SmtpSecurity = SmtpSecurity.starttls
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ca_file: Path | None = None
    local_hostname: str | None = None

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str],
        *,
        secret_resolver: Callable[[str], str] | None = None,
    ) -> SmtpSettings:
        """Settings from COUNCIL_SMTP_*; InputError naming the variable when one is missing or wrong.

        `secret_resolver` turns COUNCIL_SMTP_PASSWORD_BLOCK into the password; the flows pass one that loads a
        Prefect Secret block (the core never imports Prefect).
        """
        env = environ
        host = env.get("COUNCIL_SMTP_HOST", "").strip()
        if not host:
            raise InputError("not set: the smtp channel needs a relay host", file=ENV_SOURCE, field="COUNCIL_SMTP_HOST")
        security_text = env.get("COUNCIL_SMTP_SECURITY", "starttls").strip().lower() or "starttls"
        try:
            security = SmtpSecurity(security_text)
        except ValueError:
            choices = "/".join(member.value for member in SmtpSecurity)
            raise InputError(
                f"{security_text!r} is not one of {choices}", file=ENV_SOURCE, field="COUNCIL_SMTP_SECURITY"
            ) from None
        port = _positive_number(env, "COUNCIL_SMTP_PORT", DEFAULT_PORTS[security], int)
        timeout = _positive_number(env, "COUNCIL_SMTP_TIMEOUT", 30.0, float)
        username = env.get("COUNCIL_SMTP_USERNAME") or None
        password = env.get("COUNCIL_SMTP_PASSWORD") or None
        block = env.get("COUNCIL_SMTP_PASSWORD_BLOCK") or None
        if password is None and block is not None:
            if secret_resolver is None:
                raise InputError(
                    "a Prefect Secret block is only read inside a flow; set COUNCIL_SMTP_PASSWORD for the CLI",
                    file=ENV_SOURCE,
                    field="COUNCIL_SMTP_PASSWORD_BLOCK",
                )
            password = secret_resolver(block)
        if username is not None and password is None:
            raise InputError(
                "COUNCIL_SMTP_USERNAME is set but no password is configured",
                file=ENV_SOURCE,
                field="COUNCIL_SMTP_PASSWORD",
            )
        ca_text = env.get("COUNCIL_SMTP_CA_FILE") or None
        ca_file = Path(ca_text) if ca_text else None
        if ca_file is not None and not ca_file.is_file():
            raise InputError(f"{ca_file} is not a file", file=ENV_SOURCE, field="COUNCIL_SMTP_CA_FILE")
        return cls(
            host=host,
            port=port,
            security=security,
            username=username,
            password=password,
            timeout=timeout,
            ca_file=ca_file,
            local_hostname=env.get("COUNCIL_SMTP_HELO_NAME") or None,
        )

    def tls_context(self) -> ssl.SSLContext:
        """A verifying client context (hostname and chain), trusting `ca_file` when given."""
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)


def _positive_number(env: Mapping[str, str], name: str, default: _Number, kind: type[_Number]) -> _Number:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise InputError(f"{text!r} is not a number", file=ENV_SOURCE, field=name) from None
    if value <= 0:
        raise InputError(f"{text!r} must be positive", file=ENV_SOURCE, field=name)
    return value


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())


def classify_reply(code: int, reply: bytes | str) -> DeliveryError:
    """4xx → transient (421 also means the server is closing the connection), 5xx → permanent."""
    message = f"{code} {_reply_text(reply)}"
    if 500 <= code < 600:
        return PermanentDeliveryError(message)
    return TransientDeliveryError(message, connection=code == 421)


class SmtpChannel:
    """Sends through one relay, reusing one connection for a batch and opening a new one after it drops."""

    channel = Channel.smtp

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None

    def send(self, mail: OutboundMail) -> bool:
        data = verified_bytes(mail)  # before connecting: an unsafe message never reaches the relay
        client = self._connection()
        try:
            client.sendmail(mail.envelope_from, [mail.envelope_to], data)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()), (450, b"recipient refused"))
            raise classify_reply(code, reply) from None
        except smtplib.SMTPSenderRefused as error:
            if 500 <= error.smtp_code < 600:
                raise ChannelError(
                    f"the relay refuses our sender {error.sender!r}: {error.smtp_code} {_reply_text(error.smtp_error)}"
                ) from None
            raise classify_reply(error.smtp_code, error.smtp_error) from None
        except smtplib.SMTPResponseException as error:
            if error.smtp_code == 421:
                self._drop()
            raise classify_reply(error.smtp_code, error.smtp_error) from None
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self._drop()
            raise TransientDeliveryError(f"connection lost: {error.__class__.__name__}", connection=True) from None
        except smtplib.SMTPException as error:
            raise ChannelError(f"SMTP error: {error.__class__.__name__}") from None
        return True

    def _connection(self) -> smtplib.SMTP:
        if self._client is None:
            self._client = self._open()
        return self._client

    def _open(self) -> smtplib.SMTP:
        settings = self.settings
        where = f"{settings.host}:{settings.port}"
        if settings.username and settings.security is SmtpSecurity.none and settings.host not in LOOPBACK_HOSTS:
            raise ChannelError(f"refusing to send credentials to {where} without TLS (COUNCIL_SMTP_SECURITY=none)")
        client: smtplib.SMTP | None = None
        try:
            if settings.security is SmtpSecurity.ssl:
                client = smtplib.SMTP_SSL(
                    settings.host,
                    settings.port,
                    local_hostname=settings.local_hostname,
                    timeout=settings.timeout,
                    context=settings.tls_context(),
                )
            else:
                client = smtplib.SMTP(
                    settings.host, settings.port, local_hostname=settings.local_hostname, timeout=settings.timeout
                )
            client.ehlo()
            if settings.security is SmtpSecurity.starttls:
                if not client.has_extn("starttls"):
                    raise ChannelError(f"{where} does not offer STARTTLS (set COUNCIL_SMTP_SECURITY)")
                client.starttls(context=settings.tls_context())
                client.ehlo()
            if settings.username:
                client.login(settings.username, settings.password or "")
            return client
        except ChannelError:
            _quietly_close(client)
            raise
        except smtplib.SMTPAuthenticationError as error:
            _quietly_close(client)
            raise ChannelError(f"{where} refused the login of {settings.username!r}: {error.smtp_code}") from None
        except ssl.SSLError as error:
            _quietly_close(client)
            raise ChannelError(f"TLS with {where} failed: {error.reason or error.__class__.__name__}") from None
        except smtplib.SMTPResponseException as error:
            _quietly_close(client)
            raise classify_reply(error.smtp_code, error.smtp_error) from None
        except (smtplib.SMTPException, OSError) as error:
            _quietly_close(client)
            raise TransientDeliveryError(
                f"cannot connect to {where}: {error.__class__.__name__}", connection=True
            ) from None

    def _drop(self) -> None:
        _quietly_close(self._client)
        self._client = None

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def _quietly_close(client: smtplib.SMTP | None) -> None:
    if client is not None:
        with contextlib.suppress(OSError):
            client.close()


def transport_for(channel: Channel, *, outbox_root: Path, smtp: SmtpSettings | None = None) -> Transport:
    """The transport of `channel`; `smtp` is required for the smtp channel (build it with SmtpSettings.from_env)."""
    if channel is Channel.outbox:
        return OutboxChannel(outbox_root)
    if smtp is None:
        raise InputError("the smtp channel needs SMTP settings", field="COUNCIL_SMTP_HOST")
    return SmtpChannel(smtp)
