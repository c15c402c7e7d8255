"""The patient of a feed: only a qualified INS may feed a DMP (digest §0.1, §1.5, §4.8 point 2).

:func:`patient_ins` reads the INS a reference names (``Patient?identifier=<system>|<INS>``, a logical
``identifier``, or a contained Patient) and refuses a NIA (``urn:oid:1.2.250.1.213.1.4.9``: a
provisional matricule), an identity whose ``fr-core-identity-reliability`` status is not ``QUAL``, and
anything that is not an INS. :func:`confirm_ins` asks the INS teleservice, through the peer client
(``$ins-verify`` of its FHIR façade, docs/ins-teleservice.md), whether the INS is known, active, and
belongs to the traits the DMP holds; each refusal is a 422 with its own code (502 if INSi cannot answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote

import httpx

from core.errors import SandboxError
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.metadata_common import Problems, items

NIR = "urn:oid:1.2.250.1.213.1.4.8"
NIA = "urn:oid:1.2.250.1.213.1.4.9"
TEST_NIR, DEMO_NIR = "urn:oid:1.2.250.1.213.1.4.10", "urn:oid:1.2.250.1.213.1.4.11"
QUALIFIED_SYSTEMS = (NIR, TEST_NIR, DEMO_NIR)
INS_VALUE = re.compile(r"[0-9]{6}[0-9A-Za-z][0-9]{8}")  # 13-character matricule (2A/2B: one letter) + 2-digit key
RELIABILITY = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability"
TRAIT_ELEMENTS = {"family": "Patient.name.family", "given": "Patient.name.given", "gender": "Patient.gender",
                  "birthDate": "Patient.birthDate", "birthPlace": "Patient.extension(patient-birthPlace)"}


@dataclass(frozen=True)
class PatientIns:
    """The INS a reference names; ``value`` None when the reference names a stored Patient (``Patient/<id>``)."""

    system: str | None
    value: str | None
    reference: str | None = None


def _check_ins(p: Problems, system: object, value: object, where: str) -> PatientIns | None:
    if system == NIA:
        p.add(MesCode.PROVISIONAL_IDENTITY, f"{where} names a NIA ({NIA}), a provisional matricule: only a "
              "qualified INS (NIR, urn:oid:1.2.250.1.213.1.4.8) can feed the DMP; qualify the identity first.",
              where, issue="business-rule")
        return None
    if system not in QUALIFIED_SYSTEMS:
        p.add(MesCode.NO_INS, f"{where} names the patient by {str(system)[:80]!r}: a DMP is fed for a patient "
              f"named by the INS, {NIR}|<15 characters>.", where, issue="business-rule")
        return None
    if not isinstance(value, str) or not INS_VALUE.fullmatch(value):
        p.add(MesCode.NO_INS, f"{where}: the INS {str(value)[:40]!r} is not 15 characters (13-character "
              "matricule + 2-digit key).", where, issue="business-rule")
        return None
    return PatientIns(system, value)


def _reliability(p: Problems, patient: dict, where: str) -> None:
    for k, ext in enumerate(items(patient.get("extension"))):
        if not isinstance(ext, dict) or ext.get("url") != RELIABILITY:
            continue
        for sub in items(ext.get("extension")):
            if isinstance(sub, dict) and sub.get("url") == "identityStatus":
                status = (sub.get("valueCoding") or {}).get("code") if isinstance(sub.get("valueCoding"), dict) \
                    else None
                if status != "QUAL":
                    p.add(MesCode.PROVISIONAL_IDENTITY, f"{where} has the identity status {str(status)[:20]!r}: "
                          "only a qualified identity (QUAL: INS retrieved from INSi and identity document "
                          "checked) can feed the DMP.", f"{where}.extension[{k}]", issue="business-rule")


def contained_patient_ins(p: Problems, patient: dict, where: str) -> PatientIns | None:
    """The INS of a (contained) Patient: its identifier of the INS family; None if it carries none."""
    _reliability(p, patient, where)
    idents = patient.get("identifier")
    for k, ident in enumerate(idents if isinstance(idents, list) else []):
        if isinstance(ident, dict) and str(ident.get("system", "")).startswith("urn:oid:1.2.250.1.213.1.4.") \
                and ident.get("use") != "old":
            return _check_ins(p, ident.get("system"), ident.get("value"), f"{where}.identifier[{k}]")
    return None


def patient_ins(p: Problems, ref: object, where: str, contained: dict[str, dict]) -> PatientIns | None:
    """The INS named by a Patient reference (``where`` is the Reference element)."""
    if not isinstance(ref, dict):
        p.malformed(where, "a Reference to the Patient")
        return None
    value = ref.get("reference")
    if isinstance(value, str) and value.startswith("Patient?"):
        query = dict(part.split("=", 1) for part in value[len("Patient?"):].split("&") if "=" in part)
        ident = unquote(query.get("identifier", ""))
        if "|" not in ident:
            p.add(MesCode.NO_INS, f"{where}.reference {value[:120]!r}: name the patient by "
                  f"Patient?identifier={NIR}|<INS>.", f"{where}.reference", issue="business-rule")
            return None
        system, ins = ident.split("|", 1)
        found = _check_ins(p, system, ins, f"{where}.reference")
        return PatientIns(found.system, found.value, value) if found else None
    if isinstance(value, str) and value.startswith("#"):
        target = contained.get(value[1:])
        if target is None or target.get("resourceType") != "Patient":
            p.add(MesCode.BAD_REFERENCE, f"{where}.reference {value[:80]!r} names no contained Patient.",
                  f"{where}.reference")
            return None
        found = contained_patient_ins(p, target, f"{where}.reference")
        if found is None:
            p.add(MesCode.NO_INS, f"The contained Patient {value[:80]!r} carries no INS identifier "
                  f"({NIR}).", f"{where}.reference", issue="business-rule")
        return found
    if isinstance(value, str) and value:
        ident = ref.get("identifier")
        if isinstance(ident, dict):
            return _check_ins(p, ident.get("system"), ident.get("value"), f"{where}.identifier")
        return PatientIns(None, None, value)  # a stored Patient: the service resolves it
    ident = ref.get("identifier")
    if isinstance(ident, dict):
        return _check_ins(p, ident.get("system"), ident.get("value"), f"{where}.identifier")
    p.missing(f"{where}.reference", f"the patient, as Patient?identifier={NIR}|<INS>")
    return None


class InsClient(Protocol):
    """What :func:`confirm_ins` needs of its peer client (core.peers.PeerClient on ``ins-teleservice``)."""

    async def post(self, path: str, *, data=None, json=None, headers=None) -> httpx.Response: ...


@dataclass(frozen=True)
class InsConfirmation:
    ins: str
    system: str
    patient: dict | None  # the identity INSi holds (fr-core-patient-ins)


def _unavailable(why: str) -> SandboxError:
    return SandboxError(502, MesCode.INS_UNAVAILABLE, f"The INS teleservice could not confirm the patient's INS "
                        f"({why}); try again, or check the ins-teleservice service.", issue="transient",
                        expression=["subject"])


def _parts(body: dict) -> tuple[str | None, dict[str, tuple[str, str | None]], dict | None]:
    result, traits, patient = None, {}, None
    for param in items(body.get("parameter")):
        if not isinstance(param, dict):
            continue
        if param.get("name") == "result":
            result = param.get("valueCode")
        elif param.get("name") == "patient":
            patient = param.get("resource")
        elif param.get("name") == "trait":
            parts = {x.get("name"): x.get("valueCode", x.get("valueString")) for x in items(param.get("part"))
                     if isinstance(x, dict)}
            traits[str(parts.get("name"))] = (str(parts.get("status")), parts.get("expected"))
    return result, traits, patient


async def confirm_ins(peer: InsClient, *, ins: str, traits: dict, system: str = NIR,
                      where: str = "subject") -> InsConfirmation:
    """Confirm ``ins`` and ``traits`` (a FHIR Patient: official name, gender, birthDate, optional birth place)
    with INSi's ``$ins-verify``; raises 422 MES-0113/0115/0116/0117 (or 502 MES-0118)."""
    p = Problems()
    found = _check_ins(p, system, ins, where)
    p.raise_if_any()
    assert found is not None
    resource = {k: v for k, v in traits.items() if k not in ("identifier", "id", "meta")}
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "ins", "valueIdentifier": {"system": system, "value": ins}},
        {"name": "resource", "resource": {**resource, "resourceType": "Patient"}}]}
    try:
        response = await peer.post("/fhir/Patient/$ins-verify", json=body,
                                   headers={"content-type": "application/fhir+json", "accept": "application/fhir+json"})
    except httpx.HTTPError as exc:
        raise _unavailable(type(exc).__name__) from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status_code == 400 and isinstance(answer, dict):
        codes = [c.get("code") for i in answer.get("issue") or [] for c in (i.get("details") or {}).get("coding") or []]
        if "INS-0025" in codes:  # a matricule or key INSi does not hold and that fails mod 97
            p.add(MesCode.INS_UNKNOWN, f"INSi knows no identity with the INS {ins!r} (its key does not match "
                  "mod 97): check the INS, or retrieve it from INSi.", where, issue="not-found")
        else:
            p.add(MesCode.INS_TRAITS_MISMATCH, "INSi refused the traits the DMP holds for this patient "
                  f"({', '.join(str(c) for c in codes) or 'no code'}): check the patient's birth name, first "
                  "name, gender and birth date.", where, issue="business-rule")
        p.raise_if_any()
    if response.status_code != 200 or not isinstance(answer, dict) or answer.get("resourceType") != "Parameters":
        raise _unavailable(f"HTTP {response.status_code}")
    result, checked, patient = _parts(answer)
    status, expected = checked.get("ins", ("not-found", None))
    patient = patient if isinstance(patient, dict) else None
    held = [i for i in items((patient or {}).get("identifier")) if isinstance(i, dict) and i.get("use") != "old"]
    if status in ("match", "mismatch") and any(i.get("system") == NIA for i in held):
        p.add(MesCode.PROVISIONAL_IDENTITY, "INSi holds this identity under a NIA, a provisional matricule: it "
              "cannot feed the DMP until a NIR is attributed.", where, issue="business-rule")
    elif status == "not-found":
        p.add(MesCode.INS_UNKNOWN, f"INSi knows no identity with the INS {ins!r}: check it, or retrieve the "
              "INS from INSi (traits search) before feeding.", where, issue="not-found")
    elif status == "former":
        p.add(MesCode.INS_FORMER, f"The INS {ins!r} is a former INS of this patient; INSi gives the active one, "
              f"{str(expected)[:20]!r}: feed the DMP under it.", where, issue="business-rule")
    elif status == "mismatch":
        p.add(MesCode.INS_UNKNOWN, f"INSi holds this matricule with another key or OID than {system}|{ins}.",
              where, issue="not-found")
    if not p:
        for name, (trait_status, _) in checked.items():
            if name != "ins" and trait_status == "mismatch":
                p.add(MesCode.INS_TRAITS_MISMATCH, f"INSi holds another {name} for the INS {ins!r}: the traits "
                      "of the patient must be those INSi returns (identity vigilance).",
                      TRAIT_ELEMENTS.get(name, where), issue="business-rule")
    p.raise_if_any()
    if result != "match":
        raise _unavailable("an INSi answer without a match nor a reason")
    return InsConfirmation(ins, system, patient)
