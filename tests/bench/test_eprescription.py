"""bench/eprescription.py runs to completion on a tiny size (10 prescriptions and dispensings, 3 lines raced by
20 pharmacists): every answer is checked by the bench, the race gives each line exactly one success, and the
figures are printed. No timing is asserted (docs/benchmarks.md has the figures)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_eprescription_bench_runs_every_part() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANDBOX_", "EPRESCRIPTION_"))}
    done = subprocess.run([sys.executable, "bench/eprescription.py", "--quick"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    for text in ("(a) prescribe, 2 lines", "the feed to Mon espace santé: ", "(b) dispense", "ratio (c)/(b)",
                 "race: 3 lines x 20 pharmacists: 3/3 lines with exactly one 201"):
        assert text in done.stdout, done.stdout
