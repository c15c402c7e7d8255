"""The token endpoint: grants, client authentication, and every way a token request can be wrong."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import update

from core.oidc.principals import System, principal_from_claims
from core.oidc.tokens import at_hash
from tests.services.pro_sante_connect import support
from tests.services.pro_sante_connect.support import PRACTICE, PRACTICE_REDIRECT, PROTOCOL, ROBERT, declare_key_client

SPA, SPA_REDIRECT, pkce, provider_of = support.SPA, support.SPA_REDIRECT, support.pkce, support.provider_of


async def claims_of(psc, token: str) -> dict:
    jwks = (await psc.http.get(psc.url(PROTOCOL + "/certs"))).json()
    return jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"]).claims


def error_of(response) -> str:
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    return response.json()["error"]


async def test_client_credentials_gives_a_short_lived_software_token(psc):
    response = await psc.token({"grant_type": "client_credentials"})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 120 and "refresh_token" not in body
    claims = await claims_of(psc, body["access_token"])
    assert claims["iss"] == psc.issuer and "aud" not in claims  # as real PSC access tokens
    assert claims["sub"] == "service-account-sandbox-practice-software" and claims["clientId"] == PRACTICE[0]
    assert claims["exp"] - claims["iat"] == 120 and "SubjectNameID" not in claims and "openid" not in body["scope"]


async def test_the_eprescription_demo_client_gets_a_software_token_and_nothing_else(psc):
    """The ordonnance numérique's demo client: client credentials only (it feeds Mon espace santé, no user)."""
    feeder = ("sandbox-eprescription", "sandbox-eprescription-secret")
    response = await psc.token({"grant_type": "client_credentials"}, auth=feeder)
    assert response.status_code == 200, response.text
    claims = await claims_of(psc, response.json()["access_token"])
    assert claims["iss"] == psc.issuer and claims["clientId"] == feeder[0]
    assert claims["sub"] == "service-account-sandbox-eprescription" and "SubjectNameID" not in claims
    principal = principal_from_claims(claims, psc.tenant)
    assert isinstance(principal, System) and principal.client_id == feeder[0]
    refused = await psc.authorize(response_type="code", client_id=feeder[0], redirect_uri=PRACTICE_REDIRECT,
                                  scope="openid scope_all", state="s", login_hint=ROBERT)
    assert refused.status_code == 400  # no redirect URI, no authorization code: a user never logs in through it


@pytest.mark.parametrize(("auth", "data", "status", "error"), [
    ((PRACTICE[0], "wrong"), {}, 401, "invalid_client"),
    (("nobody", "secret"), {}, 401, "invalid_client"),
    (None, {"client_id": PRACTICE[0], "client_secret": "wrong"}, 401, "invalid_client"),  # client_secret_post
    (None, {"client_id": PRACTICE[0]}, 401, "invalid_client"),  # a client with a secret must send it
    (PRACTICE, {"client_secret": PRACTICE[1]}, 400, "invalid_request"),  # two methods at once
    (None, {}, 401, "invalid_client"),
    (PRACTICE, {"grant_type": "password"}, 400, "unsupported_grant_type"),
    (PRACTICE, {"scope": "openid admin"}, 400, "invalid_scope"),
    (None, {"client_id": SPA}, 400, "unauthorized_client"),  # a public client has no client_credentials
])
async def test_bad_client_credentials_requests_get_rfc6749_errors(psc, auth, data, status, error):
    response = await psc.token({"grant_type": "client_credentials", **data}, auth=auth)
    assert (response.status_code, error_of(response)) == (status, error)
    if status == 401 and auth is not None:
        assert response.headers["www-authenticate"].startswith("Basic")


