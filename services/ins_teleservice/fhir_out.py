"""FHIR resources of the façade (digest §0.1, §1.5): ``fr-core-patient-ins`` Patients, the ``$match``
searchset, the CapabilityStatement. Built as plain JSON from the stored identity, never re-parsed.

The INSi CR travels in the searchset as an ``OperationOutcome`` entry (``search.mode = outcome``):
``Bundle`` has no ``extension`` in R4, and a searchset may carry an outcome entry.
"""

from __future__ import annotations

import uuid

from core.errors import SANDBOX_CODE_SYSTEM
from core.identifiers import IDENTIFIER_TYPE_SYSTEM
from core.population.geography import COUNTRIES, commune
from services.ins_teleservice.identity import Identity
from services.ins_teleservice.resultat import CR_LABELS

FR_CORE = "https://hl7.fr/ig/fhir/core"
PATIENT_INS_PROFILE = f"{FR_CORE}/StructureDefinition/fr-core-patient-ins"
RELIABILITY = f"{FR_CORE}/StructureDefinition/fr-core-identity-reliability"
BIRTH_LIST = f"{FR_CORE}/StructureDefinition/fr-core-patient-birth-list-given-name"
INSEE_CODE = f"{FR_CORE}/StructureDefinition/fr-core-address-insee-code"
LUNAR_DATE = f"{FR_CORE}/StructureDefinition/fr-core-lunar-date"
BIRTH_PLACE = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"
MATCH_GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"
COMMUNE_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM"
CR_SYSTEM = SANDBOX_CODE_SYSTEM.replace("sandbox-error", "insi-cr")
GENDERS = {"M": "male", "F": "female"}
CR_ISSUES = {"00": ("information", "informational"), "01": ("information", "not-found"),
             "02": ("warning", "multiple-matches")}
CR_ADVICE = {"00": "One identity found.",
             "01": "No identity found: check the traits (birth name, first names, sex, birth date).",
             "02": "Several identities found: send the other first names, then the birth place."}


def _coding(system: str, code: str) -> dict:
    return {"system": system, "code": code}


def _ins_identifier(matricule: str, cle: str, oid: str, use: str) -> dict:
    code = "INS-NIA" if oid.endswith(".9") else "INS-NIR"
    return {"use": use, "type": {"coding": [_coding(IDENTIFIER_TYPE_SYSTEM, code)]},
            "system": f"urn:oid:{oid}", "value": matricule + cle}


def _birth_place(cog: str) -> dict:
    address: dict = {"extension": [{"url": INSEE_CODE, "valueCoding": _coding(COMMUNE_SYSTEM, cog)}]}
    place = commune(cog)
    if place is not None:
        address.update(city=place.name, postalCode=place.postal_code, country="FRA")
    elif cog in COUNTRIES:
        address["country"] = COUNTRIES[cog]
    return {"url": BIRTH_PLACE, "valueAddress": address}


def _birth_date(value: str) -> tuple[str, list[dict]]:
    """FHIR cannot carry a day or month 00 (a "lunar" date): keep the known part and the INSi value."""
    year, month, day = value.split("-")
    if month != "00" and day != "00":
        return value, []
    return (year if month == "00" else f"{year}-{month}"), [{"url": LUNAR_DATE, "valueString": value}]


def patient(person: Identity, *, today: str) -> dict:
    """The identity as INSi returned it, as a ``fr-core-patient-ins`` Patient with status RECUP."""
    identifiers = [_ins_identifier(person.matricule, person.cle, person.oid, "temp" if person.is_nia else "official")]
    # INSi lists the active INS in INSHISTO too (CNDA TEST_2.08): as an ``old`` identifier it would say the
    # active INS is deactivated, so FHIR shows only the INSHISTO entries that differ from it.
    identifiers += [_ins_identifier(h.matricule, h.cle, h.oid, "old") for h in person.history
                    if (h.matricule, h.cle, h.oid) != (person.matricule, person.cle, person.oid)]
    birth_date, lunar = _birth_date(person.birth_date)
    reliability = {"url": RELIABILITY, "extension": [
        {"url": "identityStatus", "valueCoding": _coding(f"{FR_CORE}/CodeSystem/fr-core-cs-identity-status", "RECUP")},
        {"url": "methodCollection",
         "valueCoding": _coding(f"{FR_CORE}/CodeSystem/fr-core-cs-method-collection", "INSI")},
        {"url": "dateInterrogationINSi", "valueDate": today},
    ]}
    return {
        "resourceType": "Patient", "id": person.pid, "meta": {"profile": [PATIENT_INS_PROFILE]},
        "extension": [reliability, {"url": BIRTH_LIST, "valueString": person.first_names},
                      _birth_place(person.birth_place), *lunar],
        "identifier": identifiers,
        "name": [{"use": "official", "family": person.birth_name, "given": [person.first_name]}],
        "gender": GENDERS[person.sex], "birthDate": birth_date,
    }


def cr_outcome(code: str) -> dict:
    severity, issue = CR_ISSUES[code]
    return {"resourceType": "OperationOutcome", "issue": [{
        "severity": severity, "code": issue, "diagnostics": CR_ADVICE[code],
        "details": {"coding": [{"system": CR_SYSTEM, "code": code, "display": CR_LABELS[code]}],
                    "text": CR_LABELS[code]}}]}


def match_bundle(base: str, code: str, person: Identity | None, *, today: str, count: int | None) -> dict:
    """The ``$match`` answer: the identity (grade certain) on CR 00, and the CR as an outcome entry."""
    entries = []
    if person is not None and count != 0:
        entries.append({"fullUrl": f"{base}/Patient/{person.pid}", "resource": patient(person, today=today),
                        "search": {"mode": "match", "score": 1,
                                   "extension": [{"url": MATCH_GRADE, "valueCode": "certain"}]}})
    outcome = {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": cr_outcome(code),
               "search": {"mode": "outcome"}}
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": [*entries, outcome]}


def capability(base: str, *, version: str) -> dict:
    operations = [
        {"name": "match", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-match",
         "documentation": "INSi traits search (rechercherInsAvecTraitsIdentite) as the FHIR MPI match."},
        {"name": "ins-verify", "definition": f"{base}/OperationDefinition/Patient-ins-verify",
         "documentation": "Check an INS against the traits INSi holds; reports each trait."},
    ]
    return {
        "resourceType": "CapabilityStatement", "status": "active", "date": "2026-01-01", "kind": "instance",
        "publisher": "e-santé sandbox", "fhirVersion": "4.0.1", "format": ["json"],
        "software": {"name": "INS teleservice (INSi) FHIR façade", "version": version},
        "implementation": {"description": "INS teleservice (INSi) FHIR façade", "url": base},
        "rest": [{"mode": "server", "resource": [{
            "type": "Patient", "profile": PATIENT_INS_PROFILE, "interaction": [{"code": "read"}],
            "operation": operations}]}],
    }
