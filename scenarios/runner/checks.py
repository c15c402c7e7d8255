"""What the request and await steps share: their ``expect``/``capture`` blocks rendered, then held against a message.

A block is rendered just before it is checked, so ``${capture.x}`` in an expectation sees what the steps
before it captured (values and the expressions of a mapping's keys alike); a capture's value is kept whole
for the steps after it and masked in the result (``core/masking.py``'s secret names, as the recorder masks).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.masking import is_secret, masked_value
from scenarios.expect import Capture, CaptureError, Expect, Failure, Response, check, extract
from scenarios.expect.check import SECRET_FIELDS, as_text
from scenarios.results import StepResult
from scenarios.runner.context import RunContext
from scenarios.templates import Context, render

Block = TypeVar("Block", Expect, Capture)


class StepError(Exception):
    """The step cannot run as written (a rendered block no longer valid, a missing actor): one line, the fix."""


def render_keys(value: Any, context: Context) -> Any:
    """``value`` rendered, the keys of its mappings too (FHIRPath / JSONPath / XPath expressions are keys)."""
    if isinstance(value, dict):
        return {(as_text(render(key, context)) if isinstance(key, str) else key): render_keys(item, context)
                for key, item in value.items()}
    if isinstance(value, list):
        return [render_keys(item, context) for item in value]
    return render(value, context)


def rendered(block: Block | None, model: type[Block], ctx: RunContext, label: str) -> Block | None:
    """``block`` with its ``${...}`` replaced by the run's values, validated again."""
    if block is None:
        return None
    data = block.model_dump(by_alias=True, exclude_unset=True)
    try:
        return model.model_validate(render_keys(data, ctx.templates))
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(map(str, problem.get("loc", ()))) or label
        raise StepError(f"{label} once rendered is not valid at {where}: {problem.get('msg')}") from None


def refusal(response: Any) -> str:
    """A refused answer of the gateway in one line: its OperationOutcome's code and sentence, or its body's start;
    a 401 or 403 says to give the run the sandbox's admin token."""
    try:
        issue = response.json()["issue"][0]
        codes = " ".join(c.get("code", "") for c in issue.get("details", {}).get("coding", []))
        line = f"{response.status_code} {codes}: {issue.get('diagnostics', '')}".strip()
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        line = f"{response.status_code}: {' '.join(response.text.split())[:200]}"
    if response.status_code in (401, 403):
        line += " (the sandbox has an admin token, SANDBOX_ADMIN_TOKEN: give the run the same one)"
    return line


def masked_captures(values: dict[str, Any]) -> dict[str, Any]:
    """Captured values as a report may show them: a secret-named one masked (a JWT keeps its claims)."""
    return {name: masked_value(value) if isinstance(value, str) and (name in SECRET_FIELDS or is_secret(name))
            else value for name, value in values.items()}


def one_line(failures: list[Failure]) -> str:
    first = str(failures[0]).split("\n")[0]
    return first + (f" (and {len(failures) - 1} more)" if len(failures) > 1 else "")


def judge(expect: Expect | None, capture: Capture | None, response: Response, ctx: RunContext,
          result: StepResult) -> None:
    """Check ``expect`` then take ``capture`` from ``response``; a failure makes the step ``failed``."""
    failures = check(expect, response) if expect is not None else []
    if capture is not None and not failures:
        try:
            values = extract(capture, response)
        except CaptureError as exc:
            failures += exc.failures
        else:
            ctx.captures.update(values)
            result.captured.update(masked_captures(values))
    if failures:
        result.status = "failed"
        result.failures += [failure.as_dict() for failure in failures]
        result.message = one_line(failures)


def prepare(body: BaseModel, ctx: RunContext) -> tuple[Expect | None, Capture | None]:
    """The step's ``expect`` and ``capture`` blocks, rendered."""
    return (rendered(getattr(body, "expect", None), Expect, ctx, "expect"),
            rendered(getattr(body, "capture", None), Capture, ctx, "capture"))
