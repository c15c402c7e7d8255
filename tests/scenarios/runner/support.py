"""What the runner tests share: a sandbox to run scenarios in, events kept for assertions, failures shown."""

from __future__ import annotations

import textwrap
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from core.population.personas import personas
from scenarios.loader import Plan, load
from scenarios.results import ScenarioResult, StepResult
from scenarios.runner.events import Events
from scenarios.runner.scenario import run_scenario
from tests.gateway.conftest import BASE_URL
from tests.scenarios.support import SERVICES


@dataclass
class Recording(Events):
    """Events kept in order, for assertions."""

    seen: list[tuple[str, str]] = field(default_factory=list)

    def step_started(self, scenario: ScenarioResult, step: StepResult) -> None:
        self.seen.append(("step_started", step.name))

    def instruction(self, scenario: ScenarioResult, step: StepResult, text: str) -> None:
        self.seen.append(("instruction", text))

    def step_finished(self, scenario: ScenarioResult, step: StepResult) -> None:
        self.seen.append(("step_finished", step.status))


@dataclass
class Sandbox:
    http: httpx.AsyncClient
    directory: Path
    admin_token: str | None = None

    async def tenant(self) -> str:
        name = f"t-{uuid.uuid4().hex[:10]}"
        headers = {"X-Sandbox-Admin-Token": self.admin_token} if self.admin_token else {}
        response = await self.http.post("/_admin/tenants", json={"name": name}, headers=headers)
        assert response.status_code == 201, response.text
        return name

    def write(self, text: str, name: str = "scenario.yaml") -> Path:
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def load(self, text: str) -> Plan:
        return load(self.write(text), services=SERVICES)

    async def run(self, scenario: str | Plan, *, tenant: str | None = None, target: str = BASE_URL,
                  events: Events | None = None, admin_token: str | None = None) -> ScenarioResult:
        plan = self.load(scenario) if isinstance(scenario, str) else scenario
        return await run_scenario(plan, http=self.http, target=target, tenant=tenant or await self.tenant(),
                                  population=personas(), admin_token=admin_token or self.admin_token,
                                  events=events, run_id="test")


def failures(result: ScenarioResult) -> str:
    """Every step that did not pass, one line each, for an assertion's message."""
    lines = [f"{s.index} {s.name} [{s.status}] {s.message}" for s in result.steps if s.status != "passed"]
    lines += [f"actor {a.name} [{a.status}] {a.message}" for a in result.actors if a.status != "passed"]
    return "\n".join(lines)

