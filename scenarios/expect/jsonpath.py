"""JSONPath (RFC 9535) on JSON bodies that are not FHIR: OAuth token answers, userinfo, admin JSON.

``jsonpath-rfc9535`` implements the standard itself (and passes its compliance suite), so what a
scenario author writes means what the RFC says, filters and functions included; ``jsonpath-ng``
predates the RFC and has its own dialect. A member name with a dash needs the bracket form
(``$['access-token']``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=512)
def _compiled(expression: str) -> Any:
    import jsonpath_rfc9535

    return jsonpath_rfc9535.compile(expression)


def syntax_error(expression: str) -> str | None:
    """Why ``expression`` is not RFC 9535 JSONPath, or None."""
    import jsonpath_rfc9535

    if not expression.startswith("$"):
        return "not JSONPath: a query starts with '$' (e.g. $.access_token)"
    try:
        _compiled(expression)
    except jsonpath_rfc9535.JSONPathError as exc:
        return f"not JSONPath: {exc}"
    return None


def evaluate(document: Any, expression: str) -> list:
    """The values the query selects; ``ValueError`` with a sentence when it cannot run."""
    import jsonpath_rfc9535

    problem = syntax_error(expression)
    if problem:
        raise ValueError(problem)
    try:
        return _compiled(expression).find(document).values()
    except (jsonpath_rfc9535.JSONPathError, RecursionError) as exc:
        raise ValueError(f"JSONPath error: {exc}") from None
