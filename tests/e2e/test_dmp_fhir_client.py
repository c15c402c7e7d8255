"""An independent FHIR client library (fhirpy, default configuration) drives Mon espace santé through a live
gateway with a Pro Santé Connect access token: ITI-65 provide, ITI-67 find (GET and POST _search), ITI-68
retrieve (the Binary, Accept: application/fhir+json as fhirpy sends it; fhirpy posts _search with its
parameters in the query, no form), and the OperationOutcome of a search
without its mandatory parameters."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome

from tests.e2e.conftest import serve_gateway
from tests.services.ms_espace_sante.support import ADRUN_INS, INS_SYSTEM, SPECS, provide_bundle
from tests.services.pro_sante_connect.support import PRACTICE, PRACTICE_REDIRECT, PROTOCOL, new_tenant

TENANT = new_tenant()
REPORT = b"Compte rendu: RAS (fhirpy)."


def psc_token(base: str, tenant: str) -> str:
    """A professional's access token: the scripted login (login_hint), then the code exchange."""
    psc = f"{base}/t/{tenant}/pro-sante-connect"
    authorized = requests.get(f"{psc}/wallet/auth", allow_redirects=False, timeout=10, params={
        "response_type": "code", "client_id": PRACTICE[0], "redirect_uri": PRACTICE_REDIRECT, "state": "s",
        "scope": "openid scope_all", "login_hint": "899700218896", "acr_values": "eidas1", "nonce": "n"})
    assert authorized.status_code == 302, authorized.text[:300]
    code = parse_qs(urlsplit(authorized.headers["location"]).query)["code"][0]
    tokens = requests.post(f"{psc}{PROTOCOL}/token",
                           auth=PRACTICE, timeout=10, data={"grant_type": "authorization_code", "code": code,
                                                            "redirect_uri": PRACTICE_REDIRECT})
    assert tokens.status_code == 200, tokens.text[:300]
    return tokens.json()["access_token"]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with serve_gateway(tmp_path_factory.mktemp("dmp"), SPECS) as base:
        token = psc_token(base, TENANT)
        yield SyncFHIRClient(f"{base}/t/{TENANT}/ms-espace-sante/fhir", authorization=f"Bearer {token}")


def test_provide_find_and_retrieve(client):
    answer = client.execute("", method="post", data=provide_bundle(documents=(REPORT,)))
    assert answer["type"] == "transaction-response"
    assert [e["response"]["status"][:3] for e in answer["entry"]] == ["201", "201", "201"]

    search = client.resources("DocumentReference").search(**{"patient.identifier": f"{INS_SYSTEM}|{ADRUN_INS}",
                                                              "status": "current"})
    documents = search.fetch_all()
    assert len(documents) == 1 and search.count() == 1
    document = documents[0]
    assert document["subject"]["reference"] == "Patient/dmp-adrun-zoe"

    binary_id = document["content"][0]["attachment"]["url"].rsplit("/", 1)[1]
    binary = client.reference("Binary", binary_id).to_resource()  # fhirpy asks for application/fhir+json
    assert base64.b64decode(binary["data"]) == REPORT and binary["contentType"] == "text/plain"

    posted = client.execute("DocumentReference/_search", method="post", data=None, params={
        "patient.identifier": f"{INS_SYSTEM}|{ADRUN_INS}", "status": "current", "type": "11488-4"})
    assert posted["total"] == 1 and posted["entry"][0]["resource"]["id"] == document.id


def test_a_search_without_status_is_an_operation_outcome(client):
    with pytest.raises(OperationOutcome) as raised:
        client.resources("DocumentReference").search(patient="Patient/dmp-adrun-zoe").fetch()
    assert "MES-0020" in str(raised.value)
