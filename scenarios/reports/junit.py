"""The JUnit XML report: a ``<testsuite>`` per scenario run, a ``<testcase>`` per step, for CI servers.

The shape is the one Jenkins' xunit plugin publishes as ``junit-10.xsd`` (which GitLab, GitHub actions that
read JUnit, Azure DevOps and pytest's own output follow): ``<testsuites>`` holds a ``<testsuite>`` per scenario
and tenant, named by the scenario id (``identity-vigilance [team-a]`` when the id ran for several teams),
with ``properties`` (team, tenant, target, file, title); a ``<testcase>`` per step named ``NN name``, its
classname the scenario id (``team-a.identity-vigilance`` when repeated), its time in seconds. A failed step
carries a ``<failure>`` listing every failure, an error step an ``<error>``, a skipped step ``<skipped>``; a
login that failed, or a scenario that could not start, is an ``<error>`` testcase named ``00 ...`` first.
Written with lxml, already a dependency: no JUnit library adds anything to ten elements.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from scenarios.reports.text import (
    class_name,
    failure_text,
    repeated_ids,
    step_message,
    step_name,
    suite_label,
    xml_safe,
)
from scenarios.results import RunResult, ScenarioResult, StepResult


def _seconds(milliseconds: float) -> str:
    return f"{milliseconds / 1000:.3f}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {name: xml_safe(value) for name, value in attributes.items()})
    if text:
        element.text = xml_safe(text)
    return element


def _exchanges(step: StepResult) -> str:
    lines = [f"{step.kind} step at {step.where}" + (f", as {step.actor}" if step.actor else "")]
    if step.instruction:
        lines.append(f"instruction: {step.instruction}")
    for exchange in step.exchanges:
        answer = exchange.error or str(exchange.status)
        fault = f" (fault rule {exchange.fault.get('id', '?')})" if exchange.fault else ""
        lines.append(f"{exchange.method} {exchange.url} -> {answer} in {exchange.duration_ms:.0f} ms{fault}")
    return "\n".join(lines)


def _testcase(suite: etree._Element, step: StepResult, classname: str) -> None:
    case = _sub(suite, "testcase", name=step_name(step), classname=classname, time=_seconds(step.duration_ms))
    message = step_message(step)
    if step.status == "failed":
        kinds = sorted({str(f.get("where", ["assertion"])[0]) for f in step.failures if f.get("where")})
        text = "\n".join(failure_text(failure) for failure in step.failures) or message
        _sub(case, "failure", text, message=message, type=",".join(kinds) or step.kind)
    elif step.status == "error":
        _sub(case, "error", message, message=message, type=step.kind)
    elif step.status == "skipped":
        _sub(case, "skipped", message=message)
    _sub(case, "system-out", _exchanges(step))


def _setup_errors(suite: etree._Element, scenario: ScenarioResult, classname: str) -> int:
    """The scenario's own error and its failed logins, as ``00`` testcases; answers how many."""
    count = 0
    if scenario.error:
        case = _sub(suite, "testcase", name="00 scenario start", classname=classname, time="0.000")
        _sub(case, "error", scenario.error, message=scenario.error, type="scenario")
        count += 1
    for actor in scenario.actors:
        if actor.status == "error":
            case = _sub(suite, "testcase", name=f"00 login {actor.name} ({actor.login})", classname=classname,
                        time="0.000")
            _sub(case, "error", actor.message, message=actor.message or "login failed", type="login")
            count += 1
    return count


def _suite(parent: etree._Element, result: RunResult, scenario: ScenarioResult, repeated: set[str]) -> None:
    counts = scenario.counts()
    suite = _sub(parent, "testsuite", name=suite_label(scenario, repeated), tests="0", failures=str(counts["failed"]),
                 errors="0", skipped=str(counts["skipped"]), time=_seconds(scenario.duration_ms),
                 timestamp=(scenario.started or result.started).isoformat(), file=scenario.path)
    properties = _sub(suite, "properties")
    for name, value in (("scenario", scenario.id), ("title", scenario.title), ("team", scenario.team or ""),
                        ("tenant", scenario.tenant), ("target", result.target), ("file", scenario.path),
                        ("sandbox_version", result.version)):
        if value:
            _sub(properties, "property", name=name, value=value)
    classname = class_name(scenario, repeated)
    setup = _setup_errors(suite, scenario, classname)
    for step in scenario.steps:
        _testcase(suite, step, classname)
    suite.set("tests", str(len(scenario.steps) + setup))
    suite.set("errors", str(counts["error"] + setup))


def junit_tree(result: RunResult) -> etree._Element:
    """The ``<testsuites>`` element of ``result``."""
    root = etree.Element("testsuites", name="sandbox run", time=_seconds(result.duration_ms))
    repeated = repeated_ids(result)
    for scenario in result.scenarios:
        _suite(root, result, scenario, repeated)
    for total in ("tests", "failures", "errors"):
        root.set(total, str(sum(int(suite.get(total)) for suite in root)))
    return root


def write_junit(result: RunResult, path: Path) -> Path:
    """Write the JUnit XML of ``result`` at ``path`` (UTF-8, with an XML declaration)."""
    etree.ElementTree(junit_tree(result)).write(str(path), encoding="UTF-8", xml_declaration=True,
                                                pretty_print=True)
    return path