async def test_malformed_token_requests(psc):
    no_grant = await psc.token({})
    as_json = await psc.http.post(psc.url(PROTOCOL + "/token"), json={"grant_type": "client_credentials"},
                                  auth=PRACTICE)
    repeated = await psc.http.post(psc.url(PROTOCOL + "/token"), auth=PRACTICE,
                                   content="grant_type=client_credentials&grant_type=client_credentials",
                                   headers={"content-type": "application/x-www-form-urlencoded"})
    bad_basic = await psc.token({"grant_type": "client_credentials"}, auth=None,
                                headers={"authorization": "Basic !!!"})
    huge = await psc.token({"grant_type": "client_credentials", "x": "a" * 70_000})
    assert [error_of(r) for r in (no_grant, as_json, repeated, bad_basic)] == [
        "invalid_request", "invalid_request", "invalid_request", "invalid_client"]
    assert huge.status_code == 413


async def test_authorization_code_gives_id_access_and_refresh_tokens(psc):
    tokens = await psc.login()
    assert tokens["expires_in"] == 120 and tokens["refresh_expires_in"] == 350 and tokens["scope"] == "openid scope_all"
    id_claims = await claims_of(psc, tokens["id_token"])
    assert id_claims["aud"] == PRACTICE[0] and id_claims["nonce"] == "n-1" and id_claims["acr"] == "eidas1"
    assert id_claims["idp"] == "PSC" and id_claims["SubjectNameID"] == ROBERT and id_claims["amr"] == ["swk", "pin"]
    assert id_claims["at_hash"] == at_hash(tokens["access_token"]) and id_claims["sid"] == tokens["session_state"]
    assert id_claims["auth_time"] <= id_claims["iat"] and id_claims["sub"].endswith(":" + ROBERT)
    access = await claims_of(psc, tokens["access_token"])
    assert access["SubjectRole"] == ["10^1.2.250.1.213.1.1.5.5"] and access["azp"] == PRACTICE[0]
    assert access["SubjectRefPro"]["exercices"][0]["codeProfession"] == "10"


async def test_access_tokens_carry_auth_mode_other_ids_and_session_state_and_no_aud(psc):
    tokens = await psc.login()  # login_hint: e-CPS (MOBILE) unless sandbox_login_method says otherwise
    access = await claims_of(psc, tokens["access_token"])
    id_claims = await claims_of(psc, tokens["id_token"])
    assert "aud" not in access and access["azp"] == PRACTICE[0]
    assert access["authMode"] == "MOBILE"
    assert access["otherIds"] == [{"identifiant": ROBERT, "origine": "RPPS", "qualite": 1}]
    assert access["session_state"] == access["sid"] == tokens["session_state"]
    assert id_claims["session_state"] == id_claims["sid"] == tokens["session_state"]
    card = await claims_of(psc, (await psc.login(sandbox_login_method="CARD"))["access_token"])
    assert card["authMode"] == "CARD" and card["session_state"] != access["session_state"]
    refreshed = (await psc.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})).json()
    again = await claims_of(psc, refreshed["access_token"])
    assert again["session_state"] == access["session_state"] and again["authMode"] == "MOBILE"


async def test_the_access_token_audience_is_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("PRO_SANTE_CONNECT_ACCESS_TOKEN_AUDIENCE", "esante-sandbox, dmp-api")
    async for http in support.sandbox(tmp_path):
        psc = support.Psc(http, support.new_tenant())
        user = await claims_of(psc, (await psc.login())["access_token"])
        software = await claims_of(psc, (await psc.token({"grant_type": "client_credentials"})).json()["access_token"])
        id_claims = await claims_of(psc, (await psc.login())["id_token"])
    assert user["aud"] == software["aud"] == ["esante-sandbox", "dmp-api"]
    assert id_claims["aud"] == PRACTICE[0]  # an ID token is always for the client


async def test_card_login_says_so_in_amr(psc):
    tokens = await psc.login(sandbox_login_method="CARD")
    assert (await claims_of(psc, tokens["id_token"]))["amr"] == ["sc", "pin"]


