"""Scanning and dispensing (views.py, dispensing.py): sequenced partial deliveries across pharmacies, the
line completed, the number refused once spent, and every refused dispense a precise 4xx storing nothing."""

from __future__ import annotations

import pytest

from tests.services.eprescription import support
from tests.services.eprescription.support import dispense_body, line, outcome_code, prescription
from tests.services.eprescription.test_prescribe import counts


async def _line(gp, **kwargs) -> tuple[str, dict]:  # noqa: ANN001
    number, lines = await gp.prescribe(prescription(line(**kwargs)))
    return number, lines[0]


async def test_partial_deliveries_in_two_pharmacies_until_complete(http, tenant, gp, pharmacist):
    number, first = await _line(gp, quantity=3)
    other = await support.professional(http, tenant, support.MARTIN)
    answer = await pharmacist.dispense(first["id"], 1, "FFP")
    assert answer.status_code == 201, answer.text
    dispense = answer.json()
    assert dispense["performer"][0]["actor"]["identifier"]["value"] == support.GIRARD
    assert dispense["subject"]["identifier"]["value"] == support.ADRUN_INS
    scanned = (await other.scan(number)).json()["entry"][0]["resource"]
    assert support.remaining(scanned) == 2 and scanned["status"] == "active"
    assert (await other.dispense(first["id"], 2, "RFC")).status_code == 201
    refused = await pharmacist.scan(number)
    assert refused.status_code == 409 and outcome_code(refused) == "EPR-0201"
    after = await pharmacist.dispense(first["id"], 1, "RFP")
    assert after.status_code == 409 and outcome_code(after) == "EPR-0201"
    own = (await gp.scan(number)).json()["entry"][0]["resource"]  # the prescriber still follows it up
    assert own["status"] == "completed" and support.remaining(own) == 0


async def test_every_scan_is_traced(http, tenant, gp, pharmacist):
    number, _ = await _line(gp)
    await pharmacist.scan(number)
    store = http.gateway.state.services["eprescription"].app.state.epr
    ctx_events = store.counts(tenant).get("AuditEvent", 0)
    await pharmacist.scan(number)
    assert store.counts(tenant)["AuditEvent"] == ctx_events + 1


@pytest.mark.parametrize("quantity, completeness, status, code", [
    (3, "FFC", 422, "EPR-0203"),  # more than what remains
    (0, "FFP", 422, "EPR-0107"),
    (-1, "FFP", 422, "EPR-0107"),
    ("1", "FFP", 422, "EPR-0107"),
    (1, "FFC", 422, "EPR-0204"),  # says complete, 1 would remain
    (2, "FFP", 422, "EPR-0204"),  # says partial, hands over everything
    (1, "XX", 422, "EPR-0204"),
])
async def test_bad_dispenses(http, tenant, gp, pharmacist, quantity, completeness, status, code):
    _, first = await _line(gp)
    before = counts(http, tenant)
    answer = await pharmacist.dispense(first["id"], quantity, completeness)
    assert answer.status_code == status and outcome_code(answer) == code, answer.text
    assert counts(http, tenant) == before


@pytest.mark.parametrize("body, code", [
    ({"resourceType": "MedicationRequest"}, "EPR-0204"),
    (dispense_body("nope", 1) | {"authorizingPrescription": []}, "EPR-0204"),
    (dispense_body("NOPE-001", 1), "EPR-0205"),
    (dispense_body("x", 1) | {"authorizingPrescription": [{"reference": "Patient/1"}]}, "EPR-0205"),
    (dispense_body("x", 1) | {"status": "in-progress"}, "EPR-0204"),
    (dispense_body("x", 0) | {"status": "declined"}, "EPR-0204"),  # a non-delivery says why
])
async def test_malformed_dispenses(http, tenant, gp, pharmacist, body, code):
    answer = await pharmacist.post("/MedicationDispense", body)
    assert answer.status_code in (400, 422) and outcome_code(answer) == code, answer.text


async def test_a_non_delivery_is_recorded_and_dispenses_nothing(http, tenant, gp, pharmacist):
    number, first = await _line(gp)
    body = dispense_body(first["id"], 0) | {"status": "declined", "statusReasonCodeableConcept": {
        "text": "Rupture de stock"}}
    answer = await pharmacist.post("/MedicationDispense", body)
    assert answer.status_code == 201, answer.text
    assert support.remaining((await pharmacist.scan(number)).json()["entry"][0]["resource"]) == 2


