"""The secretariat's main trigger: `survey-kickoff` on a warm Prefect server, from trigger to last delivery.

    .venv/bin/python bench/kickoff_bench.py [--runs 3] [--skip-worker]

Starts a real Prefect server (`prefect server start`, its own PREFECT_HOME) and a council home (SQLite, outbox) with
the demo contacts and the years 2026… planned; every run kicks off the survey of a fresh fiscal year on its opening
day (35 letters with their forms), so no run finds the work done. Three ways in, each timed from the trigger to the
flow run's completion (its last delivery written):

- flow call     — the flow called in a process that has already imported the code and run one flow (a warm caller:
                  what a web console or a long-lived service sees);
- CLI           — `council survey kickoff` as a new process (imports and settings included);
- process worker — `prefect deployment run` of the deployed `survey-kickoff` picked up by `prefect worker start`
                  (a new process per run); reported with the worker's pick-up delay apart (its polling interval,
                  PREFECT_WORKER_QUERY_SECONDS, set here to 1 s and to Prefect's default 10 s).

Medians of --runs runs each; the reference beside them is a trivial flow through the same path, measured in the same
run (the floor of the orchestration itself). Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
FIRST_FY = 2026

WARM_CALLER = """
import sys, time
from datetime import date
from prefect import flow
from flows.survey import survey_kickoff

@flow(name="bench-noop")
def noop() -> int:
    return 1

noop()  # warm: the client, the server's connection, the imports
for argument in sys.argv[1:]:
    year, opens = int(argument.split(":")[0]), argument.split(":")[1]
    started = time.perf_counter()
    noop()
    floor = time.perf_counter() - started
    started = time.perf_counter()
    report = survey_kickoff(year, as_of=date.fromisoformat(opens))
    print(f"{year} {time.perf_counter() - started:.3f} {floor:.3f} {report.sent}", flush=True)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(args: list[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@contextmanager
def prefect_server(folder: Path) -> Iterator[dict[str, str]]:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PREFECT_", "COUNCIL_"))}
    env |= {
        "PREFECT_HOME": str(folder / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "COUNCIL_APPROVAL": "off",
        "COUNCIL_ACTOR": "bench",
    }
    with (folder / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        started = time.perf_counter()
        while not healthy(env["PREFECT_API_URL"]):
            if server.poll() is not None or time.perf_counter() - started > 300:
                sys.exit((folder / "server.log").read_text(encoding="utf-8"))
            time.sleep(0.5)
        print(f"Prefect server up in {time.perf_counter() - started:.1f} s", flush=True)
        yield env
    finally:
        stop(server)


def healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def council_home(env: dict[str, str], folder: Path, years: list[int]) -> dict[str, str]:
    """A fresh council home with the demo contacts and `years` planned; notes each year's opening day."""
    env = env | {"COUNCIL_HOME": str(folder)}
    run([str(BIN / "council"), "init"], env)
    run([str(BIN / "council"), "contacts", "import", "--demo"], env)
    for year in years:
        plan = json.loads(run([str(BIN / "council"), "plan", "--fy", str(year), "--format", "json"], env).stdout)
        OPENS[year] = date.fromisoformat(next(task["due"] for task in plan["tasks"] if task["id"] == "survey:open"))
    return env


OPENS: dict[int, date] = {}  # fiscal year → the survey's opening day (survey:open), a business day


def warm_caller(env: dict[str, str], years: list[int]) -> tuple[list[float], list[float]]:
    arguments = [f"{year}:{OPENS[year].isoformat()}" for year in years]
    output = run([str(BIN / "python"), "-c", WARM_CALLER, *arguments], env).stdout
    rows = [line.split() for line in output.splitlines() if line[:4].isdigit()]
    return [float(row[1]) for row in rows], [float(row[2]) for row in rows]


def cli(env: dict[str, str], years: list[int]) -> tuple[list[float], list[float]]:
    kickoffs, floors = [], []
    for year in years:
        started = time.perf_counter()
        run([str(BIN / "council"), "--help"], env)
        floors.append(time.perf_counter() - started)
        started = time.perf_counter()
        run([str(BIN / "council"), "survey", "kickoff", "--fy", str(year), "--as-of", OPENS[year].isoformat()], env)
        kickoffs.append(time.perf_counter() - started)
    return kickoffs, floors


def through_worker(env: dict[str, str], years: list[int], query_seconds: int) -> tuple[list[float], list[float]]:
    """Deployment runs picked up by a process worker: (trigger → completed, of which waiting to be picked up)."""
    env = env | {"PREFECT_WORKER_QUERY_SECONDS": str(query_seconds)}
    log_path = Path(env["COUNCIL_HOME"]) / f"worker-{query_seconds}.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [str(BIN / "prefect"), "worker", "start", "--pool", "council-pool"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    totals, pickups = [], []
    try:
        time.sleep(query_seconds + 3)  # the worker has started polling
        api = env["PREFECT_API_URL"]
        deployment = httpx.get(f"{api}/deployments/name/survey-kickoff/survey-kickoff", timeout=30).json()
        for year in years:
            started = time.perf_counter()
            created = httpx.post(
                f"{api}/deployments/{deployment['id']}/create_flow_run",
                json={"parameters": {"fiscal_year": year, "as_of": OPENS[year].isoformat()}},
                timeout=30,
            ).json()
            picked = None
            while True:
                state = httpx.get(f"{api}/flow_runs/{created['id']}", timeout=30).json()["state"]["type"]
                if picked is None and state not in ("SCHEDULED", "PENDING"):
                    picked = time.perf_counter() - started
                if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                    break
                time.sleep(0.1)
            if state != "COMPLETED":
                sys.exit(f"the kickoff of {year} ended {state}; see {log_path}")
            totals.append(time.perf_counter() - started)
            pickups.append(picked or 0.0)
    finally:
        stop(worker)
    return totals, pickups


def line(label: str, values: list[float], note: str) -> str:
    runs = ", ".join(f"{value:.2f}" for value in values)
    return f"{label:>34}: median {statistics.median(values):6.2f} s  ({runs})  {note}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-worker", action="store_true", help="only the flow call and the CLI")
    args = parser.parse_args()
    count = args.runs
    years = list(range(FIRST_FY, FIRST_FY + 3 * count + 1))
    with tempfile.TemporaryDirectory(prefix="kickoff-bench-") as name, prefect_server(Path(name)) as server:
        env = council_home(server, Path(name) / "council", years)
        warm, noop = warm_caller(env, years[:count])
        commands, helps = cli(env, years[count : 2 * count])
        print(line("flow call, warm caller", warm, "(35 letters and forms, issued and delivered)"))
        print(line("reference: a no-op flow, same caller", noop, ""))
        print(line("CLI `council survey kickoff`", commands, "(a new process)"))
        print(line("reference: `council --help`", helps, ""))
        if not args.skip_worker:
            run([str(BIN / "prefect"), "work-pool", "create", "council-pool", "--type", "process"], env)
            run([str(BIN / "prefect"), "deploy", "--name", "survey-kickoff", "--no-prompt"], env)
            rest = years[2 * count :]
            for query_seconds, chosen in ((1, rest[:count]), (10, rest[count:] or rest[:1])):
                totals, pickups = through_worker(env, chosen, query_seconds)
                print(line(f"process worker, polling {query_seconds} s", totals, "trigger → completed"))
                print(line("of which waiting to be picked up", pickups, ""))
        shutil.rmtree(Path(name) / "council", ignore_errors=True)


if __name__ == "__main__":
    main()
