"""The wallet authorization endpoint: request checks, the login page, logging in with a click."""

from __future__ import annotations

import re

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from core.oidc.principals import Practitioner, principal_from_claims
from tests.services.pro_sante_connect.support import (
    PRACTICE,
    PRACTICE_REDIRECT,
    PROTOCOL,
    ROBERT,
    SPA,
    SPA_REDIRECT,
    query_of,
)

GOOD = {"response_type": "code", "client_id": PRACTICE[0], "redirect_uri": PRACTICE_REDIRECT,
        "scope": "openid scope_all", "state": "st-9", "nonce": "n-9", "acr_values": "eidas1"}


def request_id_of(page: str) -> str:
    return re.search(r'name="request_id" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("change", [
    {"client_id": "unknown"},
    {"client_id": None},
    {"redirect_uri": None},
    {"redirect_uri": "http://localhost:3000/callback/"},  # a near miss is a miss: exact match only
    {"redirect_uri": "https://evil.example/callback"},
])
async def test_an_untrusted_client_or_redirect_uri_gets_a_page_never_a_redirect(psc, change):
    params = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    response = await psc.authorize(**params)
    assert response.status_code == 400 and "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html") and "evil.example/callback?" not in response.text


@pytest.mark.parametrize(("change", "error"), [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "scope_all"}, "invalid_scope"),
    ({"scope": "openid admin"}, "invalid_scope"),
    ({"prompt": "none"}, "login_required"),
    ({"response_mode": "query.jwt"}, "invalid_request"),  # JARM: not supported
    ({"response_mode": "web_message"}, "invalid_request"),
    ({"response_mode": ""}, "invalid_request"),
    ({"code_challenge": "abc", "code_challenge_method": "S256"}, "invalid_request"),
    ({"code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "plain"},
     "invalid_request"),
    ({"request": "eyJhbGciOiJub25lIn0.e30."}, "request_not_supported"),
    ({"request_uri": "https://rp.example/request.jwt"}, "request_not_supported"),
])
async def test_other_request_errors_go_back_to_the_client(psc, change, error):
    response = await psc.authorize(**{**GOOD, **change})
    assert response.status_code == 302
    query = query_of(response.headers["location"])
    assert response.headers["location"].startswith(PRACTICE_REDIRECT + "?")
    assert (query["error"], query["state"], query["iss"]) == (error, "st-9", psc.issuer)


async def test_a_client_without_the_code_grant_is_sent_back_unauthorized(psc):
    created = await psc.admin("POST", "/clients", json={"client_id": "software-only", "grant_types": [
        "client_credentials"], "redirect_uris": ["https://rp.example/cb"]})
    assert created.status_code == 201, created.text
    response = await psc.authorize(**{**GOOD, "client_id": "software-only", "redirect_uri": "https://rp.example/cb",
                                      "login_hint": ROBERT})
    assert response.status_code == 302 and response.headers["location"].startswith("https://rp.example/cb?")
    query = query_of(response.headers["location"])
    assert (query["error"], query["state"], "code" in query) == ("unauthorized_client", "st-9", False)


async def test_a_redirect_uri_with_its_own_query_keeps_it(psc):
    registered = "https://rp.example/cb?team=a"
    created = await psc.admin("POST", "/clients", json={"client_id": "with-query", "client_secret": "s3cret-s3cret",
                                                        "redirect_uris": [registered]})
    assert created.status_code == 201, created.text
    request = {**GOOD, "client_id": "with-query", "redirect_uri": registered}
    granted = await psc.authorize(**request, login_hint=ROBERT)
    refused = await psc.authorize(**{**request, "scope": "openid admin"})
    without = await psc.authorize(**{**request, "redirect_uri": "https://rp.example/cb"}, login_hint=ROBERT)
    assert granted.headers["location"].startswith(registered + "&code=")
    assert refused.headers["location"].startswith(registered + "&error=invalid_scope")
    assert (without.status_code, "location" in without.headers) == (400, False)  # exact match, query included
    query = query_of(granted.headers["location"])
    assert (query["team"], query["state"]) == ("a", "st-9")
    tokens = await psc.http.post(psc.url(PROTOCOL + "/token"),
                                 auth=("with-query", "s3cret-s3cret"),
                                 data={"grant_type": "authorization_code", "code": query["code"],
                                       "redirect_uri": registered})
    assert tokens.status_code == 200 and tokens.json()["token_type"] == "Bearer"


