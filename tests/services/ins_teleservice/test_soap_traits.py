"""rechercherInsAvecTraitsIdentite against the CNDA personas (digest §1.3, §1.4) and the matching rules."""

from __future__ import annotations

import pytest

from core.identifiers import nir_key
from tests.services.ins_teleservice.support import NS, TRAITS, call, cr, envelope, result, traits_body

ADRUN = ("ADRUN", "ZOE")
ADRUN_TRAITS = {"sex": "F", "birth_date": "1975-12-31"}


async def search(client, birth_name, *first_names, **traits):
    return await call(client, envelope(traits_body(birth_name, *first_names, **traits)), action=TRAITS)


async def test_adrun_zoe_returns_cr_00_with_her_ins(insi):
    found = result(await search(insi, *ADRUN, **ADRUN_TRAITS))
    assert found.findtext("r:CR/r:LibelleCR", namespaces=NS) == "OK"
    active = found.find("r:INDIVIDU/r:INSACTIF", NS)
    assert active.findtext("r:IdIndividu/r:NumIdentifiant", namespaces=NS) == "2751263220749"
    assert active.findtext("r:IdIndividu/r:Cle", namespaces=NS) == "74"
    assert active.findtext("r:OID", namespaces=NS) == "1.2.250.1.213.1.4.8"
    tiq = found.find("r:INDIVIDU/r:TIQ", NS)
    assert [c.tag.split("}")[1] for c in tiq] == ["NomNaissance", "Prenom", "ListePrenom", "Sexe", "DateNaissance",
                                                  "LieuNaissance"]
    assert [c.text for c in tiq] == ["ADRUN", "ZOE", "ZOE", "F", "1975-12-31", "63220"]


@pytest.mark.parametrize("first_names, code", [
    (("OLA",), "01"), (("CATARINA",), "00"), (("CATARINA BELLA",), "00"), (("CATARINA", "BELLA"), "00"),
    (("BELLA",), "01"), (("BELLA CATARINA",), "01"),
])
async def test_tchitchi_first_name_rules(insi, first_names, code):
    assert cr(await search(insi, "TCHITCHI", *first_names, sex="F", birth_date="1936-06-21")) == code


@pytest.mark.parametrize("first_names", [("PIERRE",), ("PAUL",), ("JACQUES",), ("PIERRE PAUL JACQUES",), ()])
async def test_houilles_is_never_found(insi, first_names):
    response = await search(insi, "HOUILLES", *first_names, sex="M", birth_date="1993-01-27")
    assert cr(response) == "01"
    assert result(response).find("r:INDIVIDU", NS) is None
    assert result(response).findtext("r:CR/r:LibelleCR", namespaces=NS) == "Aucune identite trouvee"


async def test_ecetinsi_has_two_former_ins_and_no_tiq_first_name(insi):
    found = result(await search(insi, "ECETINSI", "PIERRE-ALAIN", sex="M", birth_date="2009-07-14"))
    individu = found.find("r:INDIVIDU", NS)
    assert [c.tag.split("}")[1] for c in individu] == ["INSACTIF", "INSHISTO", "INSHISTO", "TIQ"]
    first, second = individu.findall("r:INSHISTO", NS)
    assert [c.tag.split("}")[1] for c in first] == ["IdIndividu", "OID", "DateDeb", "DateFin"]
    assert (first.findtext("r:DateDeb", namespaces=NS), first.findtext("r:DateFin", namespaces=NS)) == (
        "2019-03-01", "2019-02-28")
    assert second.findtext("r:IdIndividu/r:NumIdentifiant", namespaces=NS) == "2090663220123"
    assert second.find("r:DateDeb", NS) is None
    tiq = individu.find("r:TIQ", NS)
    assert tiq.find("r:Prenom", NS) is None
    assert tiq.findtext("r:ListePrenom", namespaces=NS) == "PIERRE-ALAIN MURIEL FLORIANT"


async def test_corse_anthony_keeps_his_corsican_matricule(insi):
    found = result(await search(insi, "CORSE", "ANTHONY", sex="M", birth_date="1980-03-02", birth_place="2B020"))
    assert found.findtext("r:INDIVIDU/r:INSACTIF/r:IdIndividu/r:NumIdentifiant", namespaces=NS) == "180032B020401"
    assert found.findtext("r:INDIVIDU/r:TIQ/r:LieuNaissance", namespaces=NS) == "2B020"


