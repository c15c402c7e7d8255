"""Smoke: prescribe, scan, dispense partially then completely, the number refused."""

from tests.services.eprescription import support


async def test_prescribe_scan_dispense(http, tenant, gp, pharmacist):
    number, lines = await gp.prescribe()
    assert len(number) == 16 and lines[0]["id"] == f"{number}-001"
    scan = await pharmacist.scan(number)
    assert scan.status_code == 200, scan.text
    line = scan.json()["entry"][0]["resource"]
    assert support.remaining(line) == 2
    first = await pharmacist.dispense(line["id"], 1, "FFP")
    assert first.status_code == 201, first.text
    second = await pharmacist.dispense(line["id"], 1, "RFC")
    assert second.status_code == 201, second.text
    again = await pharmacist.scan(number)
    assert again.status_code == 409 and support.outcome_code(again) == "EPR-0201"
