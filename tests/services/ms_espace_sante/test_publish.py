"""ITI-105 Simplified Publish: the document inline becomes a Binary, refusals store nothing (publish.py)."""

from __future__ import annotations

from tests.services.ms_espace_sante.support import NIA_INS, sha1, simplified


async def test_a_simplified_publish_stores_the_document_and_its_bytes(dmp):
    resource = simplified(raw=b"Lettre de liaison.")
    del resource["content"][0]["attachment"]["size"], resource["content"][0]["attachment"]["hash"]
    answer = await dmp.post("/DocumentReference", resource)
    assert answer.status_code == 201, answer.text
    doc = answer.json()
    assert answer.headers["location"].endswith(f"/ms-espace-sante/fhir/DocumentReference/{doc['id']}")
    assert doc["meta"]["versionId"] == "1" and doc["subject"]["reference"].startswith("Patient/")
    attachment = doc["content"][0]["attachment"]
    assert "data" not in attachment and (attachment["size"], attachment["hash"]) == (18, sha1(b"Lettre de liaison."))
    raw = await dmp.get(attachment["url"])
    assert raw.content == b"Lettre de liaison." and raw.headers["content-type"].startswith("text/plain")
    assert dmp.counts()["Binary"] == 1


async def test_simplified_publish_refusals_store_nothing(dmp):
    before = dmp.counts()
    with_url = simplified()
    with_url["content"][0]["attachment"]["url"] = "http://elsewhere/doc"
    without_data = simplified()
    del without_data["content"][0]["attachment"]["data"]
    superseded = {**simplified(), "status": "superseded"}
    cases = [({"resourceType": "Binary"}, 400, "MES-0016"), (with_url, 422, "MES-0012"),
             (without_data, 400, "MES-0008"), (superseded, 422, "MES-0012"),
             (simplified(ins=NIA_INS), 422, "MES-0017"), ([1, 2], 400, "MES-0016")]
    for body, status, code in cases:
        answer = await dmp.post("/DocumentReference", body)
        assert answer.status_code == status and code in answer.text, answer.text
    wrong_type = await dmp.http.post(dmp.base + "/DocumentReference", content=b"<x/>",
                                     headers={**dmp.headers(), "content-type": "application/xml"})
    assert wrong_type.status_code == 415
    assert dmp.counts() == before
