"""The API gateway in front of the directory: ``ESANTE-API-KEY`` on every FHIR request, optional rate limit.

The real API sits behind a Gravitee gateway that refuses a request without a known key before the FHIR
server sees it (spec digest §6.1); the kernel runs this guard first for every path under the FHIR base,
its read hot path included. The limit is a token bucket per key: ``rate_limit`` calls per second with a
burst of one second's worth, answered 429 with ``Retry-After``.
"""

from __future__ import annotations

import hmac
import math
import time
from dataclasses import dataclass, field

from starlette.types import Scope

from core.errors import SandboxError
from services.annuaire_sante.codes import AsCode

API_KEY_HEADER = b"esante-api-key"


def refuse(code: AsCode, diagnostics: str) -> SandboxError:
    return SandboxError(401, code, diagnostics, issue="security", expression=["ESANTE-API-KEY"])


@dataclass
class ApiKeyGuard:
    keys: list[str]
    rate_limit: float = 0.0
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # key -> (tokens, at)

    def __call__(self, scope: Scope) -> None:
        given = next((v for k, v in scope["headers"] if k == API_KEY_HEADER), None)
        if given is None or not given.strip():
            raise refuse(AsCode.API_KEY_MISSING, "This API needs an API key: send it in the ESANTE-API-KEY header "
                         "(the sandbox demo key is listed in the README).")
        key = given.decode("latin-1").strip()
        if not any(hmac.compare_digest(key.encode(), k.encode()) for k in self.keys):
            raise refuse(AsCode.API_KEY_UNKNOWN, "The ESANTE-API-KEY header does not carry a known API key.")
        if self.rate_limit > 0:
            self._spend(key)

    def _spend(self, key: str) -> None:
        now = time.monotonic()
        capacity = max(self.rate_limit, 1.0)  # a burst of one second's worth, at least one call
        tokens, at = self.buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - at) * self.rate_limit)
        if tokens < 1:
            self.buckets[key] = (tokens, now)
            wait = math.ceil((1 - tokens) / self.rate_limit)
            raise SandboxError(429, AsCode.RATE_LIMITED, f"More than {self.rate_limit:g} calls per second with "
                               f"this API key; retry in {wait} s.", issue="throttled",
                               headers={"Retry-After": str(wait)})
        self.buckets[key] = (tokens - 1, now)
