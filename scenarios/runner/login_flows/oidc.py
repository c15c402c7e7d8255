"""The OpenID providers as the login flows speak to them over HTTP: an :class:`Issuer` (Pro Santé Connect, the
Mon espace santé citizen login), the tenant's issuer (discovery), the actor's client registration, the
persona's login hint (idNat_PS, INS), the token endpoint and its OAuth errors, token checks."""

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


@dataclass(frozen=True)
class Issuer:
    """One OpenID provider of the sandbox as a login flow sees it."""

    name: str  # for messages: "Pro Santé Connect"
    service: str  # its slug
    realm: str  # the issuer's path under the service
    admin: str  # its sandbox-only client routes under the service
    doc: str  # the reference page naming its demo clients
    demo: str  # the demo client a flow uses by default
    demo_clients: dict[str, Registration]  # every tenant has them: no registration to read
    hints: dict[str, str]  # OAuth error -> what to change, after the provider's own words


PSC = Issuer("Pro Santé Connect", SERVICE, REALM, "/_admin/clients", "docs/pro-sante-connect.md", DEMO, {
    DEMO: Registration(DEMO, "sandbox-practice-secret", "client_secret_basic", "http://localhost:3000/callback"),
    "sandbox-spa": Registration("sandbox-spa", None, "none", "http://localhost:5173/callback"),
}, {
    "invalid_client": "check the actor's client and its secret (docs/pro-sante-connect.md, demo clients)",
    "unauthorized_client": "register the grant for the client, or use the demo client " + DEMO,
    "invalid_scope": "ask a scope the client registered (default: openid scope_all)",
    "unknown_user_id": "use a professional of the Annuaire Santé (docs/personas.md)",
})
CITIZEN_APP = "sandbox-patient-app"
CITIZEN = Issuer("the Mon espace santé citizen login", "ms-espace-sante", "/citizen", "/citizen/_admin/clients",
                 "docs/ms-espace-sante.md", CITIZEN_APP, {
                     CITIZEN_APP: Registration(CITIZEN_APP, None, "none", "http://localhost:5173/callback"),
                     "sandbox-catalogue-app": Registration("sandbox-catalogue-app", None, "none",
                                                           "http://localhost:5174/callback"),
                 }, {
                     "invalid_client": "check the actor's client (docs/ms-espace-sante.md, the demo patient app)",
                     "invalid_scope": "ask a scope the client registered (default: openid mes.documents.read "
                                      "mes.documents.write)",
                 })


async def registration(attempt: Attempt, client_id: str, issuer: Issuer = PSC) -> Registration:
    """The client's registration: a demo client's is known, another's is read from the tenant's admin API."""
    if client_id in issuer.demo_clients:
        return issuer.demo_clients[client_id]
    ctx = attempt.ctx
    response = await attempt.send("GET", ctx.url(issuer.service, f"{issuer.admin}/{quote(client_id, safe='')}"),
                                  headers=attempt.ctx.admin_headers())
    if response.status_code == 404:
        raise attempt.fail(f"{issuer.name} of tenant '{ctx.tenant}' has no client '{client_id}': register it "
                           f"(POST {issuer.service}{issuer.admin}, {issuer.doc}) or use the demo client "
                           f"{issuer.demo}")
    if response.status_code in (401, 403):
        raise attempt.fail(f"reading client '{client_id}' from {issuer.name} needs the sandbox's admin token "
                           f"({response.status_code}): give the run the admin token")
    meta = answer(attempt, response, f"the registration of client '{client_id}'", issuer)
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


def ins_of(attempt: Attempt) -> str:
    """The INS of the actor's patient (the ``login_hint`` of a citizen login)."""
    slug = attempt.actor.persona
    for patient in attempt.ctx.population.patients:
        if patient.id == slug:
            if patient.ins is None or patient.ins.is_nia:
                raise attempt.fail(f"persona '{slug}' has no NIR-based INS, so no Mon espace santé record to log "
                                   "in to: choose a patient with a qualified INS (docs/personas.md)")
            return patient.ins.value
    raise attempt.fail(f"persona '{slug}' is not a patient of the run's population, so it has no INS for a citizen "
                       "login: choose a patient persona (docs/personas.md)")


async def discover(attempt: Attempt, issuer: Issuer = PSC) -> dict[str, Any]:
    """The tenant's discovery document, its issuer checked to be the tenant's."""
    ctx = attempt.ctx
    expected = ctx.url(issuer.service, issuer.realm)
    response = await attempt.send("GET", f"{expected}/.well-known/openid-configuration")
    meta = answer(attempt, response, "the discovery document", issuer)
    found = meta.get("issuer")
    if not isinstance(found, str) or urlsplit(found).path != urlsplit(expected).path:
        raise attempt.fail(f"{issuer.name}'s issuer {found!r} is not tenant '{ctx.tenant}''s ({expected}): "
                           "check the run's target and tenant")
    return meta


def answer(attempt: Attempt, response: httpx.Response, what: str, issuer: Issuer = PSC) -> dict[str, Any]:
    """The JSON object of a successful answer, or a :class:`LoginError` saying what came instead."""
    body = json_object(response)
    if response.is_success and body is not None:
        return body
    raise attempt.fail(f"{issuer.name} answered {response.status_code} for {what}: {explain(response)}")


async def token(attempt: Attempt, meta: dict[str, Any], client: Registration, form: dict[str, str],
                what: str, issuer: Issuer = PSC) -> dict[str, Any]:
    """A token request; the provider's refusal is a :class:`LoginError` naming ``what`` was refused and why."""
    response = await attempt.send("POST", meta["token_endpoint"], **client.authenticate(form))
    body = json_object(response)
    if response.is_success and body is not None and isinstance(body.get("access_token"), str):
        return body
    raise refused(attempt, response, what, issuer)


def refused(attempt: Attempt, response: httpx.Response, what: str, issuer: Issuer = PSC) -> Exception:
    body = json_object(response) or {}
    error = body.get("error")
    hint = issuer.hints.get(error) if isinstance(error, str) else None
    return attempt.fail(f"{issuer.name} refused {what} ({explain(response)})" + (f": {hint}" if hint else ""))


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
                 audience: str | None = None, issuer: Issuer = PSC) -> dict[str, Any]:
    """A token's claims, verified as a relying party does: signature by the tenant's JWKS, issuer, audience."""
    keys = attempt.cache.get(("jwks", issuer.service, issuer.realm))
    if keys is None:
        response = await attempt.send("GET", meta["jwks_uri"])
        try:
            keys = KeySet.import_key_set(answer(attempt, response, "the JWKS", issuer))  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError) as exc:
            raise attempt.fail(f"{issuer.name}'s JWKS ({meta['jwks_uri']}) cannot be read: {exc}") from exc
        attempt.cache[("jwks", issuer.service, issuer.realm)] = keys
    expected: dict[str, Any] = {"iss": {"essential": True, "value": meta["issuer"]}, "exp": {"essential": True}}
    if audience is not None:
        expected["aud"] = {"essential": True, "value": audience}
    try:
        decoded = jwt.decode(value, keys, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(**expected).validate(decoded.claims)
    except (JoseError, ValueError) as exc:
        raise attempt.fail(f"the {kind} {issuer.name} gave does not verify ({type(exc).__name__}: {exc})") from exc
    return decoded.claims
