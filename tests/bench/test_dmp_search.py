"""bench/dmp_search.py runs to completion on a tiny size (2,000 documents, 200 DMPs, 50 searches): it
generates its cached database, searches through the gateway and directly, and prints the figures. No timing is
asserted: the figures are the benchmark's (docs/benchmarks.md), not a test's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(cache: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    done = subprocess.run([sys.executable, "bench/dmp_search.py", "--quick", "--cache-dir", str(cache)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_dmp_search_bench_generates_its_data_then_reuses_it(tmp_path: Path) -> None:
    first = run(tmp_path)
    assert "generating 200 DMPs and 2,000 documents" in first, first
    for line in ("(a) ITI-67 through the gateway", "(b) kernel search, direct", "(c) kernel search + the access filter",
                 "target p95 <= 20 ms: ", "ratios (p50): (a)/(b)"):
        assert line in first, first
    assert (tmp_path / "dmp-search-200p-2000d" / "bench-meta.json").exists()
    second = run(tmp_path)
    assert "generating" not in second and "target p95 <= 20 ms: " in second, second
