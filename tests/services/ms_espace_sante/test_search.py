"""ITI-67 Find Document References (search.py, routers/search.py): mandatory parameters, every PDSm parameter,
POST _search, the caller's filter (masking, matrix, modes, blocking, deletion) in totals, traces, hostile input."""

from __future__ import annotations

import base64
import json

import pytest

from services.ms_espace_sante.records import BLOCKED, OPPOSED_MODE
from tests.services.ms_espace_sante.search_support import (
    CURRENT,
    DR_LEROY,
    KIT_DOC,
    MASQUE_PS,
    PATIENT,
    PHARMACIST,
    as_professional,
    audit_events,
    feed,
    ids,
    variant,
)
from tests.services.ms_espace_sante.support import ADRUN_INS, INS_SYSTEM, Dmp, sandbox

SEARCH = "/DocumentReference"


def masked(doc: dict) -> None:
    doc["securityLabel"].append(MASQUE_PS)


async def test_patient_and_status_are_mandatory(dmp):
    await feed(dmp)
    for params, code, names in (([CURRENT], "MES-0020", "patient"), ([PATIENT], "MES-0020", "status"),
                                ([("subject", "Patient/dmp-adrun-zoe"), CURRENT], "MES-0020", "patient"),
                                ([PATIENT, ("patient", "Patient/dmp-adrun-zoe"), CURRENT], "MES-0021", "patient"),
                                ([("patient", "Patient/a,Patient/b"), CURRENT], "MES-0021", "patient"),
                                ([("patient:missing", "false"), CURRENT], "MES-0021", "patient")):
        answer = await dmp.get(SEARCH, params=params)
        assert answer.status_code == 400, params
        issue = answer.json()["issue"][0]
        assert issue["details"]["coding"][0]["code"] == code and names in issue["diagnostics"], params


async def test_the_patient_by_reference_or_identifier(dmp):
    rid = await feed(dmp)
    by_identifier = ids(await dmp.get(SEARCH, params=[PATIENT, CURRENT]))
    by_reference = ids(await dmp.get(SEARCH, params=[("patient", "Patient/dmp-adrun-zoe"), CURRENT]))
    by_id = ids(await dmp.get(SEARCH, params=[("patient", "dmp-adrun-zoe"), CURRENT]))
    assert by_identifier == by_reference == by_id == [rid]
    nobody = await dmp.get(SEARCH, params=[("patient.identifier", f"{INS_SYSTEM}|100000000000000"), CURRENT])
    assert nobody.status_code == 200 and nobody.json()["total"] == 0


@pytest.mark.parametrize(("name", "value"), [
    ("type", "11502-2"), ("type", "http://loinc.org|11502-2"), ("category", "11"), ("date", "2025-01-05"),
    ("date", "lt2026"), ("period", "2025-01-04"), ("period-start", "le2025-01-04T08:00:00+01:00"),
    ("period-end", "2025-01-04"), ("author.family", "biolog"), ("author.given", "anne"),
    ("author.family:exact", "BIOLOGISTE"), ("facility", "SA01"), ("setting", "ETABLISSEMENT"),
    ("security-label", "R"), ("identifier", "urn:ietf:rfc:3986|urn:oid:1.2.250.1.999.777.1"),
    ("creation", "2025-01-04"), ("isArchived", "true"), ("format", "urn:ihe:iti:xds-sd:pdf:2008"),
    ("event", "urn:oid:1.2.250.1.213.2.5|DEQP003"), ("author.identifier", "urn:oid:1.2.250.1.71.4.2.1|899700218896"),
])
async def test_each_pdsm_parameter(dmp, name, value):
    first = await feed(dmp)
    other = await feed(dmp, variant)
    found = ids(await dmp.get(SEARCH, params=[PATIENT, CURRENT, (name, value)]))
    expected = sorted([first, other]) if name == "author.identifier" else [other]
    assert found == expected, (name, value)


async def test_relatesto_and_status_superseded(dmp):
    old = await feed(dmp)
    new = await feed(dmp, replaces=old)
    assert ids(await dmp.get(SEARCH, params=[PATIENT, CURRENT, ("relatesto", f"DocumentReference/{old}")])) == [new]
    assert ids(await dmp.get(SEARCH, params=[PATIENT, ("status", "superseded")])) == [old]
    assert ids(await dmp.get(SEARCH, params=[PATIENT, ("status", "current,superseded")])) == sorted([old, new])


async def test_post_search_equals_get(dmp):
    await feed(dmp)
    await feed(dmp, variant)
    params = [PATIENT, CURRENT, ("category", "10,11"), ("_count", "1")]
    got = await dmp.get(SEARCH, params=params)
    posted = await dmp.http.post(dmp.base + SEARCH + "/_search", data=dict(params),
                                 headers={"authorization": f"Bearer {dmp.token}"})
    assert posted.status_code == 200, posted.text
    assert posted.json()["total"] == got.json()["total"] == 2
    assert ids(posted) == ids(got) and len(ids(got)) == 1
    wrong = await dmp.http.post(dmp.base + SEARCH + "/_search", json={"status": "current"},
                                headers={"authorization": f"Bearer {dmp.token}"})
    assert wrong.status_code == 415


