"""Cancelling (cancelling.py) and following up (views.py, routers/patient.py): only the prescriber cancels,
a cancelled line is not dispensed, the patient's objection hides the dispensing from the prescriber, the
patient sees their prescriptions."""

from __future__ import annotations

import pytest

from tests.services.eprescription import support
from tests.services.eprescription.support import line, outcome_code, prescription

CANCEL = {"resourceType": "Parameters", "parameter": [{"name": "reason", "valueString": "Erreur de posologie"}]}


async def test_the_prescriber_cancels_a_line_and_the_dispense_gets_409(http, tenant, gp, pharmacist):
    number, lines = await gp.prescribe(prescription(line(), line("60234100", support.CIS, quantity=1)))
    answer = await gp.post(f"/MedicationRequest/{lines[1]['id']}/$cancel", CANCEL)
    assert answer.status_code == 200, answer.text
    states = [e["resource"]["status"] for e in answer.json()["entry"]]
    assert states == ["active", "cancelled"]
    assert answer.json()["entry"][1]["resource"]["statusReason"]["text"] == "Erreur de posologie"
    refused = await pharmacist.dispense(lines[1]["id"], 1, "FFC")
    assert refused.status_code == 409 and outcome_code(refused) == "EPR-0202"
    again = await gp.post(f"/MedicationRequest/{lines[1]['id']}/$cancel", CANCEL)
    assert again.status_code == 409 and outcome_code(again) == "EPR-0301"
    assert (await pharmacist.scan(number)).status_code == 200  # line 1 is still to dispense


async def test_a_partly_dispensed_prescription_cancelled_is_stopped(http, tenant, gp, pharmacist):
    number, lines = await gp.prescribe(prescription(line(quantity=2)))
    assert (await pharmacist.dispense(lines[0]["id"], 1, "FFP")).status_code == 201
    body = {"resourceType": "Parameters", "parameter": [{"name": "prescription-number", "valueString": number}]}
    answer = await gp.post("/MedicationRequest/$cancel", body)
    assert answer.status_code == 200 and answer.json()["entry"][0]["resource"]["status"] == "stopped"
    scan = await pharmacist.scan(number)
    assert scan.status_code == 409 and outcome_code(scan) == "EPR-0202"


@pytest.mark.parametrize("who, code", [(support.GIRARD, "EPR-0023"), (support.ROBERT, "EPR-0023")])
async def test_only_the_prescriber_cancels(http, tenant, gp, who, code):
    _, lines = await gp.prescribe()
    other = await support.professional(http, tenant, who)
    answer = await other.post(f"/MedicationRequest/{lines[0]['id']}/$cancel", CANCEL)
    assert answer.status_code == 403 and outcome_code(answer) == code


async def test_a_patient_cannot_cancel(http, tenant, gp):
    _, lines = await gp.prescribe()
    patient = await support.patient(http, tenant)
    answer = await patient.post(f"/MedicationRequest/{lines[0]['id']}/$cancel", CANCEL)
    assert answer.status_code == 403 and outcome_code(answer) == "EPR-0022"


@pytest.mark.parametrize("body, code", [
    ({"resourceType": "Parameters"}, "EPR-0110"),
    ({"resourceType": "Parameters", "parameter": [{"name": "prescription-number", "valueString": "AAAA"}]},
     "EPR-0010"),
    ({"resourceType": "Bundle"}, "EPR-0110"),
    ({"resourceType": "Parameters", "parameter": [{"name": "reason", "valueString": ""}]}, "EPR-0110"),
])
async def test_bad_cancel_bodies(http, tenant, gp, body, code):
    await gp.prescribe()
    answer = await gp.post("/MedicationRequest/$cancel", body)
    assert answer.status_code in (400, 422) and outcome_code(answer) == code, answer.text


async def test_the_patients_objection_hides_the_dispensing_from_the_prescriber(http, tenant, gp, pharmacist):
    number, lines = await gp.prescribe(prescription(line(quantity=1)))
    assert (await pharmacist.dispense(lines[0]["id"], 1, "FFC")).status_code == 201
    patient = await support.patient(http, tenant)
    seen = (await gp.scan(number)).json()["entry"][0]["resource"]
    assert seen["status"] == "completed"
    answer = await http.put(f"{patient.root}/patient/objection", json={"objected": True},
                            headers={"authorization": f"Bearer {patient.token}"})
    assert answer.status_code == 200 and answer.json()["objected"] is True
    hidden = (await gp.scan(number)).json()["entry"][0]["resource"]
    assert hidden["status"] == "unknown"
    assert not any(e["url"].endswith("remaining-quantity") for e in hidden["extension"])
    dispenses = await gp.get("/MedicationDispense", params={"prescription-number": number})
    assert dispenses.status_code == 403 and outcome_code(dispenses) == "EPR-0302"
    # the patient still sees everything
    own = await patient.get("/MedicationRequest")
    assert own.status_code == 200 and own.json()["entry"][0]["resource"]["status"] == "completed"
    assert (await patient.get("/MedicationDispense")).json()["total"] == 1
    # and lifts it
    await http.put(f"{patient.root}/patient/objection", json={"objected": False},
                   headers={"authorization": f"Bearer {patient.token}"})
    assert (await gp.scan(number)).json()["entry"][0]["resource"]["status"] == "completed"


async def test_the_objection_is_the_patients_alone(http, tenant, gp):
    answer = await http.put(f"{gp.root}/patient/objection", json={"objected": True},
                            headers={"authorization": f"Bearer {gp.token}"})
    assert answer.status_code == 403 and outcome_code(answer) == "EPR-0024"


@pytest.mark.parametrize("body", [{"objected": "yes"}, {"objected": True, "x": 1}, [], {"objected": 1}])
async def test_bad_objection_bodies(http, tenant, body):
    patient = await support.patient(http, tenant)
    answer = await http.put(f"{patient.root}/patient/objection", json=body,
                            headers={"authorization": f"Bearer {patient.token}"})
    assert answer.status_code == 422 and outcome_code(answer) == "EPR-0110"


async def test_a_patient_sees_only_their_own_prescriptions(http, tenant, gp):
    number, _ = await gp.prescribe()
    other = await support.patient(http, tenant, support.CORSE_INS)
    assert (await other.get("/MedicationRequest")).json()["total"] == 0
    answer = await other.scan(number)
    assert answer.status_code == 403 and outcome_code(answer) == "EPR-0023"
    answer = await other.get("/MedicationRequest", params={"patient-identifier": f"x|{support.ADRUN_INS}"})
    assert answer.status_code == 400 and outcome_code(answer) == "EPR-0025"


async def test_the_patient_reads_who_scanned_her_prescription(http, tenant, gp, pharmacist):
    number, _ = await gp.prescribe()
    await pharmacist.scan(number)
    patient = await support.patient(http, tenant)
    answer = await patient.get("/AuditEvent")
    assert answer.status_code == 200, answer.text
    subtypes = [e["resource"]["subtype"][0]["code"] for e in answer.json()["entry"]]
    assert subtypes[:2] == ["scan", "prescribe"]
    other = await support.patient(http, tenant, support.CORSE_INS)
    assert (await other.get("/AuditEvent")).json()["total"] == 0
    refused = await pharmacist.get("/AuditEvent")
    assert refused.status_code == 403 and outcome_code(refused) == "EPR-0024"
