"""Client authentication at the token and introspection endpoints: every refusal, with its status and error."""

from __future__ import annotations

import base64
import time
from urllib.parse import quote_plus

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.services.pro_sante_connect.support import PRACTICE, PROTOCOL, ROBERT, SPA, declare_key_client

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CREDENTIALS = {"grant_type": "client_credentials"}


def refusal(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


def basic(raw: bytes) -> dict:
    return {"authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.fixture
async def key_client(psc) -> RSAKey:
    """A private_key_jwt client ``pkjwt`` with one RSA key."""
    return await declare_key_client(psc)


def signed(psc, key: RSAKey, drop: tuple[str, ...] = (), **overrides) -> str:
    now = int(time.time())
    claims = {"iss": "pkjwt", "sub": "pkjwt", "aud": "http://sandbox.test" + psc.url(PROTOCOL + "/token"),
              "exp": now + 60, "iat": now, "jti": f"j-{time.monotonic_ns()}", **overrides}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, {k: v for k, v in claims.items() if k not in drop}, key)


def with_assertion(token: str, assertion_type: str = ASSERTION_TYPE) -> dict:
    return {**CREDENTIALS, "client_assertion": token, "client_assertion_type": assertion_type}


async def test_a_fresh_assertion_is_accepted(psc, key_client):
    response = await psc.token(with_assertion(signed(psc, key_client)), auth=None)
    assert response.status_code == 200 and response.json()["token_type"] == "Bearer"


@pytest.mark.parametrize("overrides", [
    pytest.param({"iat": -400}, id="iat-older-than-the-window"),
    pytest.param({"iat": 120}, id="iat-in-the-future"),
    pytest.param({"drop": ("iat",), "exp": 600}, id="no-iat-and-exp-too-far-ahead"),
    pytest.param({"drop": ("jti",)}, id="no-jti"),
    pytest.param({"jti": ""}, id="empty-jti"),
    pytest.param({"drop": ("exp",)}, id="no-exp"),
])
async def test_an_assertion_outside_its_rules_is_refused(psc, key_client, overrides):
    drop = overrides.pop("drop", ())
    now = int(time.time())
    claims = {k: now + v if k in ("iat", "exp") else v for k, v in overrides.items()}
    response = await psc.token(with_assertion(signed(psc, key_client, drop, **claims)), auth=None)
    assert refusal(response) == (401, "invalid_client")


async def test_an_assertion_without_iat_but_a_near_exp_is_accepted(psc, key_client):
    token = signed(psc, key_client, ("iat",), exp=int(time.time()) + 200)
    assert (await psc.token(with_assertion(token), auth=None)).status_code == 200


async def test_a_wrong_assertion_type_is_refused(psc, key_client):
    token = signed(psc, key_client)
    wrong = await psc.token(with_assertion(token, "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"),
                            auth=None)
    missing = await psc.token({**CREDENTIALS, "client_assertion": token}, auth=None)
    assert refusal(wrong) == refusal(missing) == (401, "invalid_client")
    assert (await psc.token(with_assertion(token), auth=None)).status_code == 200  # the jti was not spent


async def test_a_body_client_id_other_than_the_basic_one_is_refused(psc):
    other = await psc.token({**CREDENTIALS, "client_id": SPA})
    same = await psc.token({**CREDENTIALS, "client_id": PRACTICE[0]})
    assert refusal(other) == (401, "invalid_client") and other.headers["www-authenticate"] == 'Basic realm="token"'
    assert same.status_code == 200


@pytest.mark.parametrize("header", [
    pytest.param({"authorization": "Basic !!!"}, id="not-base64"),
    pytest.param(basic(b"\xff\xfe:secret"), id="not-utf8"),
    pytest.param(basic(PRACTICE[0].encode()), id="no-colon"),
    pytest.param({"authorization": "Basic " + base64.b64encode(b":".join(p.encode() for p in PRACTICE)).decode()[:-1]},
                 id="truncated"),
])
async def test_malformed_basic_credentials_are_refused(psc, header):
    response = await psc.token(CREDENTIALS, auth=None, headers=header)
    assert refusal(response) == (401, "invalid_client")
    assert response.headers["www-authenticate"] == 'Basic realm="token"'


async def test_basic_credentials_are_form_urlencoded(psc):
    secret = "s3cret+with/odd:chars%"
    created = await psc.admin("POST", "/clients", json={"client_id": "odd", "client_secret": secret,
                                                        "grant_types": ["client_credentials"]})
    assert created.status_code == 201, created.text
    encoded = basic(f"odd:{quote_plus(secret)}".encode())
    raw = basic(f"odd:{secret}".encode())  # '+' decodes to a space, '%' alone is kept: not the secret
    assert (await psc.token(CREDENTIALS, auth=None, headers=encoded)).status_code == 200
    assert refusal(await psc.token(CREDENTIALS, auth=None, headers=raw)) == (401, "invalid_client")


async def test_a_public_client_cannot_introspect(psc):
    tokens = await psc.login()
    response = await psc.http.post(psc.url(PROTOCOL + "/token/introspect"),
                                   data={"client_id": SPA, "token": tokens["access_token"]})
    assert refusal(response) == (401, "invalid_client") and "SubjectNameID" not in response.text
    assert ROBERT not in response.text


@pytest.mark.parametrize("depth", [20_000, 1_000])  # 20,000 fits in the 64 KiB form
async def test_an_assertion_whose_claims_nest_deeply_is_an_invalid_client_not_a_500(psc, key_client, depth):
    claims = base64.urlsafe_b64encode(b'{"sub":' + b"[" * depth + b"]" * depth + b"}").rstrip(b"=").decode()
    response = await psc.token(with_assertion(f"eyJhbGciOiJSUzI1NiJ9.{claims}.c2ln"), auth=None)
    assert refusal(response) == (401, "invalid_client")


@pytest.mark.parametrize("registered", ["client_secret_basic", "client_secret_post"])
async def test_a_client_with_a_secret_may_send_it_either_way_as_keycloak_accepts(psc, registered):
    created = await psc.admin("POST", "/clients", json={
        "client_id": f"either-{registered}", "client_secret": "s3cret", "token_endpoint_auth_method": registered,
        "grant_types": ["client_credentials"]})
    assert created.status_code == 201, created.text
    assert created.json()["token_endpoint_auth_method"] == registered  # what it prefers, kept as declared
    by_basic = await psc.token(CREDENTIALS, auth=(f"either-{registered}", "s3cret"))
    by_post = await psc.token({**CREDENTIALS, "client_id": f"either-{registered}", "client_secret": "s3cret"},
                              auth=None)
    wrong = await psc.token({**CREDENTIALS, "client_id": f"either-{registered}", "client_secret": "nope"}, auth=None)
    assert by_basic.status_code == by_post.status_code == 200, (by_basic.text, by_post.text)
    assert refusal(wrong) == (401, "invalid_client")
    bare = await psc.token({**CREDENTIALS, "client_id": f"either-{registered}"}, auth=None)
    assert refusal(bare) == (401, "invalid_client")  # a client with a secret must send it


async def test_the_demo_client_accepts_client_secret_post(psc):
    response = await psc.token({**CREDENTIALS, "client_id": PRACTICE[0], "client_secret": PRACTICE[1]}, auth=None)
    assert response.status_code == 200, response.text


async def test_a_private_key_jwt_client_cannot_use_a_secret(psc, key_client):
    by_post = await psc.token({**CREDENTIALS, "client_id": "pkjwt", "client_secret": "anything"}, auth=None)
    by_basic = await psc.token(CREDENTIALS, auth=("pkjwt", "anything"))
    bare = await psc.token({**CREDENTIALS, "client_id": "pkjwt"}, auth=None)
    assert refusal(by_post) == refusal(by_basic) == refusal(bare) == (401, "invalid_client")


async def test_a_public_client_cannot_send_a_secret(psc):
    by_post = await psc.token({"grant_type": "refresh_token", "refresh_token": "x", "client_id": SPA,
                               "client_secret": "guess"}, auth=None)
    by_basic = await psc.token({"grant_type": "refresh_token", "refresh_token": "x"}, auth=(SPA, "guess"))
    assert refusal(by_post) == refusal(by_basic) == (401, "invalid_client")
