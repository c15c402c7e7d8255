"""The FHIR R4 ``TestReport`` report: what FHIR test platforms (Touchstone, AEGIS, Inferno) exchange.

One scenario run (one scenario in one tenant) is one ``TestReport``; a run of several is a ``collection``
Bundle of them, in run order, so that a file always holds one FHIR resource. The mapping (docs/scenarios.md,
"Reports"): the scenario's logins are ``setup`` operations; each step is a ``test`` named ``NN name`` whose
first action is the ``operation`` (the request, the wait, the fault rule) and then an ``assert`` per failure
(or one passing assert); ``result`` is pass, fail (failed or error) or pending (nothing ran but skips);
``score`` is the percentage of steps that passed. ``TestReport.testScript`` is required in R4: it is a
logical reference, the scenario id under :data:`SCENARIO_SYSTEM`. Checked by ``core.fhir.models``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.peers import tenant_prefix
from scenarios.reports.text import failure_text, repeated_ids, step_message, step_name, suite_label
from scenarios.results import ActorResult, Exchange, RunResult, ScenarioResult, StepResult

SCENARIO_SYSTEM = "https://sandbox.esante.local/scenarios"  # TestReport.testScript.identifier.system
RUNNER_URI = "https://sandbox.esante.local/scenarios/runner"  # the test-engine participant
# R4 value sets: report-result-codes (pass | fail | pending), report-action-result-codes
# (pass | skip | fail | warning | error); a step's status maps onto them as follows.
RESULT = {"passed": "pass", "failed": "fail", "error": "fail", "skipped": "pending"}
OPERATION = {"passed": "pass", "failed": "pass", "error": "error", "skipped": "skip"}


def _when(moment: datetime) -> str:
    """An R4 dateTime with a zone (one is required once there is a time): naive means UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _exchange_line(exchange: Exchange) -> str:
    answer = exchange.error or f"{exchange.status}"
    fault = f" (fault rule {exchange.fault.get('id', '?')} applied)" if exchange.fault else ""
    return f"{exchange.method} {exchange.url} -> {answer} in {exchange.duration_ms:.0f} ms{fault}"


def _login(actor: ActorResult) -> dict[str, Any]:
    persona = f" as {actor.persona}" if actor.persona else ""
    login = "needs no login" if actor.login == "none" else f"logs in with {actor.login}"
    message = f"{actor.name}{persona} {login}" + (f": {actor.message}" if actor.message else "")
    return {"operation": {"result": "error" if actor.status == "error" else "pass", "message": message}}


def _test(step: StepResult) -> dict[str, Any]:
    lines = [step.instruction] if step.instruction else []
    lines += [_exchange_line(exchange) for exchange in step.exchanges]
    if step.status in ("error", "skipped"):
        lines.append(step_message(step))
    operation = {"result": OPERATION[step.status], "message": "\n\n".join(lines) or f"{step.kind} step"}
    actions: list[dict[str, Any]] = [{"operation": operation}]
    if step.status == "failed":
        failures = step.failures or [{"label": step.kind, "expected": "", "found": step_message(step)}]
        actions += [{"assert": {"result": "fail", "message": failure_text(failure)}} for failure in failures]
    elif step.status == "passed":
        actions.append({"assert": {"result": "pass", "message": "every expectation held"}})
    where = f"{step.kind} step at {step.where}" + (f", as {step.actor}" if step.actor else "")
    return {"name": step_name(step), "description": where, "action": actions}


def _uuid(result: RunResult, scenario: ScenarioResult) -> str:
    started = _when(scenario.started or result.started)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{result.target}|{scenario.tenant}|{scenario.id}|{started}"))


def scenario_report(result: RunResult, scenario: ScenarioResult, repeated: set[str] | None = None) -> dict[str, Any]:
    """The TestReport of one scenario run, as a JSON-ready dict."""
    repeated = repeated_ids(result) if repeated is None else repeated
    passed = sum(step.status == "passed" for step in scenario.steps)
    total = len(scenario.steps)
    report: dict[str, Any] = {
        "resourceType": "TestReport", "id": _uuid(result, scenario),
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{_uuid(result, scenario)}"},
        "name": suite_label(scenario, repeated), "status": "completed",
        "testScript": {"identifier": {"system": SCENARIO_SYSTEM, "value": scenario.id},
                       "display": f"{scenario.id}: {scenario.title}" if scenario.title else scenario.id},
        "result": RESULT[scenario.status],
        "score": 0.0 if scenario.error else round(100 * passed / total, 2) if total else 100.0,
        "tester": f"sandbox run (e-santé sandbox {result.version})" if result.version else "sandbox run",
        "issued": _when(scenario.started or result.started),
        "participant": [
            {"type": "test-engine", "uri": RUNNER_URI, "display": "sandbox run, the scenario engine"},
            {"type": "server", "uri": result.target, "display": f"the e-santé sandbox at {result.target}"},
            {"type": "client", "uri": result.target.rstrip("/") + tenant_prefix(scenario.tenant),
             "display": f"team {scenario.team} (tenant {scenario.tenant})" if scenario.team
             else f"tenant {scenario.tenant}"},
        ],
    }
    setup = [_login(actor) for actor in scenario.actors]
    if scenario.error:
        setup.append({"operation": {"result": "error", "message": scenario.error}})
        report["status"] = "stopped"
    if setup:
        report["setup"] = {"action": setup}
    if scenario.steps:
        report["test"] = [_test(step) for step in scenario.steps]
    return report


def document(result: RunResult) -> dict[str, Any]:
    """The document of ``result``: its one TestReport, or a ``collection`` Bundle of them."""
    repeated = repeated_ids(result)
    reports = [scenario_report(result, scenario, repeated) for scenario in result.scenarios]
    if len(reports) == 1:
        return reports[0]
    return {"resourceType": "Bundle", "type": "collection", "timestamp": _when(result.started),
            "entry": [{"fullUrl": f"urn:uuid:{report['id']}", "resource": report} for report in reports]}


def write_testreport(result: RunResult, path: Path) -> Path:
    """Write the document of ``result`` at ``path`` as FHIR JSON (UTF-8, indented by 2)."""
    path.write_text(json.dumps(document(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
