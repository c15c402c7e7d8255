"""Helpers of the ITI-67 / ITI-66 tests: documents fed with chosen metadata, searches by the patient's INS."""

from __future__ import annotations

import json

from core.fhir.interactions import FhirContext
from tests.services.ms_espace_sante.support import ADRUN_INS, INS_SYSTEM, Dmp, location_id, provide_bundle
from tests.services.pro_sante_connect import support as psc_support

PATIENT = ("patient.identifier", f"{INS_SYSTEM}|{ADRUN_INS}")
CURRENT = ("status", "current")
VISIBILITY = "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/TRE-A07-StatutVisibiliteDocument"
MASQUE_PS = {"coding": [{"system": VISIBILITY, "code": "MASQUE_PS"}]}
IS_ARCHIVED = "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-ext-is-archived"
KIT_DOC = "899700427885"  # another physician (profession 10)
DR_LEROY = "899799000015"  # Zoé Adrun's médecin traitant
PHARMACIST = "899799000031"  # pharmacien-girard (profession 21)


def variant(doc: dict) -> None:
    """Other values for every PDSm search parameter than support.document_reference's."""
    doc["type"] = {"coding": [{"system": "http://loinc.org", "code": "11502-2"}]}
    doc["category"][0]["coding"][0]["code"] = "11"
    doc["date"] = "2025-01-05T09:00:00+01:00"
    doc["contained"][0]["name"] = [{"family": "BIOLOGISTE", "given": ["Anne"]}]
    doc["context"]["period"] = {"start": "2025-01-04T08:00:00+01:00", "end": "2025-01-04T09:00:00+01:00"}
    doc["context"]["facilityType"]["coding"][0]["code"] = "SA01"
    doc["context"]["practiceSetting"]["coding"][0]["code"] = "ETABLISSEMENT"
    doc["context"]["event"] = [{"coding": [{"system": "urn:oid:1.2.250.1.213.2.5",
                                            "code": "DEQP003"}]}]
    doc["securityLabel"][0]["coding"][0]["code"] = "R"
    doc["masterIdentifier"]["value"] = "urn:oid:1.2.250.1.999.777.1"
    doc["content"][0]["attachment"]["creation"] = "2025-01-04T10:00:00+01:00"
    doc["content"][0]["format"]["code"] = "urn:ihe:iti:xds-sd:pdf:2008"
    doc["extension"] = [{"url": IS_ARCHIVED, "valueBoolean": True}]


async def feed(dmp: Dmp, change=None, **kwargs) -> str:  # noqa: ANN001 - a callable on the DocumentReference
    """The id of a DocumentReference fed by ITI-65 after ``change`` edited it."""
    bundle = provide_bundle(**kwargs)
    if change:
        change(bundle["entry"][1]["resource"])
    answer = await dmp.post("", bundle)
    assert answer.status_code == 200, answer.text[:2000]
    return location_id(answer.json()["entry"][1]["response"]["location"])


async def as_professional(dmp: Dmp, id_nat_ps: str) -> Dmp:
    tokens = await psc_support.Psc(dmp.http, dmp.tenant).login(login_hint=id_nat_ps)
    return Dmp(dmp.http, dmp.tenant, tokens["access_token"])


def ids(answer) -> list[str]:  # noqa: ANN001 - an httpx.Response
    assert answer.status_code == 200, answer.text[:2000]
    return sorted(e["resource"]["id"] for e in answer.json().get("entry", []) if e["search"]["mode"] == "match")


def audit_events(dmp: Dmp, subtype: str) -> list[dict]:
    store = dmp.store()
    with store.db.read() as conn:
        found = store.api.search(conn, FhirContext(tenant=dmp.tenant, base="http://x"), "AuditEvent",
                                 [("_count", "100")])
    events = [e["resource"] for e in json.loads(found.body).get("entry", [])]
    return [e for e in events if any(c.get("code") == subtype for c in e.get("subtype", []))]

