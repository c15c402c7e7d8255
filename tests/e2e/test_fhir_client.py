"""An independent FHIR client library (fhirpy) against the kernel's FHIR API through the gateway."""

import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound


@pytest.fixture
def client(live_sandbox):
    return SyncFHIRClient(f"{live_sandbox}/t/team-fhirpy/kernel-demo/fhir",
                          extra_headers={"Content-Type": "application/fhir+json"})


def test_fhirpy_create_search_update_delete(client):
    patient = client.resource("Patient", name=[{"family": "Lefèvre", "given": ["Anaïs"]}], birthDate="1990-04-12",
                              identifier=[{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "290049912345678"}])
    patient.save()
    assert patient.id and patient["meta"]["versionId"] == "1"

    found = client.resources("Patient").search(family="lefevre", birthdate__ge="1990-01-01").fetch_all()
    assert [p.id for p in found] == [patient.id]
    assert client.resources("Patient").search(identifier="290049912345678").count() == 1

    patient["gender"] = "female"
    patient.save()
    assert client.reference("Patient", patient.id).to_resource()["gender"] == "female"

    obs = client.resource("Observation", status="final", code={"text": "poids"}, subject=patient.to_reference(),
                          effectiveDateTime="2024-05-01T08:00:00+02:00")
    obs.save()
    bundle = client.resources("Observation").search(patient=patient.id).include("Observation", "subject").fetch_raw()
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {"Observation", "Patient"}

    obs.delete()
    with pytest.raises(ResourceNotFound):
        client.reference("Observation", obs.id).to_resource()


def test_fhirpy_sees_operation_outcome_for_invalid_resource(client):
    with pytest.raises(OperationOutcome) as raised:
        client.resource("Patient", birthDate="12/04/1990").save()
    assert "FHIR-0003" in str(raised.value)


def test_fhirpy_pages_through_next_links(client):
    for i in range(12):
        client.resource("Patient", name=[{"family": f"Page{i:02d}"}]).save()
    search = client.resources("Patient").search(family="page").sort("family").limit(5)
    assert [p["name"][0]["family"] for p in search.fetch_all()] == [f"Page{i:02d}" for i in range(12)]
