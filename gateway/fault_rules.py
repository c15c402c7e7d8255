"""Fault rules: what a tenant asked the gateway to break, and which request each rule catches (issue 11).

A rule names a service, optionally a method and a path pattern, and one effect: an error ``status``
answered in the service's own error form, ``drop`` (close the connection without a response) or
``expire_tokens`` (a request carrying a Bearer token is answered as if the token had expired); a
``latency_ms`` delays the request, alone or before one of those effects. A rule applies to the next
``count`` matching requests, for ``seconds``, both (whichever ends first) or, with neither, until cleared.

Rules live in memory, per gateway process and per tenant: a restart clears them (a fault is a test's
short-lived setting, and the hot path must not read a database to find there is none). Matching and the
count decrement happen in one synchronous step on the event loop, so ``count`` is exact however many
requests run concurrently.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from core.codes import Code
from core.errors import SandboxError

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_COUNT = 100_000
MAX_SECONDS = 7 * 24 * 3600
MAX_RULES = 100  # per tenant: a rule is checked against every request of its tenant
MAX_PATH = 1024
MAX_STARS = 8


class RuleSpec(BaseModel):
    """A fault rule as posted (``POST /_admin/faults``): strict types, unknown keys refused."""

    model_config = ConfigDict(extra="forbid")

    service: Annotated[str, Field(min_length=1, max_length=64, description="Slug of a registered service.")]
    method: Literal[METHODS] | None = Field(None, description="HTTP method; omitted: any.")
    path: Annotated[str, Field(min_length=1, max_length=MAX_PATH, pattern=r"^[/*][!-~]*$")] | None = Field(
        None, description="Path after the service slug; '*' matches any characters (also '/'); omitted: any.")
    status: Annotated[StrictInt, Field(ge=400, le=599)] | None = Field(
        None, description="Answer this error status in the service's own error form; the service is not called.")
    drop: Literal[True] | None = Field(None, description="Close the connection without a response.")
    expire_tokens: Literal[True] | None = Field(
        None, description="A request with a Bearer token gets 401 invalid_token, as if the token had expired.")
    latency_ms: Annotated[StrictInt, Field(ge=1)] | None = Field(None, description="Delay before going on.")
    count: Annotated[StrictInt, Field(ge=1, le=MAX_COUNT)] | None = Field(
        None, description="Apply to the next N matching requests only.")
    seconds: Annotated[StrictInt, Field(ge=1, le=MAX_SECONDS)] | None = Field(
        None, description="Apply for this many seconds only.")

    @property
    def kind(self) -> str:
        for name in ("status", "drop", "expire_tokens"):
            if getattr(self, name) is not None:
                return name
        return "latency"


def bad_rule(message: str, where: str) -> SandboxError:
    return SandboxError(400, Code.BAD_FAULT_RULE, message, expression=[where])


def parse_rule(value: object, *, services: Iterable[str], max_latency_ms: int) -> RuleSpec:
    """A posted JSON value as a :class:`RuleSpec`, or 400 ``GW-0012`` naming the member at fault."""
    if not isinstance(value, dict):
        raise bad_rule("A fault rule is a JSON object, e.g. {\"service\": \"ins-teleservice\", \"status\": 503}.",
                       "body")
    try:
        spec = RuleSpec.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise bad_rule(f"{where}: {first['msg']}.", where) from None
    effects = [name for name in ("status", "drop", "expire_tokens") if getattr(spec, name) is not None]
    if len(effects) > 1:
        raise bad_rule(f"A rule has one effect: {' and '.join(effects)} cannot go together (latency_ms may go "
                       "with any of them).", effects[1])
    if not effects and spec.latency_ms is None:
        raise bad_rule("A rule needs an effect: status, drop, expire_tokens or latency_ms.", "body")
    if spec.path is not None and spec.path.count("*") > MAX_STARS:
        raise bad_rule(f"path: at most {MAX_STARS} '*'.", "path")
    known = sorted(services)
    if spec.service not in known:
        raise bad_rule(f"service {spec.service[:64]!r} is not a service of this sandbox ({', '.join(known)}).",
                       "service")
    if spec.latency_ms is not None and spec.latency_ms > max_latency_ms:
        raise bad_rule(f"latency_ms: at most {max_latency_ms} (SANDBOX_FAULT_MAX_LATENCY_MS).", "latency_ms")
    return spec


def path_matches(pattern: str | None, path: str) -> bool:
    """``*`` matches any run of characters; everything else literally. Linear: parts are found in order."""
    if pattern is None:
        return True
    if "*" not in pattern:
        return path == pattern
    first, *middle, last = pattern.split("*")
    if not path.startswith(first) or len(path) < len(first) + len(last) or not path.endswith(last):
        return False
    at, end = len(first), len(path) - len(last)
    for part in middle:
        found = path.find(part, at, end)
        if found < 0:
            return False
        at = found + len(part)
    return True


@dataclass
class Rule:
    """A rule in force: its spec, id and what is left of it."""

    id: str
    spec: RuleSpec
    created: float  # epoch seconds
    expires: float | None  # time.monotonic() deadline
    remaining: int | None
    applied: int = 0
    definition: dict[str, Any] = field(default_factory=dict)

    def alive(self, now: float) -> bool:
        return (self.remaining is None or self.remaining > 0) and (self.expires is None or now < self.expires)

    def matches(self, service: str, method: str, path: str, bearer: bool) -> bool:
        spec = self.spec
        return (spec.service == service and (spec.method is None or spec.method == method
                                             or (spec.method == "GET" and method == "HEAD"))
                and (spec.expire_tokens is None or bearer) and path_matches(spec.path, path))

    @cached_property
    def recorded(self) -> str:
        """What the exchange recorder keeps of the rule: its id and definition, as JSON."""
        return json.dumps({"id": self.id, **self.definition}, separators=(",", ":"))

    def describe(self, now: float) -> dict[str, Any]:
        left = None if self.expires is None else max(0.0, round(self.expires - now, 3))
        return {"id": self.id, **self.definition, "remaining_count": self.remaining,
                "remaining_seconds": left, "applied": self.applied,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.created))}


class FaultRules:
    """Every tenant's rules, in memory; ``take`` finds the rule a request triggers and spends one use."""

    def __init__(self, clock=time.monotonic) -> None:  # noqa: ANN001 - a test clock
        self.by_tenant: dict[str, list[Rule]] = {}
        self.clock = clock

    def add(self, tenant: str, spec: RuleSpec) -> Rule:
        rules = self._live(tenant)
        if len(rules) >= MAX_RULES:
            raise SandboxError(409, Code.FAULT_RULE_LIMIT, f"Tenant {tenant!r} already has {MAX_RULES} fault "
                               "rules: delete some (DELETE /_admin/faults/{id}) or clear them.", issue="too-costly")
        now = self.clock()
        rule = Rule(id=secrets.token_hex(8), spec=spec, created=time.time(),
                    expires=None if spec.seconds is None else now + spec.seconds, remaining=spec.count,
                    definition=spec.model_dump(exclude_none=True))
        self.by_tenant.setdefault(tenant, []).append(rule)
        return rule

    def list(self, tenant: str) -> list[Rule]:
        return list(self._live(tenant))

    def get(self, tenant: str, rule_id: str) -> Rule:
        for rule in self._live(tenant):
            if rule.id == rule_id:
                return rule
        raise SandboxError(404, Code.UNKNOWN_FAULT_RULE, f"Tenant {tenant!r} has no fault rule {rule_id[:64]!r} "
                           "(it may have been used up or have expired).", issue="not-found", expression=["id"])

    def delete(self, tenant: str, rule_id: str) -> None:
        rule = self.get(tenant, rule_id)
        self.by_tenant[tenant].remove(rule)

    def clear(self, tenant: str) -> None:
        self.by_tenant.pop(tenant, None)

    def take(self, tenant: str, service: str, method: str, path: str, bearer: bool) -> Rule | None:
        """The oldest live rule matching the request, its count spent by one (no await: exact under load)."""
        rules = self.by_tenant.get(tenant)
        if not rules:
            return None
        now = self.clock()
        for rule in rules:
            if rule.alive(now) and rule.matches(service, method, path, bearer):
                rule.applied += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining == 0:  # used up: off the hot path at once
                        rules.remove(rule)
                        if not rules:
                            del self.by_tenant[tenant]
                return rule
        return None

    def _live(self, tenant: str) -> list[Rule]:
        """The tenant's rules still in force (used-up and expired ones are forgotten here)."""
        rules = self.by_tenant.get(tenant)
        if not rules:
            return []
        now = self.clock()
        alive = [rule for rule in rules if rule.alive(now)]
        if len(alive) != len(rules):
            if alive:
                self.by_tenant[tenant] = alive
            else:
                del self.by_tenant[tenant]
        return alive
