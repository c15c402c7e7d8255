"""``/eprescription/fhir/metadata``: the CapabilityStatement names what the service serves, without a token."""


async def test_the_capability_statement_lists_the_three_types(http, tenant):
    answer = await http.get(f"/t/{tenant}/eprescription/fhir/metadata")
    assert answer.status_code == 200
    resources = {r["type"]: r for r in answer.json()["rest"][0]["resource"]}
    assert {"MedicationRequest", "MedicationDispense", "Medication"} <= set(resources)
    params = {p["name"] for p in resources["MedicationRequest"]["searchParam"]}
    assert "group-identifier" in params