async def test_a_public_client_must_use_pkce(psc):
    response = await psc.authorize(**{**GOOD, "client_id": SPA, "redirect_uri": SPA_REDIRECT})
    assert query_of(response.headers["location"])["error"] == "invalid_request"


async def test_login_hint_skips_the_page(psc):
    response = await psc.authorize(**GOOD, login_hint=ROBERT)
    query = query_of(response.headers["location"])
    assert response.status_code == 302 and {"code", "state", "iss", "session_state"} <= set(query)
    assert query["state"] == "st-9" and query["iss"] == psc.issuer


async def test_an_rpps_works_as_login_hint_too(psc):
    response = await psc.authorize(**GOOD, login_hint=ROBERT[1:])
    assert response.status_code == 302 and "code" in query_of(response.headers["location"])


async def test_the_second_pharmacist_logs_in_by_rpps_as_a_pharmacist_of_her_pharmacy(psc):
    """pharmacien-martin (Pharmacie des Volcans): the second pharmacy of the e-prescription journeys."""
    tokens = await psc.login(login_hint="99799000106")
    jwks = (await psc.http.get(psc.url(PROTOCOL + "/certs"))).json()
    claims = jwt.decode(tokens["access_token"], KeySet.import_key_set(jwks), algorithms=["RS256"]).claims
    principal = principal_from_claims(claims, psc.tenant)
    assert isinstance(principal, Practitioner) and principal.id_nat_ps == "899799000106"
    assert (principal.profession, principal.given_name, principal.family_name) == ("21", "Sophie", "MARTIN")
    assert [(o.finess_site, o.finess_ej) for o in principal.organisations] == [("638000091", "638000083")]


async def test_an_unknown_or_inactive_login_hint_shows_the_page_with_the_reason(psc):
    unknown = await psc.authorize(**GOOD, login_hint="899999999999")
    inactive = await psc.authorize(**GOOD, login_hint="899799000080")  # dr-faure: RPPS record closed
    assert unknown.status_code == 200 and "Aucun professionnel" in unknown.text
    assert inactive.status_code == 200 and "exerce plus" in inactive.text


async def test_the_page_lists_and_searches_the_directory(psc):
    page = await psc.authorize(**GOOD)
    assert page.status_code == 200 and "SPECIALISTE0021889" in page.text and "Logiciel de cabinet" in page.text
    request_id = request_id_of(page.text)
    by_name = await psc.authorize(request_id=request_id, q="leroy")
    by_rpps = await psc.authorize(request_id=request_id, q=ROBERT[1:])
    assert "LEROY" in by_name.text and "SPECIALISTE0021889" not in by_name.text
    assert "SPECIALISTE0021889" in by_rpps.text and "LEROY" not in by_rpps.text
    stale = await psc.authorize(request_id="forged", q="leroy")
    assert stale.status_code == 400


async def test_a_click_logs_in_once(psc):
    page = await psc.authorize(**GOOD)
    form = {"request_id": request_id_of(page.text), "id_nat_ps": ROBERT, "method": "CARD"}
    response = await psc.http.post(psc.url("/wallet/auth/login"), data=form)
    assert response.status_code == 303 and "code" in query_of(response.headers["location"])
    again = await psc.http.post(psc.url("/wallet/auth/login"), data=form)
    assert again.status_code == 400 and "location" not in again.headers


@pytest.mark.parametrize(("who", "method"), [
    ("899799000080", "MOBILE"),  # inactive
    ("899999999999", "MOBILE"),  # unknown
    (ROBERT, "PASSWORD"),  # not a PSC means
])
async def test_refused_logins_stay_on_the_page(psc, who, method):
    page = await psc.authorize(**GOOD)
    form = {"request_id": request_id_of(page.text), "id_nat_ps": who, "method": method}
    response = await psc.http.post(psc.url("/wallet/auth/login"), data=form)
    assert response.status_code == 400 and "location" not in response.headers and 'role="alert"' in response.text
