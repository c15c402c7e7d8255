"""Bearer access-token verification for every service (issue 4, "Token verification"; RFC 6750, RFC 7519).

A :class:`TokenVerifier` checks an RS256 JWT against the JWKS of the issuer of the caller's tenant,
fetched through the peer client (``{issuer}/protocol/openid-connect/certs``) and cached per issuer; an
unknown ``kid`` refetches the keys, at most once per ``refetch_interval``, so a key rotation is picked
up without hammering the issuer. ``iss`` must be that issuer (tokens are per tenant), ``aud`` when
present one of the accepted audiences (a token without ``aud`` passes unless ``audience_required``:
real Pro Santé Connect access tokens carry none, and neither do the sandbox's by default),
``exp``/``nbf``/``iat`` hold within ``leeway``, ``alg`` is in the allow-list (checked
before any key is touched: ``none`` and HS256-with-the-public-key never reach a verifier). Failures are
:class:`SandboxError` with an ``AUTH-`` code and a ``WWW-Authenticate`` challenge.

The issuer slug and realm are parameters, so the Mon espace santé citizen login reuses this class.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import math
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from joserfc import jwk, jwt
from joserfc.errors import JoseError

from core import jsonbody
from core.codes import Code
from core.errors import SandboxError
from core.oidc.principals import Principal, UnknownPrincipal, principal_from_claims
from core.peers import Peers

PSC_SLUG = "pro-sante-connect"
PSC_REALM = "/auth/realms/esante-wallet"
JWKS_PATH = "/protocol/openid-connect/certs"
DEFAULT_AUDIENCE = "esante-sandbox"
MAX_ISSUERS = 1024  # JWKS cached at once (one per tenant): the oldest go first
ISSUER_RETRY_AFTER = "5"


def header_safe(text: str) -> str:
    """A quoted-string-safe ASCII rendering for ``WWW-Authenticate`` (headers are Latin-1, no quotes)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isprintable() and c not in '"\\' else "'" for c in ascii_text)


