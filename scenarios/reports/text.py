"""Text helpers shared by the reports: step names, failure lines, suite names and characters XML can carry."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from scenarios.results import RunResult, ScenarioResult, StepResult

# XML 1.0 forbids most control characters (and lxml refuses them): a body excerpt may hold some.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def step_name(step: StepResult) -> str:
    """``NN name``: the step's index on two digits (more when needed), then its name."""
    return f"{step.index:02d} {step.name}"


def failure_line(failure: dict[str, Any]) -> str:
    """One failure as ``label: expected X; found Y``, the way the console says it."""
    label = failure.get("label") or " ".join(str(part) for part in failure.get("where", ())) or "body"
    return f"{label}: expected {failure.get('expected', '')}; found {failure.get('found', '')}"


def failure_text(failure: dict[str, Any]) -> str:
    """The failure's line, then the body's excerpt when there is one."""
    excerpt = failure.get("excerpt")
    return f"{failure_line(failure)}\n    body: {excerpt}" if excerpt else failure_line(failure)


def step_message(step: StepResult) -> str:
    """The one line a report shows for a step that did not pass."""
    if step.message:
        return step.message
    if step.failures:
        return failure_line(step.failures[0])
    return step.status


def repeated_ids(result: RunResult) -> set[str]:
    """The scenario ids that ran more than once (for several teams or tenants): their names need the team."""
    return {scenario_id for scenario_id, count in Counter(s.id for s in result.scenarios).items() if count > 1}


def suite_label(scenario: ScenarioResult, repeated: set[str]) -> str:
    """``identity-vigilance``, or ``identity-vigilance [team-a]`` when the id ran for several teams."""
    return f"{scenario.id} [{scenario.team or scenario.tenant}]" if scenario.id in repeated else scenario.id


def class_name(scenario: ScenarioResult, repeated: set[str]) -> str:
    """``identity-vigilance``, or ``team-a.identity-vigilance`` (the team as a package) when repeated."""
    return f"{scenario.team or scenario.tenant}.{scenario.id}" if scenario.id in repeated else scenario.id
