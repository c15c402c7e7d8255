"""Run a suite of loaded scenarios against one sandbox: a fresh tenant each, or once per team (docs/scenarios.md,
"sandbox run").

Without ``tenants`` each scenario gets a tenant of its own, created through ``POST /_admin/tenants`` and kept
after the run (the reports name it), so scenarios are isolated and run side by side. With ``tenants`` (a
projectathon, or a team's own software) the suite runs once per named tenant: the tenant is the team, the
scenarios of one team run in order in it, teams run side by side. ``jobs`` bounds the scenarios running at
once either way; results come in the order given (team by team), whatever finishes first. Nothing here
raises for a sandbox that does not answer or a tenant it refuses: that scenario's ``error`` says so in one line.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from core.admin import ADMIN_TOKEN_HEADER
from core.population.model import Population
from core.tenancy import TENANT_RE
from scenarios.loader import Plan
from scenarios.results import RunResult, ScenarioResult
from scenarios.runner.events import Events

MAX_TENANT = 40  # core/tenancy.py: [a-z0-9-]{1,40}


class TenantError(Exception):
    """A tenant the run cannot use: one line naming the fix."""


def tenant_names(plans: Sequence[Plan], run_id: str) -> list[str]:
    """A fresh tenant name per plan, ``run-<run id>-<scenario id>`` cut to 40 characters, unique in the run."""
    names: list[str] = []
    for number, plan in enumerate(plans, 1):
        name = f"run-{run_id}-{plan.scenario.id}"[:MAX_TENANT].rstrip("-")
        if name in names:
            suffix = f"-{number}"
            name = name[:MAX_TENANT - len(suffix)].rstrip("-") + suffix
        names.append(name)
    return names


def _why(response: httpx.Response) -> str:
    """A refusal's sandbox code and sentence (an OperationOutcome's), or its status and start of body."""
    try:
        issue = response.json()["issue"][0]
        code = next((c.get("code") for c in issue.get("details", {}).get("coding", []) if c.get("code")), None)
        return f"{response.status_code} {code or issue.get('code', '')}: {issue.get('diagnostics', '')}".strip()
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return f"{response.status_code} {response.text[:200].strip()}".strip()


def _unreachable(target: str, exc: httpx.HTTPError) -> str:
    cause = f"{type(exc).__name__}: {exc}".rstrip(": ")
    return (f"The sandbox at {target} does not answer ({cause}): start it with `sandbox up`, or pass --target "
            "the URL where it runs.")


async def create_tenant(http: httpx.AsyncClient, target: str, name: str, *, admin_token: str | None = None,
                        exist_ok: bool = False) -> bool:
    """Create ``name`` through ``POST /_admin/tenants`` (seeded on every service); True when created, False
    when it existed (only with ``exist_ok``). :class:`TenantError` otherwise, saying what to do."""
    headers = {ADMIN_TOKEN_HEADER: admin_token} if admin_token else {}
    try:
        response = await http.post(f"{target}/_admin/tenants", json={"name": name}, headers=headers)
    except httpx.HTTPError as exc:
        raise TenantError(_unreachable(target, exc)) from exc
    if response.status_code == 201:
        return True
    why = _why(response)
    if response.status_code == 409 and "GW-0007" in why and exist_ok:
        return False
    if response.status_code == 401:
        raise TenantError(f"The sandbox refused to create tenant {name!r} ({why}): pass --admin-token (or set "
                          "SANDBOX_ADMIN_TOKEN) to the sandbox's admin token.")
    raise TenantError(f"The sandbox refused to create tenant {name!r} through POST /_admin/tenants ({why}).")


async def ensure_team(http: httpx.AsyncClient, target: str, team: str, *, admin_token: str | None = None,
                      probe: str | None = None) -> None:
    """The team's tenant exists, or is created now; :class:`TenantError` when neither, naming the fix.

    Without the admin token of a sandbox that has one, the tenant cannot be created here: ``probe`` (a service
    slug) tells whether it exists (the gateway answers ``GW-0008`` for a tenant it does not know)."""
    if not TENANT_RE.fullmatch(team):
        raise TenantError(f"--tenant {team[:60]!r} is not a tenant name: use 1 to 40 characters among a-z, 0-9 "
                          "and '-'.")
    try:
        await create_tenant(http, target, team, admin_token=admin_token, exist_ok=True)
        return
    except TenantError as exc:
        if "GW-0006" not in str(exc) or probe is None:
            raise
        refused = exc
    try:
        response = await http.get(f"{target}/t/{team}/{probe}/livez")
    except httpx.HTTPError as exc:
        raise TenantError(_unreachable(target, exc)) from exc
    if response.status_code == 404 and "GW-0008" in response.text:
        raise TenantError(f"Tenant {team!r} does not exist and this sandbox creates tenants through POST "
                          f"/_admin/tenants {{\"name\": \"{team}\"}} with its admin token only: pass --admin-token "
                          "(or SANDBOX_ADMIN_TOKEN), or ask the organiser to create it.") from refused


async def sandbox_index(http: httpx.AsyncClient, target: str) -> dict[str, Any]:
    """The sandbox's index (``GET /``: version, services); :class:`TenantError` when it does not answer."""
    try:
        response = await http.get(f"{target}/")
    except httpx.HTTPError as exc:
        raise TenantError(_unreachable(target, exc)) from exc
    try:
        index = response.json()
    except ValueError:
        return {}
    return index if isinstance(index, dict) else {}


