"""FHIRPath for search-parameter expressions: a compiled plain-Python walker for simple paths.

Index extraction evaluates every parameter's expression on every write; fhirpathpy costs ~30 µs per
expression and ~0.46 ms per directory Practitioner. Most ``SearchParameter`` expressions are plain
paths, so those are compiled here into a walker over the JSON: ``Type.a.b``, choice types
(``Observation.effective``, ``Extension.value``) resolved with the R4 model fhirpathpy ships,
``where(<member> = '<text>')`` filters, ``extension('<url>')`` and ``|`` unions. The walker reproduces
fhirpathpy's results, quirks included (``_element`` primitive extensions, first-match ``extension()``);
anything else (other functions, operators, indexes) is handed to fhirpathpy itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache

import fhirpathpy
from fhirpathpy.models import models

R4 = models["r4"]
CHOICES: dict[str, list[str]] = R4["choiceTypePaths"]
ELSEWHERE: dict[str, str] = R4["pathsDefinedElsewhere"]
PATH2TYPE: dict[str, str] = R4["path2Type"]

Evaluator = Callable[[dict], list]
Node = tuple[object, str]  # (JSON value, FHIRPath type path such as "ContactPoint" or "Practitioner.qualification")

NAME = r"[A-Za-z][A-Za-z0-9_]*"
STEP_RE = re.compile(
    rf"(?P<member>{NAME})(?![A-Za-z0-9_(])"
    rf"|where\(\s*(?P<where>{NAME})\s*=\s*'(?P<text>[^'\\]*)'\s*\)"
    r"|extension\(\s*'(?P<ext>[^'\\]*)'\s*\)"
)


def split_union(expression: str) -> list[str] | None:
    """Top-level ``|`` alternatives (outside quotes and parentheses), or None if unbalanced."""
    parts, depth, quoted, current = [], 0, False, ""
    for char in expression:
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        if char == "|" and not quoted and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return None if quoted or depth else parts


def parse_path(expression: str) -> list[tuple[str, str, str | None]] | None:
    """Steps of a simple path — ("member", name), ("where", member, text), ("ext", url) — or None."""
    steps: list[tuple[str, str, str | None]] = []
    pos = 0
    while True:
        match = STEP_RE.match(expression, pos)
        if match is None:
            return None
        if match.group("member"):
            if (match.group("member")[0].isupper() and steps) or match.group("member") == "length":
                return None  # a type name mid-path, or fhirpathpy's string length: not a plain member
            steps.append(("member", match.group("member"), None))
        elif match.group("where"):
            steps.append(("where", match.group("where"), match.group("text")))
        else:
            steps.append(("ext", match.group("ext"), None))
        pos = match.end()
        if pos == len(expression):
            return steps
        if expression[pos] != ".":
            return None
        pos += 1


CHILD: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}


def child_path(path: str, key: str) -> tuple[str, tuple[str, ...]]:
    """(type path of ``path.key``, choice suffixes when it is a choice element) as fhirpathpy computes them."""
    found = CHILD.get((path, key))
    if found is None:
        child = ELSEWHERE.get(f"{path}.{key}", f"{path}.{key}")
        types = CHOICES.get(child)
        if types:
            found = (child, tuple(types))
        else:
            found = (PATH2TYPE.get("Extension" if key == "extension" else child,
                                   "Extension" if key == "extension" else child), ())
        CHILD[path, key] = found
    return found


def _add(out: list[Node], value, path: str) -> None:
    if value is None or value == []:
        return
    if not isinstance(value, list):
        value = (value,)
    for item in value:
        if isinstance(item, dict) and "resourceType" in item:
            out.append((item, item["resourceType"]))
        else:
            out.append((item, path))


def member(nodes: list[Node], key: str) -> list[Node]:
    out: list[Node] = []
    shadow_key = "_" + key
    for data, path in nodes:
        if not isinstance(data, dict):
            continue
        child, types = child_path(path, key)
        if types:
            for suffix in types:
                field = key + suffix
                value, shadow = data.get(field), data.get("_" + field)
                if value is not None or shadow is not None:
                    typed = PATH2TYPE.get(child + suffix, child + suffix)
                    _add(out, value, typed)
                    _add(out, shadow, typed)
                    break
            continue
        value = data.get(key)
        if value is not None:
            _add(out, value, child)
        shadow = data.get(shadow_key)
        if shadow is not None:
            _add(out, shadow, child)
    return out


def where_equals(nodes: list[Node], key: str, text: str) -> list[Node]:
    kept = []
    shadow_key = "_" + key
    for node in nodes:
        data, path = node
        value = data.get(key) if isinstance(data, dict) else None
        if isinstance(value, str) and shadow_key not in data and not child_path(path, key)[1]:
            if value == text:  # the common case (url, system): one plain string member, no _element twin
                kept.append(node)
            continue
        values = [v for v, _ in member([node], key)]
        if len(values) == 2 and isinstance(values[1], dict) and "extension" in values[1]:
            values = values[:1]  # fhirpathpy drops the _element twin of a primitive in comparisons
        if len(values) == 1 and values[0] == text:
            kept.append(node)
    return kept


def extension(nodes: list[Node], url: str) -> list[Node]:
    out: list[Node] = []
    for data, _path in nodes:
        if isinstance(data, dict):
            found = next((e for e in data.get("extension", []) if e["url"] == url), None)
            if found is not None:  # fhirpathpy's extension() keeps the first match only
                out.append((found, "Extension"))
    return out


def output(nodes: list[Node]) -> list:
    """The values fhirpathpy returns: ``_element``-only twins dropped, floats as Decimal."""
    result = []
    for data, _path in nodes:
        if isinstance(data, dict) and list(data) == ["extension"]:
            continue
        result.append(Decimal(str(data)) if isinstance(data, float) else data)
    return result


def compile_path(steps: list[tuple[str, str, str | None]]) -> Evaluator:
    head = steps[0]
    type_filter = head[1] if head[0] == "member" and head[1][0].isupper() else None
    rest = steps[1:] if type_filter else steps

    def evaluate(resource: dict) -> list:
        if type_filter and resource.get("resourceType") != type_filter:
            return []
        nodes: list[Node] = [(resource, resource.get("resourceType", ""))]
        for kind, name, text in rest:
            if kind == "member":
                nodes = member(nodes, name)
            elif kind == "where":
                nodes = where_equals(nodes, name, text or "")
            else:
                nodes = extension(nodes, name)
            if not nodes:
                return []
        return output(nodes)

    return evaluate


def union(evaluators: list[Evaluator]) -> Evaluator:
    def evaluate(resource: dict) -> list:
        seen: set[str] = set()
        result = []
        for fn in evaluators:
            for value in fn(resource):
                key = json.dumps(value, sort_keys=True, default=str)
                if key not in seen:
                    seen.add(key)
                    result.append(value)
        return result

    return evaluate


def fast_evaluator(expression: str) -> Evaluator | None:
    """The compiled walker of ``expression``, or None when it needs the full FHIRPath engine."""
    parts = split_union(expression)
    if not parts or any(not p for p in parts):
        return None
    compiled = [parse_path(p) for p in parts]
    if any(steps is None for steps in compiled):
        return None
    evaluators = [compile_path(steps) for steps in compiled if steps]
    return evaluators[0] if len(evaluators) == 1 else union(evaluators)


@cache
def evaluator(expression: str) -> Evaluator:
    """A function resource -> values: the compiled walker when possible, else fhirpathpy (R4 model)."""
    fast = fast_evaluator(expression)
    if fast is not None:
        return fast
    slow = fhirpathpy.compile(expression, model=R4)
    return lambda resource: slow(resource)
