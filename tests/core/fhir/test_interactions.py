"""CRUD, versioning, conditional create, If-Match, delete/410 and history on both databases."""

import asyncio

from tests.outcomes import assert_outcome, patient


async def test_create_sets_id_meta_location_and_etag(fhir):
    r = await fhir.post("/Patient", json=patient(id="client-id"))
    assert r.status_code == 201
    body = r.json()
    assert body["id"] != "client-id"
    assert body["meta"]["versionId"] == "1" and body["meta"]["lastUpdated"].endswith("Z")
    assert r.headers["etag"] == 'W/"1"'
    assert r.headers["location"] == f"http://sandbox.test/t/{fhir.tenant}/kernel-demo/fhir/Patient/{body['id']}/_history/1"
    assert "last-modified" in r.headers


async def test_read_returns_stored_json_with_etag(fhir):
    created = (await fhir.post("/Patient", json=patient(birthDate="1975-02-03"))).json()
    r = await fhir.get(f"/Patient/{created['id']}")
    assert r.status_code == 200
    assert r.json() == created
    assert r.headers["etag"] == 'W/"1"'


async def test_read_unknown_id_returns_404_fhir_0006(fhir):
    assert_outcome(await fhir.get("/Patient/nope"), 404, "FHIR-0006")


async def test_read_malformed_id_returns_400_fhir_0019(fhir):
    assert_outcome(await fhir.get("/Patient/" + "x" * 65), 400, "FHIR-0019")


async def test_unknown_resource_type_returns_404_fhir_0002(fhir):
    assert_outcome(await fhir.get("/Medication/1"), 404, "FHIR-0002")
    assert_outcome(await fhir.post("/Foo", json={"resourceType": "Foo"}), 404, "FHIR-0002")


async def test_update_creates_new_version_and_vread_serves_both(fhir):
    created = (await fhir.post("/Patient", json=patient())).json()
    pid = created["id"]
    changed = {**created, "gender": "female"}
    r = await fhir.put(f"/Patient/{pid}", json=changed)
    assert r.status_code == 200 and r.json()["meta"]["versionId"] == "2"
    assert (await fhir.get(f"/Patient/{pid}/_history/1")).json().get("gender") is None
    assert (await fhir.get(f"/Patient/{pid}/_history/2")).json()["gender"] == "female"
    assert_outcome(await fhir.get(f"/Patient/{pid}/_history/9"), 404, "FHIR-0008")
    assert_outcome(await fhir.get(f"/Patient/{pid}/_history/abc"), 404, "FHIR-0008")


async def test_update_with_client_id_creates(fhir):
    r = await fhir.put("/Patient/my-id", json=patient(id="my-id"))
    assert r.status_code == 201 and r.json()["id"] == "my-id"


async def test_update_with_id_mismatch_returns_400_fhir_0005(fhir):
    assert_outcome(await fhir.put("/Patient/a", json=patient(id="b")), 400, "FHIR-0005")
    assert_outcome(await fhir.get("/Patient/a"), 404, "FHIR-0006")


async def test_update_with_stale_if_match_returns_412_and_keeps_version(fhir):
    created = (await fhir.post("/Patient", json=patient())).json()
    pid = created["id"]
    ok = await fhir.put(f"/Patient/{pid}", json=created, headers={"If-Match": 'W/"1"'})
    assert ok.status_code == 200
    stale = await fhir.put(f"/Patient/{pid}", json={**created, "gender": "male"}, headers={"If-Match": 'W/"1"'})
    assert_outcome(stale, 412, "FHIR-0009")
    assert (await fhir.get(f"/Patient/{pid}")).json()["meta"]["versionId"] == "2"


async def test_malformed_if_match_returns_400_fhir_0011(fhir):
    created = (await fhir.post("/Patient", json=patient())).json()
    r = await fhir.put(f"/Patient/{created['id']}", json=created, headers={"If-Match": "version-one"})
    assert_outcome(r, 400, "FHIR-0011")


async def test_type_requiring_if_match_refuses_update_without_it_428(fhir):
    org = (await fhir.post("/Organization", json={"resourceType": "Organization", "name": "CH"})).json()
    assert_outcome(await fhir.put(f"/Organization/{org['id']}", json=org), 428, "FHIR-0010")
    assert_outcome(await fhir.delete(f"/Organization/{org['id']}"), 428, "FHIR-0010")
    r = await fhir.put(f"/Organization/{org['id']}", json=org, headers={"If-Match": 'W/"1"'})
    assert r.status_code == 200


async def test_conditional_create_no_match_one_match_several(fhir):
    ident = {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "180012B02012345"}
    headers = {"If-None-Exist": "identifier=urn:oid:1.2.250.1.213.1.4.8|180012B02012345"}
    first = await fhir.post("/Patient", json=patient(identifier=[ident]), headers=headers)
    assert first.status_code == 201
    again = await fhir.post("/Patient", json=patient(identifier=[ident]), headers=headers)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    await fhir.post("/Patient", json=patient(identifier=[ident]))
    assert_outcome(await fhir.post("/Patient", json=patient(identifier=[ident]), headers=headers), 412, "FHIR-0012")


async def test_delete_then_read_returns_410_and_history_keeps_versions(fhir):
    created = (await fhir.post("/Patient", json=patient())).json()
    pid = created["id"]
    r = await fhir.delete(f"/Patient/{pid}")
    assert r.status_code == 204
    assert_outcome(await fhir.get(f"/Patient/{pid}"), 410, "FHIR-0007")
    assert_outcome(await fhir.get(f"/Patient/{pid}/_history/2"), 410, "FHIR-0007")
    history = (await fhir.get(f"/Patient/{pid}/_history")).json()
    assert history["type"] == "history" and history["total"] == 2
    assert [e["request"]["method"] for e in history["entry"]] == ["DELETE", "POST"]
    assert (await fhir.delete(f"/Patient/{pid}")).status_code == 204
    assert_outcome(await fhir.delete("/Patient/never"), 404, "FHIR-0006")


