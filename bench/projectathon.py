"""Benchmark (issue 11, projectathon scale): one real ``sandbox up`` and 100 teams, each running the journey
library in its own tenant, all at once, then a check that no tenant sees another's exchanges or resources.

The teams ``team-001``..``team-100`` are created first (``POST /_admin/tenants``, timed apart), then the suite
runs as ``sandbox run --target URL --tenant team-001 ... --tenant team-100`` runs it: ``run_suite`` in team
mode, one team's journeys in order in its tenant, every team at once (``-j`` = the teams), one httpx client
as the command's. One client process rather than 100 ``sandbox run`` subprocesses: on this machine's 2 cores,
100 interpreters starting would measure Python's start-up, not the sandbox. Journey 4 runs with its simulated
vendor played in-process (bench/_scenarios.py); ``--no-vendor`` leaves it out.

Prints: tenant creation, total wall time, scenarios/s, exchanges/s, CPU seconds of the sandbox and of this
process, per-step p50 / p95 / max ms (StepResult.duration_ms), every scenario that did not pass, warnings the
sandbox logged, and the isolation check (bench/_isolation.py). Exit status 1 on a failure or a leak.
``python bench/projectathon.py [--teams 100] [--jobs N] [--no-vendor] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench._isolation import check_exchanges, check_resources, gather  # noqa: E402
from bench._scenarios import Vendor, exchanges_of, failures, library, quantiles, step_table  # noqa: E402
from bench._support import ROOT, free_port  # noqa: E402
from core.population.personas import personas  # noqa: E402
from gateway.run_command import HTTP_TIMEOUT  # noqa: E402
from scenarios.runner.suite import run_suite  # noqa: E402

OWN_SETTINGS = ("SANDBOX_", "INS_TELESERVICE_", "ANNUAIRE_SANTE_", "PRO_SANTE_CONNECT_")


def sandbox_up(data: Path, log: Path, teams: int) -> tuple[subprocess.Popen, str, float]:
    """``sandbox up`` on a fresh data directory and a free port, without the caller's SANDBOX_* settings; its
    URL and the seconds to its first ``/readyz`` 200."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_SETTINGS)}
    if teams >= 200:  # SANDBOX_MAX_TENANTS counts the default tenant
        env["SANDBOX_MAX_TENANTS"] = str(teams + 1)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    began = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gateway.cli", "up", "--port", str(port), "--data-dir",
                                 str(data), "--log-level", "warning"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    while time.monotonic() - began < 60 and proc.poll() is None:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return proc, url, time.monotonic() - began
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    stop(proc)
    raise SystemExit(f"sandbox up did not start:\n{log.read_text(errors='replace')[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def create_teams(http: httpx.AsyncClient, target: str, teams: list[str]) -> None:
    async def create(team: str) -> None:
        answer = await http.post(f"{target}/_admin/tenants", json={"name": team})
        if answer.status_code != 201:
            raise SystemExit(f"POST /_admin/tenants {team}: {answer.status_code} {answer.text[:300]}")

    await gather(teams, create)


async def bench(proc: subprocess.Popen, target: str, count: int, jobs: int | None, with_vendor: bool) -> int:
    plans = library(vendor=with_vendor)
    teams = [f"team-{number:03d}" for number in range(1, count + 1)]
    jobs = jobs or len(teams)
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        began = time.perf_counter()
        await create_teams(http, target, teams)
        created = time.perf_counter() - began
        print(f"{len(teams)} tenants created in {created:.2f} s ({created / len(teams) * 1000:.0f} ms each, "
              "POST /_admin/tenants, 8 at once)", flush=True)
        vendor = Vendor(target, httpx.AsyncClient(timeout=HTTP_TIMEOUT))
        cpu_server, cpu_self = cpu_seconds(proc.pid), time.process_time()
        began = time.perf_counter()
        result = await run_suite(plans, http=http, target=target, population=personas(), tenants=teams,
                                 jobs=jobs, events=vendor)
        wall = time.perf_counter() - began
        cpu_server, cpu_self = cpu_seconds(proc.pid) - cpu_server, time.process_time() - cpu_self
        await vendor.http.aclose()
        scenarios = result.scenarios
        steps = [step for s in scenarios for step in s.steps]
        sent = sum(len(exchanges_of(s)) for s in scenarios)
        print(f"total wall time: {wall:.2f} s for {len(scenarios)} scenario runs ({len(teams)} teams x "
              f"{len(plans)} journeys, -j {jobs}): {len(scenarios) / wall:.1f} scenarios/s, {len(steps)} steps, "
              f"{sent} exchanges ({sent / wall:.0f}/s, the awaits' polls of the recorder not counted)")
        print(f"CPU over the run: sandbox {cpu_server:.1f} s, this process (runner + vendor) {cpu_self:.1f} s, "
              f"on {os.cpu_count()} cores")
        p50, p95, top = quantiles([step.duration_ms for step in steps if step.status != "skipped"])
        print(f"every step: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {top:.1f} ms\n")
        print("\n".join(step_table({f"{len(teams)} teams": scenarios})))
        bad = failures(scenarios)
        print(f"\nfailures: {len(bad)}" + "".join(f"\n{line}" for line in bad))
        leaks, rows, sent_ids, internal, per_team = await check_exchanges(http, target, teams, scenarios)
        more, resources = await check_resources(http, target, teams)
        leaks += more
    calls = ", ".join(f"{n} to {service}" for service, n in internal.most_common())
    teams_by = ", ".join(f"{n} per team in {t} tenant(s)" for n, t in sorted(per_team.items()))
    print(f"exchanges: {sent_ids} sent by the runs, {rows} recorded ({rows - sent_ids} the services' own calls"
          f"{': ' + calls if calls else ''}; {teams_by})")
    if leaks:
        print(f"isolation: {len(leaks)} LEAK(S) ({len(teams)} tenants, {rows} exchanges checked):")
        print("\n".join(f"  {line}" for line in leaks[:50]))
    else:
        print(f"isolation: OK ({len(teams)} tenants, {rows} exchanges checked, {resources} tenant resources "
              "(IDAM, INS identity, fault rule) invisible elsewhere)")
    return 1 if bad or leaks else 0


def logged_warnings(log: Path) -> list[str]:
    return [line for line in log.read_text(errors="replace").splitlines()
            if any(word in line for word in ("WARNING", "ERROR", "Traceback", "CRITICAL"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=None, help="scenarios at once (default: one per team)")
    parser.add_argument("--no-vendor", action="store_true", help="leave journey 4 out, as `sandbox run` does")
    parser.add_argument("--quick", action="store_true", help="3 teams (a smoke run)")
    args = parser.parse_args()
    teams = 3 if args.quick else args.teams
    with tempfile.TemporaryDirectory(prefix="bench-projectathon-") as tmp:
        log = Path(tmp) / "sandbox.log"
        proc, target, ready = sandbox_up(Path(tmp) / "data", log, teams)
        print(f"sandbox up ready in {ready:.2f} s at {target} (fresh data directory)", flush=True)
        try:
            status = asyncio.run(bench(proc, target, teams, args.jobs, not args.no_vendor))
        finally:
            stop(proc)
        warned = logged_warnings(log)
        print(f"sandbox log: {len(warned)} warning/error line(s)" + "".join(f"\n  {line[:300]}"
                                                                           for line in warned[:10]))
    sys.exit(status)


if __name__ == "__main__":
    main()
