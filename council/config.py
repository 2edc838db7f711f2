"""Settings: documented defaults, overridden by COUNCIL_* environment variables.

| variable | default | meaning |
|---|---|---|
| COUNCIL_HOME | ./.council | data directory: SQLite file, documents, outbox, feeds, archived inputs |
| COUNCIL_DATABASE_URL | sqlite:///$COUNCIL_HOME/council.db | SQLAlchemy URL; PostgreSQL as postgresql+psycopg://… |
| COUNCIL_CYCLE_FILE | calendar/cycle.yaml | the yearly cycle's rules |
| COUNCIL_REFERENCE_DIR | reference/ | organisations, roster and other reference data |
| COUNCIL_CODE | yamagata | which council this installation runs |
| COUNCIL_ACTOR | $USER or 'secretariat' | who is recorded in the audit log for CLI actions |
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from council.resources import data_dir


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    cycle_file: Path
    reference_dir: Path
    council_code: str
    actor: str

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


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "secretariat"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if environ is None else environ
    home = Path(env.get("COUNCIL_HOME", ".council")).expanduser().resolve()
    database_url = env.get("COUNCIL_DATABASE_URL") or f"sqlite:///{home / 'council.db'}"
    cycle_file = Path(env.get("COUNCIL_CYCLE_FILE") or data_dir("calendar") / "cycle.yaml")
    reference_dir = Path(env.get("COUNCIL_REFERENCE_DIR") or data_dir("reference"))
    return Settings(
        home=home,
        database_url=database_url,
        cycle_file=cycle_file,
        reference_dir=reference_dir,
        council_code=env.get("COUNCIL_CODE", "yamagata"),
        actor=env.get("COUNCIL_ACTOR") or _default_actor(),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment when first asked for."""
    return load_settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