async def test_deleted_resource_leaves_search_results(fhir):
    created = (await fhir.post("/Patient", json=patient(family="Gone"))).json()
    await fhir.delete(f"/Patient/{created['id']}")
    assert (await fhir.get("/Patient", params={"family": "Gone"})).json()["total"] == 0


async def test_update_after_delete_recreates_with_next_version(fhir):
    created = (await fhir.post("/Patient", json=patient())).json()
    pid = created["id"]
    await fhir.delete(f"/Patient/{pid}")
    r = await fhir.put(f"/Patient/{pid}", json=created)
    assert r.status_code == 200 and r.json()["meta"]["versionId"] == "3"


async def test_instance_history_lists_versions_newest_first(fhir):
    created = (await fhir.post("/Patient", json=patient())).json()
    pid = created["id"]
    await fhir.put(f"/Patient/{pid}", json={**created, "gender": "other"})
    history = (await fhir.get(f"/Patient/{pid}/_history")).json()
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]
    assert history["entry"][0]["fullUrl"].endswith(f"/Patient/{pid}/_history/2")
    assert_outcome(await fhir.get("/Patient/none/_history"), 404, "FHIR-0006")


async def test_json_patch_and_fhirpath_patch(fhir):
    created = (await fhir.post("/Patient", json=patient())).json()
    pid = created["id"]
    r = await fhir.patch(f"/Patient/{pid}", json=[{"op": "add", "path": "/gender", "value": "female"}],
                         headers={"content-type": "application/json-patch+json"})
    assert r.status_code == 200 and r.json()["gender"] == "female" and r.json()["meta"]["versionId"] == "2"
    fhirpath = {"resourceType": "Parameters", "parameter": [{"name": "operation", "part": [
        {"name": "type", "valueCode": "replace"}, {"name": "path", "valueString": "Patient.gender"},
        {"name": "value", "valueCode": "male"}]}]}
    r = await fhir.patch(f"/Patient/{pid}", json=fhirpath)
    assert r.status_code == 200 and r.json()["gender"] == "male"
    history = (await fhir.get(f"/Patient/{pid}/_history")).json()
    assert history["entry"][0]["request"]["method"] == "PATCH"


async def test_patch_producing_invalid_resource_is_refused_and_not_stored(fhir):
    created = (await fhir.post("/Patient", json=patient())).json()
    pid = created["id"]
    r = await fhir.patch(f"/Patient/{pid}", json=[{"op": "add", "path": "/birthDate", "value": "31/12/1990"}],
                         headers={"content-type": "application/json-patch+json"})
    assert_outcome(r, 400, "FHIR-0003")
    r = await fhir.patch(f"/Patient/{pid}", json=[{"op": "replace", "path": "/id", "value": "other"}],
                         headers={"content-type": "application/json-patch+json"})
    assert_outcome(r, 422, "FHIR-0015")
    assert (await fhir.get(f"/Patient/{pid}")).json()["meta"]["versionId"] == "1"


async def test_patch_with_stale_if_match_returns_412(fhir):
    created = (await fhir.post("/Patient", json=patient())).json()
    r = await fhir.patch(f"/Patient/{created['id']}", json=[{"op": "add", "path": "/active", "value": True}],
                         headers={"content-type": "application/json-patch+json", "If-Match": 'W/"7"'})
    assert_outcome(r, 412, "FHIR-0009")


async def test_prefer_return_minimal_and_operation_outcome(fhir):
    r = await fhir.post("/Patient", json=patient(), headers={"Prefer": "return=minimal"})
    assert r.status_code == 201 and r.content == b"" and "location" in r.headers
    r = await fhir.post("/Patient", json=patient(), headers={"Prefer": "return=OperationOutcome"})
    assert r.status_code == 201 and r.json()["resourceType"] == "OperationOutcome"


async def test_concurrent_updates_with_same_if_match_let_exactly_one_win(fhir):
    created = (await fhir.post("/Patient", json=patient())).json()
    pid = created["id"]

    async def attempt(gender: str):
        return await fhir.put(f"/Patient/{pid}", json={**created, "gender": gender}, headers={"If-Match": 'W/"1"'})

    results = await asyncio.gather(*(attempt(g) for g in ["male", "female", "other", "unknown"]))
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(200) == 1 and all(s in (409, 412) for s in statuses if s != 200)
    history = (await fhir.get(f"/Patient/{pid}/_history")).json()
    assert history["total"] == 2


async def test_concurrent_creates_with_same_client_id_store_one(fhir):
    results = await asyncio.gather(*(fhir.put("/Patient/same", json=patient(id="same")) for _ in range(4)))
    statuses = [r.status_code for r in results]
    assert statuses.count(201) == 1  # one creation; the others update it, or lose the race to it (409)
    assert statuses.count(200) + statuses.count(409) == 3
    assert (await fhir.get("/Patient/same/_history")).json()["total"] == 1 + statuses.count(200)


async def test_tenants_are_isolated(fhir, kernel_app):
    created = (await fhir.post("/Patient", json=patient())).json()
    other = await fhir.get(f"/Patient/{created['id']}", headers={"x-sandbox-tenant": "someone-else"})
    assert_outcome(other, 404, "FHIR-0006")
    assert_outcome(await fhir.get("/Patient", headers={"x-sandbox-tenant": "Bad_Name"}), 400, "GW-0001")
