"""Isolation between patients, route by route: a patient's token on another patient's record is refused on
every route a citizen may call, and changes nothing (what acting for a patient allows is test_acting_for.py)."""

from __future__ import annotations

import json

import pytest

from tests.services.ms_espace_sante import support
from tests.services.ms_espace_sante.support import ADRUN_INS, INS_SYSTEM
from tests.services.ms_espace_sante.test_acting_for import CATARINA
from tests.services.ms_espace_sante.test_consents import KIT_DOC, block
from tests.services.ms_espace_sante.test_patient_controls import own_document
from tests.services.ms_espace_sante.test_updates import MASK

ZOE = f"{INS_SYSTEM}|{ADRUN_INS}"
LIST_CODE = "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes|submissionset"


@pytest.fixture
async def world(dmp):
    """Zoé Adrun's record with a document and a consent; Catarina Tchitchi's token."""
    fed = await dmp.post("/DocumentReference", support.simplified())
    zoe = await support.patient_dmp(dmp.http, dmp.tenant)
    consent = await zoe.post("/Consent", block(KIT_DOC))
    assert fed.status_code == consent.status_code == 201
    stranger = await support.patient_dmp(dmp.http, dmp.tenant, CATARINA)
    return {"doc": fed.json(), "consent": consent.headers["location"], "stranger": stranger, "zoe": zoe}


def calls(world: dict) -> list[tuple[str, str, dict]]:
    doc = world["doc"]
    return [
        ("GET", "/DocumentReference", {"params": {"patient.identifier": ZOE, "status": "current"}}),
        ("POST", "/DocumentReference/_search", {"content": f"patient.identifier={ZOE}&status=current",
                                                "headers": {"content-type": "application/x-www-form-urlencoded"}}),
        ("GET", "/List", {"params": {"patient.identifier": ZOE, "status": "current", "code": LIST_CODE}}),
        ("GET", doc["content"][0]["attachment"]["url"], {}),
        ("GET", "/AuditEvent", {"params": {"patient.identifier": ZOE}}),
        ("GET", "/Consent", {"params": {"patient.identifier": ZOE}}),
        ("GET", "/Communication", {"params": {"patient.identifier": ZOE}}),
        ("POST", "/Consent", {"content": json.dumps(block(KIT_DOC, ins=ADRUN_INS))}),
        ("DELETE", world["consent"], {}),
        ("PATCH", f"/DocumentReference/{doc['id']}", {"content": json.dumps([
            {"op": "add", "path": "/securityLabel/-", "value": MASK}]),
            "headers": {"content-type": "application/json-patch+json"}}),
        ("POST", "/DocumentReference", {"content": json.dumps(own_document(ADRUN_INS))}),
        ("POST", "", {"content": json.dumps(support.provide_bundle(ADRUN_INS))}),
    ]


async def test_another_patient_is_refused_on_every_route_and_changes_nothing(dmp, world):
    stranger = world["stranger"]
    before = {k: v for k, v in dmp.counts().items() if k != "AuditEvent"}
    for method, path, options in calls(world):
        url = path if path.startswith("http") else stranger.base + path
        headers = {**stranger.headers(), **options.pop("headers", {})}
        answer = await stranger.http.request(method, url, headers=headers, **options)
        assert answer.status_code in (403, 404), (method, path, answer.status_code, answer.text[:300])
        assert any(code in answer.text for code in ("MES-0303", "MES-0310")), (method, path, answer.text[:300])
    assert {k: v for k, v in dmp.counts().items() if k != "AuditEvent"} == before
    # and the record's own patient is answered on the same reads
    zoe = world["zoe"]
    assert (await zoe.get("/DocumentReference", params={"patient.identifier": ZOE, "status": "current"})
            ).json()["total"] == 1
    assert (await zoe.get("/Consent")).json()["total"] == 1
