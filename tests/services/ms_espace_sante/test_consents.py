"""The patient's consents (routers/consents.py, consent_requests.py, consent_records.py): block and unblock a
professional, oppose an emergency mode, grant a temporary access that ends by itself; every bad request a
precise 4xx that stores nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.services.ms_espace_sante import support
from tests.services.ms_espace_sante.support import ADRUN_INS, INS_SYSTEM, simplified
from tests.services.ms_espace_sante.test_patient_reads import TCHITCHI_INS
from tests.services.ms_espace_sante.test_updates import as_pro

ID_NAT_PS = "urn:oid:1.2.250.1.71.4.2.1"
MODES = "https://mos.esante.gouv.fr/NOS/TRE_R248-ModeAcces/FHIR/TRE-R248-ModeAcces"
KIT_DOC, KINE = "899700427885", "899799000072"  # a physician; a physiotherapist (matrix row 70)
SEARCH = "/DocumentReference"


def consent(provision: dict, ins: str = ADRUN_INS, **extra) -> dict:
    return {"resourceType": "Consent", "status": "active",
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                                  "code": "patient-privacy"}]},
            "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
            "patient": {"identifier": {"system": INS_SYSTEM, "value": ins}}, "provision": provision, **extra}


def actor(id_nat_ps: str) -> list[dict]:
    return [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                  "code": "PRCP"}]},
             "reference": {"identifier": {"system": ID_NAT_PS, "value": id_nat_ps}}}]


def block(id_nat_ps: str = KIT_DOC, **extra) -> dict:
    return consent({"type": "deny", "actor": actor(id_nat_ps)}, **extra)


def oppose(mode: str) -> dict:
    return consent({"type": "deny", "purpose": [{"system": MODES, "code": mode}]})


def temporary(id_nat_ps: str, start: datetime | None, end: datetime) -> dict:
    period = {"end": end.isoformat()} | ({"start": start.isoformat()} if start else {})
    return consent({"type": "permit", "actor": actor(id_nat_ps), "period": period})


def mine() -> list[tuple[str, str]]:
    return [("patient.identifier", f"{INS_SYSTEM}|{ADRUN_INS}"), ("status", "current")]


@pytest.fixture
async def me(dmp):
    return await support.patient_dmp(dmp.http, dmp.tenant)


async def test_a_blocked_professional_is_refused_in_every_mode_until_unblocked(dmp, me):
    await dmp.post(SEARCH, simplified())
    kit = await as_pro(dmp, KIT_DOC)
    assert (await kit.get(SEARCH, params=mine())).json()["total"] == 1
    given = await me.post("/Consent", block())
    assert given.status_code == 201, given.text
    assert given.headers["location"].startswith(f"{support.PUBLIC}{me.base}/Consent/")
    for mode in ("normal", "bris_de_glace"):
        refused = await kit.get(SEARCH, params=mine(), headers={"x-access-mode": mode})
        assert refused.status_code == 403 and "MES-0204" in refused.text
    again = await me.post("/Consent", block())
    assert again.status_code == 409 and "MES-0309" in again.text
    listed = (await me.get("/Consent")).json()
    assert listed["total"] == 1 and listed["entry"][0]["resource"]["status"] == "active"
    revoked = await me.http.delete(given.headers["location"], headers=me.headers())
    assert revoked.status_code == 204
    assert (await kit.get(SEARCH, params=mine())).json()["total"] == 1
    statuses = [e["resource"]["status"] for e in (await me.get("/Consent")).json()["entry"]]
    assert statuses == ["inactive"]  # revoked, kept
    assert (await me.http.delete(given.headers["location"], headers=me.headers())).status_code == 204


async def test_an_opposed_emergency_mode_is_refused_normal_access_is_not(dmp, me):
    await dmp.post(SEARCH, simplified())
    assert (await me.post("/Consent", oppose("bris_de_glace"))).status_code == 201
    kit = await as_pro(dmp, KIT_DOC)
    refused = await kit.get(SEARCH, params=mine(), headers={"x-access-mode": "bris_de_glace"})
    assert refused.status_code == 403 and "MES-0205" in refused.text
    assert (await kit.get(SEARCH, params=mine())).status_code == 200


def certificate() -> dict:
    """A medical certificate (class 52): outside the physiotherapist's matrix row."""
    doc = simplified(raw=b"Certificat medical.")
    doc["category"][0]["coding"][0]["code"] = "52"
    doc["type"]["coding"][0]["code"] = "89601-9"
    return doc


