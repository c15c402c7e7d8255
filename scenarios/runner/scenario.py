"""Run one loaded scenario in one tenant: log its actors in, then run its steps in order (docs/scenarios.md,
"Running a scenario").

Each step kind runs by the function its module registers (``scenarios/steps``, :data:`~scenarios.steps.RUNNERS`).
After a step that failed or had an error the remaining steps are ``skipped``, as they are after a failed
login. Nothing the sandbox answers (or fails to answer) makes :func:`run_scenario` raise: it is in the result.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from core.population.model import Population
from scenarios.loader import Placed, Plan
from scenarios.results import ScenarioResult, StepResult
from scenarios.runner import logins
from scenarios.runner.checks import StepError
from scenarios.runner.context import RunContext
from scenarios.runner.events import Events
from scenarios.steps import RUNNERS
from scenarios.templates import TemplateError, render

logger = logging.getLogger(__name__)


def generated_name(step: Placed) -> str:
    """A step's name when it has none: what it does, e.g. ``POST ins-teleservice /fhir/Patient/$match``."""
    body = step.body
    if step.kind == "request":
        return f"{body.method} {body.service} {body.path}"
    if step.kind == "await":
        match = body.match
        return " ".join(p for p in ("await", match.method, match.service, match.path) if p)
    if step.kind == "fault" and body.set is not None:
        rule = body.set
        effect = f"status {rule.status}" if rule.status else rule.kind.replace("_", " ")
        return " ".join(p for p in ("fault", rule.service, rule.method, rule.path, effect) if p)
    if step.kind == "fault":
        return f"clear faults of {body.clear}"
    return step.kind


def groups_of(step: Placed) -> tuple[str, ...]:
    """The names of the include steps that brought ``step`` in; an unnamed one is its fragment's file name."""
    files = [site.path for site in step.via[1:]] + [step.where.path]
    return tuple(name if name is not None else Path(files[i]).name for i, name in enumerate(step.groups))


def step_result(index: int, step: Placed, ctx: RunContext) -> StepResult:
    name = step.name
    if name is not None and "${" in name:
        try:
            name = str(render(name, ctx.templates))
        except TemplateError:
            pass  # the step's own run says what is wrong
    body = step.body
    actor = getattr(body, "actor", None) or getattr(getattr(body, "match", None), "actor", None)
    return StepResult(index=index, kind=step.kind, name=name or generated_name(step), where=str(step.where),
                      groups=groups_of(step), actor=actor)


async def run_step(step: Placed, ctx: RunContext, result: StepResult) -> None:
    """Run one step into ``result``; what goes wrong is the step's ``error``, never an exception."""
    execute = RUNNERS.get(step.kind)
    try:
        if execute is None:
            raise StepError(f"the runner cannot run '{step.kind}' steps (it runs: {', '.join(sorted(RUNNERS))})")
        await execute(step.body, step, ctx, result)
    except TemplateError as exc:
        result.status, result.message = "error", f"step {result.index} ({result.name}): {exc}"
    except StepError as exc:
        result.status, result.message = "error", f"step {result.index} ({result.name}): {exc}"
    except OSError as exc:  # a body file gone since the scenario was loaded
        result.status, result.message = "error", f"step {result.index} ({result.name}): {exc}"
    except Exception as exc:  # noqa: BLE001 - one step's crash is its error, the scenario goes on to report
        logger.exception("step %s of %s failed in the runner", result.index, ctx.scenario.id)
        result.status = "error"
        result.message = (f"step {result.index} ({result.name}): the runner failed ({type(exc).__name__}: {exc}); "
                          "this is a bug of the sandbox: please report it")


async def run_scenario(plan: Plan, *, http: httpx.AsyncClient, target: str, tenant: str, population: Population,
                       admin_token: str | None = None, events: Events | None = None, team: str | None = None,
                       run_id: str = "") -> ScenarioResult:
    """Run ``plan`` in ``tenant`` (which exists) of the sandbox at ``target``; the result says how it went."""
    events = events or Events()
    model = plan.scenario
    scenario = ScenarioResult(id=model.id, title=model.title, path=plan.path, tenant=tenant, team=team,
                              description=model.description, tags=list(model.tags),
                              objectives=list(model.objectives), started=datetime.now(UTC))
    clock = time.perf_counter()
    events.scenario_started(scenario)
    ctx = RunContext(http=http, target=target, tenant=tenant, plan=plan, population=population, scenario=scenario,
                     events=events, admin_token=admin_token, run_id=run_id)
    blocked = ""
    for name, actor in model.actors.items():
        session, actor_result = await logins.log_in(name, actor, ctx)
        scenario.actors.append(actor_result)
        if actor_result.status == "passed":
            ctx.add_session(session)
        elif not blocked:
            blocked = f"not run: actor {name} could not log in"
    for index, step in enumerate(plan.steps, 1):
        result = step_result(index, step, ctx)
        scenario.steps.append(result)
        result.started = datetime.now(UTC)
        events.step_started(scenario, result)
        if blocked:
            result.status, result.message = "skipped", blocked
        else:
            started = time.perf_counter()
            await run_step(step, ctx, result)
            result.duration_ms = round((time.perf_counter() - started) * 1000, 3)
            if result.status in ("failed", "error"):
                blocked = f"not run: step {index} {'failed' if result.status == 'failed' else 'had an error'}"
        events.step_finished(scenario, result)
    scenario.duration_ms = round((time.perf_counter() - clock) * 1000, 3)
    events.scenario_finished(scenario)
    return scenario
