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


ENTRYPOINTS = {
    "tick": "flows/tick.py:tick",
    "plan-year": "flows/planning.py:plan_year_flow",
    "survey-kickoff": "flows/survey.py:survey_kickoff",
    "survey-intake": "flows/survey.py:survey_intake",
    "survey-reminders": "flows/survey.py:survey_reminders",
    "survey-close": "flows/survey.py:survey_close",
    "prepare-meeting": "flows/meetings.py:prepare_meeting_flow",
    "record-meeting": "flows/meetings.py:record_meeting_flow",
    "publish-feeds": "flows/planning.py:publish_feeds_flow",
    # the secretariat's by-hand actions, each the same use case as its CLI command
    "cancel-meeting": "flows/meetings.py:cancel_meeting_flow",
    "postpone-meeting": "flows/meetings.py:postpone_meeting_flow",
    "pin-meeting": "flows/planning.py:pin_meeting_flow",
    "complete-task": "flows/secretariat.py:complete_task_flow",
    "move-theme": "flows/secretariat.py:move_theme_flow",
    "revise-document": "flows/secretariat.py:revise_document_flow",
}
# What a person must give when starting each deployment from the UI (the rest have defaults).
REQUIRED_PARAMETERS = {
    "tick": set(),
    "plan-year": set(),
    "publish-feeds": set(),
    "survey-kickoff": {"fiscal_year"},
    "survey-intake": {"fiscal_year"},
    "survey-reminders": {"fiscal_year"},
    "survey-close": {"fiscal_year"},
    "cancel-meeting": {"fiscal_year", "meeting_key", "reason"},
    "postpone-meeting": {"fiscal_year", "meeting_key", "day"},
    "pin-meeting": {"fiscal_year", "meeting_key", "day"},
    "complete-task": {"fiscal_year", "task"},
    "move-theme": {"code", "status"},
    "revise-document": {"document_id", "reason"},
    "prepare-meeting": {"fiscal_year", "meeting_key"},
    "record-meeting": {"fiscal_year", "meeting_key"},
}


def test_every_flow_has_a_deployment_named_after_it() -> None:
    found = deployments()
    assert {name: entry["entrypoint"] for name, entry in found.items()} == ENTRYPOINTS
    for name, entry in found.items():
        flow: Flow[..., object] = load_flow_from_entrypoint(str(ROOT / str(entry["entrypoint"])))
        assert flow.name == name
        assert flow.description, name  # the UI shows it
        schema = flow.parameters.model_dump()
        assert set(schema.get("required", [])) == REQUIRED_PARAMETERS[name], name
        if "as_of" in schema["properties"]:
            assert "as_of" not in schema.get("required", []), name  # defaults to today in Tokyo


def test_schedules_are_in_tokyo() -> None:
    found = deployments()
    assert found["tick"]["schedules"] == [{"cron": "30 8 * * *", "timezone": "Asia/Tokyo", "active": True}]
    assert found["plan-year"]["schedules"] == [{"cron": "0 9 1 2 *", "timezone": "Asia/Tokyo", "active": True}]
    assert found["tick"]["concurrency_limit"] == 1
    # Everything else is started by hand (or by the tick on its day): no schedule of its own.
    assert {name for name, entry in found.items() if "schedules" in entry} == {"tick", "plan-year"}


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
            [
                prefect,
                "deployment",
                "run",
                "survey-kickoff/survey-kickoff",
                "--param",
                "fiscal_year=2026",
                "--param",
                "as_of=2026-04-01",  # the survey's opening day (a business day), whatever day the test runs
                "--watch",
            ],
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
    assert sent == 35  # 4/1: the municipalities' request (the departments' goes when their window opens)
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