async def test_generic_substitution(http, tenant, gp, pharmacist):
    _, first = await _line(gp)  # EFFERALGAN 1000 mg (UCD)
    other = {"coding": [{"system": support.UCD, "code": "3400893936047"}]}  # CODOLIPRANE: not a generic of it
    wrong = dispense_body(first["id"], 1) | {"medicationCodeableConcept": other, "substitution": {
        "wasSubstituted": True, "type": {"coding": [{"code": "G"}]}}}
    answer = await pharmacist.post("/MedicationDispense", wrong)
    assert answer.status_code == 422 and outcome_code(answer) == "EPR-0207"
    silent = dispense_body(first["id"], 1) | {"medicationCodeableConcept": other}
    answer = await pharmacist.post("/MedicationDispense", silent)
    assert answer.status_code == 422 and outcome_code(answer) == "EPR-0207"


async def test_a_non_substitutable_line(http, tenant, gp, pharmacist):
    _, first = await _line(gp, substitution={"allowedBoolean": False})
    body = dispense_body(first["id"], 1) | {"substitution": {"wasSubstituted": True,
                                                             "type": {"coding": [{"code": "G"}]}}}
    answer = await pharmacist.post("/MedicationDispense", body)
    assert answer.status_code == 422 and outcome_code(answer) == "EPR-0207"


async def test_only_pharmacists_dispense(http, tenant, gp):
    _, first = await _line(gp)
    answer = await gp.dispense(first["id"], 1)
    assert answer.status_code == 403 and outcome_code(answer) == "EPR-0021"
    patient = await support.patient(http, tenant)
    answer = await patient.dispense(first["id"], 1)
    assert answer.status_code == 403 and outcome_code(answer) == "EPR-0022"


@pytest.mark.parametrize("number, status, code", [
    ("7KQ2-M9XW-4TCB-H3R", 400, "EPR-0010"),
    ("ZZZZ-ZZZZ-ZZZZ-ZZZZ", 400, "EPR-0010"),
])
async def test_bad_numbers(http, tenant, pharmacist, number, status, code):
    answer = await pharmacist.scan(number)
    assert answer.status_code == status and outcome_code(answer) == code


async def test_a_mistyped_number_is_caught_and_an_unknown_one_is_404(http, tenant, gp, pharmacist):
    from services.eprescription import numbers

    number, _ = await _line(gp)
    wrong = number[:3] + ("1" if number[3] != "1" else "2") + number[4:]
    answer = await pharmacist.scan(wrong)
    assert answer.status_code == 400 and outcome_code(answer) == "EPR-0011"
    unknown = numbers.new_number()
    answer = await pharmacist.scan(unknown)
    assert answer.status_code == 404 and outcome_code(answer) == "EPR-0012"


async def test_another_tenant_does_not_see_the_prescription(http, tenant, gp):
    number, _ = await _line(gp)
    from tests.services.pro_sante_connect import support as psc_support

    stranger = await support.professional(http, psc_support.new_tenant(), support.GIRARD)
    assert (await stranger.scan(number)).status_code == 404


async def test_search_shapes(http, tenant, gp, pharmacist):
    number, _ = await _line(gp)
    answer = await pharmacist.get("/MedicationRequest")
    assert answer.status_code == 400 and outcome_code(answer) == "EPR-0025"
    answer = await pharmacist.get("/MedicationRequest", params={"group-identifier": number, "status": "active"})
    assert answer.status_code == 400 and outcome_code(answer) == "EPR-0025"
    answer = await gp.get("/MedicationRequest")
    assert answer.status_code == 400 and outcome_code(answer) == "EPR-0025"
    listed = await gp.get("/MedicationRequest", params={"patient-identifier": f"{support.INS_SYSTEM}|"
                                                                                f"{support.ADRUN_INS}"})
    assert listed.status_code == 200 and listed.json()["total"] == 1
    other = await support.professional(http, tenant, support.ROBERT)
    assert (await other.scan(number)).status_code == 403
