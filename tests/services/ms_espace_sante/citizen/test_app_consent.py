"""A catalogue app and the patient's consent screen (citizen/routes.py, consent_records.authorise_app): the app
reads and writes within the scopes the patient approved, until the patient revokes it (401 MES-0314)."""

from __future__ import annotations

import re

import pytest

from services.ms_espace_sante.consent_requests import app_consent
from tests.services.ms_espace_sante import support
from tests.services.ms_espace_sante.support import ADRUN_INS, CITIZEN_PROTOCOL, INS_SYSTEM, Citizen, Dmp
from tests.services.ms_espace_sante.test_patient_controls import own_document
from tests.services.pro_sante_connect import support as psc_support

APP = "appli-tension"
REDIRECT = "https://app.example/cb"
MINE = [("patient.identifier", f"{INS_SYSTEM}|{ADRUN_INS}"), ("status", "current")]


@pytest.fixture
async def citizen(dmp) -> Citizen:
    citizen = Citizen(dmp.http, dmp.tenant)
    declared = await dmp.http.post(citizen.url("/citizen/_admin/clients"), json={
        "client_id": APP, "client_name": "Suivi de tension", "token_endpoint_auth_method": "none",
        "redirect_uris": [REDIRECT], "scope": "openid mes.documents.read mes.documents.write"})
    assert declared.status_code == 201, declared.text
    return citizen


async def authorize(citizen: Citizen, scope: str = "openid mes.documents.read mes.documents.write"):  # noqa: ANN201
    verifier, challenge = psc_support.pkce()
    answer = await citizen.authorize(**citizen.params(challenge, client_id=APP, redirect_uri=REDIRECT, scope=scope,
                                                      login_hint=ADRUN_INS))
    return verifier, answer


async def tokens(citizen: Citizen, verifier: str, location: str) -> dict:
    code = psc_support.query_of(location)["code"]
    answer = await citizen.http.post(citizen.url(CITIZEN_PROTOCOL + "/token"), data={
        "grant_type": "authorization_code", "client_id": APP, "code": code, "redirect_uri": REDIRECT,
        "code_verifier": verifier})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def approve(citizen: Citizen, page, decision: str = "approve"):  # noqa: ANN001, ANN201
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
    return await citizen.http.post(citizen.url("/citizen/auth/consent"), data={
        "request_id": request_id, "ins": ADRUN_INS, "decision": decision})


async def app_dmp(citizen: Citizen, scope: str = "openid mes.documents.read mes.documents.write") -> Dmp:
    verifier, page = await authorize(citizen, scope)
    if page.status_code == 200:
        page = await approve(citizen, page)
    answer = await tokens(citizen, verifier, page.headers["location"])
    return Dmp(citizen.http, citizen.tenant, answer["access_token"])


async def test_the_patient_approves_the_app_which_then_reads_and_writes_until_revoked(dmp, citizen):
    await dmp.post("/DocumentReference", support.simplified())
    verifier, page = await authorize(citizen)
    assert page.status_code == 200 and "Suivi de tension" in page.text and "ajouter des documents" in page.text
    approved = await approve(citizen, page)
    assert approved.status_code == 303 and approved.headers["location"].startswith(REDIRECT)
    issued = await tokens(citizen, verifier, approved.headers["location"])
    app = Dmp(dmp.http, dmp.tenant, issued["access_token"])
    assert (await app.get("/DocumentReference", params=MINE)).json()["total"] == 1
    assert (await app.post("/DocumentReference", own_document())).status_code == 201
    _, again = await authorize(citizen)  # already authorised: no screen
    assert again.status_code == 302 and "code=" in again.headers["location"]
    me = await support.patient_dmp(dmp.http, dmp.tenant)  # Mon espace santé itself
    listed = (await me.get("/Consent", params={"status": "active"})).json()
    app_consent = [e["resource"] for e in listed["entry"]
                   if e["resource"]["provision"]["actor"][0]["reference"]["identifier"]["value"] == APP]
    assert len(app_consent) == 1
    revoked = await me.http.delete(f"{me.base}/Consent/{app_consent[0]['id']}", headers=me.headers())
    assert revoked.status_code == 204
    refused = await app.get("/DocumentReference", params=MINE)
    assert refused.status_code == 401 and "MES-0314" in refused.text
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    refreshed = await citizen.http.post(citizen.url(CITIZEN_PROTOCOL + "/token"), data={
        "grant_type": "refresh_token", "client_id": APP, "refresh_token": issued["refresh_token"]})
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"  # its sessions ended
    history = (await me.get("/AuditEvent", params={"subtype": "ITI-105"})).json()["entry"][0]["resource"]
    assert history["agent"][1]["who"]["identifier"]["value"] == APP  # the app, beside the patient


async def test_a_refusal_stores_nothing_and_redirects_with_access_denied(dmp, citizen):
    before = dmp.counts()
    _, page = await authorize(citizen)
    denied = await approve(citizen, page, "deny")
    assert denied.status_code == 303 and "error=access_denied" in denied.headers["location"]
    assert dmp.counts() == before


async def test_the_app_stays_within_its_scopes_and_out_of_consents(dmp, citizen):
    reader = await app_dmp(citizen, "openid mes.documents.read")
    assert (await reader.get("/DocumentReference", params=MINE)).status_code == 200
    written = await reader.post("/DocumentReference", own_document())
    assert written.status_code == 403 and "MES-0304" in written.text
    consents = await reader.get("/Consent")
    assert consents.status_code == 403 and "MES-0305" in consents.text
    other = await reader.get("/DocumentReference", params=[("patient.identifier", f"{INS_SYSTEM}|236066322083656"),
                                                          ("status", "current")])
    assert other.status_code == 403 and "MES-0303" in other.text


async def test_an_app_authorisation_is_not_posted(dmp):
    me = await support.patient_dmp(dmp.http, dmp.tenant)
    answer = await me.post("/Consent", app_consent(ADRUN_INS, APP, frozenset({"mes.documents.read"})))
    assert answer.status_code == 422 and "MES-0306" in answer.text and "consent screen" in answer.text