async def test_a_temporary_access_lets_a_professional_outside_the_matrix_in_and_ends_by_itself(dmp, me):
    fed = await dmp.post(SEARCH, certificate())
    assert fed.status_code == 201, fed.text
    kine = await as_pro(dmp, KINE)
    assert (await kine.get(SEARCH, params=mine())).json()["total"] == 0
    refused = await kine.get(fed.json()["content"][0]["attachment"]["url"])
    assert refused.status_code == 403 and "MES-0202" in refused.text
    end = datetime.now(UTC) + timedelta(seconds=3)
    assert (await me.post("/Consent", temporary(KINE, None, end))).status_code == 201
    assert (await kine.get(SEARCH, params=mine())).json()["total"] == 1
    assert (await kine.get(fed.json()["content"][0]["attachment"]["url"])).status_code == 200
    overlapping = await me.post("/Consent", temporary(KINE, None, end + timedelta(hours=1)))
    assert overlapping.status_code == 409 and "MES-0309" in overlapping.text
    await asyncio.sleep(max(0.0, (end - datetime.now(UTC)).total_seconds()) + 0.3)
    assert (await kine.get(SEARCH, params=mine())).json()["total"] == 0  # over, without any action


NOW = datetime.now(UTC)


@pytest.mark.parametrize(("body", "status", "code"), [
    (block("899999999999"), 422, "MES-0307"),  # no such professional in the Annuaire Santé
    (block("<script>"), 422, "MES-0307"),
    (temporary(KINE, None, NOW - timedelta(days=1)), 422, "MES-0308"),  # past
    (temporary(KINE, NOW + timedelta(days=2), NOW + timedelta(days=1)), 422, "MES-0308"),  # reversed
    (temporary(KINE, None, NOW + timedelta(days=400)), 422, "MES-0308"),  # longer than a year
    (consent({"type": "permit", "actor": actor(KINE), "period": {"end": "2099-01-01"}}), 422, "MES-0308"),  # no zone
    (consent({"type": "permit", "actor": actor(KINE)}), 422, "MES-0308"),  # no period
    (oppose("normal"), 422, "MES-0306"),
    (consent({"type": "deny"}), 422, "MES-0306"),  # neither actor nor purpose
    (consent({"type": "deny", "actor": [{**actor(KIT_DOC)[0], "reference": {"identifier": {"system": "urn:x",
                                                                                           "value": "1"}}}]}),
     422, "MES-0306"),
    ({**block(), "status": "inactive"}, 422, "MES-0306"),
    ({**block(), "scope": {"coding": [{"system": "http://x", "code": "research"}]}}, 422, "MES-0306"),
    ({**block(), "patient": {"reference": "Patient/dmp-adrun-zoe"}}, 422, "MES-0306"),
    (block(ins=TCHITCHI_INS), 403, "MES-0303"),  # another patient's record
    ({"resourceType": "Patient"}, 400, "MES-0016"),
    ({**block(), "status": 7}, 400, "FHIR-0003"),  # not a valid R4 Consent
    (["not", "an", "object"], 400, "FHIR-0001"),
])
async def test_bad_consents_are_refused_precisely_and_store_nothing(dmp, me, body, status, code):
    before = dmp.counts()
    answer = await me.post("/Consent", body)
    assert answer.status_code == status and code in answer.text, answer.text
    assert dmp.counts() == before


async def test_consents_are_the_patients_own(dmp, me):
    given = await me.post("/Consent", block())
    for answer in (await dmp.post("/Consent", block()), await dmp.get("/Consent"),
                   await dmp.http.delete(given.headers["location"], headers=dmp.headers())):
        assert answer.status_code == 403 and "MES-0305" in answer.text
    stranger = await support.patient_dmp(dmp.http, dmp.tenant, TCHITCHI_INS)
    assert (await stranger.get("/Consent")).json()["total"] == 0
    gone = await stranger.http.delete(given.headers["location"], headers=stranger.headers())
    assert gone.status_code == 404 and "MES-0310" in gone.text
    reader = await support.patient_dmp(dmp.http, dmp.tenant, scope="openid mes.documents.read")
    refused = await reader.post("/Consent", block(KINE))
    assert refused.status_code == 403 and "MES-0304" in refused.text
    assert (await me.get("/Consent")).json()["total"] == 1


async def test_each_change_is_traced_in_the_patients_history(dmp, me):
    given = await me.post("/Consent", block())
    await me.http.delete(given.headers["location"], headers=me.headers())
    events = [e["resource"] for e in (await me.get("/AuditEvent", params={"subtype": "consent"})).json()["entry"]]
    assert [e["action"] for e in events] == ["D", "C"]
    assert KIT_DOC in events[1]["subtype"][0]["display"]
