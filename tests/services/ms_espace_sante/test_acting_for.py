"""Citizens acting for a patient (consents.py ``relation``, access.py, consent_records.py): a carer the patient
names (aidant, roadmap 4-3) and a minor's legal representative (1-3); every action traced as theirs."""

from __future__ import annotations

from tests.services.ms_espace_sante import support
from tests.services.ms_espace_sante.support import INS_SYSTEM, simplified
from tests.services.ms_espace_sante.test_consents import KIT_DOC, block, consent
from tests.services.ms_espace_sante.test_updates import MASK, patch

CATARINA, DOMINIQUE = "236066322083656", "297022A02077878"  # tchitchi-catarina (born 1936); adrtrois-dominique
NESSI, ANTHONY = "110086322083060", "180032B02040123"  # nessi-michelangelo (born 2010); his father corse-anthony
VISIBILITY = "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/TRE-A07-StatutVisibiliteDocument"
ACTIONS = "http://terminology.hl7.org/CodeSystem/consentaction"


def carer(ins: str, *actions: str, patient: str = CATARINA) -> dict:
    provision = {"type": "permit", "actor": [{
        "role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "CAREGIVER"}]},
        "reference": {"identifier": {"system": INS_SYSTEM, "value": ins}}}]}
    if actions:
        provision["action"] = [{"coding": [{"system": ACTIONS, "code": a}]} for a in actions]
    return consent(provision, ins=patient)


def record_of(ins: str) -> list[tuple[str, str]]:
    return [("patient.identifier", f"{INS_SYSTEM}|{ins}"), ("status", "current")]


async def test_a_carer_reads_for_the_patient_and_the_trace_names_the_carer(dmp):
    fed = await dmp.post("/DocumentReference", simplified(CATARINA))
    assert fed.status_code == 201, fed.text
    url = fed.json()["content"][0]["attachment"]["url"]
    catarina = await support.patient_dmp(dmp.http, dmp.tenant, CATARINA)
    dominique = await support.patient_dmp(dmp.http, dmp.tenant, DOMINIQUE)
    refused = await dominique.get("/DocumentReference", params=record_of(CATARINA))
    assert refused.status_code == 403 and "MES-0303" in refused.text
    given = await catarina.post("/Consent", carer(DOMINIQUE))
    assert given.status_code == 201, given.text
    found = await dominique.get("/DocumentReference", params=record_of(CATARINA))
    assert found.status_code == 200 and found.json()["total"] == 1
    assert (await dominique.get(url)).status_code == 200
    history = (await catarina.get("/AuditEvent", params={"subtype": "ITI-68"})).json()
    reader = history["entry"][0]["resource"]
    assert reader["agent"][0]["who"]["identifier"]["value"] == DOMINIQUE  # the carer, not the patient
    assert "carer" in reader["outcomeDesc"]
    assert (await dominique.get("/AuditEvent", params={"patient.identifier": f"{INS_SYSTEM}|{CATARINA}"})
            ).status_code == 200
    # access only: she may not mask, nor grant anything
    unique = fed.json()["masterIdentifier"]["value"]
    masked = await patch(dominique, f"/DocumentReference?identifier=urn:ietf:rfc:3986|{unique}",
                         [{"op": "add", "path": "/securityLabel/-", "value": MASK}])
    assert masked.status_code == 403 and "MES-0033" in masked.text
    granting = await dominique.post("/Consent", block(KIT_DOC, ins=CATARINA))
    assert granting.status_code == 403 and "MES-0312" in granting.text
    # revoked: she is a stranger again
    assert (await catarina.http.delete(given.headers["location"], headers=catarina.headers())).status_code == 204
    again = await dominique.get("/DocumentReference", params=record_of(CATARINA))
    assert again.status_code == 403 and "MES-0303" in again.text


async def test_a_carer_allowed_to_correct_masks_for_the_patient(dmp):
    fed = await dmp.post("/DocumentReference", simplified(CATARINA))
    catarina = await support.patient_dmp(dmp.http, dmp.tenant, CATARINA)
    assert (await catarina.post("/Consent", carer(DOMINIQUE, "access", "correct"))).status_code == 201
    dominique = await support.patient_dmp(dmp.http, dmp.tenant, DOMINIQUE)
    unique = fed.json()["masterIdentifier"]["value"]
    masked = await patch(dominique, f"/DocumentReference?identifier=urn:ietf:rfc:3986|{unique}",
                         [{"op": "add", "path": "/securityLabel/-", "value": MASK}])
    assert masked.status_code == 200, masked.text


