"""Pro Santé Connect as the login flows speak to it over HTTP: the tenant's issuer (discovery), the actor's
client registration, the professional's idNat_PS, the token endpoint and its OAuth errors, token checks."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from scenarios.runner.logins import Attempt

SERVICE = "pro-sante-connect"
REALM = "/auth/realms/esante-wallet"
DEMO = "sandbox-practice-software"
HINTS = {  # what to change, after PSC's own words
    "invalid_client": "check the actor's client and its secret (docs/pro-sante-connect.md, demo clients)",
    "unauthorized_client": "register the grant for the client, or use the demo client " + DEMO,
    "invalid_scope": "ask a scope the client registered (default: openid scope_all)",
    "unknown_user_id": "use a professional of the Annuaire Santé (docs/personas.md)",
}


@dataclass(frozen=True)
class Registration:
    """How a client authenticates at the token endpoint and where its codes go back."""

    client_id: str
    secret: str | None
    method: str  # its token_endpoint_auth_method
    redirect_uri: str | None = None

    def authenticate(self, form: dict[str, str]) -> dict[str, Any]:
        """The httpx options of a token request: the form with the client's authentication, as it registered."""
        if self.method == "client_secret_basic" and self.secret is not None:  # RFC 6749 2.3.1: form-encoded
            pair = f"{quote_plus(self.client_id)}:{quote_plus(self.secret)}".encode()
            return {"data": form, "headers": {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}}
        if self.method == "client_secret_post" and self.secret is not None:
            return {"data": {**form, "client_id": self.client_id, "client_secret": self.secret}}
        return {"data": {**form, "client_id": self.client_id}}


# the demo clients every tenant has (docs/pro-sante-connect.md): no registration to read for them
DEMO_CLIENTS = {
    DEMO: Registration(DEMO, "sandbox-practice-secret", "client_secret_basic", "http://localhost:3000/callback"),
    "sandbox-spa": Registration("sandbox-spa", None, "none", "http://localhost:5173/callback"),
}


async def registration(attempt: Attempt, client_id: str) -> Registration:
    """The client's registration: a demo client's is known, another's is read from the tenant's admin API."""
    if client_id in DEMO_CLIENTS:
        return DEMO_CLIENTS[client_id]
    ctx = attempt.ctx
    response = await attempt.send("GET", ctx.url(SERVICE, f"/_admin/clients/{quote(client_id, safe='')}"),
                                  headers=attempt.ctx.admin_headers())
    if response.status_code == 404:
        raise attempt.fail(f"Pro Santé Connect of tenant '{ctx.tenant}' has no client '{client_id}': register it "
                           f"(POST {SERVICE}/_admin/clients, docs/pro-sante-connect.md) or use the demo client {DEMO}")
    if response.status_code in (401, 403):
        raise attempt.fail(f"reading client '{client_id}' from Pro Santé Connect needs the sandbox's admin token "
                           f"({response.status_code}): give the run the admin token")
    meta = answer(attempt, response, f"the registration of client '{client_id}'")
    method = meta.get("token_endpoint_auth_method", "client_secret_basic")
    if method not in ("client_secret_basic", "client_secret_post", "none"):
        raise attempt.fail(f"client '{client_id}' authenticates with {method}, which the runner cannot do: "
                           "use a client with a secret (client_secret_basic or client_secret_post) or a public one")
    uris = meta.get("redirect_uris") or [None]
    return Registration(client_id, meta.get("client_secret"), method, uris[0])


def id_nat_ps(attempt: Attempt) -> str:
    """The idNat_PS of the actor's professional (the ``login_hint`` of a PSC login)."""
    slug = attempt.actor.persona
    for professional in attempt.ctx.population.professionals:
        if professional.id == slug:
            return professional.id_nat_ps
    raise attempt.fail(f"persona '{slug}' is not a professional of the run's population, so it has no idNat_PS "
                       "for a Pro Santé Connect login: choose a professional persona (docs/personas.md)")


