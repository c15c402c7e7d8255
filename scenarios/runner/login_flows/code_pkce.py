"""The authorization code with PKCE S256, driven as client software drives it, the login page skipped by
``login_hint``: ``login: psc-code-pkce`` (Pro Santé Connect, the professional's idNat_PS) and ``login:
citizen-code-pkce`` (the Mon espace santé citizen login, the patient's INS; a catalogue app's consent screen is
approved as the patient would approve it)."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from urllib.parse import parse_qs, urlsplit

from scenarios.runner.login_flows.oidc import (
    CITIZEN,
    PSC,
    Issuer,
    claims,
    discover,
    explain,
    id_nat_ps,
    ins_of,
    registration,
    token,
)
from scenarios.runner.logins import Attempt, flow


def challenge(verifier: str) -> str:
    """RFC 7636 S256: base64url (no padding) of the SHA-256 of the verifier."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


CONSENT_FORM = re.compile(r'<form[^>]*action="([^"]+/consent)"')


async def approve(attempt: Attempt, page) -> object:  # noqa: ANN001 - httpx.Response
    """Click "Autoriser" on the citizen login's consent screen (the page's own form and hidden fields)."""
    action = html.unescape(CONSENT_FORM.search(page.text).group(1))
    fields = {html.unescape(n): html.unescape(v) for n, v in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)}
    return await attempt.send("POST", action, data={**fields, "decision": "approve"})


def callback_params(location: str) -> dict[str, str]:
    """The parameters the redirect brings back (query, or fragment for response_mode=fragment)."""
    parts = urlsplit(location)
    return {key: values[0] for key, values in parse_qs(parts.query or parts.fragment).items()}


@flow("psc-code-pkce")
async def psc_code_pkce(attempt: Attempt) -> None:
    await code_pkce(attempt, PSC, id_nat_ps(attempt), acr_values="eidas1")


@flow("citizen-code-pkce")
async def citizen_code_pkce(attempt: Attempt) -> None:
    await code_pkce(attempt, CITIZEN, ins_of(attempt))


async def code_pkce(attempt: Attempt, issuer: Issuer, login_hint: str, **extra: str) -> None:
    actor = attempt.actor
    meta = await discover(attempt, issuer)
    client = await registration(attempt, actor.client, issuer)
    if client.redirect_uri is None:
        raise attempt.fail(f"client '{client.client_id}' registered no redirect_uri: register one for it")
    verifier, state, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    response = await attempt.send("GET", meta["authorization_endpoint"], params={
        "response_type": "code", "client_id": client.client_id, "redirect_uri": client.redirect_uri,
        "scope": actor.scope, "state": state, "nonce": nonce, "login_hint": login_hint, **extra,
        "code_challenge": challenge(verifier), "code_challenge_method": "S256"})
    if response.history:  # an http client that follows redirects went on to the client's redirect_uri
        response = response.history[0]
    if response.status_code == 200 and CONSENT_FORM.search(response.text):
        response = await approve(attempt, response)  # a catalogue app: the patient approves it, as a person would
    location = response.headers.get("location")
    if not response.is_redirect or not location:
        who = f"persona '{actor.persona}' ({login_hint})"
        raise attempt.fail(f"{issuer.name} did not log {who} in (HTTP {response.status_code}): {explain(response)}")
    if not location.startswith(client.redirect_uri):
        raise attempt.fail(f"{issuer.name} redirected to {location.split('?')[0]}, not to the client's "
                           f"redirect_uri {client.redirect_uri}")
    back = callback_params(location)
    if "error" in back:
        detail = f"{back['error']}: {back['error_description']}" if back.get("error_description") else back["error"]
        raise attempt.fail(f"{issuer.name} refused the authorization request ({detail})")
    if back.get("state") != state:
        raise attempt.fail("the redirect's state is not the one sent (a mixed-up or forged answer)")
    if back.get("iss") != meta["issuer"]:  # RFC 9207: the answer comes from the issuer asked
        raise attempt.fail(f"the redirect's iss {back.get('iss')!r} is not the issuer {meta['issuer']}")
    if not back.get("code"):
        raise attempt.fail("the redirect back to the client carries no code")
    tokens = await token(attempt, meta, client, {
        "grant_type": "authorization_code", "code": back["code"], "redirect_uri": client.redirect_uri,
        "code_verifier": verifier}, "the code", issuer)
    if not isinstance(tokens.get("id_token"), str):
        raise attempt.fail(f"{issuer.name} gave no ID token: ask the scope openid")
    id_claims = await claims(attempt, meta, tokens["id_token"], "ID token", audience=client.client_id, issuer=issuer)
    if id_claims.get("nonce") != nonce:
        raise attempt.fail("the ID token's nonce is not the one sent (a replayed ID token)")
    await claims(attempt, meta, tokens["access_token"], "access token", issuer=issuer)
    attempt.keep(tokens)
