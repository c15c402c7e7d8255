"""An independent FHIR client library (fhirpy, default configuration) drives the ordonnance numérique through a
live gateway: the prescriber's software posts the transaction, the pharmacy's scans the number (a search),
saves a MedicationDispense as a fhirpy resource, reads the drug reference, and gets the OperationOutcome of
an over-dispensing as fhirpy's exception."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome

from tests.e2e.conftest import serve_gateway
from tests.services.eprescription.support import ACT, GIRARD, LEROY, SPECS, prescription
from tests.services.pro_sante_connect.support import PRACTICE, PRACTICE_REDIRECT, PROTOCOL, new_tenant

TENANT = new_tenant()


def psc_token(base: str, id_nat_ps: str) -> str:
    psc = f"{base}/t/{TENANT}/pro-sante-connect"
    authorized = requests.get(f"{psc}/wallet/auth", allow_redirects=False, timeout=10, params={
        "response_type": "code", "client_id": PRACTICE[0], "redirect_uri": PRACTICE_REDIRECT, "state": "s",
        "scope": "openid scope_all", "login_hint": id_nat_ps, "acr_values": "eidas1", "nonce": "n"})
    code = parse_qs(urlsplit(authorized.headers["location"]).query)["code"][0]
    tokens = requests.post(f"{psc}{PROTOCOL}/token", auth=PRACTICE, timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": PRACTICE_REDIRECT})
    return tokens.json()["access_token"]


@pytest.fixture(scope="module")
def clients(tmp_path_factory):
    with serve_gateway(tmp_path_factory.mktemp("epr"), SPECS) as base:
        fhir = f"{base}/t/{TENANT}/eprescription/fhir"
        yield (SyncFHIRClient(fhir, authorization=f"Bearer {psc_token(base, LEROY)}"),
               SyncFHIRClient(fhir, authorization=f"Bearer {psc_token(base, GIRARD)}"))


def test_prescribe_scan_and_dispense(clients):
    gp, pharmacy = clients
    answer = gp.execute("", method="post", data=prescription())
    assert answer["type"] == "transaction-response"
    number = answer["entry"][0]["resource"]["groupIdentifier"]["value"]

    lines = pharmacy.resources("MedicationRequest").search(**{"group-identifier": number}).fetch_all()
    assert len(lines) == 1 and lines[0]["status"] == "active"
    dispense = pharmacy.resource("MedicationDispense", status="completed",
                                 authorizingPrescription=[{"reference": f"MedicationRequest/{lines[0].id}"}],
                                 type={"coding": [{"system": ACT, "code": "FFP"}]},
                                 quantity={"value": 1, "unit": "boîte"})
    dispense.save()
    assert dispense.id and dispense["performer"][0]["actor"]["identifier"]["value"] == GIRARD

    over = pharmacy.resource("MedicationDispense", status="completed",
                             authorizingPrescription=[{"reference": f"MedicationRequest/{lines[0].id}"}],
                             type={"coding": [{"system": ACT, "code": "RFC"}]}, quantity={"value": 5, "unit": "boîte"})
    with pytest.raises(OperationOutcome) as raised:
        over.save()
    assert "EPR-0203" in str(raised.value)

    handed = gp.resources("MedicationDispense").search(**{"prescription-number": number}).fetch_all()
    assert [d.id for d in handed] == [dispense.id]


def test_the_drug_reference(clients):
    gp, _ = clients
    found = gp.resources("Medication").search(**{"name:contains": "doliprane"}).limit(5).fetch()
    assert found and all("DOLIPRANE" in str(m["code"]).upper() for m in found)
