"""A fault rule as a tenant posts it (issue 11, "Fault injection"): the wire format shared by the gateway, which
applies rules (``gateway/fault_rules.py``, ``gateway/faults.py``), and the scenario engine, whose ``fault`` steps
carry the same JSON (``scenarios/steps/fault.py``) and are checked by the same :func:`parse_rule` before a run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from core.codes import Code
from core.errors import SandboxError
from core.jsonbody import validated

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_COUNT = 100_000
MAX_SECONDS = 7 * 24 * 3600
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
    spec = validated(RuleSpec, value, lambda message, where: bad_rule(f"{message}.", where))
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
