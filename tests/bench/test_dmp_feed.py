"""bench/dmp_feed.py runs to completion on a tiny size (10 requests of each kind at concurrency 1 and 8): every
ITI-65 bundle and every kernel create succeeds (the bench asserts each answer) and the figures are printed. No
timing is asserted: the figures are the benchmark's (docs/benchmarks.md), not a test's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_dmp_feed_bench_runs_both_paths_at_both_concurrencies() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    done = subprocess.run([sys.executable, "bench/dmp_feed.py", "--quick"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    for line in ("concurrency 1, 10 requests each:", "concurrency 8, 10 requests each:", "(a) ITI-65 one-document",
                 "INSi confirmation: ", "(b) kernel create DocumentReference", "ratio (b)/(a) in req/s: "):
        assert line in done.stdout, done.stdout
