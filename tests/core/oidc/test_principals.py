"""Principals built from verified claims: professional, software, patient."""

from __future__ import annotations

import pytest

from core.oidc.principals import (
    Organisation,
    Patient,
    Practitioner,
    System,
    UnknownPrincipal,
    principal_from_claims,
    rpps_of,
)
from tests.core.oidc.fake_issuer import practitioner_claims

# ../shared/conformance/psc/userinfo-example.json: a userinfo answer of the real PSC sandbox
USERINFO = {
    "Secteur_Activite": "SA07^1.2.250.1.71.4.2.4", "email_verified": False,
    "SubjectOrganization": "CABINET M SPECIALISTE0021889", "preferred_username": "899700218896",
    "given_name": "ROBERT", "SubjectRefPro": {"codeCivilite": "M", "exercices": [{
        "codeProfession": "10", "nomDexercice": "SPECIALISTE0021889", "prenomDexercice": "ROBERT",
        "codeTypeSavoirFaire": ""}]},
    "SubjectRole": ["10^1.2.250.1.213.1.1.5.5"], "SubjectNameID": "899700218896", "family_name": "SPECIALISTE0021889",
}


def test_rpps_is_the_idnat_ps_without_its_leading_8() -> None:
    assert rpps_of("899700218896") == "99700218896"
    assert rpps_of("0751234567") is None  # ADELI-based idNat_PS has no RPPS
    assert rpps_of("8") is None


def test_the_real_sandbox_userinfo_shape_gives_a_practitioner() -> None:
    user = principal_from_claims(USERINFO, "default")
    assert isinstance(user, Practitioner)
    assert (user.id_nat_ps, user.rpps, user.profession, user.specialty) == ("899700218896", "99700218896", "10", None)
    assert user.organisations == (Organisation(name="CABINET M SPECIALISTE0021889"),)  # no activities: top level


def test_the_profession_falls_back_to_the_exercice() -> None:
    claims = {**practitioner_claims(), "SubjectRole": []}
    claims["SubjectRefPro"]["exercices"][0]["codeProfession"] = "21"
    assert principal_from_claims(claims, "t").profession == "21"


def test_names_fall_back_to_the_exercice_and_duplicates_organisations_collapse() -> None:
    claims = practitioner_claims()
    del claims["given_name"], claims["family_name"]
    exercice = claims["SubjectRefPro"]["exercices"][0]
    exercice["activities"].append(dict(exercice["activities"][0]))
    exercice["activities"].append({"numeroFinessSite": "750000001", "numeroFinessetablissementJuridique": "750000002",
                                   "raisonSocialeSite": "", "enseigneCommercialeSite": "HOPITAL TEST"})
    user = principal_from_claims(claims, "t")
    assert (user.given_name, user.family_name) == ("CLAIRE", "LEROY")
    assert [o.name for o in user.organisations] == ["CABINET DR LEROY", "HOPITAL TEST"]
    assert user.organisations[1].finess_ej == "750000002"


def test_a_service_account_is_a_system() -> None:
    user = principal_from_claims({"sub": "service-account-robot", "scope": "openid a"}, "t")
    assert user == System(client_id="robot", scopes=frozenset({"openid", "a"}), tenant="t")


def test_a_citizen_token_is_a_patient() -> None:
    user = principal_from_claims({"sub": "c-1", "ins": "279035121518989", "given_name": "Jeanne"}, "t")
    assert isinstance(user, Patient)
    assert (user.ins, user.subject, user.given_name, user.family_name) == ("279035121518989", "c-1", "Jeanne", None)


def test_claims_naming_nobody_are_refused() -> None:
    with pytest.raises(UnknownPrincipal):
        principal_from_claims({"sub": "someone", "azp": "app"}, "t")


def test_principals_are_frozen_and_hashable() -> None:
    user = principal_from_claims(practitioner_claims(), "t")
    assert hash(user) == hash(principal_from_claims({**practitioner_claims(), "jti": "other"}, "t"))
    with pytest.raises(AttributeError):
        user.rpps = "x"  # type: ignore[misc]
