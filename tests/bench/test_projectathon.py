"""bench/projectathon.py runs to completion on a tiny size (``--quick``: 3 teams against one ``sandbox up``):
no failure, and the isolation check finds no leak. No timing is asserted (docs/benchmarks.md has the figures)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_projectathon_bench_runs_three_teams_with_no_failure_and_no_leak() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    run = subprocess.run([sys.executable, "bench/projectathon.py", "--quick"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 tenants created" in run.stdout
    journeys = len(list((ROOT / "scenarios" / "journeys").glob("*.yaml")))  # the whole library, journey 4 included
    assert f"{3 * journeys} scenario runs (3 teams x {journeys} journeys" in run.stdout
    assert "failures: 0" in run.stdout
    assert "isolation: OK (3 tenants," in run.stdout, run.stdout
