"""The read hot path answers exactly as the ordinary route, and hands every miss over to it."""

from tests.outcomes import assert_outcome, patient


async def test_fast_read_matches_the_ordinary_route(fhir):
    created = (await fhir.post("/Patient", json=patient())).json()
    fast = await fhir.get(f"/Patient/{created['id']}")
    ordinary = await fhir.get(f"/Patient/{created['id']}?_format=json")  # a query string skips the hot path
    assert fast.status_code == ordinary.status_code == 200
    assert fast.json() == ordinary.json() == created
    for header in ("etag", "last-modified", "content-type"):
        assert fast.headers[header] == ordinary.headers[header]


async def test_misses_fall_through_to_the_route_and_its_errors(fhir):
    created = (await fhir.post("/Patient", json=patient())).json()
    await fhir.delete(f"/Patient/{created['id']}")
    assert_outcome(await fhir.get(f"/Patient/{created['id']}"), 410, "FHIR-0007")
    assert_outcome(await fhir.get("/Patient/unknown"), 404, "FHIR-0006")
    assert_outcome(await fhir.get("/Patient/x", headers={"x-sandbox-tenant": "NOT VALID"}), 400, "GW-0001")
    assert_outcome(await fhir.get("/Medication/x"), 404, "FHIR-0002")
