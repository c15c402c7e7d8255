"""The realm's other endpoints: discovery, JWKS and rotation, userinfo, introspection, revocation, logout."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.services.pro_sante_connect.support import PRACTICE, PROTOCOL, PUBLIC, REALM, ROBERT, query_of


async def test_discovery_is_served_on_both_paths_and_names_the_tenant_issuer(psc):
    standard = await psc.http.get(psc.url(REALM + "/.well-known/openid-configuration"))
    wallet = await psc.http.get(psc.url(REALM + "/.well-known/wallet-openid-configuration"))
    doc = standard.json()
    assert standard.status_code == wallet.status_code == 200 and doc == wallet.json()
    assert doc["issuer"] == psc.issuer and doc["authorization_endpoint"] == PUBLIC + psc.url("/wallet/auth")
    assert doc["token_endpoint"] == psc.issuer + "/protocol/openid-connect/token"
    assert doc["backchannel_authentication_endpoint"] == psc.issuer + "/protocol/openid-connect/ext/ciba/auth"
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token", "client_credentials",
                                            "urn:openid:params:grant-type:ciba"]
    assert doc["response_types_supported"] == ["code"] and doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"] and doc["acr_values_supported"] == ["eidas1"]


async def test_the_default_tenant_has_the_plain_issuer(sandbox):
    doc = (await sandbox.get("/pro-sante-connect" + REALM + "/.well-known/openid-configuration")).json()
    assert doc["issuer"] == PUBLIC + "/pro-sante-connect/auth/realms/esante-wallet"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def hs256_token(claims: dict, secret: bytes) -> str:
    """The classic key-confusion forgery: HS256 "signed" with the provider's public key as the secret."""
    signing_input = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(json.dumps(claims).encode())
    return signing_input + "." + b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())


async def jwks(psc) -> dict:
    return (await psc.http.get(psc.url(PROTOCOL + "/certs"))).json()


