"""Every FHIR route of Mon espace santé wants a professional's Pro Santé Connect token of its tenant (deps.py).

Software tokens: 403 AUTH-0008, but on the writes, 403 MES-0210 unless a declared feeder (test_feeders.py)."""

from __future__ import annotations

import time

import pytest

from core.oidc.verifier import TokenVerifier
from tests.services.ms_espace_sante.support import ADRUN_INS, provide_bundle, simplified
from tests.services.pro_sante_connect import support as psc_support

ROUTES = [("POST", "", provide_bundle()), ("POST", "/DocumentReference", simplified()),
          ("GET", "/Binary/0c2d6c04-0000-4000-8000-000000000001", None),
          ("GET", f"/Patient?identifier=urn:oid:1.2.250.1.213.1.4.8|{ADRUN_INS}", None)]


async def call(dmp, method: str, path: str, body, token: str | None):  # noqa: ANN001, ANN201
    headers = {"content-type": "application/fhir+json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return await dmp.http.request(method, dmp.base + path, json=body, headers=headers)


def assert_refused(answer, code: str, status: int = 401) -> None:  # noqa: ANN001
    assert answer.status_code == status, answer.text
    assert answer.json()["resourceType"] == "OperationOutcome" and code in answer.text
    assert answer.headers["www-authenticate"].startswith("Bearer realm=")


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
async def test_no_token_a_forged_one_and_another_tenants_are_refused(dmp, method, path, body):
    before = dmp.counts()
    assert_refused(await call(dmp, method, path, body, None), "AUTH-0001")
    head, payload, signature = dmp.token.split(".")
    forged = f"{head}.{payload}.{signature[:-4]}AAAA"
    assert_refused(await call(dmp, method, path, body, forged), "AUTH-0003")
    other = await psc_support.Psc(dmp.http, psc_support.new_tenant()).login()
    assert_refused(await call(dmp, method, path, body, other["access_token"]), "AUTH-0005")
    assert dmp.counts() == before


async def test_an_expired_token_is_refused(dmp):
    app = dmp.http.gateway.state.services["ms-espace-sante"].app
    app.state.psc_verifier = TokenVerifier(app.state.peers, clock=lambda: time.time() + 86_400)
    assert_refused(await dmp.post("", provide_bundle()), "AUTH-0004")
    assert dmp.counts().get("DocumentReference", 0) == 0


async def test_a_software_token_is_403_and_metadata_is_public(dmp):
    psc = psc_support.Psc(dmp.http, dmp.tenant)
    software = (await psc.token({"grant_type": "client_credentials"})).json()["access_token"]
    for method, path, body in ROUTES:  # the writes take declared feeders only (test_feeders.py), reads no software
        answer = await call(dmp, method, path, body, software)
        code = "MES-0210" if method == "POST" else "AUTH-0008"
        assert answer.status_code == 403 and code in answer.text, (path, answer.text)
    capability = await dmp.http.get(dmp.base + "/metadata")
    assert capability.status_code == 200 and capability.json()["resourceType"] == "CapabilityStatement"
