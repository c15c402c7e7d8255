"""ITI-65 replacement (transactions.py): the old document superseded, the PATCH entry checked, and of two
concurrent replacements of one document exactly one wins, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json

import pytest

from core.fhir.interactions import FhirContext
from tests.services.ms_espace_sante import support
from tests.services.ms_espace_sante.support import location_id, provide_bundle, supersede_patch
from tests.services.ms_espace_sante.test_traces import MASQUE_PS


@pytest.fixture(params=["sqlite", "postgres"])
async def any_db(request, tmp_path, monkeypatch):
    if request.param == "postgres":
        monkeypatch.setenv("MS_ESPACE_SANTE_DATABASE_URL", request.getfixturevalue("postgres_url"))
    async for http in support.sandbox(tmp_path):
        dialect = http.gateway.state.services["ms-espace-sante"].app.state.db.engine.dialect.name
        assert dialect == ("postgresql" if request.param == "postgres" else "sqlite")
        yield await support.Dmp.login(http)


def stored(dmp, rid: str) -> dict:  # noqa: ANN001
    store = dmp.store()
    with store.db.read() as conn:
        return json.loads(store.api.store.current(conn, tenant=dmp.tenant, rtype="DocumentReference", rid=rid)[0].body)


async def first_document(dmp) -> str:  # noqa: ANN001
    answer = await dmp.post("", provide_bundle(documents=(b"version 1",)))
    assert answer.status_code == 200, answer.text
    return location_id(answer.json()["entry"][1]["response"]["location"])


async def test_a_replacement_supersedes_the_old_document(any_db):
    dmp = any_db
    old = await first_document(dmp)
    answer = await dmp.post("", provide_bundle(documents=(b"version 2",), replaces=old))
    assert answer.status_code == 200, answer.text
    entries = answer.json()["entry"]
    assert [e["response"]["status"] for e in entries] == ["201 Created"] * 3 + ["200 OK"]
    assert f"/DocumentReference/{old}/_history/2" in entries[3]["response"]["location"]
    assert stored(dmp, old)["status"] == "superseded"
    new = stored(dmp, location_id(entries[1]["response"]["location"]))
    assert new["status"] == "current" and new["relatesTo"][0]["target"]["reference"] == f"DocumentReference/{old}"
    # without a PATCH entry the server supersedes the target all the same; a superseded one is 409
    again = await dmp.post("", provide_bundle(replaces=old, patch=False))
    assert again.status_code == 409 and "MES-0010" in again.text


async def test_two_concurrent_replacements_of_one_document_exactly_one_wins(any_db):
    dmp = any_db
    for _ in range(3):
        old = await first_document(dmp)
        before = dmp.counts()
        answers = await asyncio.gather(*(dmp.post("", provide_bundle(documents=(f"v2-{k}".encode(),), replaces=old))
                                         for k in range(2)))
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        loser = next(a for a in answers if a.status_code == 409)
        assert "MES-0010" in loser.text
        after = dmp.counts()
        assert (after["DocumentReference"], after["Binary"], after["List"]) == (
            before["DocumentReference"] + 1, before["Binary"] + 1, before["List"] + 1)
        assert stored(dmp, old)["status"] == "superseded"


async def test_replacement_refusals_store_nothing(dmp):
    old = await first_document(dmp)
    before = dmp.counts()
    unknown = provide_bundle(replaces="0c2d6c04-0000-4000-8000-00000000dead")
    other_patch = provide_bundle(replaces=old)
    other_patch["entry"][-1]["resource"]["parameter"][0]["part"][1:] = [
        {"name": "path", "valueString": "DocumentReference.date"},
        {"name": "value", "valueDateTime": "2020-01-01T00:00:00+01:00"}]  # another element than status
    stray_patch = provide_bundle()
    stray_patch["entry"].append(supersede_patch(old))
    wrong_url = provide_bundle(replaces=old)
    wrong_url["entry"][-1]["request"]["url"] = "List/" + old
    cases = [(unknown, 422, "MES-0009"), (other_patch, 422, "MES-0011"), (stray_patch, 422, "MES-0011"),
             (wrong_url, 422, "MES-0011")]
    for body, status, code in cases:
        answer = await dmp.post("", body)
        assert answer.status_code == status and code in answer.text, answer.text
    assert dmp.counts() == before
    assert stored(dmp, old)["status"] == "current"


async def test_only_a_professional_who_may_see_a_document_replaces_it(dmp):
    masked = provide_bundle(documents=(b"version 1",))
    masked["entry"][1]["resource"]["securityLabel"].append(MASQUE_PS)
    old = location_id((await dmp.post("", masked)).json()["entry"][1]["response"]["location"])
    visible = await first_document(dmp)
    kit = await support.psc_support.Psc(dmp.http, dmp.tenant).login(login_hint="899700427885")  # another physician
    other = support.Dmp(dmp.http, dmp.tenant, kit["access_token"])
    before = dmp.counts()
    answer = await other.post("", provide_bundle(documents=(b"version 2",), replaces=old))
    assert answer.status_code == 403, answer.text
    issue = answer.json()["issue"][0]
    assert issue["details"]["coding"][0]["code"] == "MES-0203"
    assert issue["expression"] == ["Bundle.entry[1].resource.relatesTo"]
    after = dmp.counts()
    assert after["DocumentReference"] == before["DocumentReference"] and after["Binary"] == before["Binary"]
    assert stored(dmp, old)["status"] == "current"
    store = dmp.store()
    ctx = FhirContext(tenant=dmp.tenant, base=f"{support.PUBLIC}/t/{dmp.tenant}/ms-espace-sante/fhir")
    with store.db.read() as conn:
        traces = json.loads(store.api.search(conn, ctx, "AuditEvent", [("outcome", "4")]).body)["entry"]
    assert [t["resource"]["subtype"][0]["code"] for t in traces] == ["ITI-65"]
    assert any(e["what"].get("reference") == f"DocumentReference/{old}" for e in traces[0]["resource"]["entity"])
    # a document the other physician may see, they replace
    assert (await other.post("", provide_bundle(replaces=visible))).status_code == 200
    assert stored(dmp, visible)["status"] == "superseded"
