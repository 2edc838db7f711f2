"""The main job's cost: `council simulate --fy 2026` on the embedded defaults, from nothing, then run again.

    .venv/bin/python bench/simulate_bench.py [--fy 2026] [--seed 1] [--runs 3] [--reference REV]

Runs the CLI in a child process with a fresh temporary COUNCIL_HOME (SQLite, a temporary Prefect server whose state
lives in COUNCIL_HOME/prefect, the outbox), and reports wall time, peak RSS (the largest of the CLI process and the
temporary Prefect server it starts, RUSAGE_CHILDREN), how many days were ticked, and the second run (which must
change nothing). With --reference, the same simulation of git revision REV (checked out into a temporary worktree
and imported ahead of this checkout, with this checkout's installed libraries) runs alternately with the current
code, so both medians are measured under the same load. Asserts nothing; speed targets do not belong in tests.

Measured here: see bench/README.md ("The simulated year").
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"


@dataclass(frozen=True)
class Run:
    wall: float
    output: str


def simulate(home: Path, fy: int, seed: int, code: Path | None) -> Run:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("COUNCIL_", "PREFECT_"))}
    env |= {"COUNCIL_HOME": str(home), "COUNCIL_ACTOR": "bench"}
    if code is not None:
        env["PYTHONPATH"] = str(code)  # the reference's packages win over this checkout's editable install
    command = [str(PYTHON), "-c", "from council.cli.main import app; app()", "simulate", "--fy", str(fy)]
    started = time.perf_counter()
    result = subprocess.run(
        [*command, "--seed", str(seed)],
        env=env,
        cwd=code or ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"simulate failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return Run(elapsed, result.stdout)


def reference_checkout(revision: str, folder: Path) -> Path:
    target = folder / "reference"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), revision], check=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fy", type=int, default=2026)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="first runs of each variant (the median is reported)")
    parser.add_argument("--reference", help="a git revision to measure alternately, e.g. the commit before a change")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="simulate-bench-") as folder:
        variants: dict[str, Path | None] = {"current": None}
        if args.reference:
            variants[f"reference {args.reference}"] = reference_checkout(args.reference, Path(folder))
        walls: dict[str, list[float]] = {name: [] for name in variants}
        last: dict[str, Run] = {}
        current_home = Path(folder)
        try:
            for index in range(args.runs):
                for name, code in variants.items():
                    home = Path(folder) / f"home-{index}-{len(walls[name])}-{name.split()[0]}"
                    run = simulate(home, args.fy, args.seed, code)
                    walls[name].append(run.wall)
                    last[name] = run
                    if code is None:
                        current_home = home
                    print(f"{name:>24} run {index + 1}: {run.wall:6.1f} s", flush=True)
            again = simulate(current_home, args.fy, args.seed, None)
        finally:
            for code in variants.values():
                if code is not None:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(code)], check=False)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux
        print()
        for name, values in walls.items():
            output = last[name].output
            ticked = len(re.findall(r"^  ticked ", output, flags=re.MULTILINE))
            print(
                f"{name:>24}: median {statistics.median(values):6.1f} s "
                f"(runs: {', '.join(f'{value:.1f}' for value in values)}), {ticked} days ticked"
            )
        summary = [line for line in last["current"].output.splitlines() if not line.startswith("  ticked")][-9:]
        print("\n".join(f"{'':>26}{line}" for line in summary))
        print(f"{'peak RSS of a child':>24}: {peak_mb:.0f} MB")
        verdict = "nothing to do" if "nothing to do" in again.output else "RAN AGAIN"
        print(f"{'second run':>24}: {again.wall:6.1f} s — {verdict}")


if __name__ == "__main__":
    main()
