"""TD02 DMP status: Patient?identifier=<INS> answers the DMP or nothing (dmp_status.py)."""

from __future__ import annotations

from tests.services.ms_espace_sante.support import ADRUN_INS, INS_SYSTEM, NIA_INS


async def test_a_persona_with_a_nir_ins_has_a_dmp_attached_to_mon_espace_sante(dmp):
    answer = await dmp.get("/Patient", params={"identifier": f"{INS_SYSTEM}|{ADRUN_INS}"})
    assert answer.status_code == 200 and answer.json()["total"] == 1
    patient = answer.json()["entry"][0]["resource"]
    assert patient["active"] is True and patient["birthDate"] == "1975-12-31"  # the traits INSi confirms
    assert patient["extension"][0]["url"].endswith("/dmp-rattachement-mes")


async def test_no_dmp_is_an_empty_searchset(dmp):
    for identifier in (f"{INS_SYSTEM}|299999999999999", f"urn:oid:1.2.250.1.213.1.4.9|{NIA_INS}"):
        answer = await dmp.get("/Patient", params={"identifier": identifier})
        assert answer.status_code == 200 and answer.json()["total"] == 0


async def test_other_queries_are_400(dmp):
    for params in ({}, {"identifier": ADRUN_INS}, {"identifier": f"{INS_SYSTEM}|{ADRUN_INS}", "name": "x"},
                   {"identifier": f"http://other|{ADRUN_INS}"}):
        answer = await dmp.get("/Patient", params=params)
        assert answer.status_code == 400 and "MES-0015" in answer.text, params


async def test_the_dmp_names_the_personas_medecin_traitant(dmp):
    answer = await dmp.get("/Patient", params={"identifier": f"{INS_SYSTEM}|{ADRUN_INS}"})
    extensions = answer.json()["entry"][0]["resource"]["extension"]
    traitant = next(e for e in extensions if e["url"].endswith("/dmp-medecin-traitant"))
    assert traitant["valueReference"]["identifier"]["value"] == "899799000015"  # dr-leroy
