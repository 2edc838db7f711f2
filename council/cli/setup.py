"""`council init`: create or upgrade the database and load the reference data. Idempotent."""

from __future__ import annotations

from typing import Annotated

import typer

from council.clock import now_utc
from council.config import get_settings
from council.reference import load_reference
from models.db import engine_for, session_scope, upgrade_to_head


def init(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every changed row.")] = False,
) -> None:
    """Create or upgrade the database to the newest schema and load the reference data (safe to repeat)."""
    settings = get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = engine_for(settings.database_url)
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        report = load_reference(session, settings.reference_dir, now=now_utc(), actor=settings.actor)
    typer.echo(f"database: {engine.url.render_as_string(hide_password=True)} (schema at head)")
    typer.echo(f"reference data from {settings.reference_dir}: {report.summary()}")
    if verbose:
        for line in report.details:
            typer.echo(f"  {line}")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
