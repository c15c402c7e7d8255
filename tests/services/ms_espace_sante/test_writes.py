"""The record-level rules on writes (writes.py): ITI-65, ITI-105 and the metadata PATCH refuse a blocked
professional in every mode and an emergency mode the patient opposed, store nothing of the write, and trace
the refused attempt (outcome 4); the AuditEvent of a write names its caller, the document keeps its author."""

from __future__ import annotations

import json

import pytest

from services.ms_espace_sante.records import BLOCKED, OPPOSED_MODE
from tests.services.ms_espace_sante.search_support import KIT_DOC, as_professional
from tests.services.ms_espace_sante.support import Dmp, location_id, provide_bundle, simplified
from tests.services.pro_sante_connect import support as psc_support

ID_NAT_PS = "urn:oid:1.2.250.1.71.4.2.1"
MODES = ("normal", "bris_de_glace", "centre_15")
MASK = {"coding": [{"system": "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/"
                              "TRE-A07-StatutVisibiliteDocument", "code": "MASQUE_PS"}]}


def set_consents(dmp: Dmp, *, blocked: tuple[str, ...] = (), opposed: tuple[str, ...] = ()) -> None:
    """What the patient side will do: block professionals, oppose emergency modes (records.py extensions)."""
    store = dmp.store()
    with store.db.write() as conn:
        found, _ = store.api.store.current(conn, tenant=dmp.tenant, rtype="Patient", rid="dmp-adrun-zoe")
        patient = json.loads(found.body)
        patient["extension"] = [*patient.get("extension", []),
                                *({"url": BLOCKED, "valueIdentifier": {"system": ID_NAT_PS, "value": v}}
                                  for v in blocked),
                                *({"url": OPPOSED_MODE, "valueCode": m} for m in opposed)]
        store.api.store.replace(conn, tenant=dmp.tenant, resource=patient, rid=found.rid,
                                current_version=found.version)


def events(dmp: Dmp) -> list[dict]:
    store = dmp.store()
    res = store.api.store.t.res
    with store.db.read() as conn:
        rows = conn.execute(res.select().where(res.c.tenant == dmp.tenant, res.c.rtype == "AuditEvent")).all()
    return [json.loads(r.body) for r in rows]


def refusals(dmp: Dmp, subtype: str) -> list[dict]:
    return [e for e in events(dmp) if e["outcome"] == "4" and e["subtype"][0]["code"] == subtype]


def requestor(event: dict) -> str:
    return next(a["who"]["identifier"]["value"] for a in event["agent"] if a.get("requestor"))


def only_the_patient(event: dict) -> bool:
    """A refused write's trace names the patient and no resource of the rolled-back write."""
    whats = [e.get("what", {}) for e in event.get("entity", [])]
    return whats and all("DocumentReference/" not in w.get("reference", "") and "Binary/" not in
                         w.get("reference", "") for w in whats)


async def patch(dmp: Dmp, rid: str, ops: list[dict], **headers: str):  # noqa: ANN201 - an httpx.Response
    return await dmp.http.patch(f"{dmp.base}/DocumentReference/{rid}", content=json.dumps(ops), headers=dmp.headers(
        **{"content-type": "application/json-patch+json", **headers}))


@pytest.mark.parametrize(("path", "body", "subtype"), [("", provide_bundle, "ITI-65"),
                                                       ("/DocumentReference", simplified, "ITI-105")])
async def test_a_blocked_professional_may_not_feed_in_any_mode(dmp, path, body, subtype):
    set_consents(dmp, blocked=(KIT_DOC,))
    kit = await as_professional(dmp, KIT_DOC)
    before = dmp.counts()
    for mode in MODES:
        refused = await kit.post(path, body(), **{"x-access-mode": mode})
        assert refused.status_code == 403 and "MES-0204" in refused.text, (mode, refused.text[:400])
    assert dmp.counts() == {**before, "AuditEvent": before.get("AuditEvent", 0) + len(MODES)}
    traced = refusals(dmp, subtype)
    assert sorted(e["purposeOfEvent"][0]["coding"][0]["code"] for e in traced) == sorted(MODES)
    assert all(e["action"] == "C" and requestor(e) == KIT_DOC and e["outcomeDesc"].startswith("MES-0204")
               and only_the_patient(e) for e in traced)
    assert (await dmp.post(path, body())).status_code in (200, 201)  # another professional still feeds


@pytest.mark.parametrize(("path", "body", "subtype"), [("", provide_bundle, "ITI-65"),
                                                       ("/DocumentReference", simplified, "ITI-105")])
