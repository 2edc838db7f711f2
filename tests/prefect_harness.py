"""One Prefect test server for the whole pytest session (it costs ~13 s to start), shared by every flow test.

prefect_test_harness gives the server a temporary database but leaves $PREFECT_HOME/storage (results, cache and
transaction records) where it was: PREFECT_HOME and the result storage go to a temporary folder too, so no test sees
what another session left. Heartbeats are off: in-process runs need none, and each costs a run up to a second.

Use it with `pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_server")]`, and `flow_world` for a
COUNCIL_HOME with the reference data, the DEMO contacts and fiscal year 2026 planned (SQLite).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.settings import (
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    PREFECT_HOME,
    PREFECT_LOCAL_STORAGE_PATH,
    PREFECT_SERVER_ANALYTICS_ENABLED,
    temporary_settings,
)
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy.engine import Engine

from council.clock import now_utc
from council.config import get_settings, reset_settings
from council.planning.rules import load_rules
from council.planning.store import plan_and_store
from council.simulation import install
from flows.common import set_fault_hook
from models.db import session_scope

FISCAL_YEAR = 2026


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    home = tmp_path_factory.mktemp("prefect-home")
    with (
        temporary_settings(
            updates={
                PREFECT_HOME: home,
                PREFECT_LOCAL_STORAGE_PATH: home / "storage",
                PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
                PREFECT_SERVER_ANALYTICS_ENABLED: False,
            }
        ),
        prefect_test_harness(server_startup_timeout=90),
    ):
        yield


@pytest.fixture
def flow_world(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """COUNCIL_HOME (returned) with a SQLite database holding the reference data, the DEMO contacts and the plan of
    FISCAL_YEAR; approvals off unless a test turns them on; no fault hook left behind."""
    monkeypatch.setenv("COUNCIL_APPROVAL", "off")
    reset_settings()
    settings = get_settings()
    with session_scope(sqlite_engine) as session:
        install(session, reference_dir=settings.reference_dir, now=now_utc(), actor="tester")
        plan_and_store(
            session,
            fiscal_year=FISCAL_YEAR,
            rules=load_rules(settings.cycle_file),
            now=now_utc(),
            actor="tester",
            council_code=settings.council_code,
        )
    yield settings.home
    set_fault_hook(None)
    reset_settings()