async def test_masked_documents_by_caller_and_mode(dmp):
    """The author and the médecin traitant see a masked document; another physician only in an emergency mode."""
    plain = await feed(dmp)
    hidden = await feed(dmp, masked)
    kit = await as_professional(dmp, KIT_DOC)
    gp = await as_professional(dmp, DR_LEROY)
    assert ids(await dmp.get(SEARCH, params=[PATIENT, CURRENT])) == sorted([plain, hidden])  # author
    assert ids(await gp.get(SEARCH, params=[PATIENT, CURRENT])) == sorted([plain, hidden])
    other = await kit.get(SEARCH, params=[PATIENT, CURRENT])
    assert ids(other) == [plain] and other.json()["total"] == 1  # absent, and not counted
    for mode in ("centre_15", "bris_de_glace"):
        found = await kit.get(SEARCH, params=[PATIENT, CURRENT], headers={"x-access-mode": mode})
        assert ids(found) == sorted([plain, hidden]) and found.json()["total"] == 2, mode
    assert (await kit.get(SEARCH, params=[PATIENT, CURRENT, ("security-label", "MASQUE_PS")])).json()["total"] == 0


async def test_totals_and_pages_count_visible_documents_only(dmp):
    visible = [await feed(dmp) for _ in range(3)]
    for _ in range(3):
        await feed(dmp, masked)
    kit = await as_professional(dmp, KIT_DOC)
    seen, url = [], SEARCH
    params = [PATIENT, CURRENT, ("_count", "2")]
    while url:
        page = await kit.get(url, params=params if url == SEARCH else None)
        assert page.json()["total"] == 3
        seen += ids(page)
        url = next((link["url"] for link in page.json()["link"] if link["relation"] == "next"), None)
    assert sorted(seen) == sorted(visible)


async def test_the_habilitation_matrix_filters_types(dmp):
    care = await feed(dmp)
    await feed(dmp, lambda d: d.update(type={"coding": [{"system": "http://loinc.org", "code": "83901-9"}]}))
    pharmacist = await as_professional(dmp, PHARMACIST)  # no psychological assessment (habilitations.py)
    found = await pharmacist.get(SEARCH, params=[PATIENT, CURRENT])
    assert ids(found) == [care] and found.json()["total"] == 1
    assert (await pharmacist.get(SEARCH, params=[PATIENT, CURRENT], headers={"x-access-mode": "centre_15"})
            ).status_code == 403  # a pharmacist may not use centre_15: MES-0206


def rewrite(dmp: Dmp, rtype: str, rid: str, change) -> None:  # noqa: ANN001 - a callable on the resource
    """A new version of a stored resource (what the patient side and updates.py write), straight in the store."""
    store = dmp.store()
    with store.db.write() as conn:
        stored, _ = store.api.store.current(conn, tenant=dmp.tenant, rtype=rtype, rid=rid)
        resource = json.loads(stored.body)
        change(resource)
        store.api.store.replace(conn, tenant=dmp.tenant, resource=resource, rid=rid, current_version=stored.version)


async def set_consents(dmp: Dmp, extensions: list[dict]) -> None:
    rewrite(dmp, "Patient", "dmp-adrun-zoe", lambda p: p.update(extension=[*p.get("extension", []), *extensions]))


async def test_a_blocked_professional_or_an_opposed_mode_is_403(dmp):
    await feed(dmp)
    await set_consents(dmp, [{"url": BLOCKED, "valueIdentifier": {"system": "urn:oid:1.2.250.1.71.4.2.1",
                                                                  "value": KIT_DOC}},
                             {"url": OPPOSED_MODE, "valueCode": "bris_de_glace"}])
    kit = await as_professional(dmp, KIT_DOC)
    for mode in ("normal", "centre_15"):
        refused = await kit.get(SEARCH, params=[PATIENT, CURRENT], headers={"x-access-mode": mode})
        assert refused.status_code == 403 and "MES-0204" in refused.text, mode
    opposed = await dmp.get(SEARCH, params=[PATIENT, CURRENT], headers={"x-access-mode": "bris_de_glace"})
    assert opposed.status_code == 403 and "MES-0205" in opposed.text
    refusals = [e for e in audit_events(dmp, "ITI-67") if e["outcome"] == "4"]
    assert len(refusals) == 3  # traced, naming no document
    assert not [x for e in refusals for x in e.get("entity", [])
                if x.get("what", {}).get("reference", "").startswith("DocumentReference/")]