async def test_a_write_in_an_opposed_emergency_mode_is_refused(dmp, path, body, subtype):
    set_consents(dmp, opposed=("bris_de_glace",))
    before = dmp.counts()
    refused = await dmp.post(path, body(), **{"x-access-mode": "bris_de_glace"})
    assert refused.status_code == 403 and "MES-0205" in refused.text
    assert refused.json()["issue"][0]["expression"] == ["X-Access-Mode"]
    assert dmp.counts() == {**before, "AuditEvent": before.get("AuditEvent", 0) + 1}
    (event,) = refusals(dmp, subtype)
    assert event["purposeOfEvent"][0]["coding"][0]["code"] == "bris_de_glace"
    assert (await dmp.post(path, body(), **{"x-access-mode": "centre_15"})).status_code in (200, 201)
    assert (await dmp.post(path, body())).status_code in (200, 201)


async def test_bad_input_from_a_blocked_professional_is_refused_as_bad_input_and_untraced(dmp):
    set_consents(dmp, blocked=(KIT_DOC,))
    kit = await as_professional(dmp, KIT_DOC)
    before = dmp.counts()
    bundle = provide_bundle()
    bundle["type"] = "batch"
    assert (await kit.post("", bundle)).status_code == 400  # no access decision was taken: nothing to trace
    assert dmp.counts() == before


async def test_a_blocked_author_may_not_update_the_metadata_of_their_document(dmp):
    answer = await dmp.post("", provide_bundle())
    rid = location_id(answer.json()["entry"][1]["response"]["location"])
    set_consents(dmp, blocked=(psc_support.ROBERT,))
    before = dmp.counts()
    for mode in MODES:
        refused = await patch(dmp, rid, [{"op": "add", "path": "/securityLabel/-", "value": MASK}],
                              **{"x-access-mode": mode})
        assert refused.status_code == 403 and "MES-0204" in refused.text, mode
    assert dmp.counts() == {**before, "AuditEvent": before["AuditEvent"] + len(MODES)}
    traced = [e for e in events(dmp) if e["action"] == "U"]
    assert len(traced) == len(MODES) and all(e["outcome"] == "4" and requestor(e) == psc_support.ROBERT for e in traced)
    assert all({"reference": f"DocumentReference/{rid}"} in [x["what"] for x in e["entity"]] for e in traced)
    store = dmp.store()
    with store.db.read() as conn:
        stored, _ = store.api.store.current(conn, tenant=dmp.tenant, rtype="DocumentReference", rid=rid)
    assert stored.version == 1


async def test_a_metadata_update_in_an_opposed_mode_is_refused(dmp):
    answer = await dmp.post("", provide_bundle())
    rid = location_id(answer.json()["entry"][1]["response"]["location"])
    set_consents(dmp, opposed=("centre_15",))
    ops = [{"op": "add", "path": "/securityLabel/-", "value": MASK}]
    refused = await patch(dmp, rid, ops, **{"x-access-mode": "centre_15"})
    assert refused.status_code == 403 and "MES-0205" in refused.text
    assert (await patch(dmp, rid, ops)).status_code == 200


@pytest.mark.parametrize(("path", "body", "subtype"), [("", provide_bundle, "ITI-65"),
                                                       ("/DocumentReference", simplified, "ITI-105")])
async def test_the_audit_event_names_the_caller_and_the_document_keeps_its_author(dmp, path, body, subtype):
    kit = await as_professional(dmp, KIT_DOC)  # feeds a document Dr Robert authored (support.author)
    answer = await kit.post(path, body())
    assert answer.status_code in (200, 201), answer.text[:1000]
    (event,) = [e for e in events(dmp) if e["subtype"][0]["code"] == subtype]
    assert event["outcome"] == "0" and requestor(event) == KIT_DOC
    assert psc_support.ROBERT not in json.dumps(event["agent"])
    store = dmp.store()
    with store.db.read() as conn:
        docs = [json.loads(s.body) for s in store.api.store.many(conn, tenant=dmp.tenant, keys=[
            tuple(x["what"]["reference"].split("/")) for x in event["entity"]
            if x.get("what", {}).get("reference", "").startswith("DocumentReference/")])]
    assert docs and all(d["contained"][0]["identifier"][0]["value"] == psc_support.ROBERT for d in docs)


async def test_feeding_is_not_limited_by_the_matrix_but_reading_back_is(dmp):
    """A nurse feeds a telemedicine request (a type her row denies): authorisations concern consultation only."""
    nurse = await as_professional(dmp, "899799000056")  # infirmiere-petit, profession 60
    bundle = provide_bundle()
    bundle["entry"][1]["resource"]["type"] = {"coding": [{"system": "http://loinc.org", "code": "75496-0"}]}
    answer = await nurse.post("", bundle)
    assert answer.status_code == 200, answer.text
    binary = answer.json()["entry"][2]["response"]["location"].split("/_history/")[0]
    refused = await nurse.get(binary)
    assert refused.status_code == 403 and "MES-0202" in refused.text
    assert (await dmp.get(binary)).status_code == 200  # a physician sees it