async def test_a_code_is_single_use_and_its_reuse_revokes_what_it_gave(psc):
    code = await psc.code()
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": PRACTICE_REDIRECT}
    first = (await psc.token(exchange)).json()
    second = await psc.token(exchange)
    assert error_of(second) == "invalid_grant"
    refreshed = await psc.token({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    introspected = await psc.http.post(psc.url(PROTOCOL + "/token/introspect"), auth=PRACTICE,
                                       data={"token": first["access_token"]})
    assert error_of(refreshed) == "invalid_grant" and introspected.json() == {"active": False}


async def test_concurrent_exchanges_of_one_code_let_exactly_one_win(psc):
    code = await psc.code()
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": PRACTICE_REDIRECT}
    responses = await asyncio.gather(*(psc.token(exchange) for _ in range(4)))
    assert sorted(r.status_code for r in responses) == [200, 400, 400, 400]


@pytest.mark.parametrize(("change", "error"), [
    ({"redirect_uri": "http://localhost:3000/other"}, "invalid_grant"),
    ({"redirect_uri": None}, "invalid_grant"),
    ({"code": "forged"}, "invalid_grant"),
    ({"code": None}, "invalid_request"),
    ({"code_verifier": "x" * 50}, "invalid_grant"),  # no challenge was sent
])
async def test_bad_code_exchanges(psc, change, error):
    exchange = {"grant_type": "authorization_code", "code": await psc.code(), "redirect_uri": PRACTICE_REDIRECT}
    exchange.update(change)
    response = await psc.token({k: v for k, v in exchange.items() if v is not None})
    assert (response.status_code, error_of(response)) == (400, error)


async def test_an_expired_code_is_refused(psc):
    code = await psc.code()
    provider = provider_of(psc.http)
    with provider.db.write() as conn:
        conn.execute(update(provider.store.t.code).values(expires_at=time.time() - 1))
    response = await psc.token({"grant_type": "authorization_code", "code": code, "redirect_uri": PRACTICE_REDIRECT})
    assert error_of(response) == "invalid_grant" and "expired" in response.json()["error_description"]


async def test_a_code_of_another_client_is_refused(psc):
    verifier, challenge = pkce()
    code = await psc.code(client_id=SPA, redirect_uri=SPA_REDIRECT, challenge=challenge)
    response = await psc.token({"grant_type": "authorization_code", "code": code, "redirect_uri": SPA_REDIRECT,
                                "code_verifier": verifier})
    assert error_of(response) == "invalid_grant"


async def test_pkce_public_client(psc):
    verifier, challenge = pkce()
    exchange = {"grant_type": "authorization_code", "redirect_uri": SPA_REDIRECT, "client_id": SPA}
    wrong = await psc.token({**exchange, "code": await psc.code(client_id=SPA, redirect_uri=SPA_REDIRECT,
                                                               challenge=challenge), "code_verifier": pkce()[0]},
                            auth=None)
    missing = await psc.token({**exchange, "code": await psc.code(client_id=SPA, redirect_uri=SPA_REDIRECT,
                                                                 challenge=challenge)}, auth=None)
    good = await psc.token({**exchange, "code": await psc.code(client_id=SPA, redirect_uri=SPA_REDIRECT,
                                                              challenge=challenge), "code_verifier": verifier},
                           auth=None)
    assert [(r.status_code, error_of(r)) for r in (wrong, missing)] == [(400, "invalid_grant")] * 2
    assert good.status_code == 200 and good.json()["refresh_expires_in"] == 350 and "id_token" in good.json()


async def test_refresh_rotates_and_reuse_revokes_the_family(psc):
    tokens = await psc.login()
    first = await psc.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != tokens["refresh_token"] and rotated["session_state"] == tokens["session_state"]
    replay = await psc.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    after = await psc.token({"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]})
    assert error_of(replay) == "invalid_grant" and error_of(after) == "invalid_grant"


async def test_refresh_may_narrow_the_scope_but_not_widen_it(psc):
    tokens = await psc.login(scope="openid scope_all")
    narrowed = await psc.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                                "scope": "openid"})
    assert narrowed.json()["scope"] == "openid"
    widened = await psc.token({"grant_type": "refresh_token", "refresh_token": narrowed.json()["refresh_token"],
                               "scope": "openid rpps"})
    assert error_of(widened) == "invalid_scope"


async def test_refresh_token_of_another_client_or_expired(psc):
    tokens = await psc.login()
    created = await psc.admin("POST", "/clients", json={"client_id": "other", "grant_types": ["refresh_token",
                              "authorization_code"], "redirect_uris": ["https://other.example/cb"]})
    other = (created.json()["client_id"], created.json()["client_secret"])
    stolen = await psc.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, auth=other)
    provider = provider_of(psc.http)
    with provider.db.write() as conn:
        conn.execute(update(provider.store.t.refresh).values(expires_at=time.time() - 1))
    expired = await psc.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert error_of(stolen) == "invalid_grant" and error_of(expired) == "invalid_grant"


def assertion(psc, key: RSAKey, **overrides) -> str:
    now = int(time.time())
    claims = {"iss": "pkjwt", "sub": "pkjwt", "aud": "http://sandbox.test" + psc.url(PROTOCOL + "/token"),
              "exp": now + 60, "iat": now, "jti": f"j-{time.monotonic_ns()}", **overrides}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


async def test_private_key_jwt_authenticates_once_per_assertion(psc):
    key = await declare_key_client(psc)
    signed = assertion(psc, key)
    form = {"grant_type": "client_credentials", "client_assertion": signed,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}
    assert (await psc.token(form, auth=None)).status_code == 200
    replay = await psc.token(form, auth=None)
    other_key = RSAKey.generate_key(2048, auto_kid=True)
    results = [replay]
    for bad in (assertion(psc, key, aud="https://elsewhere"), assertion(psc, key, exp=int(time.time()) - 300),
                assertion(psc, other_key), assertion(psc, key, iss="someone"), "not.a.jwt"):
        results.append(await psc.token({**form, "client_assertion": bad}, auth=None))
    assert [(r.status_code, error_of(r)) for r in results] == [(401, "invalid_client")] * 6


async def test_a_token_of_one_tenant_is_refused_by_another(sandbox, psc):
    from tests.services.pro_sante_connect.support import Psc, new_tenant

    tokens = await psc.login()
    other = Psc(sandbox, new_tenant())
    response = await other.http.get(other.url(PROTOCOL + "/userinfo"),
                                    headers={"authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["www-authenticate"]
    introspected = await other.http.post(other.url(PROTOCOL + "/token/introspect"), auth=PRACTICE,
                                         data={"token": tokens["access_token"]})
    assert introspected.json() == {"active": False}


async def test_expired_codes_and_tokens_are_swept_away(psc):
    stale = await psc.code()
    provider = provider_of(psc.http)
    provider._swept.clear()  # the first write of the minute sweeps
    with provider.db.write() as conn:
        conn.execute(update(provider.store.t.code).values(expires_at=time.time() - 3600))
    await psc.login()
    response = await psc.token({"grant_type": "authorization_code", "code": stale, "redirect_uri": PRACTICE_REDIRECT})
    assert response.json()["error_description"] == "Unknown authorization code."


async def test_a_deleted_client_is_refused_at_once_despite_the_client_cache(psc):
    created = (await psc.admin("POST", "/clients", json={"grant_types": ["client_credentials"]})).json()
    credentials = (created["client_id"], created["client_secret"])
    assert (await psc.token({"grant_type": "client_credentials"}, auth=credentials)).status_code == 200
    await psc.admin("DELETE", f"/clients/{created['client_id']}")
    refused = await psc.token({"grant_type": "client_credentials"}, auth=credentials)
    assert (refused.status_code, error_of(refused)) == (401, "invalid_client")


async def test_recorded_token_exchanges_keep_no_usable_secret(psc):
    await psc.login()
    recorder = psc.http.gateway.state.recorder
    await recorder.flush()
    listed = (await psc.http.get("/_admin/exchanges", params={"tenant": psc.tenant, "limit": 50})).json()
    token_call = next(e for e in listed["exchanges"] if e["path"].endswith("/openid-connect/token"))
    detail = (await psc.http.get(f"/_admin/exchanges/{token_call['id']}")).json()
    assert "code=***" in detail["request_body"] and detail["request_headers"]["authorization"] == "Basic ***"
    body = json.loads(detail["response_body"])
    assert body["access_token"].endswith(".***") and body["refresh_token"] == "***"
    assert PRACTICE[1] not in json.dumps(detail)


async def test_concurrent_refreshes_of_one_token_let_one_win_and_end_the_family(psc):
    tokens = await psc.login()
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    responses = await asyncio.gather(*(psc.token(refresh) for _ in range(3)))
    assert sorted(r.status_code for r in responses) == [200, 400, 400]
    winner = next(r.json() for r in responses if r.status_code == 200)
    after = await psc.token({"grant_type": "refresh_token", "refresh_token": winner["refresh_token"]})
    assert error_of(after) == "invalid_grant"  # the losers were replays: the family is revoked


async def test_finished_sessions_are_swept_but_live_ones_stay(psc):
    old = await psc.login()
    live = await psc.login()
    provider = provider_of(psc.http)
    t = provider.store.t
    long_ago = time.time() - 3600
    with provider.db.write() as conn:
        conn.execute(update(t.session).values(created_at=long_ago))
        conn.execute(update(t.refresh).where(t.refresh.c.sid == old["session_state"]).values(expires_at=long_ago))
    provider._swept.clear()
    await psc.login()  # a write grant sweeps
    with provider.db.read() as conn:
        assert provider.store.session(conn, tenant=psc.tenant, sid=old["session_state"]) is None
        kept = provider.store.session(conn, tenant=psc.tenant, sid=live["session_state"])
        assert (kept.sid, kept.client_id, kept.revoked) == (live["session_state"], PRACTICE[0], False)
    refreshed = await psc.token({"grant_type": "refresh_token", "refresh_token": live["refresh_token"]})
    assert refreshed.status_code == 200


async def test_a_code_whose_session_was_revoked_gives_no_token(psc):
    verifier, challenge = pkce()
    response = await psc.authorize(response_type="code", client_id=PRACTICE[0], redirect_uri=PRACTICE_REDIRECT,
                                   scope="openid scope_all", login_hint=ROBERT, code_challenge=challenge,
                                   code_challenge_method="S256")
    query = support.query_of(response.headers["location"])
    provider = provider_of(psc.http)
    with provider.db.write() as conn:
        provider.store.revoke_session(conn, tenant=psc.tenant, sid=query["session_state"], now=time.time())
    refused = await psc.token({"grant_type": "authorization_code", "code": query["code"],
                               "redirect_uri": PRACTICE_REDIRECT, "code_verifier": verifier})
    assert (refused.status_code, set(refused.json())) == (400, {"error", "error_description"})
    assert error_of(refused) == "invalid_grant"


def challenge_of(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@pytest.mark.parametrize("verifier", [
    pytest.param("a" * 42, id="too-short"),
    pytest.param("a" * 129, id="too-long"),
    pytest.param("a" * 42 + "+", id="outside-the-alphabet"),
    pytest.param("é" * 43, id="not-ascii"),
])
async def test_a_malformed_verifier_is_refused_even_when_it_matches(psc, verifier):
    code = await psc.code(client_id=SPA, redirect_uri=SPA_REDIRECT, challenge=challenge_of(verifier))
    response = await psc.token({"grant_type": "authorization_code", "client_id": SPA, "code": code,
                                "redirect_uri": SPA_REDIRECT, "code_verifier": verifier}, auth=None)
    assert (response.status_code, error_of(response)) == (400, "invalid_grant")


async def test_an_unknown_refresh_token_is_refused(psc):
    response = await psc.token({"grant_type": "refresh_token", "refresh_token": "never-issued"})
    assert (response.status_code, error_of(response)) == (400, "invalid_grant")


async def test_a_client_without_the_code_grant_cannot_exchange_a_code(psc):
    created = (await psc.admin("POST", "/clients", json={"grant_types": ["client_credentials"]})).json()
    code = await psc.code()
    response = await psc.token({"grant_type": "authorization_code", "code": code, "redirect_uri": PRACTICE_REDIRECT},
                               auth=(created["client_id"], created["client_secret"]))
    assert (response.status_code, error_of(response)) == (400, "unauthorized_client")
    still = await psc.token({"grant_type": "authorization_code", "code": code, "redirect_uri": PRACTICE_REDIRECT})
    assert still.status_code == 200  # the refused request did not spend the code
