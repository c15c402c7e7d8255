"""Metadata updates (routers/updates.py, updates.py): conditional PATCH of status, securityLabel and isArchived,
who may make each change, the lifecycle, If-Match, the AuditEvent, and nothing stored on a refusal."""

from __future__ import annotations

import asyncio
import json

import pytest

from core.errors import SandboxError
from services.ms_espace_sante import updates
from tests.services.ms_espace_sante import support
from tests.services.ms_espace_sante.support import Dmp, location_id, provide_bundle
from tests.services.pro_sante_connect import support as psc_support

JSON_PATCH = "application/json-patch+json"
VISIBILITY = "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/TRE-A07-StatutVisibiliteDocument"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
IS_ARCHIVED = "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-ext-is-archived"
MASK = {"coding": [{"system": VISIBILITY, "code": "MASQUE_PS"}]}
HIDE = {"coding": [{"system": VISIBILITY, "code": "INVISIBLE_PATIENT"}]}
KIT_DOC, DR_LEROY = "899700427885", "899799000015"  # another physician; Zoé Adrun's médecin traitant


class Fed:
    """One document fed by Dr Robert (its author): ids, uniqueId and attachment URL."""

    def __init__(self, answer) -> None:  # noqa: ANN001
        entries = answer.json()["entry"]
        self.rid = location_id(entries[1]["response"]["location"])
        self.url = entries[2]["response"]["location"].split("/_history/")[0]
        self.unique = ""

    @property
    def query(self) -> str:
        return f"/DocumentReference?identifier=urn:ietf:rfc:3986|{self.unique}"


async def feed(dmp: Dmp, unique: str | None = None) -> Fed:
    bundle = provide_bundle()
    doc = bundle["entry"][1]["resource"]
    if unique:
        doc["masterIdentifier"]["value"] = unique
    answer = await dmp.post("", bundle)
    assert answer.status_code == 200, answer.text
    fed = Fed(answer)
    fed.unique = doc["masterIdentifier"]["value"]
    return fed


async def as_pro(dmp: Dmp, id_nat_ps: str) -> Dmp:
    tokens = await psc_support.Psc(dmp.http, dmp.tenant).login(login_hint=id_nat_ps)
    return Dmp(dmp.http, dmp.tenant, tokens["access_token"])


async def patch(dmp: Dmp, path: str, body: object, content_type: str = JSON_PATCH, **headers: str):  # noqa: ANN201
    return await dmp.http.patch(dmp.base + path, content=json.dumps(body),
                                headers=dmp.headers(**{"content-type": content_type, **headers}))


def fhirpath(*operations: list[dict]) -> dict:
    return {"resourceType": "Parameters", "parameter": [{"name": "operation", "part": parts} for parts in operations]}


def stored(dmp: Dmp, rid: str) -> dict:
    store = dmp.store()
    with store.db.read() as conn:
        return json.loads(store.api.store.current(conn, tenant=dmp.tenant, rtype="DocumentReference", rid=rid)[0].body)


def audit_events(dmp: Dmp) -> list[dict]:
    store = dmp.store()
    res = store.api.store.t.res
    with store.db.read() as conn:
        rows = conn.execute(res.select().where(res.c.tenant == dmp.tenant, res.c.rtype == "AuditEvent")).all()
    return [json.loads(r.body) for r in rows]


def codes(doc: dict) -> set[str]:
    return {c["code"] for label in doc.get("securityLabel", []) for c in label["coding"]}


