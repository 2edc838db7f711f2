"""What every command shares: the use cases' context (settings checked once, the wall clock or --as-of, the person
acting), output formats, printing JSON, and turning InputError into one line on stderr."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, time
from enum import StrEnum
from typing import Any

import typer

from council.clock import now_utc
from council.config import Settings, get_settings
from council.context import Clock, Context
from council.delivery.channels import Transport, transport_for
from council.errors import InputError
from models import Channel
from models.db import engine_for


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def print_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


@contextmanager
def user_errors() -> Iterator[None]:
    """Print an InputError as one clear line on stderr and exit 2; nothing has been written by then."""
    try:
        yield
    except InputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def echo_lines(lines: list[str]) -> None:
    sys.stdout.write("".join(f"{line}\n" for line in lines))


CommandFn = Callable[..., Any]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_date(text: str, option: str) -> date:
    """A YYYY-MM-DD option value; anything else is an InputError naming the option."""
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InputError(f"{option} {text!r} is not a date YYYY-MM-DD")


def parse_time(text: str, option: str = "--time") -> time:
    """An HH:MM option value; anything else is an InputError naming the option."""
    match = _TIME.match(text)
    if match is None:
        raise InputError(f"{option} {text!r} is not a time HH:MM")
    return time(int(match.group(1)), int(match.group(2)))


def open_transport(settings: Settings) -> Transport:
    """The configured channel (COUNCIL_DELIVERY_CHANNEL). The CLI reads the SMTP password from the environment; a
    Prefect Secret block (COUNCIL_SMTP_PASSWORD_BLOCK) is only read inside a flow."""
    smtp = settings.smtp() if settings.channel is Channel.smtp else None
    return transport_for(settings.channel, outbox_root=settings.outbox_dir, smtp=smtp)


def cli_context(as_of: date | None = None, *, settings: Settings | None = None) -> Context:
    """The context of a command: the settings (checked), the wall clock (or the day given with --as-of, at 09:00
    Tokyo time), the person running it (COUNCIL_ACTOR), the configured database and channel."""
    chosen = settings or get_settings()
    return Context(
        settings=chosen,
        clock=Clock.wall(now_utc()) if as_of is None else Clock.on(as_of, wall_time=now_utc()),
        actor=chosen.actor,
        engine=engine_for(chosen.database_url),
        open_transport=lambda: open_transport(chosen),
    )
