"""Userinfo claims built from Annuaire records have the real PSC shape (spec digest §2.4)."""

from __future__ import annotations

import json

import pytest

from services.pro_sante_connect.claims import address_parts, userinfo_claims
from services.pro_sante_connect.directory import find_professional
from tests.shared import shared_path

TOP_LEVEL = {
    "Secteur_Activite", "codeGenreActivite", "email_verified", "SubjectOrganization", "Mode_Acces_Raison",
    "preferred_username", "codeCivilite", "given_name", "Acces_Regulation_Medicale", "UITVersion", "authMode",
    "Palier_Authentification", "SubjectRefPro", "SubjectOrganizationID", "SubjectRole", "PSI_Locale", "otherIds",
    "SubjectNameID", "family_name",
}
ACTIVITY = {
    "codeModeExercice", "codeSecteurDactivite", "codeSectionPharmacien", "codeRole", "codeGenreActivite",
    "numeroSiretSite", "numeroSirenSite", "numeroFinessSite", "numeroFinessetablissementJuridique",
    "identifiantTechniqueDeLaStructure", "raisonSocialeSite", "enseigneCommercialeSite", "complementDestinataire",
    "complementPointGeographique", "numeroVoie", "indiceRepetitionVoie", "codeTypeDeVoie", "libelleVoie",
    "mentionDistribution", "bureauCedex", "codePostal", "codeCommune", "codePays", "telephone", "telephone2",
    "telecopie", "adresseEMail", "codeDepartement", "ancienIdentifiantDeLaStructure", "autoriteDenregistrement",
}


def differences(expected, actual, path: str = "") -> dict[str, tuple]:
    """Every leaf of ``expected`` whose value ``actual`` does not repeat (lists compared item by item)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return {path: (expected, actual)}
        out: dict[str, tuple] = {}
        for key, value in expected.items():
            out |= differences(value, actual.get(key, KeyError), f"{path}.{key}".lstrip("."))
        return out
    if isinstance(expected, list) and expected and isinstance(expected[0], dict):
        out = {}
        for index, item in enumerate(expected):
            out |= differences(item, actual[index] if index < len(actual) else KeyError, f"{path}[{index}]")
        return out
    return {} if expected == actual else {path: (expected, actual)}


async def claims_of(annuaire, api_key, hint: str, method: str = "CARD") -> dict:
    return userinfo_claims(await find_professional(annuaire, api_key, hint), method)


@pytest.fixture(scope="module")
def example() -> dict:
    """The real PSC sandbox's userinfo of this test account (tests may read ../shared; the product may not)."""
    return json.loads(shared_path("conformance", "psc", "userinfo-example.json").read_text(encoding="utf-8"))


async def test_robert_specialiste_matches_the_conformance_example(annuaire, api_key, example):
    claims = await claims_of(annuaire, api_key, "899700218896")
    assert differences(example, claims) == {}
    assert claims["SubjectNameID"] == claims["preferred_username"] == "899700218896"
    assert claims["SubjectRole"] == ["10^1.2.250.1.213.1.1.5.5"] and claims["email_verified"] is False


async def test_every_psc_claim_is_present_and_sub_is_left_to_the_issuer(annuaire, api_key):
    claims = await claims_of(annuaire, api_key, "899700218896")
    assert set(claims) == TOP_LEVEL
    [exercice] = claims["SubjectRefPro"]["exercices"]
    assert set(exercice) == {"codeProfession", "codeCategorieProfessionnelle", "codeCiviliteDexercice",
                             "nomDexercice", "prenomDexercice", "codeTypeSavoirFaire", "codeSavoirFaire",
                             "activities"}
    assert set(exercice["activities"][0]) == ACTIVITY
    assert all(isinstance(v, str) for v in exercice["activities"][0].values())
    assert (claims["UITVersion"], claims["Acces_Regulation_Medicale"], claims["PSI_Locale"]) == (
        "1.0", "FAUX", "1.2.250.1.213.1.3.1.1")
    assert claims["otherIds"] == [{"identifiant": "899700218896", "origine": "RPPS", "qualite": 1}]


async def test_palier_and_auth_mode_follow_the_login_method(annuaire, api_key):
    card = await claims_of(annuaire, api_key, "899700218896", "CARD")
    mobile = await claims_of(annuaire, api_key, "899700218896", "MOBILE")
    assert (card["authMode"], mobile["authMode"]) == ("CARD", "MOBILE")
    assert card["Palier_Authentification"] == mobile["Palier_Authentification"] == "APPPRIP3^1.2.250.1.213.1.5.1.1.1"
    with pytest.raises(ValueError):
        await claims_of(annuaire, api_key, "899700218896", "PASSWORD")


