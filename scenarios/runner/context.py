"""The state of one scenario run: where it runs (target, tenant), its captures and logged-in actors, its results.

The step executors (``scenarios/steps/*.py``, registered with :func:`scenarios.steps.runs`) and the login
flows (``scenarios/runner/logins.py``) read and fill a :class:`RunContext`; :meth:`RunContext.url` builds
every URL of the run, so the tenant prefix (``/t/{tenant}``, none for ``default``) is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from core.admin import ADMIN_TOKEN_HEADER as ADMIN_HEADER
from core.population.model import Population
from core.settings import DEFAULT_TENANT
from scenarios.results import ScenarioResult
from scenarios.runner.events import Events
from scenarios.templates import Context

if TYPE_CHECKING:  # the loader imports the step modules, which import this one
    from scenarios.loader import Plan
    from scenarios.runner.logins import ActorSession

GATEWAY = "gateway"  # a step's service naming the gateway's own routes (/_admin/...)


def tenant_prefix(tenant: str) -> str:
    """``/t/{tenant}``, or nothing for the default tenant (DESIGN.md, "URL map")."""
    return "" if tenant == DEFAULT_TENANT else f"/t/{quote(tenant, safe='')}"


def service_prefix(service: str, tenant: str) -> str:
    """The path of a service's root in a tenant (``/t/x/ins-teleservice``); the gateway's own routes have none."""
    return tenant_prefix(tenant) + ("" if service == GATEWAY else f"/{service}")


def is_admin(service: str, path: str) -> bool:
    """A sandbox-only route (the gateway's or a service's ``/_admin``): the run's admin token goes with it."""
    return path == "/_admin" or path.startswith("/_admin/")


@dataclass
class RunContext:
    """One scenario run in one tenant; ``templates`` is what ``${...}`` reads (it shares ``captures``)."""

    http: httpx.AsyncClient
    target: str  # the sandbox's root URL, e.g. http://127.0.0.1:8080
    tenant: str
    plan: Plan
    population: Population
    scenario: ScenarioResult
    events: Events = field(default_factory=Events)
    admin_token: str | None = None
    run_id: str = ""
    captures: dict[str, Any] = field(default_factory=dict)
    sessions: dict[str, ActorSession] = field(default_factory=dict)
    templates: Context = field(init=False)

    def __post_init__(self) -> None:
        self.target = self.target.rstrip("/")
        self.templates = Context(population=self.population, captures=self.captures,
                                 run={"tenant": self.tenant, "target": self.target, "id": self.run_id})
        for session in self.sessions.values():
            self.add_session(session)

    def add_session(self, session: ActorSession) -> None:
        """An actor logged in: its requests carry its token, ``${actor.NAME.*}`` reads its values."""
        self.sessions[session.name] = session
        self.templates.actors[session.name] = session.template_values()

    def url(self, service: str, path: str, *, tenant: str | None = None) -> str:
        """The absolute URL of ``path`` under ``service`` (``gateway``: the gateway's own routes) in the tenant."""
        return self.target + service_prefix(service, tenant or self.tenant) + path

    def admin_headers(self) -> dict[str, str]:
        """The admin token header, for the ``/_admin`` routes only."""
        return {ADMIN_HEADER: self.admin_token} if self.admin_token else {}

    def base_url(self, service: str, tenant: str | None = None) -> str:
        """Where a vendor's software must send its requests to ``service`` for this run (await messages)."""
        return self.url(service, "", tenant=tenant)
