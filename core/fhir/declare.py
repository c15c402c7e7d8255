"""What a service declares to get a FHIR REST API: resource types and their search parameters.

Search parameters are FHIRPath expressions, as in the FHIR ``SearchParameter`` resources they stand
for; values are extracted on write into indexed tables, so searches never scan JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

ParamType = Literal["token", "string", "date", "reference", "uri"]

ALL_INTERACTIONS = frozenset(
    {"read", "vread", "update", "patch", "delete", "history-instance", "create", "search-type"}
)


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: ParamType
    expression: str
    targets: tuple[str, ...] = ()  # reference parameters: the resource types they may point to
    description: str = ""
    # other parameters of the same type reachable as modifiers of this one: parts=("family", "given") on
    # ``name`` makes ``name:family=X`` the ``family`` search (the Annuaire Santé v2 documented form)
    parts: tuple[str, ...] = ()
    # a plain-Python equivalent of ``expression`` (resource -> values) the indexer runs instead, for an expression
    # the compiled walker cannot take and fhirpathpy runs slowly; ``expression`` stays the definition, and the
    # service's tests check that both give the same index rows (core/fhir/index.py ``values_of``)
    extract: Callable[[dict], list] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ResourceSpec:
    type: str
    params: tuple[SearchParam, ...] = ()
    interactions: frozenset[str] = ALL_INTERACTIONS
    require_if_match: bool = False  # update/patch/delete must carry If-Match (428 otherwise)
    profile: str | None = None

    def param(self, name: str) -> SearchParam | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass
class FhirSpec:
    """The FHIR API of one service: its resource types, page sizes and whether batches are allowed."""

    resources: list[ResourceSpec]
    default_count: int = 20
    max_count: int = 500
    # comma-separated values in one search parameter, and criteria in one search (400 FHIR-0022 beyond):
    # SQLite refuses an expression tree deeper than 1,000, which ~500 OR-ed values reach
    max_values: int = 100
    transactions: bool = True
    name: str = "sandbox"
    # "offset": next links repeat the query with _offset; "cursor": next links are ``{base}/_page?id=<cursor>``
    # (opaque, signed, bound to the tenant, expiring; core/fhir/paging.py)
    paging: Literal["offset", "cursor"] = "offset"
    by_type: dict[str, ResourceSpec] = field(init=False)

    def keeps_history(self, rtype: str) -> bool:
        """Whether versions of ``rtype`` go in the history table: only for a type that serves them (vread or
        _history). An AuditEvent (read and search only, never changed) would copy its body there for nothing."""
        declared = self.by_type.get(rtype)
        return declared is None or not declared.interactions.isdisjoint({"vread", "history-instance"})

    def __post_init__(self) -> None:
        self.by_type = {r.type: r for r in self.resources}
        for res in self.resources:
            for param in res.params:
                for part in param.parts:
                    target = res.param(part)
                    if target is None or target.type != param.type:
                        raise ValueError(f"{res.type}.{param.name} declares part {part!r}, which is not a "
                                         f"{param.type} parameter of {res.type}")
