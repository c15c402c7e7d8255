"""A DMP's consents live on its Patient as extensions, and retrieval enforces them (records.py)."""

from __future__ import annotations

import json

from services.ms_espace_sante.access import PatientConsents
from services.ms_espace_sante.records import consent_extensions, consents_of
from tests.services.ms_espace_sante.support import ADRUN_INS, INS_SYSTEM, provide_bundle


def test_the_extensions_round_trip():
    consents = PatientConsents(ins=ADRUN_INS, medecin_traitant="810001234567", blocked=frozenset({"899700427885"}),
                               opposes_centre_15=True)
    patient = {"resourceType": "Patient", "identifier": [{"system": INS_SYSTEM, "value": ADRUN_INS}],
               "extension": consent_extensions(consents)}
    assert consents_of(patient) == consents
    assert consents_of({"resourceType": "Patient"}) == PatientConsents(ins="")


async def test_a_blocked_professional_gets_403_in_every_mode(dmp):
    answer = await dmp.post("", provide_bundle())
    url = answer.json()["entry"][2]["response"]["location"].split("/_history/")[0]
    store = dmp.store()
    with store.db.write() as conn:  # what the patient side will do: block Dr Robert
        found = store.api.find(conn, store_ctx(dmp), "Patient", f"identifier={INS_SYSTEM}|{ADRUN_INS}")[0]
        patient = json.loads(found.body)
        patient["extension"] += consent_extensions(PatientConsents(ins=ADRUN_INS, blocked=frozenset({"899700218896"})))
        store.api.store.replace(conn, tenant=dmp.tenant, resource=patient, rid=found.rid,
                                current_version=found.version)
    for mode in ("normal", "bris_de_glace"):
        refused = await dmp.get(url, headers={"x-access-mode": mode})
        assert refused.status_code == 403 and "MES-0204" in refused.text


def store_ctx(dmp):  # noqa: ANN001, ANN201
    from core.fhir.interactions import FhirContext

    return FhirContext(tenant=dmp.tenant, base=f"http://sandbox.test/t/{dmp.tenant}/ms-espace-sante/fhir")
