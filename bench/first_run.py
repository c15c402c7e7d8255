"""Benchmark (issue 10, the first run): how long ``sandbox up`` takes to answer ``/readyz`` 200 on an empty
data directory, beside a bare uvicorn + Starlette app started the same way, in one run.

  (a) ``sandbox up`` on an empty data directory: seconds from spawn to the first ``/readyz`` 200 (aim < 3 s)
  (b) a bare Starlette app under uvicorn: seconds from spawn to its first 200 (the floor: interpreter, uvicorn)
  ratio (a) / (b): what the sandbox itself adds to a start

Each figure is the median of ``--runs`` starts (default 5), alternating (a) and (b) so machine noise hits
both alike: ``python bench/first_run.py [--runs 5]``. This is a benchmark, not a test: on a loaded machine the
absolute figures grow, the ratio much less.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import free_port, start, stop, uvicorn, wait_ready  # noqa: E402


def time_to_ready(name: str, argv: list[str], port: int, path: str, env: dict[str, str]) -> float:
    began = time.monotonic()
    server = start(name, argv, port, env)
    try:
        wait_ready(server, path)
        return time.monotonic() - began
    finally:
        stop([server])


def sandbox_up(workdir: Path, run: int) -> float:
    port = free_port()
    data = workdir / f"empty-{run}"
    argv = [sys.executable, "-m", "gateway.cli", "up", "--port", str(port), "--data-dir", str(data),
            "--log-level", "warning"]
    return time_to_ready("sandbox up", argv, port, "/readyz", {})


def bare() -> float:
    port = free_port()
    return time_to_ready("bare", uvicorn("bench.apps:bare_app", port), port, "/Patient/p1", {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    ups, bares = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            ups.append(sandbox_up(Path(tmp), run))
            bares.append(bare())
            print(f"  run {run + 1}/{runs}: sandbox up {ups[-1]:.2f} s, bare {bares[-1]:.2f} s", flush=True)
    up, floor = statistics.median(ups), statistics.median(bares)
    print(f"(a) sandbox up, empty data dir, to /readyz 200: {up:.2f} s (aim < 3 s)")
    print(f"(b) bare uvicorn + Starlette, to its first 200: {floor:.2f} s")
    print(f"ratio (a)/(b): {up / floor:.2f}")


if __name__ == "__main__":
    main()
