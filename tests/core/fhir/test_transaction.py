"""batch and transaction Bundles: urn:uuid resolution, atomicity, ordering, entry responses."""

import base64
import json

from sqlalchemy import func, select

from tests.outcomes import assert_outcome, patient


def rows_of(kernel_app, tenant: str) -> int:
    db = kernel_app.state.db
    with db.read() as conn:
        return sum(conn.execute(select(func.count()).select_from(t).where(t.c.tenant == tenant)).scalar_one()
                   for t in db.tables())


def transaction(*entries, kind="transaction") -> dict:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def post(resource: dict, full_url: str | None = None, **request) -> dict:
    entry = {"resource": resource, "request": {"method": "POST", "url": resource["resourceType"], **request}}
    if full_url:
        entry["fullUrl"] = full_url
    return entry


def observation(subject: str) -> dict:
    return {"resourceType": "Observation", "status": "final", "code": {"text": "poids"},
            "subject": {"reference": subject}}


async def test_transaction_resolves_urn_uuid_references_and_answers_in_entry_order(fhir):
    bundle = transaction(
        post(observation("urn:uuid:11111111-1111-1111-1111-111111111111")),
        post(patient(), "urn:uuid:11111111-1111-1111-1111-111111111111"),
    )
    r = await fhir.post("", json=bundle)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["type"] == "transaction-response"
    obs_entry, patient_entry = body["entry"]
    assert obs_entry["response"]["status"] == "201 Created"
    assert obs_entry["resource"]["resourceType"] == "Observation"
    patient_id = patient_entry["resource"]["id"]
    assert obs_entry["resource"]["subject"]["reference"] == f"Patient/{patient_id}"
    assert patient_entry["response"]["location"].endswith(f"/Patient/{patient_id}/_history/1")
    assert patient_entry["response"]["etag"] == 'W/"1"'
    found = (await fhir.get(f"/Observation?patient={patient_id}")).json()
    assert found["total"] == 1


async def test_failing_transaction_leaves_no_row_behind(fhir, kernel_app):
    before = rows_of(kernel_app, fhir.tenant)
    bundle = transaction(
        post(patient(), "urn:uuid:aaaaaaaa-1111-1111-1111-111111111111"),
        post(observation("urn:uuid:aaaaaaaa-1111-1111-1111-111111111111")),
        post({"resourceType": "Observation", "status": "final"}),  # no code: invalid
    )
    r = await fhir.post("", json=bundle)
    body = assert_outcome(r, 400, "FHIR-0017")
    assert body["issue"][0]["expression"] == ["Bundle.entry[2]"]
    assert body["issue"][1]["details"]["coding"][0]["code"] == "FHIR-0003"
    assert rows_of(kernel_app, fhir.tenant) == before
    assert (await fhir.get("/Patient")).json()["total"] == 0


async def test_transaction_with_failing_update_rolls_back_creates(fhir, kernel_app):
    created = (await fhir.post("/Patient", json=patient())).json()
    before = rows_of(kernel_app, fhir.tenant)
    bundle = transaction(
        post(patient(family="New")),
        {"resource": created, "request": {"method": "PUT", "url": f"Patient/{created['id']}", "ifMatch": 'W/"5"'}},
    )
    assert_outcome(await fhir.post("", json=bundle), 412, "FHIR-0017")
    assert rows_of(kernel_app, fhir.tenant) == before


async def test_unresolvable_urn_uuid_fails_the_transaction(fhir, kernel_app):
    bundle = transaction(post(observation("urn:uuid:99999999-0000-0000-0000-000000000000")))
    body = assert_outcome(await fhir.post("", json=bundle), 400, "FHIR-0017")
    assert body["issue"][1]["details"]["coding"][0]["code"] == "FHIR-0018"
    assert rows_of(kernel_app, fhir.tenant) == 0


async def test_conditional_reference_is_resolved(fhir):
    ident = {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "123"}
    created = (await fhir.post("/Patient", json=patient(identifier=[ident]))).json()
    bundle = transaction(post(observation("Patient?identifier=urn:oid:1.2.250.1.213.1.4.8|123")))
    r = await fhir.post("", json=bundle)
    assert r.json()["entry"][0]["resource"]["subject"]["reference"] == f"Patient/{created['id']}"
    bundle = transaction(post(observation("Patient?identifier=nobody")))
    assert_outcome(await fhir.post("", json=bundle), 404, "FHIR-0017")


