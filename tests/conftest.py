"""Shared fixtures: a data directory per test, and a migrated database on SQLite and on PostgreSQL.

PostgreSQL comes from COUNCIL_TEST_POSTGRES_URL (default: the local server's `test` database). Each pytest worker
gets a database of its own, migrated once; each test starts from empty tables. Without a reachable server the
PostgreSQL cases are skipped — except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from council.cli.common import open_transport
from council.clock import now_utc
from council.config import load_settings, reset_settings
from council.context import Clock, Context
from models.db import engine_for, make_engine, upgrade_to_head

# The session-wide Prefect test server and the flow tests' fixtures (flows/ tests only start it when they use it).
pytest_plugins = ["prefect_harness"]

POSTGRES_ADMIN_URL = os.environ.get("COUNCIL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file; tests copy it instead of migrating again."""
    path = tmp_path_factory.mktemp("sqlite-template") / "council.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database for this worker."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    # The process id too: several pytest runs may share one server (developers working side by side).
    name = f"council_test_{_worker()}_{os.getpid()}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error.__class__.__name__}")
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def council_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """COUNCIL_HOME in a temp dir, with a SQLite database there; settings re-read from the environment."""
    home = tmp_path / "council-home"
    monkeypatch.setenv("COUNCIL_HOME", str(home))
    monkeypatch.setenv("COUNCIL_DATABASE_URL", f"sqlite:///{home / 'council.db'}")
    monkeypatch.setenv("COUNCIL_ACTOR", "tester")
    reset_settings()
    yield home
    reset_settings()


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, council_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """An empty, migrated database — once on SQLite, once on PostgreSQL — that the settings point at."""
    if request.param == "sqlite":
        path = council_home / "council.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        _truncate_all(engine_for(url))
    monkeypatch.setenv("COUNCIL_DATABASE_URL", url)
    reset_settings()
    yield engine_for(url)
    if request.param == "sqlite":
        engine_for(url).dispose()


@pytest.fixture
def sqlite_engine(council_home: Path, sqlite_template: Path) -> Iterator[Engine]:
    """Only SQLite, for tests where the database engine does not matter."""
    path = council_home / "council.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    yield engine_for(url)
    engine_for(url).dispose()


@pytest.fixture
def make_context(engine: Engine) -> Callable[..., Context]:
    """Build a use case's Context on the test database: the settings from the environment the fixtures set, the
    given day (09:00 Tokyo) or the wall clock, the actor 'tester', the outbox channel."""

    def build(day: date | None = None, *, actor: str = "tester", **environment: str) -> Context:
        settings = load_settings({**os.environ, **environment})
        return Context(
            settings=settings,
            clock=Clock.on(day) if day is not None else Clock.wall(now_utc()),
            actor=actor,
            engine=engine,
            open_transport=lambda: open_transport(settings),
        )

    return build
