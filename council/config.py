"""Settings: documented defaults, overridden by COUNCIL_* environment variables, read and checked in one place.

An entry point (a CLI command, a flow, the web app) calls `load_settings()` — or the cached `get_settings()` — once,
before any work, and passes the result down; nothing below the entry points reads the environment. Every value is
checked here, so a bad one is one line naming the variable before anything was written.

| variable | default | meaning |
|---|---|---|
| COUNCIL_HOME | ./.council | data directory: SQLite file, documents, outbox, feeds, archived inputs |
| COUNCIL_DATABASE_URL | sqlite:///$COUNCIL_HOME/council.db | SQLAlchemy URL; PostgreSQL as postgresql+psycopg://… |
| COUNCIL_CYCLE_FILE | calendar/cycle.yaml | the yearly cycle's rules |
| COUNCIL_REFERENCE_DIR | reference/ | organisations, roster, wording and other reference data |
| COUNCIL_OFFICE_FILE | office.yaml in the reference folder | the letterhead (sender, section, 文書番号 format) |
| COUNCIL_CODE | yamagata | which council this installation runs |
| COUNCIL_ACTOR | $USER or 'secretariat' | who is recorded in the audit log for CLI actions |
| COUNCIL_APPROVAL | on | whether meeting documents wait for the secretariat's approval before issue |
| COUNCIL_APPROVAL_TIMEOUT, COUNCIL_APPROVAL_POLL_SECONDS | 3600, 5 | how long / how often a paused run waits |
| COUNCIL_DELIVERY_CHANNEL | outbox | outbox (.eml files under COUNCIL_HOME/outbox) or smtp (COUNCIL_SMTP_*) |
| COUNCIL_UNDELIVERABLE | fail | recipients without an address: `fail` the sending, or `record` them as undeliverable |
| COUNCIL_MAIL_FROM, …, COUNCIL_SMTP_*, COUNCIL_FEED_* | see council/delivery and council/feeds/config.py | |
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from council.delivery.channels import SmtpSettings
from council.delivery.message import MailSettings
from council.delivery.recipients import UndeliverablePolicy
from council.errors import InputError
from council.feeds.config import FeedConfig, load_feed_config
from council.resources import data_dir
from models.enums import Channel

ENVIRONMENT = "environment"
SecretResolver = Callable[[str], str]  # a Prefect Secret block's name → its value (only a flow can read one)
_Enum = TypeVar("_Enum", bound=StrEnum)
_ON = frozenset({"on", "1", "true", "yes"})
_OFF = frozenset({"off", "0", "false", "no"})


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    cycle_file: Path
    reference_dir: Path
    office_file: Path
    council_code: str
    actor: str
    approval: bool = True
    approval_timeout_seconds: int = 3600
    approval_poll_seconds: int = 5
    channel: Channel = Channel.outbox
    undeliverable: UndeliverablePolicy = UndeliverablePolicy.fail
    mail: MailSettings = field(default_factory=MailSettings)
    feeds: FeedConfig = field(default_factory=FeedConfig)
    # COUNCIL_SMTP_* as given (checked): the transport is built where it is opened, since a password may live in a
    # Prefect Secret block that only a flow can read.
    smtp_environment: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def documents_dir(self) -> Path:
        return self.home / "documents"

    @property
    def outbox_dir(self) -> Path:
        return self.home / "outbox"

    @property
    def feeds_dir(self) -> Path:
        return self.home / "feeds"

    @property
    def inbox_dir(self) -> Path:
        return self.home / "inbox"

    @property
    def archive_dir(self) -> Path:
        return self.home / "archive"

    def reference_file(self, name: str) -> Path:
        """`name` in the configured reference folder, else the packaged one (a folder may override some files)."""
        configured = self.reference_dir / name
        return configured if configured.is_file() else data_dir("reference") / name

    def smtp(self, *, secret_resolver: SecretResolver | None = None) -> SmtpSettings:
        return SmtpSettings.from_env(self.smtp_environment, secret_resolver=secret_resolver)


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "secretariat"


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise InputError(f"{value!r} is not on or off", file=ENVIRONMENT, field=name)


def _whole_number(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{raw!r} is not a whole number", file=ENVIRONMENT, field=name) from None
    if value < minimum:
        raise InputError(f"{value} is below the minimum {minimum}", file=ENVIRONMENT, field=name)
    return value


def _choice(env: Mapping[str, str], name: str, enum: type[_Enum], default: _Enum) -> _Enum:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    try:
        return enum(raw)
    except ValueError:
        choices = " or ".join(member.value for member in enum)
        raise InputError(f"{raw!r} is not {choices}", file=ENVIRONMENT, field=name) from None


def _existing_file(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = env.get(name, "").strip()
    path = Path(raw).expanduser() if raw else default
    if not path.is_file():
        raise InputError(f"{path} is not a readable file", file=ENVIRONMENT, field=name)
    return path


def _existing_dir(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = env.get(name, "").strip()
    path = Path(raw).expanduser() if raw else default
    if not path.is_dir():
        raise InputError(f"{path} is not a folder", file=ENVIRONMENT, field=name)
    return path


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Every setting from `environ` (default: the process environment), checked; InputError names the variable."""
    env = dict(os.environ) if environ is None else dict(environ)
    home = Path(env.get("COUNCIL_HOME") or ".council").expanduser().resolve()
    reference_dir = _existing_dir(env, "COUNCIL_REFERENCE_DIR", data_dir("reference"))
    packaged_office = reference_dir / "office.yaml"
    if not packaged_office.is_file():
        packaged_office = data_dir("reference") / "office.yaml"
    council_code = env.get("COUNCIL_CODE", "").strip() or "yamagata"
    channel = _choice(env, "COUNCIL_DELIVERY_CHANNEL", Channel, Channel.outbox)
    smtp_environment = {name: value for name, value in env.items() if name.startswith("COUNCIL_SMTP_")}
    if channel is Channel.smtp:
        SmtpSettings.from_env(smtp_environment, secret_resolver=lambda _block: "")  # checks every COUNCIL_SMTP_*
    try:
        mail = MailSettings.from_env(env)
        mail.sender()
    except ValueError as error:
        raise InputError(str(error), file=ENVIRONMENT, field="COUNCIL_MAIL_FROM") from None
    return Settings(
        home=home,
        database_url=env.get("COUNCIL_DATABASE_URL") or f"sqlite:///{home / 'council.db'}",
        cycle_file=_existing_file(env, "COUNCIL_CYCLE_FILE", data_dir("calendar") / "cycle.yaml"),
        reference_dir=reference_dir,
        office_file=_existing_file(env, "COUNCIL_OFFICE_FILE", packaged_office),
        council_code=council_code,
        actor=env.get("COUNCIL_ACTOR") or _default_actor(),
        approval=_switch(env, "COUNCIL_APPROVAL", True),
        approval_timeout_seconds=_whole_number(env, "COUNCIL_APPROVAL_TIMEOUT", 3600, minimum=1),
        approval_poll_seconds=_whole_number(env, "COUNCIL_APPROVAL_POLL_SECONDS", 5, minimum=1),
        channel=channel,
        undeliverable=_choice(env, "COUNCIL_UNDELIVERABLE", UndeliverablePolicy, UndeliverablePolicy.fail),
        mail=mail,
        feeds=load_feed_config(env, council_code=council_code),
        smtp_environment=smtp_environment,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment (entry points only: the CLI, the flows, the web app)."""
    return load_settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
