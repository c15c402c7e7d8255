"""Benchmark (issue 11, the scenario engine): wall time of the journey library run as ``sandbox run`` runs it
without ``--target`` (the in-process sandbox of gateway/local_sandbox.py, one event loop for the sandbox and
the runner, a fresh tenant per scenario), with ``-j 1`` and with ``-j 4``, in one run:

  (a) ``-j 1``: median seconds of the suite (``run_suite``: tenants created, every scenario run)
  (b) ``-j 4``: the same, four scenarios at once
  ratio (a) / (b); the tenant creation inside (a) (its wall time less its scenarios' time, per scenario);
  engine overhead: the scenarios' time (awaits left out) over the sum of their exchanges' durations (the
  requests as the runner timed them around each send: what the same requests cost sent directly)
  per step: p50 / p95 / max ms of each ``-j`` (row 0 of a scenario: its logins)

Journey 4 (``vendor-insi-search``, vendor in the loop) runs with its simulated vendor played in-process (its
envelope posted when the await shows its instruction): ``--no-vendor`` leaves it out as ``sandbox run`` does.
Rounds alternate the order of (a) and (b) after one warm-up round; each round's tenants are deleted after it.
``python bench/journeys.py [--rounds 10] [--no-vendor] [--quick]``. A benchmark, not a test: figures of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench._scenarios import Vendor, failures, library, overhead, step_table  # noqa: E402
from core.admin import ADMIN_TOKEN_HEADER  # noqa: E402
from core.population.personas import personas  # noqa: E402
from gateway.local_sandbox import local_sandbox  # noqa: E402
from gateway.run_command import HTTP_TIMEOUT  # noqa: E402
from scenarios.results import RunResult  # noqa: E402
from scenarios.runner.suite import run_suite  # noqa: E402


async def one_run(plans: list, http: httpx.AsyncClient, target: str, jobs: int, vendor: Vendor,
                  admin: str | None) -> tuple[float, RunResult]:
    """(seconds, result) of one suite; its tenants deleted afterwards (outside the time)."""
    began = time.perf_counter()
    result = await run_suite(plans, http=http, target=target, population=personas(), jobs=jobs,
                             admin_token=admin, events=vendor)
    seconds = time.perf_counter() - began
    headers = {ADMIN_TOKEN_HEADER: admin} if admin else {}
    for scenario in result.scenarios:
        await http.delete(f"{target}/_admin/tenants/{scenario.tenant}", headers=headers)
    return seconds, result


async def bench(rounds: int, with_vendor: bool) -> int:
    plans = library(vendor=with_vendor)
    admin = os.environ.get("SANDBOX_ADMIN_TOKEN") or None
    began = time.perf_counter()
    async with local_sandbox() as (target, _), httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        up = time.perf_counter() - began
        vendor = Vendor(target, httpx.AsyncClient(timeout=HTTP_TIMEOUT))
        names = ", ".join(p.scenario.id for p in plans)
        print(f"journey library: {len(plans)} scenarios ({names}); journey 4 "
              f"{'with its simulated vendor in-process' if with_vendor else 'left out'}")
        print(f"in-process sandbox ready in {up:.2f} s at {target}; {rounds} round(s) after 1 warm-up", flush=True)
        await one_run(plans, http, target, 4, vendor, admin)  # warm-up: imports, first-use caches
        times: dict[int, list[float]] = {1: [], 4: []}
        results: dict[int, list[RunResult]] = {1: [], 4: []}
        for number in range(rounds):
            for jobs in ((1, 4) if number % 2 == 0 else (4, 1)):
                seconds, result = await one_run(plans, http, target, jobs, vendor, admin)
                times[jobs].append(seconds)
                results[jobs].append(result)
            print(f"  round {number + 1}/{rounds}: -j 1 {times[1][-1]:.2f} s, -j 4 {times[4][-1]:.2f} s", flush=True)
        await vendor.http.aclose()
    scenarios = {jobs: [s for r in runs for s in r.scenarios] for jobs, runs in results.items()}
    bad = failures(scenarios[1] + scenarios[4])
    one, four = statistics.median(times[1]), statistics.median(times[4])
    print(f"(a) -j 1: median {one:.2f} s (min {min(times[1]):.2f}, max {max(times[1]):.2f})")
    print(f"(b) -j 4: median {four:.2f} s (min {min(times[4]):.2f}, max {max(times[4]):.2f})")
    print(f"ratio (a)/(b): {one / four:.2f}")
    outside = [r.duration_ms - sum(s.duration_ms for s in r.scenarios) for r in results[1]]
    print(f"tenant creation in (a): median {statistics.median(outside) / len(plans):.0f} ms per scenario "
          "(the suite's wall time less its scenarios')")
    wall, sent, count = overhead(scenarios[1])
    print(f"engine overhead (-j 1, awaits left out): scenarios {wall:.0f} ms for {sent:.0f} ms of HTTP "
          f"({count} exchanges): ratio {wall / sent:.2f}, {(wall - sent) / count:.2f} ms per exchange beyond "
          "its request")
    print()
    print("\n".join(step_table({"-j 1": scenarios[1], "-j 4": scenarios[4]})))
    if bad:
        print(f"\n{len(bad)} scenario run(s) did not pass:")
        print("\n".join(bad))
        return 1
    print(f"\nevery scenario passed ({len(scenarios[1]) + len(scenarios[4])} runs)")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--no-vendor", action="store_true", help="leave journey 4 out, as `sandbox run` does")
    parser.add_argument("--quick", action="store_true", help="one round (a smoke run)")
    args = parser.parse_args()
    sys.exit(asyncio.run(bench(1 if args.quick else args.rounds, not args.no_vendor)))


if __name__ == "__main__":
    main()