async def discover(attempt: Attempt) -> dict[str, Any]:
    """The tenant's discovery document, its issuer checked to be the tenant's."""
    ctx = attempt.ctx
    expected = ctx.url(SERVICE, REALM)
    response = await attempt.send("GET", f"{expected}/.well-known/openid-configuration")
    meta = answer(attempt, response, "the discovery document")
    issuer = meta.get("issuer")
    if not isinstance(issuer, str) or urlsplit(issuer).path != urlsplit(expected).path:
        raise attempt.fail(f"Pro Santé Connect's issuer {issuer!r} is not tenant '{ctx.tenant}''s ({expected}): "
                           "check the run's target and tenant")
    return meta


def answer(attempt: Attempt, response: httpx.Response, what: str) -> dict[str, Any]:
    """The JSON object of a successful answer, or a :class:`LoginError` saying what came instead."""
    body = json_object(response)
    if response.is_success and body is not None:
        return body
    raise attempt.fail(f"Pro Santé Connect answered {response.status_code} for {what}: {explain(response)}")


async def token(attempt: Attempt, meta: dict[str, Any], client: Registration, form: dict[str, str],
                what: str) -> dict[str, Any]:
    """A token request; PSC's refusal is a :class:`LoginError` naming ``what`` was refused and why."""
    response = await attempt.send("POST", meta["token_endpoint"], **client.authenticate(form))
    body = json_object(response)
    if response.is_success and body is not None and isinstance(body.get("access_token"), str):
        return body
    raise refused(attempt, response, what)


def refused(attempt: Attempt, response: httpx.Response, what: str) -> Exception:
    body = json_object(response) or {}
    error = body.get("error")
    hint = HINTS.get(error) if isinstance(error, str) else None
    return attempt.fail(f"Pro Santé Connect refused {what} ({explain(response)})" + (f": {hint}" if hint else ""))


def explain(response: httpx.Response) -> str:
    """An answer in one line: the OAuth error and its description, an OperationOutcome's, or a page's text."""
    body = json_object(response)
    if body is not None and isinstance(body.get("error"), str):
        description = body.get("error_description")
        return f"{body['error']}: {description}" if description else body["error"]
    if body is not None and body.get("resourceType") == "OperationOutcome":
        issue = (body.get("issue") or [{}])[0]
        code = next((c.get("code") for c in (issue.get("details") or {}).get("coding", [])), None)
        return f"{issue.get('diagnostics', '')}" + (f" ({code})" if code else "")
    if "html" in response.headers.get("content-type", ""):
        return page_text(response.text)
    return f"HTTP {response.status_code} {response.text[:200]}".strip()


def page_text(page: str) -> str:
    """What one of PSC's pages tells a person: its alert, or its heading, message and code."""
    alert = re.search(r'role="alert">(.*?)</div>', page, re.S)
    if alert:
        return _text(alert.group(1))
    parts = [_text(m) for m in re.findall(r"<(?:h1|p)[^>]*>(.*?)</(?:h1|p)>", page, re.S)]
    return " ".join(part for part in parts if part)[:300] or "an HTML page"


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def claims(attempt: Attempt, meta: dict[str, Any], value: str, kind: str,
                 audience: str | None = None) -> dict[str, Any]:
    """A token's claims, verified as a relying party does: signature by the tenant's JWKS, issuer, audience."""
    keys = attempt.cache.get("jwks")
    if keys is None:
        response = await attempt.send("GET", meta["jwks_uri"])
        try:
            keys = KeySet.import_key_set(answer(attempt, response, "the JWKS"))  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError) as exc:
            raise attempt.fail(f"Pro Santé Connect's JWKS ({meta['jwks_uri']}) cannot be read: {exc}") from exc
        attempt.cache["jwks"] = keys
    expected: dict[str, Any] = {"iss": {"essential": True, "value": meta["issuer"]}, "exp": {"essential": True}}
    if audience is not None:
        expected["aud"] = {"essential": True, "value": audience}
    try:
        decoded = jwt.decode(value, keys, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(**expected).validate(decoded.claims)
    except (JoseError, ValueError) as exc:
        raise attempt.fail(f"the {kind} Pro Santé Connect gave does not verify ({type(exc).__name__}: {exc})") from exc
    return decoded.claims
