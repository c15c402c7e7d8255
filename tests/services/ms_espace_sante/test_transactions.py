"""ITI-65 Provide Document Bundle: the happy path, the transaction-response, atomicity (transactions.py)."""

from __future__ import annotations

import base64
import json

from core.fhir.interactions import FhirContext
from tests.services.ms_espace_sante.support import ADRUN_INS, location_id, provide_bundle, simplified


async def test_a_submission_is_stored_and_answered_entry_by_entry(dmp):
    bundle = provide_bundle(documents=(b"first", b"second"))
    answer = await dmp.post("", bundle)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["type"] == "transaction-response" and len(body["entry"]) == len(bundle["entry"]) == 5
    kinds = [e["request"]["url"] for e in bundle["entry"]]
    for entry, kind in zip(body["entry"], kinds, strict=True):
        assert entry["response"]["status"] == "201 Created"
        assert f"/ms-espace-sante/fhir/{kind}/" in entry["response"]["location"]
    assert dmp.counts() == {**dmp.counts(), "List": 1, "DocumentReference": 2, "Binary": 2}
    # the stored metadata point at the stored patient and binaries, and the List at the documents
    store = dmp.store()
    with store.db.read() as conn:
        doc_id = location_id(body["entry"][1]["response"]["location"])
        stored = store.api.store.current(conn, tenant=dmp.tenant, rtype="DocumentReference", rid=doc_id)[0]
    doc = json.loads(stored.body)
    assert doc["subject"]["reference"].startswith("Patient/")
    url = doc["content"][0]["attachment"]["url"]
    assert url.startswith(f"http://sandbox.test/t/{dmp.tenant}/ms-espace-sante/fhir/Binary/")
    raw = await dmp.get(url, headers={"accept": "*/*"})
    assert raw.status_code == 200 and raw.content == b"first"


async def test_a_refused_bundle_stores_nothing(dmp):
    before = dmp.counts()
    bundle = provide_bundle(documents=(b"ok", b"also ok"))
    bundle["entry"][2]["resource"]["date"] = "not-a-date"  # the second document fails validation
    answer = await dmp.post("", bundle)
    assert answer.status_code == 422 and "MES-0103" in answer.text, answer.text
    assert dmp.counts() == before
    unknown = provide_bundle(ins="299999999999999")
    answer = await dmp.post("", unknown)
    assert answer.status_code == 422 and "MES-0017" in answer.text
    assert dmp.counts() == before


async def test_malformed_bundles_get_precise_codes(dmp):
    before = dmp.counts()
    cases = []
    not_a_bundle = {"resourceType": "Patient"}
    cases.append((not_a_bundle, 400, "MES-0016"))
    batch = {**provide_bundle(), "type": "batch"}
    cases.append((batch, 400, "MES-0001"))
    cases.append(({"resourceType": "Bundle", "type": "transaction"}, 400, "MES-0002"))
    no_set = provide_bundle()
    no_set["entry"] = no_set["entry"][1:]
    cases.append((no_set, 422, "MES-0003"))
    stray = provide_bundle()
    stray["entry"].append({"fullUrl": "urn:uuid:0c2d6c04-0000-4000-8000-000000000001",
                           "request": {"method": "POST", "url": "Binary"},
                           "resource": {"resourceType": "Binary", "contentType": "text/plain", "data": "eA=="}})
    cases.append((stray, 422, "MES-0005"))
    missing = provide_bundle()
    missing["entry"][1]["resource"]["content"][0]["attachment"]["url"] = "urn:uuid:nowhere"
    cases.append((missing, 422, "MES-0006"))
    not_base64 = provide_bundle()
    not_base64["entry"][2]["resource"]["data"] = "***"
    cases.append((not_base64, 400, "MES-0008"))
    patient = provide_bundle()
    patient["entry"].append({"fullUrl": "urn:uuid:0c2d6c04-0000-4000-8000-000000000002",
                             "request": {"method": "POST", "url": "Patient"},
                             "resource": {"resourceType": "Patient"}})
    cases.append((patient, 422, "MES-0002"))
    delete = provide_bundle()
    delete["entry"].append({"request": {"method": "DELETE", "url": "DocumentReference/x"}})
    cases.append((delete, 400, "MES-0002"))
    for body, status, code in cases:
        answer = await dmp.post("", body)
        assert (answer.status_code, code) == (status, code) and code in answer.text, answer.text
        assert answer.json()["resourceType"] == "OperationOutcome"
    assert dmp.counts() == before


