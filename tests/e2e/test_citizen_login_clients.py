"""An independent OAuth client (authlib) against the Mon espace santé citizen login, through a live gateway:
a patient app configured only from discovery logs a patient in (code + PKCE), refreshes, reads her record
with the token, revokes it; a catalogue app goes through the patient's consent screen. Nothing here imports
the product's code: the app sees only HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from gateway.registry import DEFAULT_SERVICES
from tests.e2e.conftest import serve_gateway

ADRUN_INS = "275126322074974"
SCOPE = "openid profile mes.documents.read mes.documents.write"
MINE = {"patient.identifier": f"urn:oid:1.2.250.1.213.1.4.8|{ADRUN_INS}", "status": "current"}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Iterator[str]:
    with serve_gateway(tmp_path_factory.mktemp("citizen-clients"), DEFAULT_SERVICES) as url:
        yield url


def discovery(base: str) -> dict:
    meta = httpx.get(f"{base}/ms-espace-sante/citizen/.well-known/openid-configuration").json()
    assert meta["issuer"] == f"{base}/ms-espace-sante/citizen"
    return meta


def code_of(location: str, state: str) -> str:
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["state"] == state and query["iss"].endswith("/ms-espace-sante/citizen")
    return query["code"]


def test_authlib_logs_a_patient_in_refreshes_reads_and_revokes(base):
    meta = discovery(base)
    session = OAuth2Session("sandbox-patient-app", token_endpoint_auth_method="none", scope=SCOPE,
                            redirect_uri="http://localhost:5173/callback", code_challenge_method="S256")
    url, state = session.create_authorization_url(meta["authorization_endpoint"], login_hint=ADRUN_INS,
                                                  code_verifier=(verifier := "v" * 64))
    answer = httpx.get(url)
    assert answer.status_code == 302
    token = session.fetch_token(meta["token_endpoint"], code=code_of(answer.headers["location"], state),
                                code_verifier=verifier)
    keys = KeySet.import_key_set(httpx.get(meta["jwks_uri"]).json())
    claims = jwt.decode(token["access_token"], keys, algorithms=["RS256"]).claims
    assert claims["ins"] == ADRUN_INS and claims["iss"] == meta["issuer"]
    found = session.get(f"{base}/ms-espace-sante/fhir/DocumentReference", params=MINE)
    assert found.status_code == 200 and found.json()["resourceType"] == "Bundle"
    refreshed = session.refresh_token(meta["token_endpoint"])
    assert refreshed["refresh_token"] != token["refresh_token"]
    revoked = httpx.post(meta["revocation_endpoint"], data={"token": refreshed["refresh_token"],
                                                           "client_id": "sandbox-patient-app"})
    assert revoked.status_code == 200
    again = httpx.post(meta["token_endpoint"], data={"grant_type": "refresh_token", "client_id": "sandbox-patient-app",
                                                    "refresh_token": refreshed["refresh_token"]})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_authlib_as_a_catalogue_app_through_the_consent_screen(base):
    meta = discovery(base)
    session = OAuth2Session("sandbox-catalogue-app", token_endpoint_auth_method="none",
                            scope="openid mes.documents.read", redirect_uri="http://localhost:5174/callback",
                            code_challenge_method="S256")
    url, state = session.create_authorization_url(meta["authorization_endpoint"], login_hint=ADRUN_INS,
                                                  code_verifier=(verifier := "w" * 64))
    screen = httpx.get(url)
    assert screen.status_code == 200 and "Autoriser" in screen.text  # the patient's consent screen
    action = re.search(r'<form[^>]*action="([^"]+/consent)"', screen.text).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', screen.text))
    approved = httpx.post(action, data={**fields, "decision": "approve"})
    assert approved.status_code == 303
    session.fetch_token(meta["token_endpoint"], code=code_of(approved.headers["location"], state),
                        code_verifier=verifier)
    assert session.get(f"{base}/ms-espace-sante/fhir/DocumentReference", params=MINE).status_code == 200
    consents = session.get(f"{base}/ms-espace-sante/fhir/Consent")  # the patient's, not the app's
    assert consents.status_code == 403 and "MES-0305" in consents.text
