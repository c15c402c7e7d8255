"""bench/journeys.py runs to completion on a tiny size (one round): every scenario passes and the figures are
printed. No timing is asserted: the figures are the benchmark's (docs/benchmarks.md), not a test's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_journeys_bench_runs_one_round_and_every_scenario_passes() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    run = subprocess.run([sys.executable, "bench/journeys.py", "--quick"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    for line in ("(a) -j 1: median", "(b) -j 4: median", "ratio (a)/(b):", "engine overhead", "every scenario passed",
                 "vendor-insi-search       1 The vendor's software"):
        assert line in run.stdout, run.stdout
