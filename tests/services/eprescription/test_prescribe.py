"""Prescribing (prescribing.py, routers/fhir.py): one prescription number for every line, what the server
sets, and every refused prescription a precise 4xx that stores nothing."""

from __future__ import annotations

import pytest

from services.eprescription import numbers
from tests.services.eprescription import support
from tests.services.eprescription.support import line, outcome_code, prescription


def counts(http, tenant: str) -> dict:  # noqa: ANN001
    store = http.gateway.state.services["eprescription"].app.state.epr
    return {k: v for k, v in store.counts(tenant).items() if k != "AuditEvent"}


async def test_two_lines_get_one_number_and_the_server_sets_the_rest(http, tenant, gp):
    cis_line = line("60234100", support.CIS, quantity=1, repeats=2)
    number, lines = await gp.prescribe(prescription(line(), cis_line))
    assert numbers.canonical(number) == number
    assert [x["id"] for x in lines] == [f"{number}-001", f"{number}-002"]
    for stored in lines:
        assert stored["groupIdentifier"] == {"system": numbers.SYSTEM, "value": number}
        assert stored["status"] == "active" and stored["intent"] == "order" and stored["authoredOn"]
        assert stored["requester"]["identifier"]["value"] == support.LEROY
        assert stored["dosageInstruction"][0]["text"] == "1 comprimé 3 fois par jour pendant 5 jours"
        assert stored["medicationCodeableConcept"]["coding"][0]["display"]
    assert support.remaining(lines[0]) == 2 and support.remaining(lines[1]) == 3  # 1 box, twice renewed


async def test_a_line_keeps_the_prescribers_own_text(http, tenant, gp):
    dosage = [{"text": "Un comprimé matin et soir", "timing": {"repeat": {"frequency": 2, "period": 1,
                                                                          "periodUnit": "d"}},
               "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "comprimé"}}]}]
    _, lines = await gp.prescribe(prescription(line(dosage=dosage)))
    assert lines[0]["dosageInstruction"][0]["text"] == "Un comprimé matin et soir"


def _without(key: str) -> dict:
    body = line()
    body.pop(key)
    return body


BAD = {
    "two patients": (prescription(line(), line(ins=support.CORSE_INS)), 422, "EPR-0104"),
    "missing dosage": (prescription(_without("dosageInstruction")), 422, "EPR-0106"),
    "empty dosage": (prescription(line(dosage=[])), 422, "EPR-0106"),
    "dose without timing": (prescription(line(dosage=[{"doseAndRate": [{"doseQuantity": {"value": 1}}]}])), 422,
                            "EPR-0106"),
    "zero dose": (prescription(line(dosage=[{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                                             "doseAndRate": [{"doseQuantity": {"value": 0}}]}])), 422, "EPR-0107"),
    "patientInstruction": (prescription(line(dosage=[{"patientInstruction": "x"}])), 422, "EPR-0110"),
    "zero quantity": (prescription(line(quantity=0)), 422, "EPR-0107"),
    "negative quantity": (prescription(line(quantity=-2)), 422, "EPR-0107"),
    "quantity as text": (prescription(line(quantity="2")), 422, "EPR-0107"),
    "negative renewals": (prescription(line(repeats=-1)), 422, "EPR-0107"),
    "no quantity": (prescription(_without("dispenseRequest")), 422, "EPR-0106"),
    "unknown UCD": (prescription(line("3400899999999")), 422, "EPR-0108"),
    "unknown system": (prescription(line("X1", "http://example.org/drugs")), 422, "EPR-0109"),
    "medicationReference": (prescription({**_without("medicationCodeableConcept"),
                                          "medicationReference": {"reference": "#m"}}), 422, "EPR-0109"),
    "NIA": (prescription(line(ins="109076322088835", subject=None) | {"subject": {"identifier": {
        "system": "urn:oid:1.2.250.1.213.1.4.9", "value": "109076322088835"}}}), 422, "EPR-0105"),
    "bad NIR key": (prescription(line(ins="275126322074975")), 422, "EPR-0105"),
    "Patient/id subject": (prescription(line() | {"subject": {"reference": "Patient/123"}}), 422, "EPR-0105"),
    "no subject": (prescription(_without("subject")), 422, "EPR-0106"),
    "groupIdentifier given": (prescription(line(groupIdentifier={"value": "X"})), 422, "EPR-0110"),
    "status draft": (prescription(line(status="draft")), 422, "EPR-0110"),
    "intent option": (prescription(line(intent="option")), 422, "EPR-0110"),
    "someone else's requester": (prescription(line(requester={"identifier": {"value": support.ROBERT}})), 422,
                                 "EPR-0111"),
    "not a transaction": ({"resourceType": "Bundle", "type": "batch", "entry": []}, 400, "EPR-0101"),
    "a MedicationRequest alone": (line(), 400, "EPR-0101"),
    "no entry": ({"resourceType": "Bundle", "type": "transaction", "entry": []}, 422, "EPR-0103"),
    "a Patient entry": ({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"request": {"method": "POST", "url": "Patient"}, "resource": {"resourceType": "Patient"}}]}, 422,
        "EPR-0102"),
    "a PUT": ({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"request": {"method": "PUT", "url": "MedicationRequest/1"}, "resource": line()}]}, 422, "EPR-0102"),
    "entry not an object": ({"resourceType": "Bundle", "type": "transaction", "entry": [3]}, 400, "EPR-0102"),
}