async def test_every_search_is_traced_with_its_query_and_hits(dmp):
    rid = await feed(dmp)
    await dmp.get(SEARCH, params=[PATIENT, CURRENT])
    (event,) = audit_events(dmp, "ITI-67")
    assert event["action"] == "E" and event["outcome"] == "0"
    whats = [e.get("what", {}).get("reference") for e in event["entity"]]
    assert f"DocumentReference/{rid}" in whats and "Patient/dmp-adrun-zoe" in whats
    query = next(base64.b64decode(e["query"]).decode() for e in event["entity"] if "query" in e)
    assert "status=current" in query and ADRUN_INS in query
    assert event["purposeOfEvent"][0]["coding"][0]["code"] == "normal"
    await dmp.get(SEARCH, params=[CURRENT])  # refused before the record is read: no trace
    assert len(audit_events(dmp, "ITI-67")) == 1


async def test_deleted_documents_only_when_asked_and_to_their_author(dmp):
    kept = await feed(dmp)
    gone = await feed(dmp)
    rewrite(dmp, "DocumentReference", gone, lambda d: d.update(status="entered-in-error"))  # as updates.py deletes
    assert ids(await dmp.get(SEARCH, params=[PATIENT, ("status:not", "superseded")])) == [kept]
    asked = [PATIENT, ("status", "current,entered-in-error")]
    assert ids(await dmp.get(SEARCH, params=asked)) == sorted([kept, gone])
    gp = await as_professional(dmp, DR_LEROY)
    assert ids(await gp.get(SEARCH, params=asked)) == [kept]


@pytest.mark.parametrize(("params", "code"), [
    ([("type", ",".join(str(i) for i in range(101)))], "FHIR-0022"),
    ([("_offset", "99999999999999999999")], "FHIR-0014"),
    ([("_count", "１０")], "FHIR-0014"),
    ([("date", "yesterday")], "FHIR-0014"),
    ([("author.family:near", "x")], "FHIR-0014"),
    ([("nickname", "x")], "FHIR-0013"),
    ([("author.name", "x")], "FHIR-0013"),
    ([("type", "a")] * 101, "FHIR-0022"),
])
async def test_hostile_parameters_are_400(dmp, params, code):
    answer = await dmp.get(SEARCH, params=[PATIENT, CURRENT, *params])
    assert answer.status_code == 400 and code in answer.text, answer.text[:300]


async def test_a_huge_offset_is_an_empty_page(dmp):
    await feed(dmp)
    page = await dmp.get(SEARCH, params=[PATIENT, CURRENT, ("_offset", "2147483647")])
    assert page.status_code == 200 and page.json()["total"] == 1 and not page.json().get("entry")


async def test_on_postgresql(postgres_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MS_ESPACE_SANTE_DATABASE_URL", postgres_url)
    async for http in sandbox(tmp_path):
        dmp = await Dmp.login(http)
        plain = await feed(dmp)
        await feed(dmp, masked)
        other = await feed(dmp, variant)
        kit = await as_professional(dmp, KIT_DOC)
        found = await kit.get(SEARCH, params=[PATIENT, CURRENT, ("author.family", "biolog,specialiste")])
        assert ids(found) == sorted([plain, other]) and found.json()["total"] == 2


async def test_included_resources_are_screened_too(dmp):
    """_include / _revinclude bring no masked document, no AuditEvent (the patient's) and no other patient."""
    plain = await feed(dmp)
    hidden = await feed(dmp, masked)
    await dmp.get(SEARCH, params=[PATIENT, CURRENT])  # an AuditEvent naming both documents
    kit = await as_professional(dmp, KIT_DOC)
    found = await kit.get(SEARCH, params=[PATIENT, CURRENT, ("_revinclude", "AuditEvent:entity"),
                                          ("_include", "DocumentReference:patient"),
                                          ("_revinclude", "DocumentReference:relatesto")])
    kinds = [(e["resource"]["resourceType"], e["resource"]["id"]) for e in found.json()["entry"]]
    assert ("DocumentReference", plain) in kinds and ("Patient", "dmp-adrun-zoe") in kinds
    assert ("DocumentReference", hidden) not in kinds and not [k for k in kinds if k[0] == "AuditEvent"]
    lists = await kit.get("/List", params=[PATIENT, CURRENT, ("code", "submissionset"), ("_include", "List:item")])
    included = [e["resource"]["id"] for e in lists.json()["entry"] if e["search"]["mode"] == "include"]
    assert plain in included and hidden not in included


async def test_elements_and_summary_count(dmp):
    """Entries are judged on the stored document, not on what _elements left of it."""
    plain = await feed(dmp)
    await feed(dmp, masked)
    kit = await as_professional(dmp, KIT_DOC)
    found = await kit.get(SEARCH, params=[PATIENT, CURRENT, ("_elements", "type")])
    assert ids(found) == [plain] and set(found.json()["entry"][0]["resource"]) <= {"resourceType", "id", "meta",
                                                                                   "type"}
    counted = await kit.get(SEARCH, params=[PATIENT, CURRENT, ("_summary", "count")])
    assert counted.json()["total"] == 1 and not counted.json().get("entry")
