"""prefect.yaml: one deployment per flow, the schedules in Asia/Tokyo — checked from the file, and (slow) for real:
`prefect server start` on loopback, a process work pool and worker, `prefect deploy --all --no-prompt`, a
`prefect deployment run` of survey-kickoff that completes, and the tick's schedule read back from the API."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml
from prefect.flows import Flow, load_flow_from_entrypoint

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
TOKYO = ZoneInfo("Asia/Tokyo")


def deployments() -> dict[str, dict[str, object]]:
    document = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    return {entry["name"]: entry for entry in document["deployments"]}


def test_every_flow_has_a_deployment_named_after_it() -> None:
    found = deployments()
    assert set(found) == {
        "tick",
        "plan-year",
        "survey-kickoff",
        "survey-intake",
        "survey-reminders",
        "survey-close",
        "prepare-meeting",
        "record-meeting",
        "publish-feeds",
    }
    for name, entry in found.items():
        flow: Flow[..., object] = load_flow_from_entrypoint(str(ROOT / str(entry["entrypoint"])))
        assert flow.name == name


def test_schedules_are_in_tokyo() -> None:
    found = deployments()
    assert found["tick"]["schedules"] == [{"cron": "30 8 * * *", "timezone": "Asia/Tokyo", "active": True}]
    assert found["plan-year"]["schedules"] == [{"cron": "0 9 1 2 *", "timezone": "Asia/Tokyo", "active": True}]
    assert "schedules" not in found["survey-kickoff"]  # hand-triggered (and started by the tick on its day)
    assert found["tick"]["concurrency_limit"] == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@pytest.fixture
def prefect_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A real Prefect server on a free loopback port (PREFECT_HOME in tmp) and a council home planned for 2026."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PREFECT_", "COUNCIL_"))}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "COUNCIL_HOME": str(tmp_path / "council"),
        "COUNCIL_APPROVAL": "off",
        "COUNCIL_ACTOR": "tester",
    }
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(180):
            try:
                if httpx.get(f"{env['PREFECT_API_URL']}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            time.sleep(0.5)
        else:
            raise AssertionError("the Prefect server did not start")
        run([str(BIN / "council"), "init"], env)
        run([str(BIN / "council"), "contacts", "import", "--demo"], env)
        run([str(BIN / "council"), "plan", "--fy", "2026"], env)
        yield env
    finally:
        stop(server)
        log.close()


@pytest.mark.slow
def test_deploy_run_survey_kickoff_and_read_the_tick_schedule(prefect_env: dict[str, str], tmp_path: Path) -> None:
    env = prefect_env
    prefect = str(BIN / "prefect")
    run([prefect, "work-pool", "create", "council-pool", "--type", "process"], env)
    deployed = run([prefect, "deploy", "--all", "--no-prompt"], env, timeout=300)
    assert "survey-kickoff/survey-kickoff" in deployed.stdout

    worker_log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [prefect, "worker", "start", "--pool", "council-pool"],
        env=env,
        cwd=ROOT,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    try:
        result = run(
            [prefect, "deployment", "run", "survey-kickoff/survey-kickoff", "--param", "fiscal_year=2026", "--watch"],
            env,
            timeout=300,
        )
        assert "Completed" in result.stdout, result.stdout
    finally:
        stop(worker)
        worker_log.close()

    with sqlite3.connect(Path(env["COUNCIL_HOME"]) / "council.db") as database:
        sent = database.execute("select count(*) from delivery where status = 'sent'").fetchone()[0]
        opened = database.execute("select status, completed_by from task where key = 'survey:open'").fetchone()
    assert sent > 40
    assert opened == ("done", "flow:survey-kickoff")

    inspected = run([prefect, "deployment", "inspect", "tick/tick"], env).stdout
    assert "'timezone': 'Asia/Tokyo'" in inspected
    assert "'cron': '30 8 * * *'" in inspected
    assert "'work_pool_name': 'council-pool'" in inspected

    api = env["PREFECT_API_URL"]
    with httpx.Client(base_url=api, timeout=10) as client:
        deployment = client.get("/deployments/name/tick/tick").json()
        assert deployment["schedules"][0]["schedule"]["timezone"] == "Asia/Tokyo"
        starts: list[datetime] = []
        for _ in range(60):  # the scheduler service creates the upcoming runs shortly after the deployment
            runs = client.post(
                "/flow_runs/filter",
                json={"flow_runs": {"deployment_id": {"any_": [deployment["id"]]}}, "limit": 5},
            ).json()
            starts = [datetime.fromisoformat(r["expected_start_time"]) for r in runs if r["expected_start_time"]]
            if starts:
                break
            time.sleep(1)
    assert starts
    assert {(start.astimezone(TOKYO).hour, start.astimezone(TOKYO).minute) for start in starts} == {(8, 30)}
