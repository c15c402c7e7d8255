"""``sandbox run``: load scenario files, run them against a sandbox, print the progress, write the reports.

The one place that composes the gateway and the scenario engine (docs/scenarios.md, "sandbox run"): the
scenario engine never imports the gateway; this command gives it the registry's service slugs, and without
``--target`` an in-process sandbox (:mod:`gateway.local_sandbox`). Every file is loaded before anything runs;
exit status 0 when every scenario passed, 1 when a step failed or had an error, 2 for a usage, load or target
problem (one line naming the fix).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console

from core.admin import ADMIN_TOKEN_HEADER
from core.population.personas import personas
from gateway.registry import DEFAULT_SERVICES
from scenarios.errors import display
from scenarios.loader import Plan
from scenarios.results import RunResult
from scenarios.runner.progress import ConsoleProgress
from scenarios.runner.selection import LIBRARY, collect, load_all, select
from scenarios.runner.suite import run_suite

REPORTS = ("junit", "json", "html", "testreport", "scoresheet")
HTTP_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class RunError(Exception):
    """A usage, load or target problem: exit status 2, the message (one line or a list of issues) on stderr."""


@dataclass
class RunOptions:
    paths: list[Path] = field(default_factory=list)
    target: str | None = None
    tenants: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    jobs: int | None = None
    reports: dict[str, Path] = field(default_factory=dict)  # report kind -> file
    admin_token: str | None = None


def check_reports(reports: dict[str, Path]) -> None:
    """Each report's directory exists, before anything runs (a run must not end without its reports)."""
    for kind, file in reports.items():
        if file.is_dir():
            raise RunError(f"--{kind} {file}: is a directory: give the report's file name, e.g. {file / kind}.")
        if not file.parent.resolve().is_dir():
            raise RunError(f"--{kind} {file}: no directory {file.parent}: create it, or write the report elsewhere.")


async def target_services(http: httpx.AsyncClient, target: str) -> list[str]:
    """The target's service slugs (its index), once its ``/readyz`` answers 200; RunError naming the fix."""
    try:
        ready = await http.get(f"{target}/readyz")
    except httpx.HTTPError as exc:
        cause = f"{type(exc).__name__}: {exc}".rstrip(": ")
        raise RunError(f"No sandbox answers at {target} ({cause}): start one with `sandbox up`, or pass --target "
                       "the URL where it runs.") from exc
    if ready.status_code != 200:
        try:
            down = [slug for slug, state in ready.json().get("services", {}).items() if state != "ok"]
        except (ValueError, AttributeError):
            down = []
        raise RunError(f"The sandbox at {target} is not ready ({target}/readyz answered {ready.status_code}"
                       f"{'; unavailable: ' + ', '.join(down) if down else ''}): wait for it, or check its log.")
    try:
        services = (await http.get(f"{target}/")).json().get("services")
    except (httpx.HTTPError, ValueError, AttributeError):
        services = None
    return list(services) if isinstance(services, dict) and services else [s.slug for s in DEFAULT_SERVICES]


def plans_of(options: RunOptions, services: Sequence[str], out: Console) -> list[Plan]:
    """The plans to run: every file loaded (RunError with every issue otherwise), then selected by tag."""
    files, missing = collect(options.paths or [LIBRARY])
    plans, problems = load_all(files, services=services)
    problems = missing + problems
    if problems:
        lines = [str(issue) for issue in problems]
        files_at_fault = len({issue.where.path for issue in problems})
        raise RunError("\n".join([*lines, f"{len(problems)} issue(s) in {files_at_fault} file(s): nothing was run. "
                                          "Fix them and run again (docs/scenarios.md, \"Errors\")."]))
    named = [path for path in options.paths if path.is_file()]
    kept, left = select(plans, tags=options.tags, include_vendor=named)
    for item in left:
        out.print(f"left out: {item.plan.scenario.id} ({item.plan.path}): {item.reason}", style="dim",
                  markup=False, highlight=False, soft_wrap=True)
    if not kept:
        where = ", ".join(display(p) for p in options.paths) or display(LIBRARY)
        raise RunError(f"Nothing to run: no scenario file under {where}" + (" carries the tags asked for" if plans
                                                                             else "") + ".")
    return kept


async def _run(options: RunOptions, out: Console) -> RunResult:
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        if options.target:
            target = options.target.rstrip("/")
            plans = plans_of(options, await target_services(http, target), out)
            return await _suite(options, plans, http, target, out)
        plans = plans_of(options, [s.slug for s in DEFAULT_SERVICES], out)
        from gateway.local_sandbox import LocalSandboxError, local_sandbox

        try:
            async with local_sandbox() as (target, data):
                out.print(f"In-process sandbox listening on {target} (data in {data}, removed when the run ends)",
                          markup=False, highlight=False, soft_wrap=True)
                return await _suite(options, plans, http, target, out)
        except LocalSandboxError as exc:
            raise RunError(f"{exc} Run `sandbox up` to see why, or pass --target a running sandbox.") from exc


async def _suite(options: RunOptions, plans: list[Plan], http: httpx.AsyncClient, target: str,
                 out: Console) -> RunResult:
    teams = list(dict.fromkeys(options.tenants)) or None
    jobs = options.jobs or (len(teams) if teams else 1)
    progress = ConsoleProgress(out, target=target, plans=plans, teams=bool(teams and len(teams) > 1),
                               interleaved=min(jobs, len(teams) if teams else len(plans)) > 1)
    admin = options.admin_token
    if admin:  # checked once, so that a wrong token is one line, not an error in every scenario
        try:
            answer = await http.get(f"{target}/_admin/tenants", headers={ADMIN_TOKEN_HEADER: admin})
        except httpx.HTTPError:
            answer = None  # the suite says the sandbox does not answer, scenario by scenario
        if answer is not None and answer.status_code == 401:
            raise RunError(f"The sandbox at {target} refused the admin token (--admin-token, SANDBOX_ADMIN_TOKEN): "
                           "pass the token it was started with.")
    result = await run_suite(plans, http=http, target=target, population=personas(), tenants=teams, jobs=jobs,
                             admin_token=admin, events=progress)
    progress.run_finished(result)
    return result


def write(result: RunResult, reports: dict[str, Path], out: Console) -> None:
    if not reports:
        return
    try:
        from scenarios.reports import write_reports
    except ImportError as exc:
        raise RunError(f"The reports cannot be written by this version ({exc}).") from exc
    try:
        written = write_reports(result, **{kind: reports.get(kind) for kind in REPORTS})
    except OSError as exc:
        raise RunError(f"A report could not be written ({exc.strerror or exc}: {exc.filename}).") from exc
    for path in written:
        out.print(f"report: {display(path)}", markup=False, highlight=False, soft_wrap=True)


def run(options: RunOptions, out: Console) -> int:
    """Run the command; the exit status (RunError for status 2, the caller prints it)."""
    check_reports(options.reports)
    result = asyncio.run(_run(options, out))
    write(result, options.reports, out)
    return 0 if result.ok else 1
