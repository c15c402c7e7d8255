"""Wire-level bad input on the FHIR routes: content types, malformed JSON, wrong types, metadata."""

import pytest

from core.errors import FHIR_JSON
from tests.outcomes import assert_outcome, patient


async def test_wrong_content_type_returns_415_and_stores_nothing(fhir):
    r = await fhir.post("/Patient", content="<Patient/>", headers={"content-type": "application/fhir+xml"})
    assert_outcome(r, 415, "HTTP-0415")
    assert (await fhir.get("/Patient")).json()["total"] == 0


async def test_json_patch_content_type_only_on_patch(fhir):
    r = await fhir.post("/Patient", json=patient(), headers={"content-type": "application/json-patch+json"})
    assert_outcome(r, 415, "HTTP-0415")


async def test_plain_application_json_is_accepted(fhir):
    r = await fhir.post("/Patient", json=patient(), headers={"content-type": "application/json; charset=utf-8"})
    assert r.status_code == 201


async def test_malformed_json_and_empty_body_return_400_fhir_0001(fhir):
    assert_outcome(await fhir.post("/Patient", content="{not json"), 400, "FHIR-0001")
    assert_outcome(await fhir.post("/Patient", content=""), 400, "FHIR-0001")
    assert_outcome(await fhir.post("/Patient", content="[1, 2]"), 400, "FHIR-0001")
    assert_outcome(await fhir.post("/Patient", content=b"\xff\xfe"), 400, "FHIR-0001")


async def test_body_type_differs_from_url_returns_400_fhir_0004(fhir):
    r = await fhir.post("/Patient", json={"resourceType": "Observation", "status": "final", "code": {"text": "x"}})
    assert_outcome(r, 400, "FHIR-0004")


async def test_unknown_resource_type_in_body(fhir):
    assert_outcome(await fhir.post("/Patient", json={"resourceType": "Bogus"}), 400, "FHIR-0004")
    assert_outcome(await fhir.post("/Patient", json={"name": []}), 400, "FHIR-0002")


async def test_invalid_elements_name_the_element_at_fault(fhir):
    r = await fhir.post("/Patient", json={"resourceType": "Patient", "birthDate": "02/05/1980",
                                          "name": [{"family": ["not", "a", "string"]}], "shoeSize": 42})
    body = assert_outcome(r, 400, "FHIR-0003")
    expressions = {i["expression"][0] for i in body["issue"]}
    assert {"Patient.birthDate", "Patient.name[0].family", "Patient.shoeSize"} <= expressions
    assert (await fhir.get("/Patient")).json()["total"] == 0


async def test_missing_required_element_is_reported(fhir):
    r = await fhir.post("/Observation", json={"resourceType": "Observation", "code": {"text": "x"}})
    body = assert_outcome(r, 400, "FHIR-0003")
    assert body["issue"][0]["expression"] == ["Observation.status"]


async def test_unsupported_method_returns_405_outcome(fhir):
    assert_outcome(await fhir.request("PUT", "/Patient", json=patient()), 405, "HTTP-0405")


async def test_unknown_route_returns_404_outcome(fhir):
    assert_outcome(await fhir.get("/Patient/1/_history/1/extra"), 404, "HTTP-0404")


async def test_capability_statement_lists_declared_types_and_parameters(fhir):
    r = await fhir.get("/metadata")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    body = r.json()
    assert body["resourceType"] == "CapabilityStatement" and body["fhirVersion"] == "4.0.1"
    rest = body["rest"][0]
    by_type = {res["type"]: res for res in rest["resource"]}
    assert set(by_type) == {"Patient", "Observation", "Practitioner", "Organization"}
    params = {p["name"]: p["type"] for p in by_type["Patient"]["searchParam"]}
    assert params["birthdate"] == "date" and params["identifier"] == "token" and params["_id"] == "token"
    assert "Observation:subject" in by_type["Patient"]["searchRevInclude"]
    assert by_type["Organization"]["versioning"] == "versioned-update"
    assert {"code": "transaction"} in rest["interaction"]
    assert body["implementation"]["url"] == f"http://sandbox.test/t/{fhir.tenant}/kernel-demo/fhir"


def nested(depth: int) -> bytes:
    return b'{"resourceType":"Patient","extension":' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("depth", [100_000, 1_000])
async def test_json_nested_past_the_depth_limit_returns_400_fhir_0021_on_every_write(fhir, depth):
    created = (await fhir.post("/Patient", json=patient())).json()
    for method, path, media in [("POST", "/Patient", FHIR_JSON), ("PUT", f"/Patient/{created['id']}", FHIR_JSON),
                                ("PATCH", f"/Patient/{created['id']}", "application/json-patch+json"),
                                ("POST", "", FHIR_JSON)]:
        r = await fhir.request(method, path, content=nested(depth), headers={"content-type": media})
        assert_outcome(r, 400, "FHIR-0021")
    assert (await fhir.get("/Patient")).json()["total"] == 1
    assert (await fhir.get(f"/Patient/{created['id']}")).json()["meta"]["versionId"] == "1"


async def test_the_depth_limit_is_a_setting(kernel_app, fhir):
    kernel_app.state.settings.sandbox.max_json_depth = 3
    assert_outcome(await fhir.post("/Patient", json=patient()), 400, "FHIR-0021")  # Patient.name[0].given[] is 4
    kernel_app.state.settings.sandbox.max_json_depth = 4
    assert (await fhir.post("/Patient", json=patient())).status_code == 201


async def test_repeated_members_are_refused_instead_of_last_one_wins(fhir):
    r = await fhir.post("/Patient", content=b'{"resourceType":"Patient","gender":"male","gender":"female"}')
    assert_outcome(r, 400, "FHIR-0001")
    assert (await fhir.get("/Patient")).json()["total"] == 0