async def test_masking_by_json_patch_hides_the_document_from_another_physician_until_unmasked(dmp):
    fed = await feed(dmp)
    answer = await patch(dmp, fed.query, [{"op": "add", "path": "/securityLabel/-", "value": MASK}])
    assert answer.status_code == 200, answer.text
    assert answer.headers["etag"] == 'W/"2"' and "MASQUE_PS" in codes(answer.json())
    assert codes(stored(dmp, fed.rid)) == {"N", "MASQUE_PS"}
    kit, leroy = await as_pro(dmp, KIT_DOC), await as_pro(dmp, DR_LEROY)
    refused = await kit.get(fed.url)
    assert refused.status_code == 403 and "MES-0203" in refused.text
    assert (await dmp.get(fed.url)).status_code == 200  # the author
    assert (await leroy.get(fed.url)).status_code == 200  # the médecin traitant
    # unmasking (TD3.3a: back to N) by FHIRPath Patch
    unmask = fhirpath([{"name": "type", "valueCode": "delete"},
                       {"name": "path", "valueString": "DocumentReference.securityLabel.where(coding.code = "
                                                       "'MASQUE_PS')"}])
    again = await patch(dmp, fed.query, unmask, content_type=support.FHIR)
    assert again.status_code == 200, again.text
    assert codes(again.json()) == {"N"} and again.headers["etag"] == 'W/"3"'
    assert (await kit.get(fed.url)).status_code == 200


async def test_the_medecin_traitant_may_mask_and_hide_but_another_physician_may_not(dmp):
    fed = await feed(dmp)
    kit, leroy = await as_pro(dmp, KIT_DOC), await as_pro(dmp, DR_LEROY)
    before = dmp.counts()
    refused = await patch(kit, f"/DocumentReference/{fed.rid}", [{"op": "add", "path": "/securityLabel/-",
                                                                   "value": MASK}])
    assert refused.status_code == 403 and "MES-0033" in refused.text
    # nothing of the refused write is stored but the trace of the refusal (writes.py)
    assert dmp.counts() == {**before, "AuditEvent": before["AuditEvent"] + 1}
    assert stored(dmp, fed.rid)["meta"]["versionId"] == "1"
    hidden = await patch(leroy, fed.query, [{"op": "add", "path": "/securityLabel/-", "value": HIDE}])
    assert hidden.status_code == 200, hidden.text
    assert codes(stored(dmp, fed.rid)) == {"N", "INVISIBLE_PATIENT"}
    shown = await patch(dmp, fed.query, [{"op": "replace", "path": "/securityLabel",
                                          "value": [{"coding": [{"system": CONFIDENTIALITY, "code": "N"}]}]}])
    assert shown.status_code == 200 and codes(shown.json()) == {"N"}


async def test_archive_and_unarchive_by_both_patch_forms(dmp):
    fed = await feed(dmp)
    archive = fhirpath([{"name": "type", "valueCode": "add"}, {"name": "path", "valueString": "DocumentReference"},
                        {"name": "name", "valueString": "extension"},
                        {"name": "value", "part": [{"name": "url", "valueUri": IS_ARCHIVED},
                                                   {"name": "value", "valueBoolean": True}]}])
    answer = await patch(dmp, fed.query, archive, content_type=support.FHIR)
    assert answer.status_code == 200, answer.text
    assert stored(dmp, fed.rid)["extension"] == [{"url": IS_ARCHIVED, "valueBoolean": True}]
    unarchive = await patch(dmp, fed.query, [{"op": "replace", "path": "/extension/0/valueBoolean", "value": False}])
    assert unarchive.status_code == 200, unarchive.text
    assert stored(dmp, fed.rid)["extension"][0]["valueBoolean"] is False
    twice = await patch(dmp, fed.query, [{"op": "add", "path": "/extension/-",
                                          "value": {"url": IS_ARCHIVED, "valueBoolean": True}}])
    assert twice.status_code == 422 and "MES-0036" in twice.text


async def test_deletion_by_the_author_makes_the_document_gone_and_is_final(dmp):
    fed = await feed(dmp)
    kit = await as_pro(dmp, KIT_DOC)
    delete = [{"op": "replace", "path": "/status", "value": "entered-in-error"}]
    refused = await patch(kit, fed.query, delete)
    assert refused.status_code == 403 and "MES-0033" in refused.text
    leroy = await as_pro(dmp, DR_LEROY)  # the médecin traitant may mask, not delete
    assert "MES-0033" in (await patch(leroy, fed.query, delete)).text
    answer = await patch(dmp, fed.query, delete)
    assert answer.status_code == 200 and answer.json()["status"] == "entered-in-error"
    gone = await dmp.get(fed.url)
    assert gone.status_code == 410 and "MES-0014" in gone.text
    assert stored(dmp, fed.rid)["status"] == "entered-in-error"  # never physically deleted
    back = await patch(dmp, fed.query, [{"op": "replace", "path": "/status", "value": "current"}])
    assert back.status_code == 422 and "MES-0034" in back.text


