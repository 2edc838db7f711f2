"""What every flow shares, on the shared Prefect test server: a flow's context (its day, `flow:<name>` as the actor,
its run id, each step a retried Prefect task followed by a crash checkpoint), and SMTP credentials from a Prefect
Secret block."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from prefect import flow
from prefect.blocks.system import Secret
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from council.clock import today_in_tokyo
from council.config import load_settings
from council.context import Clock
from council.delivery.channels import SmtpSettings
from flows.common import flow_context, load_secret, set_fault_hook, simulated_clock

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_server")]


def test_smtp_password_comes_from_a_prefect_secret_block(council_home: Path) -> None:
    Secret(value="s3cret-from-block").save("council-smtp-password", overwrite=True)
    assert load_secret("council-smtp-password") == "s3cret-from-block"
    env = {
        "COUNCIL_SMTP_HOST": "127.0.0.1",
        "COUNCIL_SMTP_USERNAME": "council",
        "COUNCIL_SMTP_PASSWORD_BLOCK": "council-smtp-password",
    }
    settings = SmtpSettings.from_env(env, secret_resolver=load_secret)
    assert settings.password == "s3cret-from-block"
    assert "s3cret" not in repr(settings)
    # The same through the settings the entry points build once: the block is read only when a flow asks for it.
    council = load_settings({"COUNCIL_HOME": str(council_home), "COUNCIL_DELIVERY_CHANNEL": "smtp", **env})
    assert council.smtp(secret_resolver=load_secret).password == "s3cret-from-block"
    assert "s3cret" not in repr(council)


@flow(name="context-probe")
def probe(as_of: date | None = None) -> tuple[str, str | None, Clock, str]:
    ctx = flow_context(as_of)
    result: str = ctx.step("probe-step", lambda word: word.upper(), "done")
    return ctx.actor, ctx.flow_run_id, ctx.clock, result


def test_a_flow_acts_as_itself_on_its_day_and_runs_each_step_as_a_task(council_home: Path) -> None:
    reached: list[str] = []
    set_fault_hook(reached.append)
    try:
        actor, run_id, clock, result = probe(as_of=date(2026, 6, 17))
    finally:
        set_fault_hook(None)
    assert (actor, result) == ("flow:context-probe", "DONE")
    # Another day than today: 09:00 in Tokyo, with the wall clock kept for what must never be dated ahead of it.
    assert (clock.today, clock.now) == (Clock.on(date(2026, 6, 17)).today, Clock.on(date(2026, 6, 17)).now)
    assert clock.wall_time is not None
    assert clock.wall_time <= datetime.now(UTC)
    assert reached == ["after:probe-step"]
    assert run_id is not None
    with get_client(sync_client=True) as client:
        [run] = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    assert run.state is not None
    assert run.state.is_completed()
    [step] = tasks
    assert step.name.rsplit("-", 1)[0] == "probe-step"
    assert step.empirical_policy.retries == 3  # transient failures are retried (flows.common.TASK_OPTIONS)

    _, _, today, _ = probe()
    assert today.today == today_in_tokyo()
    assert today != Clock.on(today.today)  # today runs on the wall clock …
    with simulated_clock():
        _, _, simulated, _ = probe(as_of=today_in_tokyo())
    assert (simulated.today, simulated.now) == (today_in_tokyo(), Clock.on(today_in_tokyo()).now)  # … except in a
    # simulation
