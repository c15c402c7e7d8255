"""Helpers of the ordonnance numérique tests: a whole sandbox in-process (gateway, Annuaire, PSC, INSi, Mon
espace santé, ordonnance numérique), tokens of a prescriber, two pharmacists and a patient, and
prescription bodies in the FR ePrescription shapes (built here, not copied)."""

from __future__ import annotations

import httpx

from gateway.registry import ServiceSpec
from tests.services.ms_espace_sante import support as mes_support
from tests.services.pro_sante_connect import support as psc_support

PUBLIC = psc_support.PUBLIC
SPECS = [*mes_support.SPECS, ServiceSpec("eprescription", "services.eprescription.app:create_app",
                                         "services.eprescription.settings:EprescriptionSettings")]
FHIR = "application/fhir+json"
INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
ADRUN_INS = mes_support.ADRUN_INS
CORSE_INS = "180032B02040123"  # persona corse-anthony
LEROY = "899799000015"  # dr-leroy, médecin généraliste
ROBERT = "899700218896"  # robert-specialiste, médecin
GIRARD = "899799000031"  # pharmacien-girard, pharmacie du centre
MARTIN = "899799000106"  # pharmacien-martin, pharmacie des volcans (helper adds the persona)
PETIT = "899799000056"  # infirmiere-petit: not a prescriber by default
CIS = "http://data.esante.gouv.fr/ansm/medicament/SpecialitePharmaceutique"
CIP = "http://data.esante.gouv.fr/ansm/medicament/Presentation"
UCD = "http://data.esante.gouv.fr/ansm/medicament/UCD"
ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
EFFERALGAN_UCD = "3400893766521"


async def sandbox(tmp_path):  # noqa: ANN201 - an async generator
    """The gateway with every service this one talks to (PSC's sandbox, plus INSi, DMP and this service)."""
    async for http in psc_support.sandbox(tmp_path, extra=tuple(SPECS[len(psc_support.SPECS):])):
        yield http


class Actor:
    """Someone on one tenant's ordonnance numérique with a bearer token."""

    def __init__(self, http: httpx.AsyncClient, tenant: str, token: str) -> None:
        self.http, self.tenant, self.token = http, tenant, token
        self.root = f"/t/{tenant}/eprescription"
        self.base = self.root + "/fhir"

    def headers(self, **extra: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}", "content-type": FHIR, **extra}

    async def post(self, path: str, body: object, **headers: str) -> httpx.Response:
        return await self.http.post(self.base + path, json=body, headers=self.headers(**headers))

    async def get(self, path: str, **kwargs) -> httpx.Response:
        return await self.http.get(self.base + path, headers=self.headers(), **kwargs)

    async def prescribe(self, body: dict | None = None) -> tuple[str, list[dict]]:
        response = await self.post("", body or prescription())
        assert response.status_code == 200, response.text
        lines = [e["resource"] for e in response.json()["entry"]]
        return lines[0]["groupIdentifier"]["value"], lines

    async def scan(self, number: str) -> httpx.Response:
        return await self.get("/MedicationRequest", params={"group-identifier": number})

    async def dispense(self, line_id: str, quantity: float, completeness: str = "FFP", **extra) -> httpx.Response:
        return await self.post("/MedicationDispense", dispense_body(line_id, quantity, completeness, **extra))


async def professional(http: httpx.AsyncClient, tenant: str, id_nat_ps: str) -> Actor:
    tokens = await psc_support.Psc(http, tenant).login(login_hint=id_nat_ps)
    return Actor(http, tenant, tokens["access_token"])


async def patient(http: httpx.AsyncClient, tenant: str, ins: str = ADRUN_INS) -> Actor:
    tokens = await mes_support.Citizen(http, tenant).login(ins)
    return Actor(http, tenant, tokens["access_token"])


def line(code: str = EFFERALGAN_UCD, system: str = UCD, *, ins: str = ADRUN_INS, quantity: float = 2,
         unit: str = "boîte", repeats: int | None = None, dosage: list | None = None, **extra) -> dict:
    """A FR ePrescription MedicationRequest line (1 tablet 3 times a day for 5 days)."""
    request: dict = {"quantity": {"value": quantity, "unit": unit}}
    if repeats is not None:
        request["numberOfRepeatsAllowed"] = repeats
    return {
        "resourceType": "MedicationRequest", "status": "active", "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": system, "code": code}]},
        "subject": {"identifier": {"system": INS_SYSTEM, "value": ins}, "display": "ADRUN Zoe"},
        "dosageInstruction": dosage if dosage is not None else [{
            "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d",
                                  "boundsDuration": {"value": 5, "unit": "jours", "system": "http://unitsofmeasure.org",
                                                     "code": "d"}}},
            "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "comprimé"}}]}],
        "dispenseRequest": request, **extra}


def prescription(*lines: dict) -> dict:
    lines = lines or (line(),)
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"request": {"method": "POST", "url": "MedicationRequest"}, "resource": x} for x in lines]}


def dispense_body(line_id: str, quantity: float, completeness: str = "FFP", **extra) -> dict:
    return {"resourceType": "MedicationDispense", "status": "completed",
            "authorizingPrescription": [{"reference": f"MedicationRequest/{line_id}"}],
            "type": {"coding": [{"system": ACT, "code": completeness}]},
            "quantity": {"value": quantity, "unit": "boîte"}, **extra}


def remaining(line: dict) -> float:
    for ext in line.get("extension", ()):
        if ext["url"].endswith("eprescription-remaining-quantity"):
            return ext["valueQuantity"]["value"]
    raise AssertionError("no remaining quantity on the line")


def outcome_code(response: httpx.Response) -> str:
    return response.json()["issue"][0]["details"]["coding"][0]["code"]