def shown(value: Any) -> str:
    """A token-supplied value in a diagnostic: short, so a hostile token cannot flood the logs."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def b64url(segment: str) -> bytes:
    """Strict base64url (the default decoder silently skips foreign characters)."""
    return base64.b64decode(segment + "=" * (-len(segment) % 4), altchars=b"-_", validate=True)


def when(epoch: float) -> str:
    try:
        return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError, OSError):  # a date past year 9999 is still a number
        return str(epoch)


def is_number(value: Any) -> bool:
    """A NumericDate: JSON number, finite (Python's json accepts NaN, which never compares as expired)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass
class KeySet:
    """An issuer's published signing keys by ``kid`` and when they were fetched."""

    keys: dict[str, Any]
    fetched: float


class TokenVerifier:
    """Verifies bearer tokens of one issuer service (Pro Santé Connect by default) for any tenant."""

    def __init__(
        self,
        peers: Peers,
        *,
        issuer_slug: str = PSC_SLUG,
        realm: str = PSC_REALM,
        name: str = "Pro Santé Connect",
        audiences: Iterable[str] = (DEFAULT_AUDIENCE,),
        audience_required: bool = False,
        algorithms: Iterable[str] = ("RS256",),
        leeway: float = 30.0,
        jwks_ttl: float = 300.0,
        refetch_interval: float = 10.0,
        token_type: str | None = "Bearer",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.peers = peers
        self.issuer_slug = issuer_slug
        self.realm = realm
        self.name = name
        self.audiences = frozenset(audiences)
        self.audience_required = audience_required
        self.algorithms = tuple(algorithms)
        self.leeway = leeway
        self.jwks_ttl = jwks_ttl
        self.refetch_interval = refetch_interval
        self.token_type = token_type  # Keycloak's typ claim: "ID" and "Refresh" tokens are not access tokens
        self.clock = clock
        self._cache: dict[str, KeySet] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def issuer(self, tenant: str) -> str:
        """The issuer of ``tenant``: ``{public}[/t/{tenant}]/{slug}{realm}``."""
        return self.peers.base_url(self.issuer_slug, tenant) + self.realm

    def error(self, code: Code, diagnostics: str, tenant: str, *, status: int = 401, issue: str = "security",
              error: str | None = "invalid_token") -> SandboxError:
        """An ``AUTH-`` error with its RFC 6750 challenge (none for 503: it is not the token's fault)."""
        if status == 503:
            return SandboxError(status, code, diagnostics, issue="transient",
                                headers={"Retry-After": ISSUER_RETRY_AFTER})
        challenge = f'Bearer realm="{header_safe(self.issuer(tenant))}"'
        if error:
            challenge += f', error="{error}", error_description="{header_safe(diagnostics)}"'
        return SandboxError(status, code, diagnostics, issue=issue, headers={"WWW-Authenticate": challenge})

    async def authenticate(
        self, authorization: str | None, tenant: str, kinds: tuple[type, ...] = (),
    ) -> Principal:
        """The principal of an ``Authorization`` header value; ``kinds`` restricts which are accepted."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        issuer = self.issuer(tenant)
        if scheme.lower() != "bearer" or not token.strip():
            raise self.error(Code.MISSING_BEARER, f"This route needs an access token from {self.name}: send "
                             f"'Authorization: Bearer <access_token>' with a token from {issuer}.", tenant,
                             issue="login", error=None)  # RFC 6750 3.1: no error code when no token came
        claims = await self.verify(token.strip(), tenant)
        try:
            principal = principal_from_claims(claims, tenant)
        except UnknownPrincipal as exc:
            raise self.error(Code.MALFORMED_TOKEN, f"The token is valid but {exc}: send an access token "
                             f"from {issuer}.", tenant) from exc
        if kinds and not isinstance(principal, kinds):
            wanted = " or ".join(getattr(kind, "token_hint", kind.__name__) for kind in kinds)
            raise self.error(Code.WRONG_PRINCIPAL, f"This route needs {wanted}, not {principal.token_hint}: "
                             f"get one from {issuer}.", tenant, status=403, issue="forbidden",
                             error="insufficient_scope")
        return principal

    async def verify(self, token: str, tenant: str) -> dict[str, Any]:
        """The claims of ``token`` once signature, issuer, audience and lifetime hold for ``tenant``."""
        issuer = self.issuer(tenant)
        parts = token.split(".")
        try:
            if len(parts) != 3:
                raise ValueError(f"{len(parts)} parts")
            header, claims = jsonbody.loads(b64url(parts[0])), jsonbody.loads(b64url(parts[1]))
            b64url(parts[2])
            if not isinstance(header, dict) or not isinstance(claims, dict):
                raise ValueError("not JSON objects")
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise self.error(Code.MALFORMED_TOKEN, "The bearer token is not a signed JWT (three base64url parts, "
                             f"JSON header and claims): send the access_token issued by {issuer} as is.",
                             tenant) from exc
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise self.error(Code.ALG_NOT_ALLOWED, f"The token is signed with alg {shown(alg)}; only "
                             f"{', '.join(self.algorithms)} is accepted: get a token from {issuer}.", tenant)
        if claims.get("iss") != issuer:
            raise self.error(Code.WRONG_ISSUER, f"The token was issued by {shown(claims.get('iss'))}, not by the "
                             f"issuer of tenant {tenant!r}: get a token from {issuer} (each tenant has its own "
                             "issuer).", tenant)
        kid = header.get("kid") if isinstance(header.get("kid"), str) else None
        keys = await self.keys(tenant, kid)
        if kid is None:  # no kid: any published key may have signed it
            candidates = list(keys.values())
        else:
            candidates = [keys[kid]] if kid in keys else []
        if not any(self.signed_by(token, key) for key in candidates):
            reason = f"no key {kid!r} is published" if kid is not None and kid not in keys else "it does not verify"
            raise self.error(Code.BAD_SIGNATURE, f"The token's signature is refused ({reason} at "
                             f"{issuer}{JWKS_PATH}): get a new token from {issuer}.", tenant)
        self.check_claims(claims, tenant, issuer)
        return claims

    def signed_by(self, token: str, key: Any) -> bool:
        try:
            jwt.decode(token, key, algorithms=list(self.algorithms))
        except (JoseError, ValueError):
            return False
        return True

    def check_claims(self, claims: dict[str, Any], tenant: str, issuer: str) -> None:
        now = self.clock()
        exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
        if not is_number(exp) or any(v is not None and not is_number(v) for v in (nbf, iat)):
            raise self.error(Code.MALFORMED_TOKEN, "The token's exp (required), nbf and iat must be NumericDate "
                             f"numbers: send an access token issued by {issuer}.", tenant)
        if exp <= now - self.leeway:
            raise self.error(Code.TOKEN_EXPIRED, f"The token expired at {when(exp)} ({int(now - exp)} s ago): "
                             f"refresh it or get a new one from {issuer}.", tenant, issue="expired")
        for name, value in (("nbf", nbf), ("iat", iat)):
            if value is not None and value > now + self.leeway:
                raise self.error(Code.TOKEN_EXPIRED, f"The token is not valid before {when(value)} ({name}): check "
                                 f"this machine's clock or get a new token from {issuer}.", tenant, issue="expired")
        aud = claims.get("aud")
        audiences = {a for a in (aud if isinstance(aud, list) else [aud]) if isinstance(a, str)}
        if "aud" not in claims and not self.audience_required:
            pass  # as Pro Santé Connect issues them: nothing to match
        elif not audiences & self.audiences:
            raise self.error(Code.WRONG_AUDIENCE, f"The token's audience {shown(aud)} names none of "
                             f"{sorted(self.audiences)}: ask {issuer} for a token with audience "
                             f"{sorted(self.audiences)[0]!r}.", tenant)
        typ = claims.get("typ")
        if self.token_type and typ is not None and typ != self.token_type:
            raise self.error(Code.MALFORMED_TOKEN, f"The token is a {shown(typ)} token, not an access token: send "
                             f"the access_token from {issuer}'s token endpoint.", tenant)

    async def keys(self, tenant: str, kid: str | None) -> dict[str, Any]:
        """The issuer's keys, refetched when stale or when ``kid`` is new (rate-limited)."""
        issuer = self.issuer(tenant)
        cached = self._cache.get(issuer)
        if self.fresh(cached, kid):
            return cached.keys
        async with self._locks.setdefault(issuer, asyncio.Lock()):
            cached = self._cache.get(issuer)
            if self.fresh(cached, kid):  # another request refetched while this one waited
                return cached.keys
            try:
                fetched = KeySet(await self.fetch(tenant), self.clock())
            except SandboxError:
                if cached is not None and (kid is None or kid in cached.keys):
                    return cached.keys  # stale keys beat no keys while the issuer is down
                raise
            self._cache.pop(issuer, None)  # re-inserted last: eviction drops the least recently fetched
            self._cache[issuer] = fetched
            if len(self._cache) > MAX_ISSUERS:
                oldest = next(iter(self._cache))
                del self._cache[oldest]
                self._locks.pop(oldest, None)
            return fetched.keys

    def fresh(self, cached: KeySet | None, kid: str | None) -> bool:
        if cached is None:
            return False
        age = self.clock() - cached.fetched
        if age >= self.jwks_ttl:
            return False
        return kid is None or kid in cached.keys or age < self.refetch_interval

    async def fetch(self, tenant: str) -> dict[str, Any]:
        """GET the JWKS through the peer client; 503 ``AUTH-0009`` when it cannot be had."""
        url = self.issuer(tenant) + JWKS_PATH
        try:
            response = await self.peers.client(self.issuer_slug, tenant).get(self.realm + JWKS_PATH)
            if response.status_code != 200:
                raise ValueError(f"HTTP {response.status_code}")
            published = response.json().get("keys")
            if not isinstance(published, list):
                raise ValueError("no 'keys' array")
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise self.error(Code.ISSUER_UNREACHABLE, f"The signing keys of {self.name} could not be fetched from "
                             f"{url} ({exc}): make sure {self.issuer_slug} runs for this sandbox, then retry.",
                             tenant, status=503) from exc
        keys: dict[str, Any] = {}
        for data in published:
            if not isinstance(data, dict) or data.get("use", "sig") != "sig":
                continue
            if data.get("alg") is not None and data["alg"] not in self.algorithms:
                continue
            try:
                keys[str(data.get("kid", ""))] = jwk.import_key(data)
            except (JoseError, ValueError, TypeError):
                continue  # one unusable key must not hide the others
        return keys
