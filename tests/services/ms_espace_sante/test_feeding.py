"""Only a qualified INS with a DMP here feeds it (feeding.py): refusals are precise and store nothing."""

from __future__ import annotations

from tests.services.ms_espace_sante.support import NIA_INS, provide_bundle, simplified


async def test_a_provisional_identity_or_an_ins_without_dmp_cannot_feed(dmp):
    before = dmp.counts()
    nia = provide_bundle(ins=NIA_INS)
    for entry in nia["entry"][:2]:
        entry["resource"]["subject"]["reference"] = f"Patient?identifier=urn:oid:1.2.250.1.213.1.4.9|{NIA_INS}"
    answer = await dmp.post("", nia)
    assert answer.status_code == 422 and "MES-0113" in answer.text, answer.text
    for path, body in (("", provide_bundle(ins="299999999999999")), ("/DocumentReference",
                                                                      simplified(ins="299999999999999"))):
        answer = await dmp.post(path, body)
        assert answer.status_code == 422 and "MES-0017" in answer.text, answer.text
    assert dmp.counts() == before


async def test_two_documents_replacing_one_are_refused(dmp):
    first = await dmp.post("", provide_bundle())
    old = first.json()["entry"][1]["response"]["location"].split("/_history/")[0].rsplit("/", 1)[1]
    bundle = provide_bundle(documents=(b"a", b"b"), replaces=old)
    answer = await dmp.post("", bundle)
    assert answer.status_code == 422 and "MES-0011" in answer.text, answer.text