async def test_hermann_is_returned_although_his_keys_fail_mod_97(insi):
    found = result(await search(insi, "HERMANN", "GATIEN", sex="M", birth_date="1981-03-24"))
    assert found.findtext("r:INDIVIDU/r:INSACTIF/r:IdIndividu/r:Cle", namespaces=NS) == "60"
    assert [h.findtext("r:IdIndividu/r:Cle", namespaces=NS) for h in found.iterfind("r:INDIVIDU/r:INSHISTO", NS)] == [
        "60", "10"]  # the active INS, then the former one (CNDA TEST_2.08 cas 2)


async def test_nessi_is_found_by_either_first_name_form(insi):
    for names in (("MICHELANGELO",), ("MICHELANGELO ANTHONY",)):
        assert cr(await search(insi, "NESSI", *names, sex="M", birth_date="2010-08-07")) == "00"


async def test_provisoire_is_a_nia_by_its_oid(insi):
    found = result(await search(insi, "PROVISOIRE", "MATRICULE", sex="M", birth_date="2009-07-01"))
    assert found.findtext("r:INDIVIDU/r:INSACTIF/r:OID", namespaces=NS) == "1.2.250.1.213.1.4.9"
    assert found.findtext("r:INDIVIDU/r:INSACTIF/r:IdIndividu/r:NumIdentifiant", namespaces=NS) == "1090763220888"


async def test_names_are_normalised_to_uppercase_ascii(insi):
    assert cr(await search(insi, "  adrun ", "Zoé", sex="F", birth_date="1975-12-31")) == "00"
    assert cr(await search(insi, "N’Diaye", "aminata", sex="F", birth_date="1992-03-08")) == "00"
    assert cr(await search(insi, "Lefèvre", "HÉLÈNE", sex="F", birth_date="1986-04-12")) == "00"


async def test_birth_place_filters_when_given(insi):
    assert cr(await search(insi, *ADRUN, **ADRUN_TRAITS, birth_place="63220")) == "00"
    assert cr(await search(insi, *ADRUN, **ADRUN_TRAITS, birth_place="63113")) == "01"


async def test_no_first_name_matches_on_the_other_traits(insi):
    assert cr(await search(insi, "ADRUN", **ADRUN_TRAITS)) == "00"


async def test_each_wrong_trait_gives_cr_01(insi):
    assert cr(await search(insi, "ADRUNE", "ZOE", **ADRUN_TRAITS)) == "01"
    assert cr(await search(insi, *ADRUN, sex="M", birth_date="1975-12-31")) == "01"
    assert cr(await search(insi, *ADRUN, sex="F", birth_date="1975-12-30")) == "01"


async def test_several_identities_give_cr_02_then_the_birth_place_tells_them_apart(insi):
    for ins, place in (("275126322099988", "63220"), ("275126311399988", "63113")):
        matricule = ins[:13]
        body = {"birthName": "DOUBLON", "firstNames": ["ZOE"], "sex": "F", "birthDate": "1975-12-31",
                "birthPlace": place, "ins": matricule + nir_key(matricule)}
        assert (await insi.post("/_admin/identities", json=body)).status_code == 201
    response = await search(insi, "DOUBLON", "ZOE", sex="F", birth_date="1975-12-31")
    assert cr(response) == "02"
    assert result(response).findtext("r:CR/r:LibelleCR", namespaces=NS) == "Plusieurs identites trouvees"
    assert result(response).find("r:INDIVIDU", NS) is None
    assert cr(await search(insi, "DOUBLON", "ZOE", sex="F", birth_date="1975-12-31", birth_place="63113")) == "00"


async def test_action_may_come_from_the_content_type_only(insi):
    xml = envelope(traits_body(*ADRUN, **ADRUN_TRAITS), action=None)
    assert cr(await call(insi, xml, action=TRAITS)) == "00"


async def test_tenants_do_not_see_each_others_identities(insi, make_client):
    body = {"birthName": "ISOLE", "firstNames": "MARC", "sex": "M", "birthDate": "1990-01-01", "birthPlace": "63113",
            "ins": "1900163113001" + nir_key("1900163113001")}
    assert (await insi.post("/_admin/identities", json=body)).status_code == 201
    assert cr(await search(insi, "ISOLE", "MARC", sex="M", birth_date="1990-01-01")) == "00"
    async with make_client() as other:
        assert cr(await search(other, "ISOLE", "MARC", sex="M", birth_date="1990-01-01")) == "01"
