"""rechercherInsAvecCarteVitale: by the individual's matricule, or the card holder's with birth date and rank."""

from __future__ import annotations

from core.identifiers import nir_key
from tests.services.ins_teleservice.support import NS, VITALE, call, cr, envelope, fault, result, vitale_body


async def vitale(client, **body):
    return await call(client, envelope(vitale_body(**body), action=VITALE), action=VITALE)


def ins(matricule: str) -> str:
    return matricule + nir_key(matricule)


async def test_individual_matricule_and_birth_date_find_the_person(insi):
    response = await vitale(insi, individu=("2751263220749", "74"), birth_date="1975-12-31")
    found = result(response)
    assert found.findtext("r:CR/r:CodeCR", namespaces=NS) == "00"
    assert found.findtext("r:INDIVIDU/r:TIQ/r:NomNaissance", namespaces=NS) == "ADRUN"


async def test_birth_date_or_name_or_key_that_differs_gives_cr_01(insi):
    assert cr(await vitale(insi, individu=("2751263220749", "74"), birth_date="1975-12-30")) == "01"
    assert cr(await vitale(insi, individu=("2751263220749", "75"), birth_date="1975-12-31")) == "01"
    assert cr(await vitale(insi, individu=("2751263220749", None), birth_date="1975-12-31",
                           birth_name="MARTIN")) == "01"
    assert cr(await vitale(insi, individu=("2751263220749", None), birth_date="1975-12-31",
                           birth_name="adrun")) == "00"


async def test_hermann_card_with_his_failing_key_is_accepted(insi):
    assert cr(await vitale(insi, individu=("1810363220456", "60"), birth_date="1981-03-24")) == "00"


async def test_a_former_matricule_returns_the_active_identity(insi):
    found = result(await vitale(insi, individu=("2090763220834", "39"), birth_date="2009-07-14"))
    assert found.findtext("r:INDIVIDU/r:INSACTIF/r:IdIndividu/r:NumIdentifiant", namespaces=NS) == "1090763220834"


async def test_twins_on_a_parent_card_are_told_apart_by_rank(insi):
    parent = "1800163113123"
    for i, (first, rank) in enumerate((("LEA", 1), ("EMMA", 2))):
        body = {"id": f"twin-{rank}", "birthName": "JUMEAU", "firstNames": [first], "sex": "F",
                "birthDate": "2015-06-01", "birthPlace": "63113", "ins": ins(f"21506631135{i:02d}"),
                "ouvrantDroit": parent, "birthRank": rank}
        assert (await insi.post("/_admin/identities", json=body)).status_code == 201, body
    assert cr(await vitale(insi, od=(parent, "00"), birth_date="2015-06-01")) == "02"
    found = result(await vitale(insi, od=(parent, None), birth_date="2015-06-01", rank="2"))
    assert found.findtext("r:INDIVIDU/r:TIQ/r:Prenom", namespaces=NS) == "EMMA"


async def test_a_card_without_any_matricule_is_a_fault(insi):
    assert fault(await vitale(insi, birth_date="1975-12-31"))["code"] == "INS-0020"


async def test_malformed_matricule_key_or_rank_are_faults(insi):
    assert fault(await vitale(insi, individu=("27512632207", "74"), birth_date="1975-12-31"))["code"] == "INS-0025"
    assert fault(await vitale(insi, individu=("2751263220749", "7"), birth_date="1975-12-31"))["code"] == "INS-0025"
    assert fault(await vitale(insi, od=("2751263220749", None), birth_date="1975-12-31",
                              rank="X"))["code"] == "INS-0027"
    assert fault(await vitale(insi, individu=("2751263220749", "74")))["code"] == "INS-0020"
