"""Where Prefect keeps its state when the CLI runs flows in-process.

Embedded default (no PREFECT_API_URL configured): Prefect starts a temporary local server for the process; we point
its database and its result storage at COUNCIL_HOME/prefect, so everything a run leaves stays under COUNCIL_HOME
(and `council approve` in another shell finds the same runs). Heartbeats are off there: they exist so that a server
can notice a dead worker, and each one makes a local flow run wait up to a second at its end.

With PREFECT_API_URL set (a `prefect server start` or Prefect Cloud), nothing is changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    PREFECT_HOME,
    PREFECT_LOCAL_STORAGE_PATH,
    PREFECT_SERVER_ANALYTICS_ENABLED,
    PREFECT_SERVER_DATABASE_CONNECTION_URL,
    temporary_settings,
)


def embedded_prefect_home(council_home: Path) -> Path:
    return council_home / "prefect"


def uses_embedded_server() -> bool:
    return not PREFECT_API_URL.value()


@contextmanager
def local_prefect(council_home: Path, *, quiet: bool = False) -> Iterator[None]:
    """Run the block with Prefect's embedded state under `council_home` (see the module doc); `quiet` keeps
    Prefect's per-run log lines off the console (warnings and errors still show)."""
    with ExitStack() as stack:
        if uses_embedded_server():
            home = embedded_prefect_home(council_home)
            home.mkdir(parents=True, exist_ok=True)
            stack.enter_context(
                temporary_settings(
                    updates={
                        PREFECT_HOME: home,
                        PREFECT_SERVER_DATABASE_CONNECTION_URL: f"sqlite+aiosqlite:///{home / 'prefect.db'}",
                        PREFECT_LOCAL_STORAGE_PATH: home / "storage",
                        PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
                        PREFECT_SERVER_ANALYTICS_ENABLED: False,
                    }
                )
            )
        if quiet:
            stack.enter_context(_quiet_prefect_logs())
        yield


@contextmanager
def _quiet_prefect_logs() -> Iterator[None]:
    """Prefect's INFO lines off; kept off after the block too, as the temporary server logs its stop at exit."""
    for name in ("prefect", "prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(name).setLevel(logging.WARNING)
    yield
