"""FHIR resources of the directory built from the reference population (spec digest §0.3, §0.4, §3.3, §6.2).

Practitioner (exercice professionnel), PractitionerRole (situation d'exercice) and Organization (EJ/EG)
as the Annuaire Santé API v2 publishes them: ``meta.profile`` pairs FR Core with the ``as-dp-*`` profile,
``meta.source`` is the directory, identifiers carry their FR Core type, codes use the NOS code systems.
A deactivated record keeps only its id, identifiers, name and ``active: false``. Technical ids have the
real API's shape (``003-32783-88722``) and derive from the population ids, so every seed agrees.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from core.identifiers import FINESS_SYSTEM, IDNAT_PS_OID, IDNAT_STRUCT_OID, RPPS_SYSTEM, SIRENE_SYSTEM
from core.population.model import Mailbox, Organization, Professional, Situation, SmartCard
from services.annuaire_sante import nos

GENERATED_ID = re.compile(r"(?:ps|org)-(\d+)-(\d+)")
KIND_PREFIX = {"Organization": "001", "Practitioner": "003", "PractitionerRole": "005"}


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


def meta(rtype: str, information_system: str) -> dict:
    trace = {"url": nos.EXT_DATA_TRACE,
             "extension": [{"url": "systeme-information", "valueCode": information_system}]}
    return {"profile": list(nos.PROFILES[rtype]), "source": nos.SOURCE, "extension": [trace]}


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
        "meta": meta("Practitioner", "RPPS"),
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
    qualifications = [{"code": concept(coding(nos.CATEGORY, pro.category), coding(nos.PROFESSION, pro.profession))}]
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
        "meta": meta("PractitionerRole", "RPPS"),
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
    return types


def organization(org: Organization, options: BuildOptions = BuildOptions()) -> dict:
    identifiers = [identifier(IDNAT_STRUCT_OID, org.id_nat_struct, "IDNST")]
    if org.finess:
        identifiers.append(identifier(FINESS_SYSTEM, org.finess, "FINEJ" if org.level == "EJ" else "FINEG"))
    if org.siren:
        identifiers.append(identifier(SIRENE_SYSTEM, org.siren, "SIREN"))
    if org.siret:
        identifiers.append(identifier(SIRENE_SYSTEM, org.siret, "SIRET"))
    resource: dict = {
        "resourceType": "Organization",
        "id": technical_id("Organization", org.id),
        "meta": meta("Organization", "FINESS" if org.finess else "RPPS"),
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
        address: dict = {"use": "work", "type": "both", "line": [org.address.line],
                         "postalCode": org.address.postal_code, "city": org.address.city}
        if org.address.insee:
            address["extension"] = [{"url": nos.EXT_INSEE_CODE, "valueCoding": coding(nos.COMMUNE, org.address.insee)}]
        resource["address"] = [address]
    if org.part_of:
        resource["partOf"] = {"reference": f"Organization/{technical_id('Organization', org.part_of)}"}
    return resource


def directory(organizations: Iterable[Organization], professionals: Iterable[Professional],
              options: BuildOptions = BuildOptions()) -> Iterator[dict]:
    """Every resource of a population: structures first, then each professional and their situations."""
    for org in organizations:
        yield organization(org, options)
    for pro in professionals:
        yield practitioner(pro, options)
        for index, situation in enumerate(pro.situations):
            yield practitioner_role(pro, situation, index, options)
