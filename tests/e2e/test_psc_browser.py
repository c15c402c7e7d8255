"""Pro Santé Connect's pages in a real browser (headless Chromium from Debian, driven by Playwright):
a professional searches the wallet page and logs in with a click; the e-CPS phone approves a CIBA request."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from gateway.registry import DEFAULT_SERVICES
from tests.e2e.conftest import serve_gateway

REALM = "/pro-sante-connect/auth/realms/esante-wallet"
SPA_REDIRECT = "http://localhost:5173/callback"
LEROY = "899799000015"  # persona dr-leroy, GP at the maison de santé des Puys
PRACTICE = ("sandbox-practice-software", "sandbox-practice-secret")



@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with serve_gateway(tmp_path_factory.mktemp("browser"), DEFAULT_SERVICES) as url:
        yield url



def verify(base: str, token: str) -> dict:
    jwks = httpx.get(base + REALM + "/protocol/openid-connect/certs").json()
    return jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"]).claims


def test_a_professional_searches_and_logs_in_with_e_cps(base, browser):
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode({"response_type": "code", "client_id": "sandbox-spa", "redirect_uri": SPA_REDIRECT,
                       "scope": "openid scope_all", "state": "browser-1", "nonce": "nb", "acr_values": "eidas1",
                       "code_challenge": challenge, "code_challenge_method": "S256"})
    page = browser.new_page()
    landed: list[str] = []

    def callback(route) -> None:  # noqa: ANN001 - the relying party's redirect URI, answered by the test
        landed.append(route.request.url)
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body="<h1>Connecté</h1>")

    page.route(SPA_REDIRECT + "**", callback)
    page.goto(f"{base}/pro-sante-connect/wallet/auth?{query}")
    assert "Application web monopage" in page.inner_text("main")
    page.get_by_label("Rechercher un professionnel").fill("leroy")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    assert "SPECIALISTE0021889" not in page.inner_text("main")
    page.get_by_role("button", name="Se connecter avec l'e-CPS de Claire LEROY").click()
    page.wait_for_url(SPA_REDIRECT + "**")
    assert page.inner_text("h1") == "Connecté"
    params = {k: v[0] for k, v in parse_qs(urlsplit(landed[-1]).query).items()}
    assert params["state"] == "browser-1" and params["iss"] == base + REALM
    tokens = httpx.post(base + REALM + "/protocol/openid-connect/token", data={
        "grant_type": "authorization_code", "code": params["code"], "redirect_uri": SPA_REDIRECT,
        "client_id": "sandbox-spa", "code_verifier": verifier}).json()
    claims = verify(base, tokens["id_token"])
    assert claims["SubjectNameID"] == LEROY and claims["amr"] == ["swk", "pin"] and claims["nonce"] == "nb"
    page.close()


def test_the_e_cps_phone_approves_a_ciba_request(base, browser):
    ack = httpx.post(base + REALM + "/protocol/openid-connect/ext/ciba/auth", auth=PRACTICE, data={
        "scope": "openid scope_all", "login_hint": LEROY, "binding_message": "73", "channel": "MOBILE"}).json()
    page = browser.new_page()
    page.goto(f"{base}/pro-sante-connect/ecps?login_hint={LEROY}")
    assert "73" in page.inner_text("main") and "Claire LEROY" in page.inner_text("main")
    page.get_by_role("button", name="Accepter").first.click()
    page.wait_for_load_state()
    assert "acceptée" in page.inner_text("main")
    tokens = httpx.post(base + REALM + "/protocol/openid-connect/token", auth=PRACTICE, data={
        "grant_type": "urn:openid:params:grant-type:ciba", "auth_req_id": ack["auth_req_id"]})
    assert tokens.status_code == 200
    assert verify(base, tokens.json()["id_token"])["SubjectNameID"] == LEROY
    page.close()


def test_form_post_returns_the_code_by_a_post_that_the_page_submits_itself(base, browser):
    """response_mode=form_post: after the click, Chromium runs the page's one script (allowed by the CSP
    hash) and POSTs code, state and iss to the redirect URI; no CSP violation is reported."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode({"response_type": "code", "client_id": "sandbox-spa", "redirect_uri": SPA_REDIRECT,
                       "scope": "openid scope_all", "state": "browser-fp", "nonce": "nfp", "response_mode": "form_post",
                       "code_challenge": challenge, "code_challenge_method": "S256"})
    page = browser.new_page()
    posted: list[tuple[str, str]] = []
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    def callback(route) -> None:  # noqa: ANN001 - the relying party's redirect URI, answered by the test
        posted.append((route.request.method, route.request.post_data or ""))
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body="<h1>Reçu</h1>")

    page.route(SPA_REDIRECT + "**", callback)
    page.goto(f"{base}/pro-sante-connect/wallet/auth?{query}")
    page.get_by_label("Rechercher un professionnel").fill("leroy")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Se connecter avec l'e-CPS de Claire LEROY").click()
    page.wait_for_url(SPA_REDIRECT + "**")
    assert page.inner_text("h1") == "Reçu"
    method, body = posted[-1]
    fields = {k: v[0] for k, v in parse_qs(body).items()}
    assert method == "POST" and fields["state"] == "browser-fp" and fields["iss"] == base + REALM
    assert not [text for text in console if "Content Security Policy" in text], console
    tokens = httpx.post(base + REALM + "/protocol/openid-connect/token", data={
        "grant_type": "authorization_code", "code": fields["code"], "redirect_uri": SPA_REDIRECT,
        "client_id": "sandbox-spa", "code_verifier": verifier}).json()
    assert verify(base, tokens["access_token"])["session_state"] == fields["session_state"]
    page.close()
