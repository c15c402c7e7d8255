"""Load-time checks of raw ``expect`` / ``capture`` blocks: their shape and every expression's syntax.

The loader calls :func:`validate_expect` and :func:`validate_capture` on the mapping read from YAML and
turns each ``(path in the block, message)`` into a line number. ``${...}`` templates are replaced by a
neutral name before the syntax check, so ``identifier.value = '${ins}'`` passes.
"""

from __future__ import annotations

import re
from typing import Any

import regex
from pydantic import ValidationError

from scenarios.expect import fhirpath, jsonpath, xpath
from scenarios.expect.models import MAX_EXPRESSION, Capture, Expect

_TEMPLATE = re.compile(r"\$\{[^}]*\}")
Path = tuple[str | int, ...]

SYNTAX = {"fhirpath": fhirpath.syntax_error, "json": jsonpath.syntax_error, "xpath": xpath.syntax_error}


def regex_error(pattern: str) -> str | None:
    try:
        regex.compile(_TEMPLATE.sub("x", pattern))
    except regex.error as exc:
        return f"bad regex: {exc}"
    return None


def expression_error(kind: str, expression: str) -> str | None:
    if len(expression) > MAX_EXPRESSION:
        return f"the expression is longer than {MAX_EXPRESSION} characters"
    if not expression.strip():
        return "the expression is empty"
    return SYNTAX[kind](_TEMPLATE.sub("x", expression))


def _match_errors(where: Path, spec: Any) -> list[tuple[Path, str]]:
    if isinstance(spec, dict) and isinstance(spec.get("regex"), str):
        problem = regex_error(spec["regex"])
        if problem:
            return [((*where, "regex"), problem)]
    return []


def model_errors(exc: ValidationError, data: Any) -> list[tuple[Path, str]]:
    """Pydantic's errors with paths that follow ``data`` (union branch names dropped), one per path."""
    out: dict[Path, str] = {}
    for error in exc.errors():
        node, path = data, []
        for part in error["loc"]:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                continue
            path.append(part)
        message = error["msg"].removeprefix("Value error, ")
        out.setdefault(tuple(path), message)
    # a union reports every branch: keep the one that went deepest into the value
    return [(path, message) for path, message in out.items()
            if not any(len(other) > len(path) and other[:len(path)] == path for other in out)]


def validate_expect(data: Any) -> list[tuple[Path, str]]:
    """Every problem of a raw ``expect`` block: ``(path in the block, message)``; empty when it is sound."""
    try:
        expect = Expect.model_validate(data)
    except ValidationError as exc:
        return model_errors(exc, data)
    problems: list[tuple[Path, str]] = []
    for name in expect.headers or {}:
        problems += _match_errors(("headers", name), data["headers"][name])
    for kind, block in (("fhirpath", expect.fhirpath), ("json", expect.json_), ("xpath", expect.xpath)):
        items = enumerate(block) if isinstance(block, list) else (block or {}).items()
        for key, value in items:
            expression = value if isinstance(block, list) else key
            problem = expression_error(kind, expression)
            if problem:
                problems.append(((kind, key), problem))
            if isinstance(block, dict):
                problems += _match_errors((kind, key), data[kind][key])
    return problems


def validate_capture(data: Any) -> list[tuple[Path, str]]:
    """Every problem of a raw ``capture`` block, as :func:`validate_expect`."""
    try:
        capture = Capture.model_validate(data)
    except ValidationError as exc:
        return model_errors(exc, data)
    problems: list[tuple[Path, str]] = []
    for name, spec in capture.root.items():
        kind, expression = spec.source
        if kind in SYNTAX:
            problem = expression_error(kind, expression)
            if problem:
                problems.append(((name, kind), problem))
        if spec.regex is not None:
            problem = regex_error(spec.regex)
            if problem:
                problems.append(((name, "regex"), problem))
    return problems
