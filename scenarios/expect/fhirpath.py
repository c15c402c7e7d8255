"""FHIRPath (N1, as fhirpathpy implements it) for assertions and captures on FHIR JSON bodies.

:mod:`core.fhir.fhirpath` is a compiled walker for search-parameter paths: plain member steps,
``where(x = 'text')`` and ``extension()``, everything else handed to fhirpathpy. Assertions need the
whole language (comparisons, ``exists()``, ``count()``, ``and``/``or``, ``iif``), so they go to
fhirpathpy directly, each expression compiled once (:func:`_compiled`: 0.13 ms an evaluation instead of
1.7 ms re-parsing it, which was a third of the runner's CPU with 100 teams, bench/projectathon.py).
fhirpathpy's own parser recovers from syntax errors silently, so :func:`syntax_error` parses with an
ANTLR listener that records them, and checks that every function called is one fhirpathpy knows.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

_FUNCTION = re.compile(r"(?<![\w`])([A-Za-z_]\w*)\s*\(")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|`[^`]*`")


@cache
def _model() -> dict:
    from fhirpathpy.models import models

    return models["r4"]


@cache
def _functions() -> frozenset[str]:
    from fhirpathpy.engine.invocations import invocation_registry

    return frozenset(invocation_registry)


def syntax_error(expression: str) -> str | None:
    """Why ``expression`` is not FHIRPath, or None."""
    from antlr4 import CommonTokenStream, InputStream
    from antlr4.error.ErrorListener import ErrorListener
    from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
    from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

    errors: list[str] = []

    class Collect(ErrorListener):
        def syntaxError(self, recognizer, offending, line, column, msg, e):  # noqa: N802 - ANTLR's name
            errors.append(f"column {column + 1}: {msg if len(msg) < 120 else msg[:117] + '...'}")

    lexer = FHIRPathLexer(InputStream(expression))
    lexer.removeErrorListeners()
    lexer.addErrorListener(Collect())
    parser = FHIRPathParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(Collect())
    try:
        parser.entireExpression()
    except Exception as exc:  # noqa: BLE001 - the lexer may raise instead of reporting
        errors.append(str(exc) or type(exc).__name__)
    if errors:
        return f"not FHIRPath: {errors[0]}"
    for name in _FUNCTION.findall(_STRING.sub("''", expression)):
        if name not in _functions():
            return f"not FHIRPath: no function {name}() (fhirpathpy knows {len(_functions())}, e.g. exists(), " \
                   "where(), count(), first())"
    return None


@lru_cache(maxsize=1024)
def _compiled(expression: str) -> Any:
    import fhirpathpy

    return fhirpathpy.compile(expression, _model())


def evaluate(resource: Any, expression: str) -> list:
    """The FHIRPath result collection; ``ValueError`` with a sentence when evaluation fails."""
    try:
        result = _compiled(expression)(resource, [])
    except RecursionError:
        raise ValueError("FHIRPath evaluation nested too deep") from None
    except Exception as exc:  # noqa: BLE001 - fhirpathpy raises bare Exceptions on bad input
        raise ValueError(f"FHIRPath error: {' '.join(str(exc).split())[:200] or type(exc).__name__}") from None
    return list(result) if isinstance(result, list) else [result]