def _errored(plan: Plan, tenant: str, team: str | None, message: str, events: Events) -> ScenarioResult:
    result = ScenarioResult(id=plan.scenario.id, title=plan.scenario.title, path=plan.path, tenant=tenant,
                            team=team, description=plan.scenario.description, tags=list(plan.scenario.tags),
                            objectives=list(plan.scenario.objectives), started=datetime.now(UTC), error=message)
    events.scenario_started(result)
    events.scenario_finished(result)
    return result


class _Suite:
    def __init__(self, *, http: httpx.AsyncClient, target: str, population: Population, jobs: int,
                 admin_token: str | None, events: Events, run_id: str) -> None:
        self.http, self.target, self.population = http, target, population
        self.limit = asyncio.Semaphore(max(1, jobs))
        self.admin_token, self.events, self.run_id = admin_token, events, run_id
        self.down: str | None = None  # the sandbox did not answer at the start: every scenario says so
        self.probe: str | None = None  # a service slug, to tell whether a team's tenant exists

    async def one(self, plan: Plan, tenant: str, team: str | None, *, fresh: bool) -> ScenarioResult:
        from scenarios.runner.scenario import run_scenario  # the runner of one scenario (scenarios/runner)

        async with self.limit:
            if self.down:
                return _errored(plan, tenant, team, self.down, self.events)
            try:
                if fresh:
                    await create_tenant(self.http, self.target, tenant, admin_token=self.admin_token)
                return await run_scenario(plan, http=self.http, target=self.target, tenant=tenant,
                                          population=self.population, admin_token=self.admin_token,
                                          events=self.events, team=team, run_id=self.run_id)
            except TenantError as exc:
                return _errored(plan, tenant, team, str(exc), self.events)
            except Exception as exc:  # noqa: BLE001 - one scenario's crash is its error, never the suite's
                return _errored(plan, tenant, team, f"The runner failed on this scenario ({type(exc).__name__}: "
                                f"{exc}); this is a bug of the sandbox: please report it.", self.events)

    async def team(self, plans: Sequence[Plan], team: str) -> list[ScenarioResult]:
        if not self.down:
            try:
                await ensure_team(self.http, self.target, team, admin_token=self.admin_token, probe=self.probe)
            except TenantError as exc:
                return [_errored(plan, team, team, str(exc), self.events) for plan in plans]
        return [await self.one(plan, team, team, fresh=False) for plan in plans]


async def run_suite(plans: Sequence[Plan], *, http: httpx.AsyncClient, target: str, population: Population,
                    tenants: list[str] | None = None, jobs: int = 1, admin_token: str | None = None,
                    events: Events | None = None, run_id: str | None = None) -> RunResult:
    """Run ``plans`` against the sandbox at ``target``: each in a fresh tenant, or in order once per team of
    ``tenants``; at most ``jobs`` scenarios at once. Never raises for the sandbox's sake (see the module)."""
    target = target.rstrip("/")
    run_id = run_id or secrets.token_hex(3)
    suite = _Suite(http=http, target=target, population=population, jobs=jobs, admin_token=admin_token,
                   events=events or Events(), run_id=run_id)
    result = RunResult(target=target, started=datetime.now(UTC))
    started = time.perf_counter()
    try:
        index = await sandbox_index(http, target)
        result.version = str(index.get("version", ""))
        services = index.get("services")
        suite.probe = next(iter(services), None) if isinstance(services, dict) else None
    except TenantError as exc:
        suite.down = str(exc)
    if tenants is None:
        names = tenant_names(plans, run_id)
        done: Any = await asyncio.gather(*(suite.one(plan, name, None, fresh=True)
                                           for plan, name in zip(plans, names, strict=True)))
        result.scenarios = list(done)
    else:
        teams = await asyncio.gather(*(suite.team(plans, team) for team in dict.fromkeys(tenants)))
        result.scenarios = [scenario for team in teams for scenario in team]
    result.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    return result