@pytest.mark.parametrize("case", list(BAD))
async def test_a_refused_prescription_is_precise_and_stores_nothing(http, tenant, gp, case):
    body, status, code = BAD[case]
    before = counts(http, tenant)
    response = await gp.post("", body)
    assert response.status_code == status, response.text
    assert outcome_code(response) == code
    assert counts(http, tenant) == before


async def test_an_invalid_fhir_element_is_refused_by_the_r4_model(http, tenant, gp):
    response = await gp.post("", prescription(line(authoredOn=None) | {"note": "not a list"}))
    assert response.status_code in (400, 422) and outcome_code(response).startswith(("FHIR-", "EPR-"))


async def test_too_many_lines(http, tenant, gp):
    response = await gp.post("", prescription(*[line()] * 51))
    assert response.status_code == 422 and outcome_code(response) == "EPR-0103"


@pytest.mark.parametrize("who, code", [(support.PETIT, "EPR-0020"), (support.GIRARD, "EPR-0020")])
async def test_only_prescribers_prescribe(http, tenant, who, code):
    actor = await support.professional(http, tenant, who)
    before = counts(http, tenant)
    response = await actor.post("", prescription())
    assert response.status_code == 403 and outcome_code(response) == code
    assert counts(http, tenant) == before


async def test_a_patient_token_cannot_prescribe(http, tenant):
    patient = await support.patient(http, tenant)
    response = await patient.post("", prescription())
    assert response.status_code == 403 and outcome_code(response) == "EPR-0022"


async def test_no_token_is_401(http, tenant):
    response = await http.post(f"/t/{tenant}/eprescription/fhir", json=prescription(),
                               headers={"content-type": support.FHIR})
    assert response.status_code == 401


@pytest.mark.parametrize("content, status", [("text/plain", 415), ("application/fhir+json", 400)])
async def test_bad_bodies(http, tenant, gp, content, status):
    response = await http.post(gp.base, content=b"{not json", headers=gp.headers(**{"content-type": content}))
    assert response.status_code == status


async def test_a_deep_body_is_refused(http, tenant, gp):
    deep: dict = {}
    for _ in range(200):
        deep = {"a": deep}
    response = await gp.post("", {"resourceType": "Bundle", "type": "transaction", "entry": [deep]})
    assert response.status_code == 400