async def test_lifecycle_refusals(dmp):
    fed = await feed(dmp)
    alone = await patch(dmp, fed.query, [{"op": "replace", "path": "/status", "value": "superseded"}])
    assert alone.status_code == 422 and "MES-0034" in alone.text
    answer = await dmp.post("", provide_bundle(replaces=fed.rid))
    assert answer.status_code == 200
    back = await patch(dmp, fed.query, [{"op": "replace", "path": "/status", "value": "current"}])
    assert back.status_code == 422 and "MES-0034" in back.text
    nonsense = await patch(dmp, fed.query, [{"op": "replace", "path": "/status", "value": "draft"}])
    assert nonsense.status_code == 422 and "MES-0034" in nonsense.text
    masked = await patch(dmp, fed.query, [{"op": "add", "path": "/securityLabel/-", "value": MASK}])
    assert masked.status_code == 200  # a superseded version's labels may still change


@pytest.mark.parametrize("operation", [
    {"op": "replace", "path": "/date", "value": "2020-01-01T00:00:00+01:00"},
    {"op": "replace", "path": "/type/coding/0/code", "value": "11502-2"},
    {"op": "remove", "path": "/context"},
    {"op": "add", "path": "/description", "value": "corrigé"},
    {"op": "replace", "path": "/masterIdentifier/value", "value": "urn:oid:1.2.3"},
    {"op": "add", "path": "/extension", "value": [{"url": "https://example.org/other", "valueString": "x"}]},
    {"op": "replace", "path": "/meta/versionId", "value": "9"},
    {"op": "replace", "path": "/id", "value": "other"},
])
async def test_any_other_element_is_405_and_nothing_is_stored(dmp, operation):
    fed = await feed(dmp)
    before = dmp.counts()
    answer = await patch(dmp, fed.query, [operation])
    assert answer.status_code == 405 and "MES-0030" in answer.text
    assert dmp.counts() == before and stored(dmp, fed.rid)["meta"]["versionId"] == "1"


async def test_a_fhirpath_patch_of_another_element_is_405(dmp):
    fed = await feed(dmp)
    body = fhirpath([{"name": "type", "valueCode": "replace"},
                     {"name": "path", "valueString": "DocumentReference.date"},
                     {"name": "value", "valueInstant": "2020-01-01T00:00:00+01:00"}])
    answer = await patch(dmp, fed.query, body, content_type=support.FHIR)
    assert answer.status_code == 405 and "MES-0030" in answer.text


async def test_every_405_names_the_methods_of_its_url_in_allow(dmp):
    """RFC 9110 §15.5.6: the conditional PATCH URL also serves ITI-67 (GET) and ITI-105 (POST)."""
    fed = await feed(dmp)
    date = [{"op": "replace", "path": "/date", "value": "2020-01-01T00:00:00+01:00"}]
    conditional = await patch(dmp, fed.query, date)
    assert (conditional.status_code, conditional.headers["allow"]) == (405, "GET, PATCH, POST")
    by_id = await patch(dmp, f"/DocumentReference/{fed.rid}", date)
    assert (by_id.status_code, by_id.headers["allow"]) == (405, "PATCH")
    assert "MES-0030" in conditional.text and "MES-0030" in by_id.text
    deleted = await dmp.http.delete(f"{dmp.base}/DocumentReference/{fed.rid}", headers=dmp.headers())
    assert (deleted.status_code, deleted.headers["allow"]) == (405, "PATCH") and "HTTP-0405" in deleted.text
    put = await dmp.http.put(f"{dmp.base}/DocumentReference", headers=dmp.headers())
    assert (put.status_code, put.headers["allow"]) == (405, "GET, PATCH, POST")


