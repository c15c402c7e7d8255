"""Independent clients against Pro Santé Connect through the gateway (DESIGN.md "Testing", issue 4).

authlib's OAuth 2 client, configured only from the discovery document, drives the authorization code
(+ PKCE), refresh, client credentials and private_key_jwt flows; joserfc verifies ID tokens, access
tokens and userinfo JWTs against the published JWKS; CIBA is spoken with plain httpx. Nothing here
imports the product's OIDC code: a vendor's relying party sees only HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import KeySet, RSAKey

from gateway.registry import DEFAULT_SERVICES
from tests.e2e.conftest import serve_gateway

REALM = "/pro-sante-connect/auth/realms/esante-wallet"
ID_NAT_PS = "899700218896"  # ROBERT SPECIALISTE0021889, RPPS 99700218896
PRACTICE = ("sandbox-practice-software", "sandbox-practice-secret")
PRACTICE_CALLBACK = "http://localhost:3000/callback"
SPA = "sandbox-spa"
SPA_CALLBACK = "http://localhost:5173/callback"
SCOPE = "openid scope_all"
ACCESS_TTL, REFRESH_TTL = 120, 350
CIBA_GRANT = "urn:openid:params:grant-type:ciba"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Iterator[str]:
    """One live gateway (annuaire-sante + pro-sante-connect + ins-teleservice) for the whole module."""
    with serve_gateway(tmp_path_factory.mktemp("psc-clients"), DEFAULT_SERVICES) as url:
        yield url


@dataclass(frozen=True)
class Realm:
    """What a relying party learns from discovery, for one tenant."""

    service: str  # {base}[/t/{tenant}]/pro-sante-connect
    metadata: dict

    @property
    def issuer(self) -> str:
        return self.metadata["issuer"]

    def __getitem__(self, name: str) -> str:
        return self.metadata[name]

    def key_set(self) -> KeySet:
        return KeySet.import_key_set(requests.get(self["jwks_uri"], timeout=10).json())


def discover(base: str, tenant: str | None = None) -> Realm:
    prefix = f"{base}/t/{tenant}" if tenant else base
    issuer = prefix + REALM
    response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10)
    assert response.status_code == 200, response.text
    metadata = response.json()
    assert metadata["issuer"] == issuer
    return Realm(service=f"{prefix}/pro-sante-connect", metadata=metadata)


def declare_client(realm: Realm, metadata: dict) -> dict:
    response = requests.post(f"{realm.service}/_admin/clients", json=metadata, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def at_hash(access_token: str) -> str:
    """OIDC Core 3.1.3.6, RS256: base64url of the left half of SHA-256 of the access token's ASCII."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def verify_id_token(realm: Realm, id_token: str, *, client_id: str, access_token: str,
                    nonce: str | None) -> dict:
    """An ID token checked as a relying party must (OIDC Core 3.1.3.7), PSC claims included; ``nonce=None``
    leaves the nonce to the caller (refresh, CIBA)."""
    keys = realm.key_set()
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    assert token.header["alg"] == "RS256"
    assert token.header["kid"] in {k.kid for k in keys}
    claims = token.claims
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": realm.issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        acr={"essential": True, "value": "eidas1"},
        idp={"essential": True, "value": "PSC"},
        SubjectNameID={"essential": True, "value": ID_NAT_PS},
        at_hash={"essential": True, "value": at_hash(access_token)},
    ).validate(claims)
    assert (claims["aud"], claims["azp"]) == (client_id, client_id)
    if nonce is not None:
        assert claims["nonce"] == nonce
    assert claims["exp"] - claims["iat"] == ACCESS_TTL
    assert claims["iat"] <= time.time() + 5
    assert isinstance(claims["auth_time"], int) and claims["auth_time"] <= claims["iat"]
    assert isinstance(claims["amr"], list) and claims["amr"]
    return claims


