"""The result parameters of a FHIR search (R4 §3.1.1.5): what shapes the answer, not what matches.

``_count``, ``_offset``, ``_sort``, ``_summary``, ``_total``, ``_elements``, ``_include`` and ``_revinclude``
are checked here and recorded on the :class:`core.fhir.search.SearchRequest`; ``_format`` and ``_pretty`` are
accepted and ignored. The search itself (core/fhir/search.py) turns the criteria into SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from core.codes import Code
from core.digits import bounded_int
from core.errors import SandboxError
from core.fhir.clauses import bad_value, too_many
from core.fhir.declare import FhirSpec, SearchParam

if TYPE_CHECKING:
    from core.fhir.search import SearchRequest

NAMES = {"_count", "_offset", "_sort", "_include", "_revinclude", "_summary", "_elements", "_format", "_pretty",
         "_total"}
TOTALS = ("none", "estimate", "accurate")
ParamOf = Callable[[str, str], "SearchParam | None"]  # (resource type, name) -> its parameter


def apply(spec: FhirSpec, req: SearchRequest, name: str, value: str, param_of: ParamOf) -> None:
    """Record the result parameter ``name`` (one of :data:`NAMES`) on ``req``; 400 when its value is wrong."""
    if name in ("_count", "_offset"):
        try:
            number = bounded_int(value)
        except ValueError as exc:
            raise bad_value(f"{name} {exc}.", name) from None
        if name == "_count":
            req.count = min(number, spec.max_count)
        else:
            req.offset = number
    elif name == "_sort":
        if len(req.sort) + value.count(",") >= spec.max_values:
            raise too_many(f"_sort names more than {spec.max_values} keys.", name)
        for item in filter(None, value.split(",")):
            key = item.lstrip("-")
            if key != "_id" and key != "_lastUpdated" and param_of(req.rtype, key) is None:
                raise SandboxError(400, Code.UNKNOWN_SEARCH_PARAM, f"Cannot sort {req.rtype} by {key!r}.",
                                   issue="not-supported", expression=["_sort"])
            req.sort.append((key, item.startswith("-")))
        req.echo.append((name, value))
    elif name == "_summary":
        if value not in ("count", "false"):
            raise bad_value(f"_summary={value!r} is not supported here; use 'count' or 'false'.", name)
        req.summary_count = value == "count"
        req.echo.append((name, value))
    elif name == "_total":
        if value not in TOTALS:
            raise bad_value(f"_total={value[:40]!r}: use none, estimate or accurate.", name)
        req.total = value
        req.echo.append((name, value))
    elif name == "_elements":
        req.elements = [e.strip() for e in value.split(",") if e.strip()]
        req.echo.append((name, value))
    elif name == "_include":
        req.includes += _include(spec, req.rtype, value, param_of)
        req.echo.append((name, value))
    elif name == "_revinclude":
        req.revincludes.append(_revinclude(spec, req.rtype, value))
        req.echo.append((name, value))

def _include(spec: FhirSpec, rtype: str, value: str, param_of: ParamOf) -> list[tuple[str, str | None]]:
    if value in ("*", f"{rtype}:*"):
        return [(p.name, None) for p in spec.by_type[rtype].params if p.type == "reference"]
    parts = value.split(":")
    if len(parts) not in (2, 3) or parts[0] != rtype:
        raise bad_value(f"_include={value!r}: expected {rtype}:<reference parameter>[:<target type>].", "_include")
    param = param_of(rtype, parts[1])
    if param is None or param.type != "reference":
        raise bad_value(f"_include={value!r}: {parts[1]!r} is not a reference parameter of {rtype}.", "_include")
    return [(parts[1], parts[2] if len(parts) == 3 else None)]

def _revinclude(spec: FhirSpec, rtype: str, value: str) -> tuple[str, str]:
    parts = value.split(":")
    source = spec.by_type.get(parts[0]) if len(parts) in (2, 3) else None
    param = source.param(parts[1]) if source else None
    if param is None or param.type != "reference" or (param.targets and rtype not in param.targets):
        raise bad_value(f"_revinclude={value!r}: expected <type>:<reference parameter> pointing to {rtype}.",
                        "_revinclude")
    return parts[0], parts[1]