async def test_conditional_matching_if_match_and_bad_requests(dmp):
    fed = await feed(dmp, unique="urn:oid:1.2.250.1.999.77.1")
    mask = [{"op": "add", "path": "/securityLabel/-", "value": MASK}]
    none = await patch(dmp, "/DocumentReference?identifier=urn:ietf:rfc:3986|urn:oid:1.2.250.1.999.77.404", mask)
    assert none.status_code == 404 and "MES-0031" in none.text
    await feed(dmp, unique="urn:oid:1.2.250.1.999.77.1")  # a second document with the same uniqueId
    two = await patch(dmp, fed.query, mask)
    assert two.status_code == 412 and "MES-0032" in two.text
    by_id = await patch(dmp, f"/DocumentReference/{fed.rid}", mask, **{"if-match": 'W/"7"'})
    assert by_id.status_code == 412 and "FHIR-" in by_id.text
    ok = await patch(dmp, f"/DocumentReference/{fed.rid}", mask, **{"if-match": 'W/"1"'})
    assert ok.status_code == 200 and ok.headers["etag"] == 'W/"2"'
    unknown = await patch(dmp, "/DocumentReference/0c2d6c04-0000-4000-8000-00000000dead", mask)
    assert unknown.status_code == 404 and "MES-0031" in unknown.text
    for query in ("", "?identifier=nobar", "?identifier=a|b&status=current", "?identifier=a|b&identifier=c|d"):
        bad = await patch(dmp, "/DocumentReference" + query, mask)
        assert bad.status_code == 400 and "MES-0035" in bad.text, query
    xml = await patch(dmp, f"/DocumentReference/{fed.rid}", mask, content_type="application/xml-patch+xml")
    assert xml.status_code == 415
    not_a_patch = await patch(dmp, f"/DocumentReference/{fed.rid}", {"op": "add"})
    assert not_a_patch.status_code == 400 and "FHIR-0015" in not_a_patch.text


async def test_an_unknown_label_is_refused_by_the_metadata_checks(dmp):
    fed = await feed(dmp)
    label = {"coding": [{"system": VISIBILITY, "code": "MASQUE_TOUT"}]}
    answer = await patch(dmp, fed.query, [{"op": "add", "path": "/securityLabel/-", "value": label}])
    assert answer.status_code == 422 and "MES-0104" in answer.text
    empty = await patch(dmp, fed.query, [{"op": "remove", "path": "/securityLabel"}])
    assert empty.status_code == 422 and "MES-0101" in empty.text


async def test_each_update_is_traced_in_its_transaction_and_a_refusal_by_its_outcome(dmp):
    fed = await feed(dmp)
    before = len(audit_events(dmp))
    kit = await as_pro(dmp, KIT_DOC)
    assert (await patch(kit, fed.query, [{"op": "replace", "path": "/status", "value": "entered-in-error"}])
            ).status_code == 403
    events = audit_events(dmp)
    assert len(events) == before + 1  # the refused attempt (writes.py), in a transaction of its own
    refusal = next(e for e in events if e["action"] == "U")
    assert refusal["outcome"] == "4" and refusal["outcomeDesc"].startswith("MES-0033")
    assert refusal["subtype"][0]["code"] == "TD3.3c" and refusal["agent"][0]["who"]["identifier"]["value"] == KIT_DOC
    assert stored(dmp, fed.rid)["status"] == "current"
    assert (await patch(dmp, fed.query, [{"op": "add", "path": "/securityLabel/-", "value": MASK}])).status_code == 200
    events = audit_events(dmp)
    assert len(events) == before + 2
    event = next(e for e in events if e["action"] == "U" and e["outcome"] == "0")
    assert event["outcome"] == "0" and event["subtype"][0]["code"] == "TD3.3a"
    assert {"system": "http://hl7.org/fhir/restful-interaction", "code": "update"} in event["subtype"]
    assert event["agent"][0]["who"]["identifier"]["value"] == psc_support.ROBERT
    assert {"reference": f"DocumentReference/{fed.rid}"} in [e["what"] for e in event["entity"]]
    assert event["entity"][0]["what"]["identifier"]["value"] == support.ADRUN_INS


