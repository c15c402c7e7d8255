"""What a patient controls in their record with a citizen token: masking a document to professionals.

The same metadata update as the professionals' (routers/updates.py, updates.py): the patient may mask and
unmask their own documents (MASQUE_PS), nothing else of a document; another patient's document, a change
that is not theirs and a token without ``mes.documents.write`` are refused, nothing stored, the refusal
traced when an access rule made it.
"""

from __future__ import annotations

from tests.services.ms_espace_sante import support
from tests.services.ms_espace_sante.test_patient_reads import TCHITCHI_INS
from tests.services.ms_espace_sante.test_updates import (
    HIDE,
    IS_ARCHIVED,
    KIT_DOC,
    MASK,
    as_pro,
    audit_events,
    codes,
    feed,
    fhirpath,
    patch,
    stored,
)


async def test_the_patient_masks_a_document_to_professionals_then_unmasks_it(dmp):
    fed = await feed(dmp)
    me = await support.patient_dmp(dmp.http, dmp.tenant)
    masked = await patch(me, fed.query, [{"op": "add", "path": "/securityLabel/-", "value": MASK}])
    assert masked.status_code == 200, masked.text
    assert codes(stored(dmp, fed.rid)) == {"N", "MASQUE_PS"}
    kit = await as_pro(dmp, KIT_DOC)
    assert (await kit.get(fed.url)).status_code == 403
    assert (await dmp.get(fed.url)).status_code == 200  # the author still sees it
    assert (await me.get(fed.url)).status_code == 200  # and the patient
    trace = [e for e in audit_events(dmp) if e["action"] == "U"][0]
    assert trace["agent"][0]["who"]["identifier"]["value"] == support.ADRUN_INS and trace["outcome"] == "0"
    unmask = fhirpath([{"name": "type", "valueCode": "delete"}, {"name": "path", "valueString":
                        "DocumentReference.securityLabel.where(coding.code = 'MASQUE_PS')"}])
    again = await patch(me, fed.query, unmask, content_type=support.FHIR)
    assert again.status_code == 200 and codes(again.json()) == {"N"}
    assert (await kit.get(fed.url)).status_code == 200


async def test_what_is_not_the_patients_to_change_is_refused_and_stores_nothing(dmp):
    fed = await feed(dmp)
    me = await support.patient_dmp(dmp.http, dmp.tenant)
    archive = [{"op": "add", "path": "/extension", "value": [{"url": IS_ARCHIVED, "valueBoolean": True}]}]
    hide = [{"op": "add", "path": "/securityLabel/-", "value": HIDE}]
    delete = [{"op": "replace", "path": "/status", "value": "entered-in-error"}]
    for body in (archive, hide, delete):
        answer = await patch(me, fed.query, body)
        assert answer.status_code == 403 and "MES-0033" in answer.text and "the patient" in answer.text, answer.text
    assert stored(dmp, fed.rid)["meta"]["versionId"] == "1"
    refusals = [e for e in audit_events(dmp) if e["action"] == "U"]
    assert len(refusals) == 3 and {e["outcome"] for e in refusals} == {"4"}


async def test_another_patients_document_and_a_read_only_token_are_refused(dmp):
    other = await feed(dmp)  # Zoé Adrun's document ...
    stranger = await support.patient_dmp(dmp.http, dmp.tenant, TCHITCHI_INS)  # ... touched by another patient
    answer = await patch(stranger, other.query, [{"op": "add", "path": "/securityLabel/-", "value": MASK}])
    assert answer.status_code == 403 and "MES-0303" in answer.text
    reader = await support.patient_dmp(dmp.http, dmp.tenant, scope="openid mes.documents.read")
    answer = await patch(reader, other.query, [{"op": "add", "path": "/securityLabel/-", "value": MASK}])
    assert answer.status_code == 403 and "MES-0304" in answer.text and "mes.documents.write" in answer.text
    assert stored(dmp, other.rid)["meta"]["versionId"] == "1"


def own_document(ins: str = support.ADRUN_INS, class_code: str = "90", author_type: str = "Patient") -> dict:
    """An ITI-105 DocumentReference a patient writes: class 90, authored by a contained Patient."""
    doc = support.simplified(ins, b"Mes mesures de tension : 12/8.")
    author = {"resourceType": author_type, "id": "author",
              "identifier": [{"system": support.INS_SYSTEM, "value": ins}] if author_type == "Patient" else
              [{"system": "urn:oid:1.2.250.1.71.4.2.1", "value": "899700218896"}],
              "name": [{"family": "ADRUN", "given": ["ZOE"]}]}
    doc["contained"] = [author]
    doc["category"][0]["coding"][0]["code"] = class_code
    return doc


async def test_the_patient_adds_their_own_document_which_professionals_then_read(dmp):
    me = await support.patient_dmp(dmp.http, dmp.tenant)
    answer = await me.post("/DocumentReference", own_document())
    assert answer.status_code == 201, answer.text
    url = answer.json()["content"][0]["attachment"]["url"]
    assert (await dmp.get(url)).content == b"Mes mesures de tension : 12/8."  # Dr Robert, a physician
    created = [e for e in audit_events(dmp) if e["action"] == "C"]
    assert created[0]["agent"][0]["who"]["identifier"]["value"] == support.ADRUN_INS


async def test_what_a_patient_may_not_feed_is_refused_and_stores_nothing(dmp):
    me = await support.patient_dmp(dmp.http, dmp.tenant)
    reader = await support.patient_dmp(dmp.http, dmp.tenant, scope="openid mes.documents.read")
    before = dmp.counts()
    for who, body, status, code in ((me, own_document(class_code="10"), 422, "MES-0315"),
                                    (me, own_document(author_type="Practitioner"), 422, "MES-0315"),
                                    (me, own_document(TCHITCHI_INS), 403, "MES-0303"),
                                    (reader, own_document(), 403, "MES-0304")):
        answer = await who.post("/DocumentReference", body)
        assert answer.status_code == status and code in answer.text, answer.text
    assert {k: v for k, v in dmp.counts().items() if k != "AuditEvent"} == \
        {k: v for k, v in before.items() if k != "AuditEvent"}
