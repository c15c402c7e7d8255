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
    device,
    directory,
    healthcare_service,
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
    degree, exercice, savoir_faire = resource["qualification"]
    # qualification[degree] of IG input/fsh/examples/DP/PP19DP-Practitioner.fsh (a médecin): DE05 then type DE
    assert degree["code"]["coding"] == [
        {"system": "https://mos.esante.gouv.fr/NOS/TRE_R48-DiplomeEtatFrancais/FHIR/TRE-R48-DiplomeEtatFrancais",
         "code": "DE05"},
        {"system": "https://mos.esante.gouv.fr/NOS/TRE_R14-TypeDiplome/FHIR/TRE-R14-TypeDiplome", "code": "DE"}]
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
        ("https://sirene.fr", "26440310600016", "SIRET"), ("https://rppsrang.esante.gouv.fr", "F630000022", "RPPSRG")]
    assert [(t["extension"][0]["valueCode"], t["coding"][0]["code"]) for t in eg["type"]] == [
        ("organizationType", "GEOGRAPHICAL-ENTITY"), ("secteurActiviteRASS", "SA01"),
        ("categorieEtablissementRASS", "355"), ("activiteINSEE", "86.10Z")]
    assert eg["partOf"] == {"reference": f"Organization/{technical_id('Organization', 'ej-test')}"}
    assert eg["telecom"][0] == {"system": "phone", "value": "0473001000", "use": "work"}
    assert [t["value"] for t in eg["telecom"][1:]] == ["accueil@hi.mssante.fr", "dpi@hi.mssante.fr"]
    address = eg["address"][0]
    assert (address["line"], address["postalCode"], address["city"]) == (
        ["12 BOULEVARD DES VOLCANS"], "63000", "CLERMONT-FERRAND")
    assert extension(address, nos.EXT_INSEE_CODE)["valueCoding"] == {"system": nos.COMMUNE, "code": "63113"}
    ej = organization(EJ)
    assert [i["type"]["coding"][0]["code"] for i in ej["identifier"]] == ["IDNST", "FINEJ", "SIREN", "RPPSRG"]
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


# Shapes of the IG (ansforge/IG-fhir-annuaire) the tests below hold our resources to, cited by path.
ADXP = "http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-"
TRACE = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-data-trace"


def trace(resource: dict) -> dict[str, dict]:
    """The data trace's sub-extensions by url (rs-as-core puts as-ext-data-trace in meta.extension)."""
    (ext,) = [e for e in resource["meta"]["extension"] if e["url"] == TRACE]
    return {e["url"]: e for e in ext["extension"]}


def test_address_line_is_split_into_adxp_parts_with_the_city_in_capitals():
    # input/fsh/examples/DP/PP19DP-Organization-EG-CH.fsh: line.extension houseNumber "96", streetNameType "R",
    # streetNameBase "DIDOT"; city "PARIS" (input/fsh/profiles-datatype/AsAddressExtendedProfile.fsh)
    place = organization(Organization("o", "X", "pharmacy", "EG", finess="630000030",
                                      address=Address("96 rue Didot", "75014", "Paris", "75114")))["address"][0]
    assert place["city"] == "PARIS" and place["line"] == ["96 RUE DIDOT"]
    assert place["_line"] == [{"extension": [{"url": ADXP + "houseNumber", "valueString": "96"},
                                             {"url": ADXP + "streetNameType", "valueString": "R"},
                                             {"url": ADXP + "streetNameBase", "valueString": "DIDOT"}]}]
    lieu = organization(Organization("o", "X", "pharmacy", "EG", finess="630000030",
                                     address=Address("Lieu-dit Les Roches", "63000", "Royat", "63308")))
    assert lieu["address"][0]["_line"] == [{"extension": [{"url": ADXP + "streetNameBase",
                                                           "valueString": "LIEU-DIT LES ROCHES"}]}]


def test_data_trace_names_the_authority_the_system_and_the_authority_update_on_every_type(population):
    # input/fsh/extensions/AsDataTraceExtension.fsh: autorite-enregistrement (CodeableConcept, JDV_J83 whose codes
    # are TRE_R60's, as input/fsh/examples/DR/PP16DR-Practitioner.fsh shows), systeme-information (code),
    # date-maj-ae (date)
    by_type: dict[str, dict] = {}
    for resource in directory(population.organizations, population.professionals):
        by_type.setdefault(resource["resourceType"], resource)
        parts = trace(resource)
        assert list(parts) == ["autorite-enregistrement", "systeme-information", "date-maj-ae"]
        (code,) = parts["autorite-enregistrement"]["valueCodeableConcept"]["coding"]
        assert code["system"] == nos.AUTHORITY and code["code"]
        assert date.fromisoformat(parts["date-maj-ae"]["valueDate"]) >= date(2021, 1, 1)
    assert set(by_type) == {"Organization", "Device", "HealthcareService", "Practitioner", "PractitionerRole"}
    assert trace(practitioner(PRO))["autorite-enregistrement"]["valueCodeableConcept"]["coding"][0]["code"] == "CNOM"
    assert trace(organization(EG))["systeme-information"]["valueCode"] == "FINESS"
    assert trace(practitioner(PRO)) == trace(practitioner(PRO)), "the update date is fixed by the record"


