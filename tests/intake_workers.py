"""What the concurrency tests run in each of their processes: an import of one file, or `council survey inbox`.

Processes come from a forkserver that has imported this module (and with it council's intake and CLI) once, so each
starts in milliseconds; they start their work together at a barrier, and report through a queue."""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import Any

from council.cli.main import app
from council.config import reset_settings
from council.resources import data_dir
from council.survey.intake import IntakeSetup, import_file
from council.survey.taxonomy import TAXONOMY_FILE, load_taxonomy
from models.db import make_engine, session_scope

CONTEXT: ForkServerContext = multiprocessing.get_context("forkserver")
# Python 3.11's forkserver imports these before it sets the parent's sys.path, so only installed modules (and the main
# script, which children would otherwise each run again) can be preloaded; this module is imported by each child.
CONTEXT.set_forkserver_preload(["__main__", "council.cli.main", "council.survey.intake", "models.db"])


def import_one(url: str, home: str, path: str, now: Any, barrier: Any, results: Any) -> None:
    """Import one file as `council survey import FILE` does, and report (outcome, error)."""
    engine = make_engine(url)
    setup = IntakeSetup(
        session_factory=lambda: session_scope(engine),
        council_code="yamagata",
        home=Path(home),
        archive_dir=Path(home) / "archive",
        actor="worker",
        taxonomy=load_taxonomy(data_dir("reference") / TAXONOMY_FILE),
    )
    barrier.wait()
    try:
        report = import_file(Path(path), setup, now=now)
        results.put((report.outcome, report.error, report.replaced_count))
    except BaseException as error:  # the parent counts it as a failure and shows it
        results.put(("crashed", repr(error), 0))
    finally:
        engine.dispose()


def run_cli(arguments: list[str], environment: dict[str, str], barrier: Any, results: Any) -> None:
    """Run one `council …` command in this process and report its exit code."""
    os.environ.update(environment)
    reset_settings()
    barrier.wait()
    try:
        code = app(arguments, standalone_mode=False)
        results.put(code or 0)
    except SystemExit as exit:
        results.put(exit.code)
    except BaseException as error:
        results.put(repr(error))


def run_together(target: Any, argument_lists: list[tuple[Any, ...]], timeout: float = 120) -> list[Any]:
    """Start one process per argument tuple, release them at once, and return what each reported."""
    barrier = CONTEXT.Barrier(len(argument_lists))
    results = CONTEXT.Queue()
    processes = [CONTEXT.Process(target=target, args=(*arguments, barrier, results)) for arguments in argument_lists]
    for process in processes:
        process.start()
    reported = [results.get(timeout=timeout) for _ in processes]
    for process in processes:
        process.join(timeout)
    return reported
