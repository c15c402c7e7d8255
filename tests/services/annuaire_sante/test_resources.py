"""FHIR builders: identifiers, names, qualifications, cards, mailboxes and structures as the directory shows them."""

import re
from datetime import date

import pytest

from core.fhir.models import validate_resource
from core.population.generator import professionals
from core.population.model import Address, Mailbox, Organization, Professional, Situation, SmartCard
from services.annuaire_sante import nos
from services.annuaire_sante.resources import (
    BuildOptions,
    directory,
    organization,
    practitioner,
    practitioner_role,
    technical_id,
)

CARD = SmartCard("CPS", "3100345668", date(2024, 2, 21), date(2027, 2, 21))
PRO = Professional(
    "dr-test", "10101201234", "Leclerc", "Sophie", "MME", "10", exercise_civility="DR", specialty="SM54",
    situations=(Situation("1011848351", "cab-test", mode="L", role="FON-05",
                          mailboxes=(Mailbox("s.leclerc@cab-test.mssante.fr", "PER"),)),),
    mailboxes=(Mailbox("sophie.leclerc@medecin.mssante.fr", "PER"),
               Mailbox("secret@medecin.mssante.fr", "PER", liste_rouge=True)),
    cards=(CARD,),
)
EJ = Organization("ej-test", "HOPITAL INTERCOMMUNAL", "hospital-ej", "EJ", finess="630000014", siren="264403106")
EG = Organization("eg-test", "HOPITAL SITE NORD", "hospital-eg", "EG", finess="630000022", siret="26440310600016",
                  part_of="ej-test", alias="HI Nord", sector="SA01", category="355", phone="04 73 00 10 00",
                  address=Address("12 boulevard des Volcans", "63000", "Clermont-Ferrand", "63113"),
                  mailboxes=(Mailbox("accueil@hi.mssante.fr", "ORG", "Accueil", "Admissions"),
                             Mailbox("dpi@hi.mssante.fr", "APP", "DPI")))
TECHNICAL_ID = re.compile(r"\d{3}-\d{5}-\d+")


def extension(element: dict, url: str) -> dict:
    return next(e for e in element["extension"] if e["url"] == url)


def sub(element: dict, url: str) -> dict:
    return next(e for e in element["extension"] if e["url"] == url)


def test_practitioner_identifiers_profiles_and_source():
    resource = practitioner(PRO)
    assert TECHNICAL_ID.fullmatch(resource["id"]) and resource["id"].startswith("003-")
    assert resource["meta"]["profile"] == [
        "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-practitioner",
        "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-practitioner"]
    assert resource["meta"]["source"] == "https://annuaire.sante.fr"
    idnps, rpps = resource["identifier"]
    assert (idnps["system"], idnps["value"], idnps["type"]["coding"][0]["code"]) == (
        "urn:oid:1.2.250.1.71.4.2.1", "810101201234", "IDNPS")
    assert (rpps["system"], rpps["value"], rpps["type"]["coding"][0]["code"]) == (
        "https://rpps.esante.gouv.fr", "10101201234", "RPPS")
    assert resource["name"] == [{"use": "usual", "family": "Leclerc", "given": ["Sophie"], "prefix": ["MME"],
                                 "suffix": ["DR"]}]


def test_practitioner_qualifications_and_smartcard():
    resource = practitioner(PRO)
    exercice, savoir_faire = resource["qualification"]
    assert exercice["code"]["coding"] == [
        {"system": "https://mos.esante.gouv.fr/NOS/TRE_R09-CategorieProfessionnelle/FHIR/TRE-R09-CategorieProfessionnelle",
         "code": "C"},
        {"system": "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante", "code": "10"}]
    assert [c["code"] for c in savoir_faire["code"]["coding"]] == ["S", "SM54"]
    card = extension(resource, nos.EXT_SMARTCARD)
    assert sub(card, "type")["valueCodeableConcept"]["coding"][0] == {"system": nos.CARD_TYPE, "code": "CPS"}
    assert sub(card, "number")["valueString"] == "3100345668"
    assert sub(card, "period")["valuePeriod"] == {"start": "2024-02-21", "end": "2027-02-21"}


def test_mailboxes_are_mss_contact_points_and_liste_rouge_is_hidden_by_default():
    telecom = practitioner(PRO)["telecom"]
    assert [t["value"] for t in telecom] == ["sophie.leclerc@medecin.mssante.fr"]
    point = telecom[0]
    assert point["system"] == "email"
    assert extension(point, nos.EXT_EMAIL_TYPE)["valueCoding"] == {"system": nos.MESSAGING_TYPE, "code": "MSSANTE"}
    metadata = extension(point, nos.EXT_MAILBOX_METADATA)
    assert sub(metadata, "type")["valueCodeableConcept"]["coding"][0] == {"system": nos.MAILBOX_TYPE, "code": "PER"}
    assert not any(e["url"] == "listeRouge" for e in metadata["extension"])