def test_rpps_rang_of_a_cabinet_and_of_a_finess_structure(population):
    # FR Core identifier[rppsRang]: system https://rppsrang.esante.gouv.fr, type RPPSRG, "11 chiffres RPPS + 2 ou 3
    # chiffres RANG"; the IG example PP19DP-Organization-EG-CH.fsh writes it F + FINESS (F754567860)
    cabinet = organization(population.organization("cabinet-specialiste"))
    (rang,) = [i for i in cabinet["identifier"] if i["system"] == "https://rppsrang.esante.gouv.fr"]
    assert rang["value"] == "99700218896001" and rang["value"].startswith(population.professional(
        "robert-specialiste").rpps)
    assert rang["type"]["coding"] == [{"system": nos.IDENTIFIER_TYPE, "code": "RPPSRG"}]
    assert [i["value"] for i in organization(EG)["identifier"] if i["system"] == nos.RPPS_RANG_SYSTEM] == ["F630000022"]
    msp = organization(population.organization("msp-des-puys"))
    assert not [i for i in msp["identifier"] if i["system"] == nos.RPPS_RANG_SYSTEM]


def test_activite_insee_type_slice_carries_the_ape_code():
    # the activiteINSEE slice of as-organization (IG history before 2026-03; example PP19DP-Organization-EG-CH.fsh:
    # extension as-ext-organization-types valueCode activiteINSEE, TRE_R75-InseeNAFrev2Niveau5 86.10Z)
    types = organization(EG)["type"]
    (ape,) = [t for t in types if t["extension"][0]["valueCode"] == "activiteINSEE"]
    assert ape["extension"][0]["url"] == nos.EXT_ORGANIZATION_TYPES
    assert ape["coding"] == [{"system": "https://mos.esante.gouv.fr/NOS/TRE_R75-InseeNAFrev2Niveau5/FHIR/"
                                        "TRE-R75-InseeNAFrev2Niveau5", "code": "86.10Z"}]


def test_diplomas_only_where_the_ig_shows_the_code(population):
    # DP/PP16DP-Practitioner.fsh: a pharmacien has DE01; professions without a known code get no degree slice
    girard = practitioner(population.professional("pharmacien-girard"))
    assert girard["qualification"][0]["code"]["coding"][0] == {"system": nos.DIPLOMA, "code": "DE01"}
    nurse = practitioner(population.professional("infirmiere-petit"))
    assert all(c["system"] != nos.DIPLOMA for q in nurse["qualification"] for c in q["code"]["coding"])


def test_fonction_code_of_every_active_situation(population):
    # DP/PP19DP-PractitionerRole-Sal.fsh: code[fonction] = TRE_R21-Fonction#FON-AU
    for pro in population.professionals:
        for index, situation in enumerate(pro.situations):
            role = practitioner_role(pro, situation, index)
            if role["active"] and pro.id != "kit-doc":
                functions = [c["coding"][0] for c in role["code"] if c["coding"][0]["system"] == nos.FUNCTION]
                assert functions in ([{"system": nos.FUNCTION, "code": "FON-AU"}],
                                     [{"system": nos.FUNCTION, "code": "FON-02"}]), pro.id
    organizations, stream = professionals(5, 20)
    generated = next(stream)
    assert practitioner_role(generated, generated.situations[0], 0)["code"][-1]["coding"][0]["code"] == "FON-AU"