async def test_pharmacist_site_with_its_legal_entity(annuaire, api_key):
    claims = await claims_of(annuaire, api_key, "899799000031")
    [activity] = claims["SubjectRefPro"]["exercices"][0]["activities"]
    assert claims["SubjectRole"] == ["21^1.2.250.1.213.1.1.5.5"]
    assert claims["Secteur_Activite"] == "SA33^1.2.250.1.71.4.2.4"
    assert claims["SubjectOrganizationID"] == activity["identifiantTechniqueDeLaStructure"] != ""
    assert (activity["numeroFinessSite"], activity["numeroFinessetablissementJuridique"]) == ("638000042", "638000034")
    assert (activity["numeroSiretSite"], activity["numeroSirenSite"]) == ("81234501500018", "812345015")
    assert (activity["codeModeExercice"], activity["autoriteDenregistrement"]) == ("L", "CNOP/CNOP/CNOP")
    assert (activity["numeroVoie"], activity["codeTypeDeVoie"], activity["libelleVoie"]) == ("3", "PL", "DE JAUDE")
    assert (activity["codePostal"], activity["codeCommune"], activity["codeDepartement"]) == ("63000", "63113", "63")
    assert activity["ancienIdentifiantDeLaStructure"] == "1638000042"


async def test_general_practitioner_carries_her_savoir_faire(annuaire, api_key):
    claims = await claims_of(annuaire, api_key, "899799000015")
    exercice = claims["SubjectRefPro"]["exercices"][0]
    assert (claims["codeCivilite"], exercice["codeCiviliteDexercice"]) == ("MME", "DR")
    assert (exercice["codeTypeSavoirFaire"], exercice["codeSavoirFaire"]) == ("S", "SM54")
    activity = exercice["activities"][0]
    assert (activity["numeroFinessSite"], activity["numeroFinessetablissementJuridique"]) == ("", "")
    assert claims["Secteur_Activite"] == "SA08^1.2.250.1.71.4.2.4"


async def test_closed_record_has_empty_organisation_claims(annuaire, api_key):
    claims = await claims_of(annuaire, api_key, "899799000080")
    assert claims["SubjectRefPro"]["exercices"][0]["activities"] == []
    assert (claims["SubjectOrganization"], claims["SubjectOrganizationID"], claims["Secteur_Activite"]) == ("", "", "")
    assert claims["SubjectRole"] == [] and claims["family_name"] == "FAURE"


def test_address_parts_of_a_line_and_of_nothing():
    org = {"address": [{"line": ["3 bis rue de la Paix"], "postalCode": "75002", "city": "Paris"}]}
    parts = address_parts(org)
    assert (parts["numeroVoie"], parts["indiceRepetitionVoie"], parts["codeTypeDeVoie"], parts["libelleVoie"]) == (
        "3", "B", "R", "DE LA PAIX")
    assert (parts["bureauCedex"], parts["codeDepartement"], parts["codeCommune"]) == ("75002 PARIS", "75", "")
    assert set(address_parts({}).values()) == {""}


async def test_kit_doc_is_the_real_sandbox_account_with_two_activities(annuaire, api_key):
    """KIT DOC0042788 as issue 10 gives it: idNat_PS 899700427885, SM26, two activities (our structures)."""
    claims = await claims_of(annuaire, api_key, "899700427885", "MOBILE")
    exercice = claims["SubjectRefPro"]["exercices"][0]
    assert claims["SubjectNameID"] == "899700427885" and claims["family_name"] == "DOC0042788"
    assert (exercice["codeSavoirFaire"], exercice["codeTypeSavoirFaire"]) == ("SM26", "S")
    activities = exercice["activities"]
    assert [(a["codeModeExercice"], a["raisonSocialeSite"]) for a in activities] == [
        ("L", "MAISON DE SANTÉ DES PUYS"), ("S", "CENTRE HOSPITALIER DES VOLCANS")]
    assert claims["SubjectOrganization"] == "MAISON DE SANTÉ DES PUYS"  # the first activity's
    assert claims["authMode"] == "MOBILE"
    assert await claims_of(annuaire, api_key, "99700427885") == await claims_of(annuaire, api_key, "899700427885")