async def test_transaction_processes_delete_post_put_patch_get(fhir):
    old = (await fhir.post("/Patient", json=patient(family="Old"))).json()
    keep = (await fhir.post("/Patient", json=patient(family="Keep"))).json()
    json_patch = base64.b64encode(json.dumps([{"op": "add", "path": "/gender", "value": "male"}]).encode()).decode()
    bundle = transaction(
        {"request": {"method": "GET", "url": "Patient?family=new"}},
        {"request": {"method": "PATCH", "url": f"Patient/{keep['id']}"},
         "resource": {"resourceType": "Binary", "contentType": "application/json-patch+json", "data": json_patch}},
        {"request": {"method": "DELETE", "url": f"Patient/{old['id']}"}},
        post(patient(family="New")),
        {"resource": patient(family="Put", id="put-1"), "request": {"method": "PUT", "url": "Patient/put-1"}},
        {"request": {"method": "GET", "url": f"Patient/{keep['id']}"}},
    )
    r = await fhir.post("", json=bundle)
    assert r.status_code == 200, r.text
    entries = r.json()["entry"]
    assert [e["response"]["status"] for e in entries] == [
        "200 OK", "200 OK", "204 No Content", "201 Created", "201 Created", "200 OK"]
    assert entries[0]["resource"]["total"] == 1  # GET ran after the POST
    assert entries[5]["resource"]["gender"] == "male"  # and after the PATCH
    assert_outcome(await fhir.get(f"/Patient/{old['id']}"), 410, "FHIR-0007")


async def test_batch_entries_succeed_or_fail_independently(fhir):
    bundle = transaction(
        post(patient()),
        post({"resourceType": "Patient", "birthDate": "not-a-date"}),
        {"request": {"method": "GET", "url": "Patient/missing"}},
        kind="batch",
    )
    r = await fhir.post("", json=bundle)
    assert r.status_code == 200
    entries = r.json()["entry"]
    assert entries[0]["response"]["status"] == "201 Created"
    assert entries[1]["response"]["status"] == "400 Bad Request"
    assert entries[1]["response"]["outcome"]["issue"][0]["details"]["coding"][0]["code"] == "FHIR-0003"
    assert entries[2]["response"]["status"] == "404 Not Found"
    assert r.json()["type"] == "batch-response"
    assert (await fhir.get("/Patient")).json()["total"] == 1


async def test_malformed_bundles_are_rejected(fhir, kernel_app):
    assert_outcome(await fhir.post("", json=patient()), 400, "FHIR-0004")
    assert_outcome(await fhir.post("", json={"resourceType": "Bundle", "type": "collection"}), 400, "FHIR-0016")
    assert_outcome(await fhir.post("", json=transaction({"resource": patient()})), 400, "FHIR-0016")
    bad_method = transaction({"request": {"method": "TRACE", "url": "Patient"}})
    assert_outcome(await fhir.post("", json=bad_method), 400, "FHIR-0016")
    no_resource = transaction({"request": {"method": "POST", "url": "Patient"}})
    assert_outcome(await fhir.post("", json=no_resource), 400, "FHIR-0016")
    dup = "urn:uuid:12345678-1234-1234-1234-123456789012"
    assert_outcome(await fhir.post("", json=transaction(post(patient(), dup), post(patient(), dup))), 400, "FHIR-0016")
    unsupported = transaction({"request": {"method": "PUT", "url": "Patient?name=x"}, "resource": patient()})
    assert_outcome(await fhir.post("", json=unsupported), 400, "FHIR-0017")
    assert rows_of(kernel_app, fhir.tenant) == 0


async def test_a_binary_patch_nested_past_the_depth_limit_fails_the_transaction_as_fhir_0021(kernel_app, fhir):
    keep = (await fhir.post("/Patient", json=patient(family="Keep"))).json()
    before = rows_of(kernel_app, fhir.tenant)
    for depth in (100_000, 1_000):
        data = base64.b64encode(b"[" * depth + b"]" * depth).decode()
        bundle = transaction(post(patient(family="New")), {
            "request": {"method": "PATCH", "url": f"Patient/{keep['id']}"},
            "resource": {"resourceType": "Binary", "contentType": "application/json-patch+json", "data": data}})
        outcome = assert_outcome(await fhir.post("", json=bundle), 400, "FHIR-0017")
        assert [i["details"]["coding"][0]["code"] for i in outcome["issue"]] == ["FHIR-0017", "FHIR-0021"]
    assert rows_of(kernel_app, fhir.tenant) == before