def test_devices_and_healthcare_services_of_a_hospital(population):
    # profiles-dp/AsDpDeviceProfile.fsh, profiles-dp/AsDpHealthcareServiceHealthCareActivityProfile.fsh;
    # AS-DOC version-2/resources/device.md (TRE_R272 05602) and healthcare-service.md (TRE_R276 07)
    ch = population.organization("ch-volcans")
    owner = {"reference": f"Organization/{technical_id('Organization', 'ch-volcans')}"}
    devices = [device(ch, e, i) for i, e in enumerate(ch.equipment)]
    scanner = devices[0]
    assert scanner["id"].startswith("002-") and TECHNICAL_ID.fullmatch(scanner["id"])
    assert scanner["meta"]["profile"] == ["https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-device"]
    assert scanner["identifier"] == [{"system": "https://arhgos.ars.sante.fr", "value": "63-63-10001"}]
    assert (scanner["status"], scanner["owner"]) == ("active", owner)
    assert scanner["type"]["coding"] == [{"system": "https://mos.esante.gouv.fr/NOS/TRE_R272-EquipementMaterielLourd/"
                                                    "FHIR/TRE-R272-EquipementMaterielLourd", "code": "05602"}]
    auth = {e["url"]: e for e in extension(scanner, nos.EXT_AUTHORIZATION)["extension"]}
    assert auth["dateAuthorization"]["valueDate"] == "2019-05-14"
    assert auth["periodAuthorization"]["valuePeriod"] == {"start": "2019-11-04", "end": "2029-11-03"}
    retired = devices[2]  # device.md: an inactive one shows language and its ARHGOS number
    assert set(retired) == {"resourceType", "id", "meta", "language", "identifier", "status"}
    assert retired["status"] == "inactive"
    surgery = healthcare_service(ch, ch.activities[2], 2)
    assert surgery["id"].startswith("004-") and surgery["providedBy"] == owner and surgery["active"] is True
    assert surgery["identifier"] == [{"system": "https://arhgos.ars.sante.fr", "value": "63-63-20003"}]
    assert [c["coding"][0] for c in surgery["characteristic"]] == [{"system": nos.FORM, "code": "07"}]
    assert [c["coding"][0]["system"] for c in (*surgery["category"], *surgery["type"])] == [nos.MODALITY, nos.ACTIVITY]
    for resource in (*devices, surgery):
        validate_resource(resource)


def test_generated_hospitals_get_authorisations_deterministic_by_seed():
    first, _ = professionals(4, 500)
    again, _ = professionals(4, 500)
    hospitals = [o for o in first if o.kind == "hospital-eg"]
    assert hospitals and all(o.equipment and o.activities for o in hospitals)
    assert [o.equipment for o in first] == [o.equipment for o in again]
    numbers = [a.arhgos for o in first for a in (*o.equipment, *o.activities)]
    assert len(set(numbers)) == len(numbers) and all(re.fullmatch(r"\d{2}-\d{2}-3\d{4}", n) for n in numbers)
    assert not [o for o in first if o.kind != "hospital-eg" and (o.equipment or o.activities)]


def test_a_withdrawn_activity_keeps_only_its_arhgos_number(population):
    # v2 guide "nouveautés": a HealthcareService with active=false shows its ARHGOS number
    from dataclasses import replace

    ch = population.organization("ch-volcans")
    withdrawn = healthcare_service(ch, replace(ch.activities[0], active=False), 0)
    assert set(withdrawn) == {"resourceType", "id", "meta", "language", "identifier", "active"}
    assert withdrawn["active"] is False and withdrawn["identifier"][0]["value"] == "63-63-20001"
    validate_resource(withdrawn)


def test_social_equipment_of_the_nursing_home(population):
    # profiles-dp/AsDpHealthcareServiceSocialEquipmentProfile.fsh: identifier 0..0, type[category] (JDV_J379),
    # eligibility.code (JDV_J376), characteristic (JDV_J138; AS-DOC healthcare-service.md: TRE_R209 11),
    # extensions as-ext-authorization, as-ext-installation, as-ext-supported-capacity
    ehpad = population.organization("ehpad-des-volcans")
    (social,) = [r for r in directory([ehpad], []) if r["resourceType"] == "HealthcareService"]
    assert social["meta"]["profile"] == [
        "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-healthcareservice-social-equipment"]
    assert "identifier" not in social and social["active"] is True
    assert social["providedBy"] == {"reference": f"Organization/{technical_id('Organization', 'ehpad-des-volcans')}"}
    assert social["type"][0]["coding"] == [{"system": nos.SOCIAL_ACTIVITY, "code": "924"}]
    assert social["eligibility"] == [{"code": {"coding": [{"system": nos.PUBLIC, "code": "2100"}]}}]
    assert social["characteristic"][0]["coding"] == [
        {"system": "https://mos.esante.gouv.fr/NOS/TRE_R209-TypeActivite/FHIR/TRE-R209-TypeActivite", "code": "11"}]
    capacity = {e["url"]: e["valueInteger"] for e in extension(social, nos.EXT_SUPPORTED_CAPACITY)["extension"]}
    assert capacity == {"capacityAvailable": 84, "installedCapacity": 80}
    assert extension(social, nos.EXT_INSTALLATION)["extension"] == [
        {"url": "dateFirstInstallation", "valueDate": "2013-01-07"}]
    validate_resource(social)
    parent = technical_id("Organization", "ch-volcans-ej")
    assert organization(ehpad)["partOf"] == {"reference": f"Organization/{parent}"}
