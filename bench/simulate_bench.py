"""The main job's cost: `council simulate --fy 2026` on the embedded defaults, from nothing, then run again.

    .venv/bin/python bench/simulate_bench.py [--fy 2026] [--seed 1]

Runs the CLI in a child process with a fresh temporary COUNCIL_HOME (SQLite, a temporary Prefect server whose state
lives in COUNCIL_HOME/prefect, the outbox), and reports wall time, peak RSS (the largest of the CLI process and the
temporary Prefect server it starts, RUSAGE_CHILDREN), how many days were ticked, and the second run (which must
change nothing). Asserts nothing; speed targets do not belong in tests.

Measured here (2 cores shared with other jobs; IPAex fonts with libharfbuzz-subset0), FY2026, seed 1:

    first run   : 92-102 s wall (about 15 s of it starting the temporary Prefect server), 58 days ticked,
                  21 current documents, 601 deliveries, 57 feeds; peak RSS 288 MB
    second run  : 3.4 s wall (finds the year closed: no Prefect server, no flow run), nothing changed

Where the first run's time goes (cProfile, same machine): delivery 27 s (601 messages built and written to the
outbox, ~45 ms each), Prefect flow and task runs ~30 s (about 200 flow runs, 0.1-0.3 s each against the local
server), documents ~10 s (PDF and DOCX), feeds 9 s (56 publishes), the rest bookkeeping.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COUNCIL = ROOT / ".venv" / "bin" / "council"


def run(home: Path, fy: int, seed: int) -> tuple[float, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("COUNCIL_", "PREFECT_"))}
    env |= {"COUNCIL_HOME": str(home), "COUNCIL_ACTOR": "bench"}
    started = time.perf_counter()
    result = subprocess.run(
        [str(COUNCIL), "simulate", "--fy", str(fy), "--seed", str(seed)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"simulate failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return elapsed, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fy", type=int, default=2026)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="simulate-bench-") as folder:
        home = Path(folder) / "council"
        first, output = run(home, args.fy, args.seed)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux
        ticked = len(re.findall(r"^  ticked ", output, flags=re.MULTILINE))
        summary = [line for line in output.splitlines() if not line.startswith("  ticked")][-9:]
        second, again = run(home, args.fy, args.seed)
        print(f"first run : {first:6.1f} s wall, {ticked} days ticked, peak RSS of a child process {peak_mb:.0f} MB")
        print("\n".join(f"            {line}" for line in summary))
        print(f"second run: {second:6.1f} s wall — {'nothing to do' if 'nothing to do' in again else 'RAN AGAIN'}")


if __name__ == "__main__":
    main()
