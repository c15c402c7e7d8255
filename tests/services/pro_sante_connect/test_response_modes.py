"""response_mode query, fragment and form_post at the wallet authorization endpoint: codes and errors
come back the way the client asked, and the discovery document says which modes work."""

from __future__ import annotations

import base64
import hashlib
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.services.pro_sante_connect.support import PRACTICE, PRACTICE_REDIRECT, REALM, ROBERT

GOOD = {"response_type": "code", "client_id": PRACTICE[0], "redirect_uri": PRACTICE_REDIRECT,
        "scope": "openid scope_all", "state": "st-9", "nonce": "n-9", "acr_values": "eidas1"}


def fragment_of(location: str) -> dict[str, str]:
    parts = urlsplit(location)
    assert not parts.query  # nothing in the query: the whole answer is in the fragment
    return {k: v[0] for k, v in parse_qs(parts.fragment).items()}


def form_of(page: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of a form_post page."""
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))
    fields = {unescape(n): unescape(v) for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                                            page)}
    return action, fields


async def exchange(psc, code: str) -> dict:
    response = await psc.token({"grant_type": "authorization_code", "code": code, "redirect_uri": PRACTICE_REDIRECT})
    assert response.status_code == 200, response.text
    return response.json()


async def test_discovery_advertises_the_three_modes(psc):
    doc = (await psc.http.get(psc.url(REALM + "/.well-known/openid-configuration"))).json()
    assert doc["response_modes_supported"] == ["query", "fragment", "form_post"]


async def test_query_is_the_default_and_may_be_asked_for(psc):
    response = await psc.authorize(**GOOD, response_mode="query", login_hint=ROBERT)
    assert response.status_code == 302 and response.headers["location"].startswith(PRACTICE_REDIRECT + "?code=")


async def test_fragment_puts_the_code_in_the_fragment(psc):
    response = await psc.authorize(**GOOD, response_mode="fragment", login_hint=ROBERT)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(PRACTICE_REDIRECT + "#")
    answer = fragment_of(location)
    assert (answer["state"], answer["iss"]) == ("st-9", psc.issuer) and answer["session_state"]
    assert (await exchange(psc, answer["code"]))["session_state"] == answer["session_state"]


async def test_form_post_gives_a_self_submitting_page(psc):
    response = await psc.authorize(**GOOD, response_mode="form_post", login_hint=ROBERT)
    assert response.status_code == 200 and "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    action, fields = form_of(response.text)
    assert action == PRACTICE_REDIRECT
    assert set(fields) == {"code", "state", "session_state", "iss"} and fields["iss"] == psc.issuer
    csp = response.headers["content-security-policy"]
    script = re.search(r"<script>(.*?)</script>", response.text).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp
    assert "form-action http://localhost:3000" in csp and "frame-ancestors 'none'" in csp
    assert "<noscript>" in response.text and "http" not in response.text.replace(PRACTICE_REDIRECT, "").replace(
        psc.issuer, "")  # no external asset: the only URLs are the target and the issuer
    assert (await exchange(psc, fields["code"]))["token_type"] == "Bearer"


async def test_form_post_after_a_click_on_the_login_page(psc):
    page = await psc.authorize(**GOOD, response_mode="form_post")
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
    response = await psc.http.post(psc.url("/wallet/auth/login"),
                                   data={"request_id": request_id, "id_nat_ps": ROBERT, "method": "CARD"})
    assert response.status_code == 200
    action, fields = form_of(response.text)
    assert action == PRACTICE_REDIRECT and fields["state"] == "st-9"
    await exchange(psc, fields["code"])


@pytest.mark.parametrize("mode", ["fragment", "form_post"])
async def test_errors_come_back_by_the_requested_mode(psc, mode):
    response = await psc.authorize(**{**GOOD, "scope": "openid admin"}, response_mode=mode)
    if mode == "fragment":
        answer = fragment_of(response.headers["location"])
    else:
        assert response.status_code == 200
        _, answer = form_of(response.text)
    assert (answer["error"], answer["state"], answer["iss"]) == ("invalid_scope", "st-9", psc.issuer)
    assert "code" not in answer


async def test_an_unknown_mode_is_invalid_request_by_query(psc):
    response = await psc.authorize(**GOOD, response_mode="form_post.jwt", login_hint=ROBERT)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(PRACTICE_REDIRECT + "?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["error"] == "invalid_request" and "response_mode" in query["error_description"]


async def test_an_untrusted_redirect_uri_never_gets_a_form(psc):
    response = await psc.authorize(**{**GOOD, "redirect_uri": "https://evil.example/cb"}, response_mode="form_post")
    assert response.status_code == 400 and "location" not in response.headers
    assert 'action="https://evil.example' not in response.text


async def test_form_post_escapes_what_it_carries(psc):
    state = '"><script>alert(1)</script>'
    response = await psc.authorize(**{**GOOD, "state": state}, response_mode="form_post", login_hint=ROBERT)
    assert "<script>alert" not in response.text
    assert form_of(response.text)[1]["state"] == state