@pytest.fixture
async def pg_dmp(tmp_path, monkeypatch, postgres_url):
    monkeypatch.setenv("MS_ESPACE_SANTE_DATABASE_URL", postgres_url)
    async for http in support.sandbox(tmp_path):
        assert http.gateway.state.services["ms-espace-sante"].app.state.db.engine.dialect.name == "postgresql"
        yield await Dmp.login(http)


async def test_an_update_and_a_refused_one_on_postgresql(pg_dmp):
    dmp = pg_dmp
    fed = await feed(dmp)
    before = dmp.counts()
    refused = await patch(dmp, fed.query, [{"op": "replace", "path": "/date", "value": "2020-01-01T00:00:00+01:00"}])
    assert refused.status_code == 405 and dmp.counts() == before
    answer = await patch(dmp, fed.query, [{"op": "replace", "path": "/status", "value": "entered-in-error"}],
                         **{"if-match": 'W/"1"'})
    assert answer.status_code == 200 and answer.headers["etag"] == 'W/"2"'
    assert dmp.counts()["AuditEvent"] == before["AuditEvent"] + 1
    assert (await dmp.get(fed.url)).status_code == 410


async def test_the_capability_statement_names_the_patch_interaction(dmp):
    statement = (await dmp.get("/metadata")).json()
    resource = next(r for r in statement["rest"][0]["resource"] if r["type"] == "DocumentReference")
    assert {"code": "patch"} in resource["interaction"]


def label(code: str, system: str = VISIBILITY) -> dict:
    return {"coding": [{"system": system, "code": code}]}


BASE = {"resourceType": "DocumentReference", "id": "d1", "status": "current",
        "securityLabel": [label("N", CONFIDENTIALITY)]}


@pytest.mark.parametrize(("change", "expected"), [
    ({"securityLabel": [label("N", CONFIDENTIALITY), label("MASQUE_PS")]}, ("mask",)),
    ({"securityLabel": [label("N", CONFIDENTIALITY), label("INVISIBLE_PATIENT")]}, ("hide",)),
    ({"securityLabel": [label("R", CONFIDENTIALITY)]}, ("labels",)),
    ({"securityLabel": [{"coding": [{"system": CONFIDENTIALITY, "code": "N", "display": "normal"}]}]}, ("labels",)),
    ({"extension": [{"url": IS_ARCHIVED, "valueBoolean": True}]}, ("archive",)),
    ({"extension": [{"url": IS_ARCHIVED, "valueBoolean": False}]}, ()),
    ({"status": "entered-in-error", "securityLabel": [label("N", CONFIDENTIALITY), label("MASQUE_PS")]},
     ("delete", "mask")),
    ({}, ()),
])
def test_plan_names_each_change(change, expected):
    found = updates.plan(BASE, {**BASE, **change})
    assert found.changes == expected
    assert found.subtype == ("TD3.3" if len({updates.WHO[c][1] for c in expected}) != 1
                             else updates.WHO[expected[0]][1])


@pytest.mark.parametrize(("was", "now", "status"), [
    ("current", "superseded", 422), ("superseded", "current", 422), ("entered-in-error", "current", 422),
    ("current", "draft", 422), ("current", None, 422)])
def test_plan_refuses_what_the_lifecycle_forbids(was, now, status):
    patched = {**BASE, "status": now} if now else {k: v for k, v in BASE.items() if k != "status"}
    with pytest.raises(SandboxError) as caught:
        updates.plan({**BASE, "status": was}, patched)
    assert caught.value.status == status and caught.value.code == "MES-0034"


async def test_concurrent_updates_lose_nothing_on_postgresql(pg_dmp):
    dmp = pg_dmp
    fed = await feed(dmp)
    answers = await asyncio.gather(
        patch(dmp, fed.query, [{"op": "add", "path": "/securityLabel/-", "value": MASK}]),
        patch(dmp, fed.query, [{"op": "add", "path": "/extension", "value": [{"url": IS_ARCHIVED,
                                                                             "valueBoolean": True}]}]))
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {200, 409} and 200 in statuses, [a.text for a in answers]
    assert all("FHIR-0020" in a.text for a in answers if a.status_code == 409)
    assert stored(dmp, fed.rid)["meta"]["versionId"] == str(1 + statuses.count(200))
