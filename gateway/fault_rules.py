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
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from core.codes import Code
from core.errors import SandboxError
from core.fault_rule import RuleSpec

MAX_RULES = 100  # per tenant: a rule is checked against every request of its tenant


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
