"""What the cross-process tests run in each process: a tick, a kickoff or a rendering through the use cases, as the
CLI and the flows call them. Processes come from intake_workers' forkserver (modules imported once)."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from intake_workers import CONTEXT

from council.cli.common import open_transport
from council.config import load_settings
from council.context import Clock, Context
from council.documents.actions import render_documents
from council.survey.actions import kickoff_survey
from council.tick.heartbeat import run_tick
from models.db import make_engine

__all__ = ["CONTEXT", "act"]


def _context(environment: dict[str, str], day: date) -> Context:
    os.environ.update(environment)
    settings = load_settings()
    return Context(
        settings=settings,
        clock=Clock.on(day),
        actor=f"worker-{os.getpid()}",
        engine=make_engine(settings.database_url),
        open_transport=lambda: open_transport(settings),
    )


def act(action: str, environment: dict[str, str], day: date, barrier: Any, results: Any) -> None:
    """Run `action` ('tick', 'kickoff' or 'render') for fiscal year 2026 on `day`; report 'ok' or the error."""
    ctx = _context(environment, day)
    barrier.wait()
    try:
        if action == "tick":
            report = run_tick(ctx, fiscal_year=2026)
            results.put("ok" if not report.failed else f"failed: {report.failed}")
        elif action == "kickoff":
            kickoff_survey(ctx, 2026)
            results.put("ok")
        else:
            render_documents(ctx, fiscal_year=2026, formats=("md",))
            results.put("ok")
    except BaseException as error:  # the parent shows it
        results.put(repr(error))
    finally:
        ctx.engine.dispose()
