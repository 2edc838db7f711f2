"""What every flow shares: the use cases' context (settings, clock, actor, database, channel), the step runner that
makes each step of a use case an observable Prefect task, artifacts, events and retries.

A flow is an entry point: it builds the settings once (checked before any work), the clock from its `as_of`
parameter (default today in Asia/Tokyo; for today `now` is the wall clock, for any other date — the simulation, a
catch-up by hand — that day at 09:00 in Tokyo), and acts as `flow:<flow name>`. Below it, nothing reads the clock or
the environment.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from functools import cache, partial
from typing import Any, TypeVar, cast

from prefect import runtime, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.blocks.system import Secret
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort
from prefect.context import FlowRunContext
from prefect.events import emit_event

from council.clock import now_utc, today_in_tokyo
from council.config import Settings, get_settings
from council.context import Clock, Context
from council.delivery.channels import Transport, transport_for
from council.errors import InputError
from models import Channel
from models.db import engine_for

_Result = TypeVar("_Result")
# Transient failures (a locked SQLite file, a dropped connection, an SMTP relay saying "try later") are retried with
# backoff; an InputError is a person's mistake and is never retried.
RETRY_DELAYS = [2, 10, 30]
ARTIFACT_KEY = re.compile(r"^[a-z0-9-]*$")
EVENT_NAMESPACE = uuid.UUID("5b1e4c1a-2f0c-4a51-9d0e-3c2a7d5e8f10")


class NotRetriedError(Exception):
    """Base of failures that a retry cannot cure (tests derive their simulated crashes from it)."""


def no_retry_for_input_errors(task: Any, task_run: Any, state: Any) -> bool:
    """retry_condition_fn: retry anything but an InputError (bad data stays bad) or a NotRetriedError."""
    try:
        state.result()
    except (InputError, NotRetriedError):
        return False
    except Exception:
        return True
    return True


# Options of every task that touches the database or a channel: retried with backoff, never cached by Prefect
# (our database decides what is done).
TASK_OPTIONS: dict[str, Any] = {
    "retries": 3,
    "retry_delay_seconds": RETRY_DELAYS,
    "retry_condition_fn": no_retry_for_input_errors,
    "cache_policy": NO_CACHE,
}

_simulated = False


@contextmanager
def simulated_clock() -> Iterator[None]:
    """Within the block, every `as_of` is simulated, even today's: `now` is always that day at 09:00 in Tokyo, so
    a simulated year is the same whatever day it is run on."""
    global _simulated
    previous, _simulated = _simulated, True
    try:
        yield
    finally:
        _simulated = previous


def run_clock(as_of: date | None) -> Clock:
    """The day a run acts for, and the instant it stamps on what it writes."""
    today = today_in_tokyo()
    if as_of is None or (as_of == today and not _simulated):
        return Clock.wall(now_utc())
    return Clock.on(as_of, wall_time=now_utc())


def flow_run_id() -> str | None:
    value = runtime.flow_run.get_id()
    return str(value) if value else None


def flow_actor() -> str:
    """Who a flow's changes are recorded as: 'flow:<flow name>'."""
    return f"flow:{runtime.flow_run.get_flow_name() or 'unknown'}"


def running_as_deployment() -> bool:
    """Whether the current flow run was created from a deployment (a child flow called in-process was not)."""
    context = FlowRunContext.get()
    return bool(context and context.flow_run and context.flow_run.deployment_id)


def load_secret(block_name: str) -> str:
    """The value of a Prefect Secret block (COUNCIL_SMTP_PASSWORD_BLOCK): credentials stay in Prefect, not in env."""
    secret = cast("Secret[str]", Secret.load(block_name, _sync=True))  # type: ignore[call-arg]  # sync_compatible switch
    return str(secret.get())


