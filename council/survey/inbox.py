"""The inbox folder: answer files dropped there are imported one by one and moved to inbox/processed or
inbox/rejected (with <name>.error.txt beside it).

One run at a time per inbox (an exclusive lock on inbox/.lock, released by the system if the process dies), so runs
started at once — two ticks, a tick and `council survey inbox` — import each file once and never trip over each
other's moves. One file never stops another: a bad file, or one the import fails on unexpectedly, is rejected with
its line and the run goes on (see council.survey.intake).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from council.survey.intake import ImportReport, IntakeSetup, import_received, receive, unreadable

LOCK_FILE = ".lock"
PROCESSED = "processed"
REJECTED = "rejected"


def inbox_files(inbox: Path) -> list[Path]:
    """Files waiting in the inbox, by name; hidden files (the lock, half-written copies) and Excel's lock files
    (~$…) are not answers."""
    if not inbox.is_dir():
        return []
    return sorted(
        path
        for path in inbox.iterdir()
        if path.is_file() and not path.name.startswith((".", "~$")) and not path.name.endswith(".part")
    )


@contextmanager
def inbox_lock(inbox: Path) -> Iterator[None]:
    """Wait for, then hold, the inbox's exclusive lock."""
    descriptor = os.open(inbox / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def process_inbox(
    inbox: Path, setup: IntakeSetup, *, now: datetime, fiscal_year: int | None = None
) -> list[ImportReport]:
    """Import every file in the inbox; move each to inbox/processed or inbox/rejected (with <name>.error.txt).

    Safe to re-run: a file interrupted before its move is imported again as a duplicate, which changes nothing."""
    if not inbox.is_dir():
        return []
    reports: list[ImportReport] = []
    with inbox_lock(inbox):
        for path in inbox_files(inbox):
            try:
                received = receive(path, setup.limits)
            except FileNotFoundError:
                continue  # taken away since the folder was listed
            except OSError as error:  # stays where it is: its permissions are the environment's business
                reports.append(unreadable(path, error))
                continue
            report = import_received(received, setup, now=now, fiscal_year=fiscal_year, path=path)
            report.path = _move(path, inbox / (REJECTED if report.outcome == "rejected" else PROCESSED), report)
            reports.append(report)
    return reports


def _move(path: Path, folder: Path, report: ImportReport) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}.{report.sha256[:12]}{path.suffix}"
    path.replace(target)
    if report.error:
        target.with_name(target.name + ".error.txt").write_text(report.error + "\n", encoding="utf-8")
    return target
