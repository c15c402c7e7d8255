"""Evaluate ``expect`` and ``capture`` blocks on a :class:`Response` (load-time checks: validate.py).

Nothing a body holds makes :func:`check` raise: an unreadable body, an expression that fails on it,
a regex that runs too long all become :class:`Failure` items, each saying what was expected, what was
found and, where it helps, a short excerpt of the body (an OperationOutcome's diagnostics, an OAuth
error, a SOAP Fault's reason).
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import regex
from lxml import etree

from core.secret_names import SECRET_FIELDS as RECORDER_SECRETS
from scenarios.expect import fhirpath, jsonpath, xpath
from scenarios.expect.models import MAX_EXPRESSION, Capture, Expect, Match
from scenarios.expect.response import BodyError, Response

REGEX_SECONDS = 1.0  # a scenario's regex on a hostile body: stopped, not left to backtrack forever
EXCERPT = 240  # characters of body shown with a failure
# the recorder's secret members (core/secret_names.py) and CIBA's auth_req_id: never shown in a failure
SECRET_FIELDS = RECORDER_SECRETS | {"auth_req_id"}
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Failure:
    """One assertion that did not hold (or a capture that found nothing)."""

    where: Path  # in the block: ("status",), ("fhirpath", 0), ("json", "$.token_type")
    expected: str
    found: str
    excerpt: str = ""  # what the body says, shortened

    @property
    def label(self) -> str:
        kind, *rest = self.where or ("body",)
        return f"{kind} {rest[0]}" if rest and isinstance(rest[0], str) else f"{kind}" + "".join(
            f"[{part}]" for part in rest)

    def as_dict(self) -> dict[str, Any]:
        """The failure for a JSON report."""
        return {"where": list(self.where), "label": self.label, "expected": self.expected, "found": self.found,
                "excerpt": self.excerpt}

    def __str__(self) -> str:
        line = f"{self.label}: expected {self.expected}; found {self.found}"
        return f"{line}\n    body: {self.excerpt}" if self.excerpt else line


class CaptureError(Exception):
    """Some captures found nothing; ``failures`` says which and why."""

    def __init__(self, failures: list[Failure]) -> None:
        super().__init__("; ".join(str(failure).split("\n")[0] for failure in failures))
        self.failures = failures


# -- values -----------------------------------------------------------------------------------------

def as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def shown(values: list, limit: int = 3) -> str:
    if not values:
        return "nothing"
    texts = [repr(short(value, 80)) if isinstance(value, str) else short(as_text(value), 80)
             for value in values[:limit]]
    more = f" and {len(values) - limit} more" if len(values) > limit else ""
    return ("" if len(values) == 1 else f"{len(values)} values: ") + ", ".join(texts) + more


def short(text: str, limit: int = EXCERPT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def same(found: Any, expected: Any, *, textual: bool) -> bool:
    """Equality that keeps ``true`` apart from ``1`` (JSON), or compares text (XPath, headers)."""
    if textual or isinstance(found, str) != isinstance(expected, str):
        return as_text(found) == as_text(expected) if textual else False
    if isinstance(found, bool) or isinstance(expected, bool):
        return type(found) is type(expected) and found == expected
    if isinstance(found, Decimal) and isinstance(expected, int | float):  # FHIRPath decimals: 0.1 is 0.1
        return found == Decimal(str(expected))
    return found == expected


def search(pattern: str, text: str) -> regex.Match | None:
    try:
        return regex.search(pattern, text, timeout=REGEX_SECONDS)
    except TimeoutError:
        raise ValueError(f"the regex ran longer than {REGEX_SECONDS:g} s on this body and was stopped") from None
    except regex.error as exc:
        raise ValueError(f"bad regex: {exc}") from None


def mismatch(match: Match, values: list, *, textual: bool, glob_case: bool = True) -> tuple[str, str] | None:
    """``(expected, found)`` when ``values`` do not satisfy ``match``, else None."""
    if match.exists is False:
        return None if not values else ("nothing", shown(values))
    if match.count is not None and len(values) != match.count:
        return f"{match.count} value(s)", shown(values) if values else "none"
    if match.exists and not values:
        return "a value", "nothing"
    texts = [as_text(value) for value in values]
    if match.has_equals and not any(same(value, match.equals, textual=textual) for value in values):
        return repr(match.equals) if not textual else repr(as_text(match.equals)), shown(values)
    if match.glob is not None:
        test = fnmatch.fnmatchcase if glob_case else (lambda t, g: fnmatch.fnmatchcase(t.lower(), g.lower()))
        if not any(test(text, match.glob) for text in texts):
            return f"a value matching {match.glob!r}", shown(values)
    if match.regex is not None and not any(search(match.regex, text) for text in texts):
        return f"a value matching regex {match.regex!r}", shown(values)
    if match.contains is not None and not any(match.contains in text for text in texts):
        return f"a value containing {match.contains!r}", shown(values)
    return None


def status_ok(expected: Any, status: int) -> bool:
    for item in expected if isinstance(expected, list) else [expected]:
        if isinstance(item, int) and item == status:
            return True
        if isinstance(item, str) and (item == str(status) or (item.endswith("xx") and str(status)[0] == item[0])):
            return True
    return False


def masked(value: Any) -> Any:
    """An OAuth-style JSON value with its secrets masked as the recorder masks them (a JWT keeps its claims)."""
    if isinstance(value, list):
        return [masked(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for name, item in value.items():
        if name in SECRET_FIELDS and isinstance(item, str):
            parts = item.split(".")
            out[name] = f"{parts[0]}.{parts[1]}.***" if len(parts) == 3 and parts[0] and parts[1] else "***"
        else:
            out[name] = masked(item)
    return out


def excerpt(response: Response) -> str:
    """What the body says, for a person: an error's code and text, a SOAP Body's content, or its start."""
    cache: dict = {}
    try:
        if response.content_type.endswith("json") or response.body.lstrip()[:1] in (b"{", b"["):
            body = response.json()
            if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
                issues = body.get("issue") or [{}]
                issue = issues[0] if isinstance(issues, list) and isinstance(issues[0], dict) else {}
                codes = [c.get("code") for c in (issue.get("details") or {}).get("coding", []) if isinstance(c, dict)]
                return short(f"OperationOutcome {issue.get('code')} {' '.join(map(str, codes))}: "
                             f"{issue.get('diagnostics', '')}")
            if isinstance(body, dict) and isinstance(body.get("error"), str):
                return short(f"error {body['error']}: {body.get('error_description', '')}")
            if isinstance(body, dict) and "resourceType" not in body:
                return short(json.dumps(masked(body), ensure_ascii=False))
        elif "xml" in response.content_type or response.body.lstrip()[:1] == b"<":
            root = response.xml()
            fault = xpath.evaluate(root, "//Fault")
            if fault:
                code = " ".join(xpath.values(xpath.evaluate(root, "//Fault/Code//Value | //Fault/faultcode")))
                reason = " ".join(xpath.values(xpath.evaluate(root, "//Fault/Reason/Text | //Fault/faultstring")))
                return short(f"SOAP Fault {code}: {reason}")
            content = xpath.evaluate(root, "/Envelope/Body/*", cache=cache)
            if content:  # the SOAP Body's content without its namespaces: what a person looks for
                return short(etree.tostring(content[0], encoding="unicode", with_tail=False))
    except (BodyError, ValueError):
        pass
    text = response.text()
    return short(text) if text.strip() else "(empty)"


# -- selection --------------------------------------------------------------------------------------

def select(kind: str, expression: str, response: Response, cache: dict) -> list:
    """The values ``expression`` selects in the body or headers; ``ValueError``/``BodyError`` on failure."""
    if len(expression) > MAX_EXPRESSION:
        raise ValueError(f"the expression is longer than {MAX_EXPRESSION} characters")
    if kind == "header":
        value = response.headers.get(expression.lower())
        return [] if value is None else [value]
    if kind == "body":
        return [response.text()] if response.body else []
    result = evaluate(kind, expression, response, cache)
    return xpath.values(result) if kind == "xpath" else result


def evaluate(kind: str, expression: str, response: Response, cache: dict) -> Any:
    """The raw result of a FHIRPath / JSONPath / XPath expression on the body; never an unexpected exception."""
    if len(expression) > MAX_EXPRESSION:
        raise ValueError(f"the expression is longer than {MAX_EXPRESSION} characters")
    try:
        if kind == "fhirpath":
            return fhirpath.evaluate(response.json(), expression)
        if kind == "json":
            return jsonpath.evaluate(response.json(), expression)
        return xpath.evaluate(response.xml(), expression, cache=cache)
    except (BodyError, ValueError):
        raise
    except Exception as exc:  # noqa: BLE001 - a library's surprise on a hostile body is a failure, not a crash
        raise ValueError(f"{kind} evaluation failed: {type(exc).__name__}: {short(str(exc), 160)}") from None


def check(expect: Expect, response: Response) -> list[Failure]:
    """Every assertion of ``expect`` that ``response`` does not satisfy (empty: all hold)."""
    failures: list[Failure] = []
    cache: dict = {}
    body = None

    def fail(where: Path, expected: str, found: str, *, with_body: bool = True) -> None:
        nonlocal body
        if with_body and body is None:
            body = excerpt(response)
        failures.append(Failure(where, expected, found, body if with_body else ""))

    if expect.status is not None and not status_ok(expect.status, response.status):
        fail(("status",), " or ".join(map(str, expect.status)) if isinstance(expect.status, list)
             else str(expect.status), str(response.status))
    for name, spec in (expect.headers or {}).items():
        match = Match.of(spec, shorthand="glob")
        value = response.headers.get(name.lower())
        try:
            problem = mismatch(match, [] if value is None else [value], textual=True, glob_case=False)
        except ValueError as exc:
            problem = "a value to test", str(exc)
        if problem:
            fail(("headers", name), *problem, with_body=False)
    for kind, block in (("fhirpath", expect.fhirpath), ("json", expect.json_), ("xpath", expect.xpath)):
        if isinstance(block, list):
            for index, expression in enumerate(block):
                try:
                    result = evaluate(kind, expression, response, cache)
                except (BodyError, ValueError) as exc:
                    fail((kind, index), f"`{short(expression, 120)}` to be true", str(exc))
                    continue
                ok = xpath.truthy(result) if kind == "xpath" else result == [True]
                if not ok:
                    hint = " (a path alone is not a test: add .exists())" if kind == "fhirpath" and result and \
                        result != [False] else ""
                    fail((kind, index), f"`{short(expression, 120)}` to be true",
                         shown(result if isinstance(result, list) else [result]) + hint)
        for expression, spec in (block or {}).items() if isinstance(block, dict) else ():
            try:
                problem = mismatch(Match.of(spec), select(kind, expression, response, cache), textual=kind == "xpath")
            except (BodyError, ValueError) as exc:
                problem = "a value to test", str(exc)
            if problem:
                fail((kind, expression), *problem)
    for key, negate in (("body_contains", False), ("body_not_contains", True)):
        wanted = getattr(expect, key)
        text = response.text()
        for index, needle in enumerate([wanted] if isinstance(wanted, str) else wanted or []):
            if (needle in text) == negate:
                where: Path = (key,) if isinstance(wanted, str) else (key, index)
                fail(where, f"{'no' if negate else 'a'} body containing {needle!r}",
                     "it does" if negate else f"no such text in {len(response.body)} bytes"
                     + (" (recorded body truncated)" if response.truncated else ""))
    return failures


def extract(capture: Capture, response: Response) -> dict[str, str]:
    """The captured values by name; :class:`CaptureError` when one finds nothing and has no default."""
    values: dict[str, str] = {}
    failures: list[Failure] = []
    cache: dict = {}
    for name, spec in capture.root.items():
        kind, expression = spec.source
        try:
            found = select(kind, expression, response, cache)
            value = as_text(found[0]) if found and found[0] is not None else None
            if value is not None and spec.regex is not None:
                match = search(spec.regex, value)
                value = None if match is None else (match.group(1) if match.groups() else match.group(0))
                problem = f"nothing matches regex {spec.regex!r} in {shown(found[:1])}"
            else:
                problem = "nothing"
        except (BodyError, ValueError) as exc:
            value, problem = None, str(exc)
        if value is None and spec.default is not None:
            value = spec.default
        if value is None:
            source = f"{kind} {short(expression, 120)!r}" if expression else "the body"
            failures.append(Failure((name,), f"a value for capture {name!r} from {source}", problem,
                                    excerpt(response)))
        else:
            values[name] = value
    if failures:
        raise CaptureError(failures)
    return values