def open_transport(settings: Settings) -> Transport:
    """The configured channel's transport; the caller closes it. Tests replace this to inject failures."""
    smtp = settings.smtp(secret_resolver=load_secret) if settings.channel is Channel.smtp else None
    return transport_for(settings.channel, outbox_root=settings.outbox_dir, smtp=smtp)


@cache
def _step_task(name: str) -> Any:
    def run(call: Callable[[], Any]) -> Any:
        return call()

    return task(name=name, **TASK_OPTIONS)(run)


def prefect_step(name: str, function: Callable[..., _Result], /, *args: Any, **kwargs: Any) -> _Result:
    """A use case's step as a Prefect task named `name` (retried on transient failures), then a checkpoint where a
    test may simulate a crash ('after:<name>')."""
    result = cast("_Result", _step_task(name)(partial(function, *args, **kwargs)))
    checkpoint(f"after:{name}")
    return result


def flow_context(as_of: date | None, settings: Settings | None = None) -> Context:
    """The context of the running flow: its settings (checked now, before any work), its day, `flow:<name>` as the
    actor, its run id on every record, each step a task."""
    chosen = settings or get_settings()
    return Context(
        settings=chosen,
        clock=run_clock(as_of),
        actor=flow_actor(),
        engine=engine_for(chosen.database_url),
        open_transport=lambda: transport_opener(chosen),
        flow_run_id=flow_run_id(),
        step=prefect_step,
    )


# Tests replace this to inject channel failures.
transport_opener: Callable[[Settings], Transport] = open_transport


# ------------------------------------------------------------------------------------------------- fault injection

FaultHook = Callable[[str], None]
_fault_hook: FaultHook | None = None


def set_fault_hook(hook: FaultHook | None) -> None:
    """Tests install a hook that raises at a named point to simulate a crash there (None removes it)."""
    global _fault_hook
    _fault_hook = hook


def checkpoint(name: str) -> None:
    """A named point in a flow where a test may simulate a crash ('survey-kickoff:after-render' …)."""
    if _fault_hook is not None:
        _fault_hook(name)


# ------------------------------------------------------------------------------------------------- artifacts


def artifact_key(*parts: object) -> str:
    """'survey', 2026, 'progress' → 'survey-2026-progress' (lower case, digits and dashes only)."""
    key = "-".join(re.sub(r"[^a-z0-9]+", "-", str(part).lower()).strip("-") for part in parts if str(part))
    key = re.sub(r"-{2,}", "-", key)
    assert ARTIFACT_KEY.match(key), key
    return key


def publish_markdown(key: str, markdown: str, description: str | None = None) -> None:
    create_markdown_artifact(markdown=markdown, key=key, description=description)


def publish_table(key: str, rows: Sequence[Mapping[str, Any]], description: str | None = None) -> None:
    create_table_artifact(table=[dict(row) for row in rows], key=key, description=description)


def set_progress(key: str, percent: float, description: str) -> None:
    """Update the progress artifact `key` in place (the latest one of that key), or create it."""
    percent = max(0.0, min(100.0, percent))
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.UPDATED_DESC,
            limit=1,
        )
    if found:
        update_progress_artifact(found[0].id, percent, description=description)
    else:
        create_progress_artifact(percent, key=key, description=description)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    def cell(value: object) -> str:
        return str("" if value is None else value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------- events


def resource_id(fiscal_year: int, *parts: str) -> str:
    """'council.2026.survey', 'council.2026.meeting.council-1'."""
    return ".".join(("council", str(fiscal_year), *parts))


def emit(event: str, *, resource: str, natural_key: str, payload: Mapping[str, Any] | None = None) -> None:
    """Emit `event` about `resource`. Its id derives from `natural_key`, so a rerun that emits the same fact again
    sends the same event id (Prefect keeps one)."""
    emit_event(
        event=event,
        resource={"prefect.resource.id": resource, "prefect.resource.name": resource},
        payload=dict(payload or {}),
        id=uuid.uuid5(EVENT_NAMESPACE, f"{event}|{natural_key}"),
    )