def test_flag_option_publishes_every_mailbox_with_its_liste_rouge_flag_and_chosen_type_system():
    options = BuildOptions(liste_rouge="flag", mailbox_type_system=nos.MESSAGING_TYPE)
    telecom = practitioner(PRO, options)["telecom"]
    flags = {t["value"]: sub(extension(t, nos.EXT_MAILBOX_METADATA), "listeRouge")["valueBoolean"] for t in telecom}
    assert flags == {"sophie.leclerc@medecin.mssante.fr": False, "secret@medecin.mssante.fr": True}
    kind = sub(extension(telecom[0], nos.EXT_MAILBOX_METADATA), "type")["valueCodeableConcept"]["coding"][0]
    assert kind["system"] == nos.MESSAGING_TYPE


def test_practitioner_role_links_codes_and_situation_mailboxes():
    role = practitioner_role(PRO, PRO.situations[0], 0)
    assert role["id"].startswith("005-") and TECHNICAL_ID.fullmatch(role["id"])
    assert role["identifier"] == [{"use": "official", "system": "https://rpps.esante.gouv.fr", "value": "1011848351"}]
    assert role["practitioner"] == {"reference": f"Practitioner/{technical_id('Practitioner', 'dr-test')}"}
    assert role["organization"] == {"reference": f"Organization/{technical_id('Organization', 'cab-test')}"}
    assert [(c["coding"][0]["system"], c["coding"][0]["code"]) for c in role["code"]] == [
        (nos.GENRE, "GENR01"), (nos.MODE, "L"), (nos.FUNCTION, "FON-05")]
    assert role["telecom"][0]["value"] == "s.leclerc@cab-test.mssante.fr" and role["active"] is True


def test_organization_identifiers_types_hierarchy_and_address():
    eg = organization(EG)
    assert eg["id"].startswith("001-") and eg["name"] == "HOPITAL SITE NORD" and eg["alias"] == ["HI Nord"]
    assert [(i["system"], i["value"], i["type"]["coding"][0]["code"]) for i in eg["identifier"]] == [
        ("urn:oid:1.2.250.1.71.4.2.2", "1630000022", "IDNST"), ("https://finess.esante.gouv.fr", "630000022", "FINEG"),
        ("https://sirene.fr", "26440310600016", "SIRET")]
    assert [(t["extension"][0]["valueCode"], t["coding"][0]["code"]) for t in eg["type"]] == [
        ("organizationType", "GEOGRAPHICAL-ENTITY"), ("secteurActiviteRASS", "SA01"),
        ("categorieEtablissementRASS", "355")]
    assert eg["partOf"] == {"reference": f"Organization/{technical_id('Organization', 'ej-test')}"}
    assert eg["telecom"][0] == {"system": "phone", "value": "0473001000", "use": "work"}
    assert [t["value"] for t in eg["telecom"][1:]] == ["accueil@hi.mssante.fr", "dpi@hi.mssante.fr"]
    address = eg["address"][0]
    assert (address["line"], address["postalCode"], address["city"]) == (
        ["12 boulevard des Volcans"], "63000", "Clermont-Ferrand")
    assert extension(address, nos.EXT_INSEE_CODE)["valueCoding"] == {"system": nos.COMMUNE, "code": "63113"}
    ej = organization(EJ)
    assert [i["type"]["coding"][0]["code"] for i in ej["identifier"]] == ["IDNST", "FINEJ", "SIREN"]
    assert ej["type"][0]["coding"][0]["code"] == "LEGAL-ENTITY"


def test_deactivated_records_keep_only_ids_identifiers_name_and_active_false():
    gone = Professional("gone", "10000005479", "Faure", "Henri", "M", "10", cards=(CARD,), active=False,
                        mailboxes=(Mailbox("h@medecin.mssante.fr", "PER"),),
                        situations=(Situation("1000000110", "cab-test"),))
    assert set(practitioner(gone)) == {"resourceType", "id", "meta", "language", "identifier", "name", "active"}
    assert practitioner(gone)["active"] is False
    role = practitioner_role(gone, gone.situations[0], 0)
    assert role["active"] is False and "code" not in role and "telecom" not in role
    closed = organization(Organization("closed", "CABINET FERME", "gp-practice", "EG", siret="81234503100015",
                                       phone="0102030405", active=False))
    assert set(closed) == {"resourceType", "id", "meta", "language", "identifier", "name", "active"}


def test_technical_ids_follow_the_population_ids():
    assert technical_id("Practitioner", "ps-42-17") == "003-10042-17"
    assert technical_id("PractitionerRole", "ps-42-17", 1) == "005-10042-171"
    assert technical_id("Organization", "org-0-5") == "001-10000-5"
    # persona slugs: blake2b of the slug, so every run and every machine gives a professional the same id
    assert technical_id("Practitioner", "dr-leroy") == "003-00001-49341711"
    assert technical_id("Practitioner", "dr-leroy-x") == "003-00001-10417033"
    assert technical_id("PractitionerRole", "dr-leroy", 2) == "005-00001-493417112"


@pytest.mark.parametrize("options", [BuildOptions(), BuildOptions(liste_rouge="flag")])
def test_builder_output_validates_against_the_r4_models(population, options):
    organizations, stream = professionals(3, 200)
    resources = [*directory(population.organizations, population.professionals, options),
                 *directory(organizations, stream, options), practitioner(PRO, options), organization(EG, options)]
    for resource in resources[::3] + resources[-30:]:
        validate_resource(resource)
    assert len({r["id"] for r in resources}) == len(resources)
