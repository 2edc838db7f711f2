"""What every use case is given: the settings, the clock, who acts, the database and the delivery channel.

An action the secretariat or the clock takes (plan, pin, cancel, kick off the survey, send reminders, prepare a
meeting …) is one function in council/ that receives a `Context` and returns what it did. The entry points build the
context — the CLI and the web console with the wall clock and the person's name, a flow with its run's day and
`flow:<name>` — and nothing below them reads the environment or the clock.

A use case made of several steps runs each step in a transaction of its own through `ctx.step`: directly for the CLI
and the web, as an observable Prefect task in a flow (flows/common.py gives the runner). Every step is idempotent, so
a run killed between two steps and started again finishes the job without doing anything twice — and the CLI and a
flow doing the same action leave the same rows.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from council.clock import TOKYO
from council.config import Settings
from council.delivery.channels import Transport
from council.errors import TransientError
from models.db import session_scope

_Result = TypeVar("_Result")
SIMULATED_HOUR = time(9, 0)


@dataclass(frozen=True)
class Clock:
    """The day an action acts for (Asia/Tokyo) and the instant it stamps on what it writes (aware, UTC); `real` is
    the wall-clock time the entry point read, for what must never be dated ahead of it (a feed's Last-Modified)."""

    today: date
    now: datetime
    wall_time: datetime | None = None  # set when `now` is not the wall clock (a simulated or caught-up day)

    @property
    def real(self) -> datetime:
        return self.wall_time or self.now

    @classmethod
    def wall(cls, now: datetime) -> Clock:
        return cls(today=now.astimezone(TOKYO).date(), now=now.astimezone(UTC))

    @classmethod
    def on(cls, day: date, *, wall_time: datetime | None = None) -> Clock:
        """A day other than today (a simulation, a catch-up by hand): that day at 09:00 in Tokyo."""
        now = datetime.combine(day, SIMULATED_HOUR, tzinfo=TOKYO).astimezone(UTC)
        return cls(today=day, now=now, wall_time=wall_time)


class StepRunner(Protocol):
    """Runs one step of a use case: `name` is what a person sees (a Prefect task's name)."""

    def __call__(self, name: str, function: Callable[..., _Result], /, *args: Any, **kwargs: Any) -> _Result: ...


CONFLICT_ATTEMPTS = 5


def run_directly(name: str, function: Callable[..., _Result], /, *args: Any, **kwargs: Any) -> _Result:
    """The CLI's and the web console's runner: call the step, and call it again when a concurrent writer won a race
    (a unique key taken first, a lock): steps are idempotent, so the second call finds what the other one wrote —
    as a flow's task is retried."""
    return retry_conflicts(lambda: function(*args, **kwargs))


def retry_conflicts(
    function: Callable[[], _Result], *, attempts: int = CONFLICT_ATTEMPTS, pause: float = 0.2
) -> _Result:
    """Run `function` (which opens its own transactions) again when a concurrent writer won a race, or when it was
    not done yet for a passing reason (TransientError)."""
    for attempt in range(1, attempts + 1):
        try:
            return function()
        except (IntegrityError, OperationalError, TransientError):
            if attempt == attempts:
                raise
            clock.sleep(pause * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


TransportFactory = Callable[[], Transport]


@dataclass(frozen=True)
class Context:
    settings: Settings
    clock: Clock
    actor: str
    engine: Engine
    open_transport: TransportFactory
    flow_run_id: str | None = None
    step: StepRunner = run_directly

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends normally, rolled back on any exception."""
        with session_scope(self.engine) as session:
            yield session

    def on(self, day: date) -> Context:
        """The same context acting for another day (a catch-up, a simulated day)."""
        return replace(self, clock=Clock.on(day, wall_time=self.clock.real))

    def acting_as(self, actor: str) -> Context:
        return replace(self, actor=actor)