async def test_an_oversized_document_is_413_and_stores_nothing(http, tmp_path, monkeypatch):
    from tests.services.ms_espace_sante import support

    monkeypatch.setenv("MS_ESPACE_SANTE_MAX_DOCUMENT_BYTES", "1000")
    async for small in support.sandbox(tmp_path / "small"):
        dmp = await support.Dmp.login(small)
        before = dmp.counts()
        answer = await dmp.post("", provide_bundle(documents=(b"x" * 1001,)))
        assert answer.status_code == 413 and "MES-0007" in answer.text
        huge = provide_bundle()
        huge["entry"][2]["resource"]["data"] = base64.b64encode(b"x" * 2_000_000).decode()
        answer = await dmp.post("", huge)
        assert answer.status_code == 413 and "HTTP-0413" in answer.text  # the body itself is past the limit
        assert dmp.counts() == before
        assert (await dmp.post("", provide_bundle(documents=(b"x" * 1000,)))).status_code == 200


async def test_the_seeded_patient_is_the_subject(dmp):
    answer = await dmp.get("/Patient", params={"identifier": f"urn:oid:1.2.250.1.213.1.4.8|{ADRUN_INS}"})
    assert answer.status_code == 200 and answer.json()["total"] == 1


async def test_hostile_shapes_with_a_valid_token_are_4xx(dmp):
    """What the OpenAPI fuzzer cannot reach without a token: odd shapes in every place the code looks."""
    before = dmp.counts()
    base = provide_bundle()
    odd = [None, 7, "x", [], {}, [None], {"reference": 7}, [{"attachment": 7}]]
    bodies: list[object] = [[], "x", 7, {"resourceType": "Bundle", "type": "transaction", "entry": {}}]
    for value in odd:
        for i, key in ((0, "request"), (1, "resource"), (1, "fullUrl"), (2, "resource")):
            bundle = json.loads(json.dumps(base))
            bundle["entry"][i][key] = value
            bodies.append(bundle)
        for key in ("content", "relatesTo", "subject", "contained"):
            bundle = json.loads(json.dumps(base))
            bundle["entry"][1]["resource"][key] = value
            bodies.append(bundle)
        bundle = json.loads(json.dumps(base))
        bundle["entry"].append({"request": {"method": "PATCH", "url": "DocumentReference/x"}, "resource": {
            "resourceType": "Parameters", "parameter": value}})
        bodies.append(bundle)
    stored = 0
    for body in bodies:
        answer = await dmp.post("", body)
        assert 400 <= answer.status_code < 500 or answer.status_code == 200, answer.text
        stored += answer.status_code == 200
        answer = await dmp.post("/DocumentReference", body if not isinstance(body, dict) else
                                {**body, "resourceType": "DocumentReference"})
        assert 400 <= answer.status_code < 500, answer.text
    after = dmp.counts()
    assert after.get("DocumentReference", 0) - before.get("DocumentReference", 0) == stored


async def test_the_ins_is_confirmed_with_insi_on_every_feed(dmp):
    """The DMP's traits are sent to INSi: once they differ from INSi's, feeding is 422 and stores nothing."""
    store = dmp.store()
    assert (await dmp.post("", provide_bundle())).status_code == 200
    ctx = FhirContext(tenant=dmp.tenant, base=f"http://sandbox.test/t/{dmp.tenant}/ms-espace-sante/fhir")
    with store.db.write() as conn:
        patient = store.patient_by_ins(conn, ctx, ADRUN_INS)
        body = {**json.loads(patient.body), "birthDate": "1975-12-30"}
        store.api.store.replace(conn, tenant=dmp.tenant, resource=body, rid=patient.rid,
                                current_version=patient.version)
    before = dmp.counts()
    for path, body in (("", provide_bundle()), ("/DocumentReference", simplified())):
        answer = await dmp.post(path, body)
        assert answer.status_code == 422 and "MES-0116" in answer.text, answer.text
    assert dmp.counts() == before