def verify_access_token(realm: Realm, access_token: str, *, client_id: str) -> dict:
    token = jwt.decode(access_token, realm.key_set(), algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": realm.issuer}, exp={"essential": True},
        azp={"essential": True, "value": client_id}, sub={"essential": True},
    ).validate(token.claims)
    if not token.claims["sub"].startswith("service-account-"):  # a user's token, as real PSC ones
        assert token.claims["session_state"] == token.claims["sid"]
        assert token.claims["authMode"] in ("CARD", "MOBILE") and token.claims["otherIds"]
    assert "aud" not in token.claims  # as real PSC access tokens (PRO_SANTE_CONNECT_ACCESS_TOKEN_AUDIENCE unset)
    assert token.claims["exp"] - token.claims["iat"] == ACCESS_TTL
    return token.claims


def spa_session(realm: Realm) -> OAuth2Session:
    return OAuth2Session(SPA, token_endpoint_auth_method="none", scope=SCOPE, redirect_uri=SPA_CALLBACK,
                         code_challenge_method="S256")


def authorize(session: OAuth2Session, realm: Realm, *, method: str = "MOBILE", **extra: str) -> tuple[str, dict]:
    """authlib builds the authorization URL; a plain GET (no redirects) adds login_hint and reads Location."""
    url, state = session.create_authorization_url(realm["authorization_endpoint"], **extra)
    query = parse_qs(urlsplit(url).query)
    assert query["response_type"] == ["code"] and query["state"] == [state]
    response = requests.get(url, params={"login_hint": ID_NAT_PS, "sandbox_login_method": method},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(session.redirect_uri + "?")
    back = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert back["state"] == state and back["code"]
    assert back["iss"] == realm.issuer  # RFC 9207, advertised by authorization_response_iss_parameter_supported
    return location, back


def login_spa(realm: Realm, *, method: str = "MOBILE") -> tuple[OAuth2Session, dict, str]:
    """A complete authorization code + PKCE login of the public SPA client: (session, token, nonce)."""
    session = spa_session(realm)
    nonce = secrets.token_urlsafe(16)
    location, _ = authorize(session, realm, method=method, code_verifier=(verifier := secrets.token_urlsafe(48)),
                            nonce=nonce)
    token = session.fetch_token(realm["token_endpoint"], authorization_response=location, code_verifier=verifier)
    return session, token, nonce


# --- discovery -----------------------------------------------------------------------------------


def test_discovery_documents_advertise_what_the_clients_below_use(base):
    realm = discover(base)
    wallet = requests.get(f"{realm.issuer}/.well-known/wallet-openid-configuration", timeout=10)
    assert wallet.status_code == 200 and wallet.json() == realm.metadata
    md = realm.metadata
    assert md["authorization_endpoint"] == f"{base}/pro-sante-connect/wallet/auth"
    for name in ("token_endpoint", "userinfo_endpoint", "jwks_uri", "backchannel_authentication_endpoint"):
        assert md[name].startswith(realm.issuer + "/protocol/openid-connect/")
    assert md["grant_types_supported"] == ["authorization_code", "refresh_token", "client_credentials", CIBA_GRANT]
    assert md["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
    assert md["code_challenge_methods_supported"] == ["S256"]
    assert md["id_token_signing_alg_values_supported"] == ["RS256"]
    assert md["backchannel_token_delivery_modes_supported"] == ["poll"]
    keys = realm.key_set()
    assert keys.keys and all(k.key_type == "RSA" and "d" not in k.as_dict(private=False) for k in keys)
    tenant = discover(base, "x")
    assert tenant.issuer == f"{base}/t/x{REALM}"
    assert tenant["authorization_endpoint"] == f"{base}/t/x/pro-sante-connect/wallet/auth"


# --- authlib: authorization code + PKCE, refresh, userinfo ---------------------------------------


def test_authlib_authorization_code_with_pkce_for_the_public_spa(base):
    realm = discover(base)
    session, token, nonce = login_spa(realm)
    assert token["token_type"].lower() == "bearer"
    assert token["expires_in"] == ACCESS_TTL and token["refresh_expires_in"] == REFRESH_TTL
    assert set(token["scope"].split()) == set(SCOPE.split())
    assert token["refresh_token"] and token["id_token"]
    claims = verify_id_token(realm, token["id_token"], client_id=SPA, access_token=token["access_token"], nonce=nonce)
    assert claims["amr"] == ["swk", "pin"]  # e-CPS
    access = verify_access_token(realm, token["access_token"], client_id=SPA)
    assert access["sub"] == claims["sub"] and access["SubjectNameID"] == ID_NAT_PS


def test_authlib_code_is_refused_with_a_wrong_pkce_verifier(base):
    realm = discover(base)
    session = spa_session(realm)
    location, _ = authorize(session, realm, code_verifier=secrets.token_urlsafe(48))
    with pytest.raises(OAuthError) as raised:
        session.fetch_token(realm["token_endpoint"], authorization_response=location,
                            code_verifier=secrets.token_urlsafe(48))  # not the one of the challenge
    assert raised.value.error == "invalid_grant"


def test_authlib_userinfo_returns_the_annuaire_claims_as_json(base):
    realm = discover(base)
    session, token, _ = login_spa(realm)
    response = session.get(realm["userinfo_endpoint"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    info = response.json()
    id_claims = jwt.decode(token["id_token"], realm.key_set()).claims
    assert info["sub"] == id_claims["sub"]
    assert info["SubjectNameID"] == ID_NAT_PS and info["preferred_username"] == ID_NAT_PS
    assert info["given_name"] == "ROBERT" and info["family_name"] == "SPECIALISTE0021889"
    assert info["SubjectRefPro"]["exercices"][0]["codeProfession"] == "10", info
    assert info["SubjectRole"] == ["10^1.2.250.1.213.1.1.5.5"], info


def test_authlib_refresh_rotates_and_reuse_of_a_rotated_token_revokes_the_family(base):
    realm = discover(base)
    session, first, _ = login_spa(realm)
    old_refresh = first["refresh_token"]
    second = session.refresh_token(realm["token_endpoint"], refresh_token=old_refresh)
    assert second["refresh_token"] != old_refresh
    assert second["access_token"] != first["access_token"]
    assert second["expires_in"] == ACCESS_TTL
    original = jwt.decode(first["id_token"], realm.key_set()).claims
    renewed = verify_id_token(realm, second["id_token"], client_id=SPA, access_token=second["access_token"],
                              nonce=None)
    for name in ("iss", "sub", "aud", "auth_time", "azp"):  # OIDC Core 12.2
        assert renewed[name] == original[name], name
    assert renewed.get("nonce") in (None, original["nonce"])
    assert session.get(realm["userinfo_endpoint"]).status_code == 200
    new_refresh = second["refresh_token"]

    with pytest.raises(OAuthError) as reused:
        session.refresh_token(realm["token_endpoint"], refresh_token=old_refresh)
    assert reused.value.error == "invalid_grant"
    with pytest.raises(OAuthError) as family:
        session.refresh_token(realm["token_endpoint"], refresh_token=new_refresh)
    assert family.value.error == "invalid_grant"
    revoked = requests.get(realm["userinfo_endpoint"], timeout=10,
                           headers={"Authorization": f"Bearer {second['access_token']}"})
    assert revoked.status_code == 401
    assert revoked.headers["www-authenticate"].startswith("Bearer")


# --- authlib: client credentials, private_key_jwt ------------------------------------------------


def test_authlib_client_credentials_with_client_secret_basic(base):
    realm = discover(base)
    session = OAuth2Session(*PRACTICE, token_endpoint_auth_method="client_secret_basic")
    token = session.fetch_token(realm["token_endpoint"], grant_type="client_credentials")
    assert token["token_type"].lower() == "bearer" and token["expires_in"] == ACCESS_TTL
    assert "refresh_token" not in token and "id_token" not in token
    claims = verify_access_token(realm, token["access_token"], client_id=PRACTICE[0])
    assert claims["sub"] == f"service-account-{PRACTICE[0]}"
    userinfo = session.get(realm["userinfo_endpoint"])  # no user behind this token
    assert userinfo.status_code == 401
    assert 'error="invalid_token"' in userinfo.headers["www-authenticate"]


def test_authlib_client_secret_basic_with_a_colon_in_the_secret(base):
    # authlib sends id and secret raw (not form-encoded as RFC 6749 §2.3.1 asks), so only characters that
    # form-decoding leaves alone are used; the ':' must split at the first one (RFC 7617).
    realm = discover(base)
    client = declare_client(realm, {
        "client_id": unique("rp-basic"), "client_secret": "s3cr/t:with:colons~and.dots_!*",
        "token_endpoint_auth_method": "client_secret_basic", "grant_types": ["client_credentials"], "scope": SCOPE,
    })
    session = OAuth2Session(client["client_id"], client["client_secret"],
                            token_endpoint_auth_method="client_secret_basic")
    token = session.fetch_token(realm["token_endpoint"], grant_type="client_credentials")
    verify_access_token(realm, token["access_token"], client_id=client["client_id"])


def test_authlib_client_credentials_with_client_secret_post(base):
    realm = discover(base)
    client = declare_client(realm, {
        "client_id": unique("rp-secret-post"), "client_secret": "post-secret-0123456789",
        "token_endpoint_auth_method": "client_secret_post", "grant_types": ["client_credentials"],
        "scope": SCOPE,
    })
    session = OAuth2Session(client["client_id"], client["client_secret"],
                            token_endpoint_auth_method="client_secret_post")
    token = session.fetch_token(realm["token_endpoint"], grant_type="client_credentials", scope="scope_all")
    claims = verify_access_token(realm, token["access_token"], client_id=client["client_id"])
    assert claims["scope"] == "scope_all"

    # as in Keycloak (real PSC), a client with a secret may also send it with HTTP Basic; a wrong one fails
    basic = OAuth2Session(client["client_id"], client["client_secret"],
                          token_endpoint_auth_method="client_secret_basic")
    verify_access_token(realm, basic.fetch_token(realm["token_endpoint"], grant_type="client_credentials")[
        "access_token"], client_id=client["client_id"])
    wrong = OAuth2Session(client["client_id"], "not-the-secret", token_endpoint_auth_method="client_secret_basic")
    with pytest.raises(OAuthError) as raised:
        wrong.fetch_token(realm["token_endpoint"], grant_type="client_credentials")
    assert raised.value.error == "invalid_client"


def private_key_client(realm: Realm, **extra) -> tuple[dict, RSAKey]:
    key = RSAKey.generate_key(2048, parameters={"kid": unique("rp-key"), "use": "sig", "alg": "RS256"})
    client = declare_client(realm, {
        "client_id": unique("rp-private-key-jwt"), "token_endpoint_auth_method": "private_key_jwt",
        "jwks": {"keys": [key.as_dict(private=False)]}, "scope": SCOPE, **extra,
    })
    assert "client_secret" not in client
    return client, key


def private_key_session(realm: Realm, client_id: str, key: RSAKey, **kwargs) -> OAuth2Session:
    session = OAuth2Session(client_id, key, token_endpoint_auth_method="private_key_jwt", **kwargs)
    session.register_client_auth_method(PrivateKeyJWT(realm["token_endpoint"]))
    return session


def test_authlib_private_key_jwt_with_its_default_assertion(base):
    """authlib's PrivateKeyJWT as a vendor uses it: iat = now, exp = iat + 3600, aud = token endpoint.

    Keycloak (real PSC) accepts such an assertion when it is presented within its max-exp window from
    ``iat``; RFC 7523 only allows rejecting an ``exp`` "unreasonably far in the future"."""
    realm = discover(base)
    client, key = private_key_client(realm, grant_types=["client_credentials"])
    session = private_key_session(realm, client["client_id"], key)
    token = session.fetch_token(realm["token_endpoint"], grant_type="client_credentials")
    verify_access_token(realm, token["access_token"], client_id=client["client_id"])


def test_authlib_private_key_jwt_code_flow_with_a_short_lived_assertion(base):
    realm = discover(base)
    client, key = private_key_client(realm, grant_types=["authorization_code", "refresh_token", "client_credentials"],
                                     redirect_uris=[PRACTICE_CALLBACK])
    session = OAuth2Session(client["client_id"], key, token_endpoint_auth_method="private_key_jwt", scope=SCOPE,
                            redirect_uri=PRACTICE_CALLBACK, code_challenge_method="S256")

    def short_lived() -> PrivateKeyJWT:  # a fresh exp for each request (authlib's default is iat + 3600)
        return PrivateKeyJWT(realm["token_endpoint"], claims={"exp": int(time.time()) + 60})

    session.register_client_auth_method(short_lived())
    token = session.fetch_token(realm["token_endpoint"], grant_type="client_credentials", scope="scope_all")
    verify_access_token(realm, token["access_token"], client_id=client["client_id"])

    nonce, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
    location, _ = authorize(session, realm, code_verifier=verifier, nonce=nonce)
    session.register_client_auth_method(short_lived())
    token = session.fetch_token(realm["token_endpoint"], authorization_response=location, code_verifier=verifier)
    verify_id_token(realm, token["id_token"], client_id=client["client_id"], access_token=token["access_token"],
                    nonce=nonce)
    session.register_client_auth_method(short_lived())
    refreshed = session.refresh_token(realm["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["refresh_token"] != token["refresh_token"]

    # an assertion signed with another key is invalid_client
    intruder = private_key_session(realm, client["client_id"], RSAKey.generate_key(2048, parameters={"kid": "other"}))
    intruder.register_client_auth_method(PrivateKeyJWT(realm["token_endpoint"],
                                                        claims={"exp": int(time.time()) + 60}))
    with pytest.raises(OAuthError) as raised:
        intruder.fetch_token(realm["token_endpoint"], grant_type="client_credentials")
    assert raised.value.error == "invalid_client"


def test_authlib_introspection_and_revocation_for_the_practice_software(base):
    realm = discover(base)
    session = OAuth2Session(*PRACTICE, token_endpoint_auth_method="client_secret_basic", scope=SCOPE,
                            redirect_uri=PRACTICE_CALLBACK)
    nonce = secrets.token_urlsafe(16)
    location, _ = authorize(session, realm, nonce=nonce)  # a confidential client may skip PKCE
    token = session.fetch_token(realm["token_endpoint"], authorization_response=location)
    verify_id_token(realm, token["id_token"], client_id=PRACTICE[0], access_token=token["access_token"], nonce=nonce)

    active = session.introspect_token(realm["introspection_endpoint"], token=token["access_token"])
    assert active.status_code == 200, active.text
    assert active.json()["active"] is True and active.json()["client_id"] == PRACTICE[0]

    revoked = session.revoke_token(realm["revocation_endpoint"], token=token["refresh_token"],
                                   token_type_hint="refresh_token")
    assert revoked.status_code == 200, revoked.text
    assert session.introspect_token(realm["introspection_endpoint"], token=token["access_token"]).json() == {
        "active": False}
    with pytest.raises(OAuthError) as raised:
        session.refresh_token(realm["token_endpoint"], refresh_token=token["refresh_token"])
    assert raised.value.error == "invalid_grant"


# --- joserfc: signed userinfo ------------------------------------------------------------------------


def test_signed_userinfo_verifies_with_joserfc_and_matches_the_json_userinfo(base):
    realm = discover(base)
    client = declare_client(realm, {
        "client_id": unique("rp-signed-userinfo"), "client_secret": "signed-userinfo-secret-0123",
        "token_endpoint_auth_method": "client_secret_post",
        "grant_types": ["authorization_code", "refresh_token"], "redirect_uris": [PRACTICE_CALLBACK],
        "scope": SCOPE, "userinfo_signed_response_alg": "RS256",
    })
    session = OAuth2Session(client["client_id"], client["client_secret"],
                            token_endpoint_auth_method="client_secret_post", scope=SCOPE,
                            redirect_uri=PRACTICE_CALLBACK, code_challenge_method="S256")
    nonce, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
    location, _ = authorize(session, realm, method="CARD", code_verifier=verifier, nonce=nonce)
    token = session.fetch_token(realm["token_endpoint"], authorization_response=location, code_verifier=verifier)
    id_claims = verify_id_token(realm, token["id_token"], client_id=client["client_id"],
                                access_token=token["access_token"], nonce=nonce)
    assert id_claims["amr"] == ["sc", "pin"]  # CPS card

    response = session.get(realm["userinfo_endpoint"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == "application/jwt"
    signed = jwt.decode(response.text, realm.key_set(), algorithms=["RS256"])
    assert signed.header["alg"] == "RS256"
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": realm.issuer}, aud={"essential": True, "value": client["client_id"]},
        sub={"essential": True, "value": id_claims["sub"]}, SubjectNameID={"essential": True, "value": ID_NAT_PS},
    ).validate(signed.claims)

    spa, _, _ = login_spa(realm, method="CARD")  # the same professional, same card login, JSON userinfo
    plain = spa.get(realm["userinfo_endpoint"]).json()
    assert {k: v for k, v in signed.claims.items() if k not in ("iss", "aud", "iat", "exp")} == plain


# --- CIBA with plain httpx -------------------------------------------------------------------------


def ciba_request(realm: Realm, http: httpx.Client, binding: str, channel: str = "MOBILE") -> dict:
    response = http.post(realm["backchannel_authentication_endpoint"], auth=PRACTICE, data={
        "scope": SCOPE, "login_hint": ID_NAT_PS, "binding_message": binding, "channel": channel})
    assert response.status_code == 200, response.text
    ack = response.json()
    assert ack["auth_req_id"] and (ack["expires_in"], ack["interval"]) == (120, 5)  # the settings' defaults
    return ack


def ciba_poll(realm: Realm, http: httpx.Client, auth_req_id: str) -> httpx.Response:
    return http.post(realm["token_endpoint"], auth=PRACTICE,
                     data={"grant_type": CIBA_GRANT, "auth_req_id": auth_req_id})


def oauth_error(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text  # every CIBA polling error of RFC 6749 §5.2
    assert response.headers["content-type"].startswith("application/json")
    return response.json()["error"]


def test_ciba_round_trip_with_httpx(base):
    realm = discover(base)
    with httpx.Client(timeout=10) as http:
        ack = ciba_request(realm, http, "Cabinet 42", channel="CARD")
        pending = ciba_poll(realm, http, ack["auth_req_id"])
        assert oauth_error(pending) == "authorization_pending" and pending.status_code == 400

        phone = http.get(f"{realm.service}/ecps", params={"login_hint": ID_NAT_PS})
        assert phone.status_code == 200 and ack["auth_req_id"] in phone.text and "Cabinet 42" in phone.text
        approved = http.post(f"{realm.service}/ecps/requests/{ack['auth_req_id']}/approve")
        assert approved.status_code == 200, approved.text

        tokens = ciba_poll(realm, http, ack["auth_req_id"])
        assert tokens.status_code == 200, tokens.text
        assert "no-store" in tokens.headers["cache-control"]  # RFC 6749 §5.1
        body = tokens.json()
        assert body["token_type"].lower() == "bearer" and body["expires_in"] == ACCESS_TTL and body["refresh_token"]
        claims = verify_id_token(realm, body["id_token"], client_id=PRACTICE[0], access_token=body["access_token"],
                                 nonce=None)
        assert "nonce" not in claims  # a CIBA request carries no nonce
        assert claims["amr"] == ["sc", "pin"]
        info = http.get(realm["userinfo_endpoint"], headers={"Authorization": f"Bearer {body['access_token']}"})
        assert info.status_code == 200 and info.json()["SubjectNameID"] == ID_NAT_PS

        again = ciba_poll(realm, http, ack["auth_req_id"])
        assert oauth_error(again) == "invalid_grant" and again.status_code == 400


def test_ciba_denied_request_gives_access_denied(base):
    realm = discover(base)
    with httpx.Client(timeout=10) as http:
        ack = ciba_request(realm, http, "17")
        denied = http.post(f"{realm.service}/ecps/requests/{ack['auth_req_id']}/deny")
        assert denied.status_code == 200, denied.text
        poll = ciba_poll(realm, http, ack["auth_req_id"])
        assert oauth_error(poll) == "access_denied" and poll.status_code == 400


def test_ciba_polling_faster_than_the_interval_gives_slow_down(base):
    realm = discover(base)
    with httpx.Client(timeout=10) as http:
        ack = ciba_request(realm, http, "23")
        assert oauth_error(ciba_poll(realm, http, ack["auth_req_id"])) == "authorization_pending"
        assert ack["interval"] > 1  # the immediate second poll is well inside it
        too_fast = ciba_poll(realm, http, ack["auth_req_id"])
        assert oauth_error(too_fast) == "slow_down" and too_fast.status_code == 400


def test_ciba_auto_approval_in_another_tenant_gives_tokens_on_the_first_poll(base):
    realm = discover(base, "ciba-auto")
    with httpx.Client(timeout=10) as http:
        setting = http.put(f"{realm.service}/_admin/ciba", json={"auto_approve_after": 0})
        assert setting.status_code == 200 and setting.json() == {"auto_approve_after": 0}
        ack = ciba_request(realm, http, "88")
        tokens = ciba_poll(realm, http, ack["auth_req_id"])
        assert tokens.status_code == 200, tokens.text
        verify_id_token(realm, tokens.json()["id_token"], client_id=PRACTICE[0],
                        access_token=tokens.json()["access_token"], nonce=None)

        # the default tenant keeps its own setting: a person still has to approve there
        default = discover(base)
        other = ciba_request(default, http, "89")
        assert oauth_error(ciba_poll(default, http, other["auth_req_id"])) == "authorization_pending"


# --- tenant isolation ----------------------------------------------------------------------------


def test_a_token_of_tenant_a_is_refused_by_tenant_b(base):
    realm_a, realm_b = discover(base, "iso-a"), discover(base, "iso-b")
    _, token, _ = login_spa(realm_a)
    own = OAuth2Session(SPA, token=token).get(realm_a["userinfo_endpoint"])
    assert own.status_code == 200

    foreign = OAuth2Session(SPA, token=token).get(realm_b["userinfo_endpoint"])
    assert foreign.status_code == 401
    challenge = foreign.headers["www-authenticate"]
    assert challenge.startswith("Bearer") and 'error="invalid_token"' in challenge


def test_tenant_b_jwks_does_not_verify_tenant_a_tokens(base):
    realm_a, realm_b = discover(base, "iso-a"), discover(base, "iso-b")
    _, token, _ = login_spa(realm_a)
    jwt.decode(token["id_token"], realm_a.key_set(), algorithms=["RS256"])  # control
    with pytest.raises(JoseError):
        jwt.decode(token["id_token"], realm_b.key_set(), algorithms=["RS256"])
    for key in realm_b.key_set():  # whatever the kid says, no key of B verifies A's signature
        for signed in (token["id_token"], token["access_token"]):
            with pytest.raises(BadSignatureError):
                jws.deserialize_compact(signed, key, algorithms=["RS256"])


def test_a_code_of_tenant_a_is_refused_by_tenant_b(base):
    realm_a, realm_b = discover(base, "iso-a"), discover(base, "iso-b")
    session = spa_session(realm_a)
    verifier = secrets.token_urlsafe(48)
    location, _ = authorize(session, realm_a, code_verifier=verifier)
    with pytest.raises(OAuthError) as raised:
        session.fetch_token(realm_b["token_endpoint"], authorization_response=location, code_verifier=verifier)
    assert raised.value.error == "invalid_grant"
