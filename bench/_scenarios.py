"""What the scenario-engine benchmarks share: the journey library's plans, journey 4's simulated vendor played
in-process, per-step percentiles and the engine's overhead over its own HTTP time, from the run's results."""

from __future__ import annotations

import asyncio
import importlib.util
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import httpx

from bench._support import ROOT
from gateway.registry import DEFAULT_SERVICES
from scenarios.loader import Plan
from scenarios.results import Exchange, ScenarioResult
from scenarios.runner.events import Events
from scenarios.runner.selection import LIBRARY, collect, load_all, select

VENDOR_JOURNEY = "vendor-insi-search"
VENDOR_FILE = ROOT / "scenarios" / "journeys" / "vendors" / "insi_search.py"


def library(*, vendor: bool = True) -> list[Plan]:
    """The packaged journey library as ``sandbox run`` loads it; journey 4 (vendor in the loop) with ``vendor``."""
    files, missing = collect([LIBRARY])
    plans, problems = load_all(files, services=[s.slug for s in DEFAULT_SERVICES])
    if missing or problems:
        raise SystemExit("the journey library does not load:\n" + "\n".join(map(str, missing + problems)))
    kept, _ = select(plans, include_vendor=vendor)
    return kept


def _vendor_module():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("insi_search_vendor", VENDOR_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


class Vendor(Events):
    """Plays journey 4's vendor: when its await shows the instruction, the SOAP traits search of
    ``scenarios/journeys/vendors/insi_search.py`` (its own envelope, its defaults: HERMANN GATIEN) is posted
    to the scenario's tenant, from a client of its own, as the vendor's software would, without a process."""

    def __init__(self, target: str, http: httpx.AsyncClient) -> None:
        self.target, self.http, self.module = target, http, _vendor_module()
        self.tasks: set[asyncio.Task] = set()
        self.answers: list[int | None] = []

    def instruction(self, scenario: ScenarioResult, step: object, text: str) -> None:
        if scenario.id == VENDOR_JOURNEY:
            task = asyncio.get_running_loop().create_task(self.search(scenario.tenant))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def search(self, tenant: str) -> None:
        body = self.module.envelope(family="HERMANN", given="GATIEN", sex="M", birth_date="1981-03-24",
                                    idam="SANDBOX-IDAM-DEMO")
        headers = {"Content-Type": f'application/soap+xml; charset=utf-8; action="{self.module.ACTION}"'}
        try:
            answer = await self.http.post(f"{self.target}/t/{tenant}/ins-teleservice/lps", content=body,
                                          headers=headers)
            self.answers.append(answer.status_code)
        except httpx.HTTPError:
            self.answers.append(None)


def exchanges_of(scenario: ScenarioResult, *, awaits: bool = True) -> list[Exchange]:
    """Every exchange of a scenario: its logins' and its steps' (an await's is the recorded one it matched)."""
    out = [e for actor in scenario.actors for e in actor.exchanges]
    return out + [e for step in scenario.steps if awaits or step.kind != "await" for e in step.exchanges]


def step_samples(scenarios: Iterable[ScenarioResult]) -> dict[tuple[str, str], list[float]]:
    """Milliseconds per (scenario id, step), steps in run order; a scenario's logins are its first row (the
    time of the scenario outside its steps)."""
    samples: dict[tuple[str, str], list[float]] = defaultdict(list)
    for scenario in scenarios:
        if scenario.actors:
            logins = scenario.duration_ms - sum(step.duration_ms for step in scenario.steps)
            samples[scenario.id, "0 (logins: " + ", ".join(a.name for a in scenario.actors) + ")"].append(logins)
        for step in scenario.steps:
            if step.status != "skipped":
                samples[scenario.id, f"{step.index} {step.name}"].append(step.duration_ms)
    return samples


def quantiles(values: Sequence[float]) -> tuple[float, float, float]:
    """p50, p95 and max of milliseconds (nearest rank: the smallest value with at least q of them at or below)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan"), float("nan"), float("nan")
    return (*(ordered[max(0, math.ceil(len(ordered) * q) - 1)] for q in (0.50, 0.95)), ordered[-1])


def step_table(columns: dict[str, Iterable[ScenarioResult]], *, width: int = 56) -> list[str]:
    """One line per step: ``n`` then p50 / p95 / max ms of each column (e.g. ``-j 1``, ``-j 4``)."""
    tables = {name: step_samples(results) for name, results in columns.items()}
    keys = list(dict.fromkeys(key for table in tables.values() for key in table))
    head = f"{'scenario':<24} {'step':<{width}}" + "".join(f" | {name + ' n':>9} {'p50':>7} {'p95':>7} {'max':>7}"
                                                          for name in tables)
    lines = [head, "-" * len(head)]
    for scenario_id, step in keys:
        label = step if len(step) <= width else step[:width - 1] + "…"
        row = f"{scenario_id:<24} {label:<{width}}"
        for table in tables.values():
            values = table.get((scenario_id, step), [])
            p50, p95, top = quantiles(values)
            row += f" | {len(values):>9} {p50:>7.1f} {p95:>7.1f} {top:>7.1f}"
        lines.append(row)
    return lines


def overhead(scenarios: Iterable[ScenarioResult]) -> tuple[float, float, int]:
    """(scenario ms, HTTP ms, exchanges) with awaits left out (their time is the vendor's): the scenarios' wall
    time against the sum of their exchanges' durations, as the runner timed them around each request."""
    wall = http = 0.0
    count = 0
    for scenario in scenarios:
        wall += scenario.duration_ms - sum(s.duration_ms for s in scenario.steps if s.kind == "await")
        sent = exchanges_of(scenario, awaits=False)
        http += sum(e.duration_ms for e in sent)
        count += len(sent)
    return wall, http, count


def failures(scenarios: Iterable[ScenarioResult]) -> list[str]:
    """One line per scenario that did not pass: its tenant, id, status and why."""
    lines = []
    for scenario in scenarios:
        if scenario.status in ("passed", "skipped"):
            continue
        why = scenario.error or next((f"step {s.index} {s.name}: {s.message}" for s in scenario.steps
                                      if s.status in ("failed", "error")), "")
        why = why or next((f"login {a.name}: {a.message}" for a in scenario.actors if a.status != "passed"), "")
        lines.append(f"  {scenario.tenant} {scenario.id}: {scenario.status}: {why}"[:400])
    return lines