async def test_rotation_keeps_the_previous_key_published(psc):
    tokens = await psc.login()
    before = await jwks(psc)
    rotated = (await psc.admin("POST", "/keys/rotate")).json()
    after = await jwks(psc)
    assert [k["kid"] for k in before["keys"]] == [rotated["published"][1]]
    assert [k["kid"] for k in after["keys"]] == rotated["published"] and rotated["active"] == after["keys"][0]["kid"]
    assert all(set(k) == {"kty", "kid", "use", "alg", "n", "e"} for k in after["keys"])  # public parts only
    jwt.decode(tokens["id_token"], KeySet.import_key_set(after), algorithms=["RS256"])  # old tokens still verify
    fresh = (await psc.token({"grant_type": "client_credentials"})).json()["access_token"]
    assert jwt.decode(fresh, KeySet.import_key_set(after)).header["kid"] == rotated["active"]
    userinfo = await psc.http.get(psc.url(PROTOCOL + "/userinfo"),
                                  headers={"authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code == 200


async def test_userinfo_returns_the_directory_claims(psc):
    tokens = await psc.login()
    response = await psc.http.get(psc.url(PROTOCOL + "/userinfo"),
                                  headers={"authorization": f"Bearer {tokens['access_token']}"})
    info = response.json()
    assert response.status_code == 200 and info["SubjectNameID"] == ROBERT
    assert info["family_name"] == "SPECIALISTE0021889"
    assert info["sub"].endswith(ROBERT) and info["SubjectOrganization"] == "CABINET M SPECIALISTE0021889"


async def test_userinfo_as_a_signed_jwt_for_clients_asking_for_it(psc):
    await psc.admin("POST", "/clients", json={
        "client_id": "signed", "client_secret": "s3cret-s3cret", "redirect_uris": ["https://rp.example/cb"],
        "userinfo_signed_response_alg": "RS256"})
    code = await psc.code(client_id="signed", redirect_uri="https://rp.example/cb")
    tokens = (await psc.token({"grant_type": "authorization_code", "code": code,
                               "redirect_uri": "https://rp.example/cb"}, auth=("signed", "s3cret-s3cret"))).json()
    response = await psc.http.get(psc.url(PROTOCOL + "/userinfo"),
                                  headers={"authorization": f"Bearer {tokens['access_token']}"})
    assert response.headers["content-type"].startswith("application/jwt")
    claims = jwt.decode(response.text, KeySet.import_key_set(await jwks(psc))).claims
    assert claims["aud"] == "signed" and claims["iss"] == psc.issuer and claims["SubjectNameID"] == ROBERT


async def test_userinfo_bad_tokens(psc):
    software = (await psc.token({"grant_type": "client_credentials"})).json()["access_token"]
    forged_key = RSAKey.generate_key(2048, auto_kid=True)
    forged = jwt.encode({"alg": "RS256", "kid": "x"}, {"iss": psc.issuer, "sub": "x", "exp": 9999999999,
                                                       "typ": "Bearer"}, forged_key)
    public_pem = KeySet.import_key_set(await jwks(psc)).keys[0].as_pem(private=False)
    hs256 = hs256_token({"iss": psc.issuer, "sub": "x", "exp": 9999999999, "typ": "Bearer"}, public_pem)
    unsigned = b64(b'{"alg":"none"}') + "." + b64(json.dumps({"iss": psc.issuer, "typ": "Bearer"}).encode()) + "."
    for headers in ({}, {"authorization": "Bearer "}, {"authorization": "Bearer garbage"},
                    {"authorization": f"Bearer {software}"}, {"authorization": f"Bearer {forged}"},
                    {"authorization": f"Bearer {hs256}"}, {"authorization": f"Bearer {unsigned}"},
                    {"authorization": "Basic abc"}):
        response = await psc.http.get(psc.url(PROTOCOL + "/userinfo"), headers=headers)
        assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer error="), headers


async def test_introspection_of_access_and_refresh_tokens(psc):
    tokens = await psc.login()
    access = (await psc.http.post(psc.url(PROTOCOL + "/token/introspect"), auth=PRACTICE,
                                  data={"token": tokens["access_token"]})).json()
    refresh = (await psc.http.post(psc.url(PROTOCOL + "/token/introspect"), auth=PRACTICE,
                                   data={"token": tokens["refresh_token"]})).json()
    unknown = (await psc.http.post(psc.url(PROTOCOL + "/token/introspect"), auth=PRACTICE,
                                   data={"token": "nope"})).json()
    assert access["active"] is True and access["SubjectNameID"] == ROBERT and access["client_id"] == PRACTICE[0]
    assert access["username"] == ROBERT and access["typ"] == "Bearer"
    assert refresh["active"] is True and refresh["typ"] == "Refresh" and "SubjectNameID" not in refresh
    assert unknown == {"active": False}
    anonymous = await psc.http.post(psc.url(PROTOCOL + "/token/introspect"), data={"token": tokens["access_token"]})
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"


async def introspect(psc, token: str) -> bool:
    return (await psc.http.post(psc.url(PROTOCOL + "/token/introspect"), auth=PRACTICE,
                                data={"token": token})).json()["active"]


async def test_revoking_an_access_token(psc):
    tokens = await psc.login()
    response = await psc.http.post(psc.url(PROTOCOL + "/revoke"), auth=PRACTICE, data={"token": tokens["access_token"]})
    assert response.status_code == 200 and not await introspect(psc, tokens["access_token"])
    assert await introspect(psc, tokens["refresh_token"])  # only that access token


async def test_revoking_a_refresh_token_ends_its_session(psc):
    tokens = await psc.login()
    await psc.http.post(psc.url(PROTOCOL + "/revoke"), auth=PRACTICE, data={"token": tokens["refresh_token"]})
    refreshed = await psc.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.json()["error"] == "invalid_grant" and not await introspect(psc, tokens["access_token"])


async def test_revocation_by_another_client_is_refused_and_unknown_tokens_are_ignored(psc):
    tokens = await psc.login()
    created = (await psc.admin("POST", "/clients", json={"grant_types": ["client_credentials"]})).json()
    other = (created["client_id"], created["client_secret"])
    refused = await psc.http.post(psc.url(PROTOCOL + "/revoke"), auth=other, data={"token": tokens["refresh_token"]})
    ignored = await psc.http.post(psc.url(PROTOCOL + "/revoke"), auth=PRACTICE, data={"token": "unknown"})
    assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client"
    assert ignored.status_code == 200 and await introspect(psc, tokens["refresh_token"])


async def test_logout_ends_the_session_and_returns_to_the_client(psc):
    tokens = await psc.login()
    response = await psc.http.get(psc.url(PROTOCOL + "/logout"), params={
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "http://localhost:3000/", "state": "bye"})
    assert response.status_code == 302 and query_of(response.headers["location"]) == {"state": "bye"}
    assert response.headers["location"].startswith("http://localhost:3000/?")
    assert not await introspect(psc, tokens["refresh_token"]) and not await introspect(psc, tokens["access_token"])


async def test_logout_never_redirects_to_an_unregistered_uri(psc):
    tokens = await psc.login()
    evil = await psc.http.get(psc.url(PROTOCOL + "/logout"), params={
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example/"})
    anonymous = await psc.http.get(psc.url(PROTOCOL + "/logout"),
                                   params={"post_logout_redirect_uri": "http://localhost:3000/"})
    forged = await psc.http.get(psc.url(PROTOCOL + "/logout"), params={"id_token_hint": tokens["access_token"]})
    plain = await psc.http.get(psc.url(PROTOCOL + "/logout"))
    assert [r.status_code for r in (evil, anonymous, forged, plain)] == [400, 400, 400, 200]
    assert all("location" not in r.headers for r in (evil, anonymous, forged, plain))
    assert await introspect(psc, tokens["refresh_token"])  # nothing ended by the refused calls


async def test_revoking_an_access_token_of_another_client_is_refused(psc):
    tokens = await psc.login()
    created = (await psc.admin("POST", "/clients", json={"grant_types": ["client_credentials"]})).json()
    refused = await psc.http.post(psc.url(PROTOCOL + "/revoke"), auth=(created["client_id"], created["client_secret"]),
                                  data={"token": tokens["access_token"]})
    assert (refused.status_code, refused.json()["error"]) == (400, "unauthorized_client")
    assert await introspect(psc, tokens["access_token"]) is True


async def test_userinfo_needs_the_openid_scope(psc):
    tokens = await psc.login()
    narrowed = (await psc.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                                 "scope": "scope_all"})).json()
    assert (narrowed["scope"], "id_token" in narrowed) == ("scope_all", False)
    response = await psc.http.get(psc.url(PROTOCOL + "/userinfo"),
                                  headers={"authorization": f"Bearer {narrowed['access_token']}"})
    assert (response.status_code, response.json()["error"]) == (403, "insufficient_scope")
    assert response.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')
    assert ROBERT not in response.text
