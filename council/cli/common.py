"""What every command shares: output formats, printing JSON, and turning InputError into one line on stderr."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from typing import Any

import typer

from council.errors import InputError


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


def parse_date(text: str, option: str) -> date:
    """A YYYY-MM-DD option value; anything else is an InputError naming the option."""
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InputError(f"{option} {text!r} is not a date YYYY-MM-DD")
