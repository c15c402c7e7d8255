"""FHIR resources of the directory built from the reference population (spec digest §0.3, §0.4, §3.3, §6.2).

Practitioner (exercice professionnel), PractitionerRole (situation d'exercice), Organization (EJ/EG),
Device (heavy equipment) and HealthcareService (activités de soins) as the Annuaire Santé API v2 publishes
them: ``meta.profile`` pairs FR Core with the ``as-dp-*`` profile, ``meta.source`` is the directory, the
``as-ext-data-trace`` meta extension names the registration authority, the information system and the
authority's last update, identifiers carry their FR Core type, codes use the NOS code systems, addresses
are ``as-address-extended`` (ADXP line parts, city in capitals). A deactivated record keeps only its id,
identifiers, name and ``active: false``. Technical ids have the real API's shape (``003-32783-88722``) and
derive from the population ids, so every seed agrees.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from core.identifiers import FINESS_SYSTEM, IDNAT_PS_OID, IDNAT_STRUCT_OID, RPPS_SYSTEM, SIRENE_SYSTEM
from core.population.model import (
    Activity,
    Address,
    Equipment,
    Mailbox,
    Organization,
    Professional,
    Situation,
    SmartCard,
    SocialEquipment,
)
from services.annuaire_sante import nos

GENERATED_ID = re.compile(r"(?:ps|org)-(\d+)-(\d+)")
KIND_PREFIX = {"Organization": "001", "Device": "002", "Practitioner": "003", "HealthcareService": "004",
               "PractitionerRole": "005"}
# Registration authority (TRE_R60) of a structure outside FINESS: the order of the professionals who declare
# it in the RPPS. CNOM/CNOP are in the IG examples; the other codes and ARS for FINESS data are unconfirmed.
KIND_AUTHORITY = {"gp-practice": "CNOM", "cabinet": "CNOM", "dental-practice": "CNOCD", "nursing-practice": "CNOI",
                  "physio-practice": "CNOMK", "midwife-practice": "CNOSF", "podiatry-practice": "CNOPP"}
FINESS_AUTHORITY = "ARS"
UPDATES_FROM = date(2021, 1, 4)  # date-maj-ae: a day of the five years after this one, from the record's id


@dataclass(frozen=True)
class BuildOptions:
    """Choices where the public sources disagree or stay silent (see the settings of the same names)."""

    liste_rouge: Literal["hide", "flag"] = "hide"  # hide: as the open data (as-dp profiles); flag: publish all
    mailbox_type_system: str = nos.MAILBOX_TYPE


def technical_id(rtype: str, model_id: str, index: int | None = None) -> str:
    """``003-10042-17`` for generated ``ps-42-17``; persona slugs hash into the ``00001`` group."""
    match = GENERATED_ID.fullmatch(model_id)
    if match:
        group, number = f"{10000 + int(match.group(1))}", int(match.group(2))
    else:
        group = "00001"
        number = int.from_bytes(hashlib.blake2b(model_id.encode(), digest_size=6).digest(), "big") % 10**8
    if index is not None:  # a situation: its professional's number and its rank (< 10)
        number = number * 10 + index
    return f"{KIND_PREFIX[rtype]}-{group}-{number}"


def coding(system: str, code: str) -> dict:
    return {"system": system, "code": code}


def concept(*codings: dict) -> dict:
    return {"coding": list(codings)}


def identifier(system: str, value: str, type_code: str | None = None) -> dict:
    out: dict = {"use": "official"}
    if type_code:
        out["type"] = concept(coding(nos.IDENTIFIER_TYPE, type_code))
    return {**out, "system": system, "value": value}


def registry_date(model_id: str) -> str:
    """The day the registration authority last updated a record (``date-maj-ae``), fixed by its id."""
    days = int.from_bytes(hashlib.blake2b(model_id.encode(), digest_size=4).digest(), "big") % 1826
    return (UPDATES_FROM + timedelta(days=days)).isoformat()


def meta(rtype: str, information_system: str, authority: str, updated: str, profile: str | None = None) -> dict:
    """Profiles, source and ``as-ext-data-trace`` (sub-extensions in the IG's order, AsDataTraceExtension.fsh)."""
    trace = {"url": nos.EXT_DATA_TRACE, "extension": [
        {"url": "autorite-enregistrement", "valueCodeableConcept": concept(coding(nos.AUTHORITY, authority))},
        {"url": "systeme-information", "valueCode": information_system},
        {"url": "date-maj-ae", "valueDate": updated},
    ]}
    return {"profile": [profile] if profile else list(nos.PROFILES[rtype]), "source": nos.SOURCE,
            "extension": [trace]}


def professional_authority(pro: Professional) -> str:
    return nos.AUTHORITIES.get(pro.profession, FINESS_AUTHORITY)


def organization_authority(org: Organization) -> str:
    return FINESS_AUTHORITY if org.finess else KIND_AUTHORITY.get(org.kind, FINESS_AUTHORITY)


def mailbox(box: Mailbox, options: BuildOptions) -> dict | None:
    """An ``as-mailbox-mss`` ContactPoint, or None when the box is on the liste rouge and hidden."""
    if box.liste_rouge and options.liste_rouge == "hide":
        return None
    metadata = [{"url": "type", "valueCodeableConcept": concept(coding(options.mailbox_type_system, box.type))}]
    metadata += [{"url": "description", "valueString": box.description}] if box.description else []
    metadata += [{"url": "service", "valueString": box.service}] if box.service else []
    if options.liste_rouge == "flag":
        metadata.append({"url": "listeRouge", "valueBoolean": box.liste_rouge})
    return {
        "extension": [
            {"url": nos.EXT_EMAIL_TYPE, "valueCoding": coding(nos.MESSAGING_TYPE, "MSSANTE")},
            {"url": nos.EXT_MAILBOX_METADATA, "extension": metadata},
        ],
        "system": "email",
        "value": box.address,
        "use": "work",
    }


def mailboxes(boxes: Iterable[Mailbox], options: BuildOptions) -> list[dict]:
    return [c for c in (mailbox(b, options) for b in boxes) if c is not None]


def smartcard(card: SmartCard) -> dict:
    return {"url": nos.EXT_SMARTCARD, "extension": [
        {"url": "type", "valueCodeableConcept": concept(coding(nos.CARD_TYPE, card.type))},
        {"url": "number", "valueString": card.number},
        {"url": "period", "valuePeriod": {"start": card.start.isoformat(), "end": card.end.isoformat()}},
    ]}


def practitioner(pro: Professional, options: BuildOptions = BuildOptions()) -> dict:
    name: dict = {"use": "usual", "family": pro.family, "given": [pro.given], "prefix": [pro.civility]}
    if pro.exercise_civility:
        name["suffix"] = [pro.exercise_civility]
    resource: dict = {
        "resourceType": "Practitioner",
        "id": technical_id("Practitioner", pro.id),
        "meta": meta("Practitioner", "RPPS", professional_authority(pro), registry_date(pro.id)),
        "language": "fr",
        "identifier": [identifier(IDNAT_PS_OID, pro.id_nat_ps, "IDNPS"), identifier(RPPS_SYSTEM, pro.rpps, "RPPS")],
        "active": pro.active,
        "name": [name],
    }
    if not pro.active:
        return resource
    if pro.cards:
        resource["extension"] = [smartcard(c) for c in pro.cards]
    telecom = mailboxes(pro.mailboxes, options)
    if telecom:
        resource["telecom"] = telecom
    qualifications = []
    if pro.profession in nos.DIPLOMAS:  # qualification[degree]: diploma (TRE_R48) then its type (TRE_R14)
        qualifications.append({"code": concept(coding(nos.DIPLOMA, nos.DIPLOMAS[pro.profession]),
                                                coding(nos.DIPLOMA_TYPE, "DE"))})
    qualifications.append({"code": concept(coding(nos.CATEGORY, pro.category), coding(nos.PROFESSION, pro.profession))})
    if pro.specialty:
        qualifications.append({"code": concept(coding(nos.SAVOIR_FAIRE_TYPE, "S"),
                                               coding(nos.SPECIALTY, pro.specialty))})
    resource["qualification"] = qualifications
    return resource


def practitioner_role(pro: Professional, situation: Situation, index: int,
                      options: BuildOptions = BuildOptions()) -> dict:
    resource: dict = {
        "resourceType": "PractitionerRole",
        "id": technical_id("PractitionerRole", pro.id, index),
        "meta": meta("PractitionerRole", "RPPS", professional_authority(pro), registry_date(situation.id)),
        "language": "fr",
        "identifier": [identifier(RPPS_SYSTEM, situation.id)],
        "active": situation.active and pro.active,
        # kept on deactivated situations too, so that _revinclude still finds a professional's history
        "practitioner": {"reference": f"Practitioner/{technical_id('Practitioner', pro.id)}"},
        "organization": {"reference": f"Organization/{technical_id('Organization', situation.organization)}"},
    }
    if not resource["active"]:
        return resource
    codes = [concept(coding(nos.GENRE, situation.genre)), concept(coding(nos.MODE, situation.mode))]
    if situation.role:
        codes.append(concept(coding(nos.FUNCTION, situation.role)))
    resource["code"] = codes
    telecom = mailboxes(situation.mailboxes, options)
    if telecom:
        resource["telecom"] = telecom
    return resource


def organization_types(org: Organization) -> list[dict]:
    def typed(slice_name: str, system: str, code: str) -> dict:
        return {"extension": [{"url": nos.EXT_ORGANIZATION_TYPES, "valueCode": slice_name}],
                "coding": [coding(system, code)]}

    level = "LEGAL-ENTITY" if org.level == "EJ" else "GEOGRAPHICAL-ENTITY"
    types = [typed("organizationType", nos.ORGANIZATION_TYPE, level)]
    if org.sector:
        types.append(typed("secteurActiviteRASS", nos.SECTOR, org.sector))
    if org.category:
        types.append(typed("categorieEtablissementRASS", nos.ESTABLISHMENT_CATEGORY, org.category))
    if org.ape:  # codeAPEN of an EJ, codeAPET of an EG
        types.append(typed("activiteINSEE", nos.APE, org.ape))
    return types


def rpps_rang(org: Organization) -> str | None:
    """The RPPS-rang identifier: a cabinet's RPPS + rank; ``F`` + FINESS for a FINESS structure, as the IG
    examples write it (DP/PP19DP-Organization-EG-CH.fsh ``F754567860``)."""
    return org.rpps_rang or (f"F{org.finess}" if org.finess else None)


def address(place: Address) -> dict:
    """An ``as-address-extended`` address: the line as text and as ADXP parts, the city in capitals."""
    words = place.line.split()
    parts = []
    if words and words[0].isdigit():
        parts.append({"url": nos.ADXP + "houseNumber", "valueString": words.pop(0)})
    if words and words[0].lower() in nos.STREET_TYPES:
        parts.append({"url": nos.ADXP + "streetNameType", "valueString": nos.STREET_TYPES[words.pop(0).lower()]})
    if words:
        parts.append({"url": nos.ADXP + "streetNameBase", "valueString": " ".join(words).upper()})
    out: dict = {"use": "work", "type": "both", "line": [place.line.upper()], "_line": [{"extension": parts}],
                 "postalCode": place.postal_code, "city": place.city.upper()}
    if place.insee:
        out["extension"] = [{"url": nos.EXT_INSEE_CODE, "valueCoding": coding(nos.COMMUNE, place.insee)}]
    return out


def organization(org: Organization, options: BuildOptions = BuildOptions()) -> dict:
    identifiers = [identifier(IDNAT_STRUCT_OID, org.id_nat_struct, "IDNST")]
    if org.finess:
        identifiers.append(identifier(FINESS_SYSTEM, org.finess, "FINEJ" if org.level == "EJ" else "FINEG"))
    if org.siren:
        identifiers.append(identifier(SIRENE_SYSTEM, org.siren, "SIREN"))
    if org.siret:
        identifiers.append(identifier(SIRENE_SYSTEM, org.siret, "SIRET"))
    if rang := rpps_rang(org):
        identifiers.append(identifier(nos.RPPS_RANG_SYSTEM, rang, "RPPSRG"))
    resource: dict = {
        "resourceType": "Organization",
        "id": technical_id("Organization", org.id),
        "meta": meta("Organization", "FINESS" if org.finess else "RPPS", organization_authority(org),
                     registry_date(org.id)),
        "language": "fr",
        "identifier": identifiers,
        "active": org.active,
    }
    if org.active:
        resource["type"] = organization_types(org)
    resource["name"] = org.name
    if not org.active:
        return resource
    if org.alias:
        resource["alias"] = [org.alias]
    telecom = [{"system": "phone", "value": org.phone.replace(" ", ""), "use": "work"}] if org.phone else []
    telecom += mailboxes(org.mailboxes, options)
    if telecom:
        resource["telecom"] = telecom
    if org.address:
        resource["address"] = [address(org.address)]
    if org.part_of:
        resource["partOf"] = {"reference": f"Organization/{technical_id('Organization', org.part_of)}"}
    return resource


def authorization(granted: Equipment | Activity) -> dict:
    """``as-ext-authorization``: date of the decision, period of implementation (AsAuthorizationExtension.fsh)."""
    return {"url": nos.EXT_AUTHORIZATION, "extension": [
        {"url": "dateAuthorization", "valueDate": granted.authorised.isoformat()},
        {"url": "periodAuthorization", "valuePeriod": {"start": granted.start.isoformat(),
                                                      "end": granted.end.isoformat()}},
    ]}


def authorised(rtype: str, org: Organization, granted: Equipment | Activity, index: int, **state: object) -> dict:
    """What a Device and an activité de soins share: id, FINESS trace, the authorisation extension (an
    active one only), the ARHGOS number, then their state member (``status`` or ``active``)."""
    resource: dict = {
        "resourceType": rtype,
        "id": technical_id(rtype, org.id, index),
        "meta": meta(rtype, "FINESS", FINESS_AUTHORITY, registry_date(granted.arhgos)),
        "language": "fr",
        "extension": [authorization(granted)],
        "identifier": [{"system": nos.ARHGOS_SYSTEM, "value": granted.arhgos}],
        **state,
    }
    if not granted.active:
        del resource["extension"]
    return resource


def device(org: Organization, equipment: Equipment, index: int) -> dict:
    """An ``as-dp-device``: a heavy equipment of ``org``; an inactive one keeps only its ARHGOS number."""
    resource = authorised("Device", org, equipment, index, status="active" if equipment.active else "inactive")
    if not equipment.active:
        return resource
    return {**resource, "manufacturer": equipment.manufacturer, "serialNumber": equipment.serial,
            "type": concept(coding(nos.EQUIPMENT, equipment.type)),
            "owner": {"reference": f"Organization/{technical_id('Organization', org.id)}"}}


def healthcare_service(org: Organization, activity: Activity, index: int) -> dict:
    """An ``as-dp-healthcareservice-healthcare-activity``: an authorised activité de soins of ``org``."""
    resource = authorised("HealthcareService", org, activity, index, active=activity.active)
    if not activity.active:
        return resource
    return {**resource, "providedBy": {"reference": f"Organization/{technical_id('Organization', org.id)}"},
            "category": [concept(coding(nos.MODALITY, activity.modality))],
            "type": [concept(coding(nos.ACTIVITY, activity.activity))],
            "characteristic": [concept(coding(nos.FORM, activity.form))]}


def social_equipment(org: Organization, equipment: SocialEquipment, index: int) -> dict:
    """An ``as-dp-healthcareservice-social-equipment``: no identifier (0..0 in the DP profile), discipline,
    public and mode of operation, with the authorisation, installation and capacity extensions."""
    resource: dict = {
        "resourceType": "HealthcareService",
        "id": technical_id("HealthcareService", org.id, index),
        "meta": meta("HealthcareService", "FINESS", FINESS_AUTHORITY, registry_date(f"{org.id}/{index}"),
                     profile=nos.SOCIAL_EQUIPMENT_PROFILE),
        "language": "fr",
        "extension": [
            {"url": nos.EXT_AUTHORIZATION, "extension": [
                {"url": "dateAuthorization", "valueDate": equipment.authorised.isoformat()}]},
            {"url": nos.EXT_INSTALLATION, "extension": [
                {"url": "dateFirstInstallation", "valueDate": equipment.first_installed.isoformat()}]},
            {"url": nos.EXT_SUPPORTED_CAPACITY, "extension": [
                {"url": "capacityAvailable", "valueInteger": equipment.capacity},
                {"url": "installedCapacity", "valueInteger": equipment.installed}]},
        ],
        "active": equipment.active,
    }
    if not equipment.active:
        del resource["extension"]
        return resource
    return {**resource, "providedBy": {"reference": f"Organization/{technical_id('Organization', org.id)}"},
            "type": [concept(coding(nos.SOCIAL_ACTIVITY, equipment.discipline))],
            "eligibility": [{"code": concept(coding(nos.PUBLIC, equipment.public))}],
            "characteristic": [concept(coding(nos.ACTIVITY_TYPE, equipment.activity_type))]}


def authorisations(org: Organization) -> Iterator[dict]:
    """The Device and HealthcareService resources of a structure's FINESS authorisations."""
    for index, equipment in enumerate(org.equipment):
        yield device(org, equipment, index)
    for index, activity in enumerate(org.activities):
        yield healthcare_service(org, activity, index)
    for index, social in enumerate(org.social, start=len(org.activities)):
        yield social_equipment(org, social, index)


def directory(organizations: Iterable[Organization], professionals: Iterable[Professional],
              options: BuildOptions = BuildOptions()) -> Iterator[dict]:
    """Every resource of a population: structures (with their authorisations), then each professional."""
    for org in organizations:
        yield organization(org, options)
        yield from authorisations(org)
    for pro in professionals:
        yield practitioner(pro, options)
        for index, situation in enumerate(pro.situations):
            yield practitioner_role(pro, situation, index, options)