async def test_bad_carer_consents_are_refused_and_store_nothing(dmp):
    catarina = await support.patient_dmp(dmp.http, dmp.tenant, CATARINA)
    before = dmp.counts()
    for body, status, code in ((carer("299999999999999"), 422, "MES-0313"), (carer(CATARINA), 422, "MES-0313"),
                               (carer(DOMINIQUE, "disclose"), 422, "MES-0306"),
                               (carer(DOMINIQUE, patient=NESSI), 403, "MES-0303")):
        answer = await catarina.post("/Consent", body)
        assert answer.status_code == status and code in answer.text, answer.text
    assert dmp.counts() == before
    assert (await catarina.post("/Consent", carer(DOMINIQUE))).status_code == 201
    twice = await catarina.post("/Consent", carer(DOMINIQUE, "correct"))
    assert twice.status_code == 409 and "MES-0309" in twice.text


async def test_a_parent_reads_the_minors_record_but_what_is_hidden_from_parents(dmp):
    shown = await dmp.post("/DocumentReference", simplified(NESSI))
    private = simplified(NESSI, b"Consultation confidentielle.")
    private["securityLabel"].append({"coding": [{"system": VISIBILITY, "code": "INVISIBLE_REPRESENTANTS_LEGAUX"}]})
    hidden = await dmp.post("/DocumentReference", private)
    assert shown.status_code == hidden.status_code == 201, hidden.text
    anthony = await support.patient_dmp(dmp.http, dmp.tenant, ANTHONY)
    found = await anthony.get("/DocumentReference", params=record_of(NESSI))
    assert found.status_code == 200 and [e["resource"]["id"] for e in found.json()["entry"]] == [shown.json()["id"]]
    refused = await anthony.get(hidden.json()["content"][0]["attachment"]["url"])
    assert refused.status_code == 403 and "INVISIBLE_REPRESENTANTS_LEGAUX" in refused.text
    nessi = await support.patient_dmp(dmp.http, dmp.tenant, NESSI)  # the minor himself sees both
    assert (await nessi.get("/DocumentReference", params=record_of(NESSI))).json()["total"] == 2
    # the parent manages the minor's consents; another adult is a stranger to the record
    assert (await anthony.post("/Consent", block(KIT_DOC, ins=NESSI))).status_code == 201
    listed = await anthony.get("/Consent", params={"patient.identifier": f"{INS_SYSTEM}|{NESSI}"})
    assert listed.status_code == 200 and listed.json()["total"] == 1
    stranger = await support.patient_dmp(dmp.http, dmp.tenant, CATARINA)
    assert (await stranger.get("/DocumentReference", params=record_of(NESSI))).status_code == 403
    assert (await stranger.get("/Consent", params={"patient.identifier": f"{INS_SYSTEM}|{NESSI}"})).status_code == 403


async def test_the_childs_growth_and_vaccinations_are_his_and_his_parents(dmp):
    anthony = await support.patient_dmp(dmp.http, dmp.tenant, ANTHONY)
    son = {"patient.identifier": f"{INS_SYSTEM}|{NESSI}"}
    vaccines = (await anthony.get("/Immunization", params=son)).json()
    names = {e["resource"]["vaccineCode"]["text"] for e in vaccines["entry"]}
    assert "Rougeole, oreillons, rubéole (ROR)" in names and vaccines["total"] == 10
    assert vaccines["entry"][0]["resource"]["occurrenceDateTime"] >= vaccines["entry"][-1]["resource"][
        "occurrenceDateTime"]  # newest first
    weights = (await anthony.get("/Observation", params={**son, "code": "http://loinc.org|29463-7"})).json()
    assert weights["total"] == 5 and weights["entry"][-1]["resource"]["valueQuantity"]["value"] == 3.4
    assert (await anthony.get("/Immunization")).json()["total"] == 0  # an adult's own record has none
    stranger = await support.patient_dmp(dmp.http, dmp.tenant, CATARINA)
    refused = await stranger.get("/Immunization", params=son)
    assert refused.status_code == 403 and "MES-0303" in refused.text
    pro = await dmp.get("/Observation", params=son)
    assert pro.status_code == 403 and "MES-0305" in pro.text
