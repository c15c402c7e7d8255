"""A patient reads their own record with a citizen token (routers/fhir.py, routers/search.py, access.py).

Their documents but those hidden from them (INVISIBLE_PATIENT), their documents' bytes, their activity
history newest first; another patient's record, professional-only routes and a token without the read
scope are refused with a precise code, and nothing is stored by a refusal.
"""

from __future__ import annotations

import pytest

from tests.services.ms_espace_sante import support
from tests.services.ms_espace_sante.support import ADRUN_INS, INS_SYSTEM, provide_bundle, simplified

VISIBILITY = "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/TRE-A07-StatutVisibiliteDocument"
TCHITCHI_INS = "236066322083656"  # persona tchitchi-catarina: another patient with a record
SEARCH = "/DocumentReference"


def hidden_from_patient(ins: str = ADRUN_INS) -> dict:
    doc = simplified(ins, b"Resultat a annoncer en consultation.")
    doc["securityLabel"].append({"coding": [{"system": VISIBILITY, "code": "INVISIBLE_PATIENT"}]})
    return doc


def mine(ins: str = ADRUN_INS) -> list[tuple[str, str]]:
    return [("patient.identifier", f"{INS_SYSTEM}|{ins}"), ("status", "current")]


@pytest.fixture
async def fed(dmp):
    """Two documents for Zoé Adrun (one hidden from her), one for Catarina Tchitchi, fed by Dr Robert."""
    shown = await dmp.post("", provide_bundle())
    hidden = await dmp.post(SEARCH, hidden_from_patient())
    other = await dmp.post("", provide_bundle(TCHITCHI_INS))
    assert (shown.status_code, hidden.status_code, other.status_code) == (200, 201, 200), hidden.text
    return {"shown": shown.json(), "hidden": hidden.json(), "other": other.json()}


async def test_the_patient_lists_their_documents_but_those_hidden_from_them(dmp, fed):
    me = await support.patient_dmp(dmp.http, dmp.tenant)
    professional = (await dmp.get(SEARCH, params=mine())).json()
    assert professional["total"] == 2
    answer = await me.get(SEARCH, params=mine())
    assert answer.status_code == 200, answer.text
    found = answer.json()
    shown = support.location_id(fed["shown"]["entry"][1]["response"]["location"])
    assert found["total"] == 1 and found["entry"][0]["resource"]["id"] == shown


async def test_the_patient_retrieves_their_document_not_a_hidden_one(dmp, fed):
    me = await support.patient_dmp(dmp.http, dmp.tenant)
    binary = fed["shown"]["entry"][2]["response"]["location"].split("/_history/")[0]
    answer = await me.get(binary)
    assert answer.status_code == 200 and answer.content == b"Compte rendu: RAS."
    hidden = fed["hidden"]["content"][0]["attachment"]["url"]
    refused = await me.get(hidden)
    assert refused.status_code == 403 and "MES-0203" in refused.text


async def test_another_patients_record_is_refused(dmp, fed):
    me = await support.patient_dmp(dmp.http, dmp.tenant)
    search = await me.get(SEARCH, params=mine(TCHITCHI_INS))
    assert search.status_code == 403 and "MES-0303" in search.text
    binary = fed["other"]["entry"][2]["response"]["location"].split("/_history/")[0]
    retrieval = await me.get(binary)
    assert retrieval.status_code == 403 and "MES-0303" in retrieval.text
    traces = await me.get("/AuditEvent", params={"patient.identifier": f"{INS_SYSTEM}|{TCHITCHI_INS}"})
    assert traces.status_code == 403 and "MES-0303" in traces.text


async def test_a_patient_token_feeds_no_professional_document_and_checks_no_dmp(dmp):
    me = await support.patient_dmp(dmp.http, dmp.tenant)
    before = dmp.counts()
    for answer in (await me.post("", provide_bundle()), await me.post(SEARCH, simplified())):
        assert answer.status_code == 422 and "MES-0315" in answer.text, answer.text  # class 90, by the patient
    status = await me.get("/Patient", params={"identifier": f"{INS_SYSTEM}|{ADRUN_INS}"})
    assert status.status_code == 403 and "AUTH-0008" in status.text  # TD02 is the professionals'
    assert dmp.counts() == before


async def test_a_token_without_the_read_scope_is_refused(dmp, fed):
    me = await support.patient_dmp(dmp.http, dmp.tenant, scope="openid profile")
    answer = await me.get(SEARCH, params=mine())
    assert answer.status_code == 403 and "MES-0304" in answer.text and "mes.documents.read" in answer.text
    traces = await me.get("/AuditEvent")
    assert traces.status_code == 403 and "MES-0304" in traces.text


async def test_the_patient_reads_their_activity_history_newest_first(dmp, fed):
    me = await support.patient_dmp(dmp.http, dmp.tenant)
    await me.get(SEARCH, params=mine())
    answer = await me.get("/AuditEvent", params={"patient.identifier": f"{INS_SYSTEM}|{ADRUN_INS}"})
    assert answer.status_code == 200, answer.text
    events = [e["resource"] for e in answer.json()["entry"]]
    assert [e["subtype"][0]["code"] for e in events] == ["ITI-67", "ITI-105", "ITI-65"]
    assert events[0]["agent"][0]["who"]["identifier"]["value"] == ADRUN_INS  # the patient's own search
    assert events[1]["agent"][0]["who"]["identifier"]["value"] == "899700218896"  # Dr Robert's feed
    everything = (await me.get("/AuditEvent")).json()  # without patient.identifier: still only their own
    assert everything["total"] == 3
    assert all(TCHITCHI_INS not in str(e["resource"]) for e in everything["entry"])


async def test_a_psc_token_of_another_tenant_and_a_citizen_token_of_another_tenant_are_refused(dmp, fed):
    other = support.psc_support.new_tenant()
    stranger = await support.patient_dmp(dmp.http, other)
    answer = await dmp.http.get(dmp.base + SEARCH, params=mine(), headers={
        "authorization": f"Bearer {stranger.token}"})
    assert answer.status_code == 401 and "AUTH-0005" in answer.text
