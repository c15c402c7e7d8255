"""The metadata of a DocumentReference (digest §4.3: ``pdsm-comprehensive-document-reference`` on IHE MHD
Comprehensive; ``pdsm-simplified-publish`` for ITI-105) and its attachment against the document's bytes.

Required in the comprehensive profile: masterIdentifier, status, type, category, subject (an INS), date,
author (contained, a professional with an idNat_PS or RPPS), securityLabel, content.attachment
(contentType, language, url, size, hash, title, creation), content.format, context.period.start,
context.facilityType and context.practiceSetting. ``custodian`` is not required although PDSm marks it
1..1: MHD forbids it and none of the PDSm examples carries it. The simplified profile requires
masterIdentifier, status ``current``, type, subject, author and attachment (contentType, title); the
other elements are checked when present. Codes are checked against the bundled value sets.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field

from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.ins_check import PatientIns, contained_patient_ins, patient_ins
from services.ms_espace_sante.metadata_common import (
    LANGUAGE,
    URI,
    Problems,
    check_coding,
    check_concept,
    check_date,
    check_uri_identifier,
    contained_by_id,
    extensions,
    get,
    items,
    local_target,
    type_codes,
)
from services.ms_espace_sante.valuesets import ValueSets, bundled

IDNAT_PS = "urn:oid:1.2.250.1.71.4.2.1"
RPPS = "https://rpps.esante.gouv.fr"
IS_ARCHIVED = "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-ext-is-archived"
AUTHOR_TYPES = ("Practitioner", "PractitionerRole", "Device", "Patient")
SIMPLIFIED_AUTHOR_TYPES = (*AUTHOR_TYPES, "Organization", "RelatedPerson")
RELATIONS = ("replaces", "transforms", "signs", "appends")


@dataclass
class CheckedDocument:
    """What the checks learnt of one DocumentReference."""

    patient: PatientIns | None = None
    authors: list[str] = field(default_factory=list)  # idNat_PS of the professional authors


def professional_id(p: Problems, resource: dict, where: str, contained: dict[str, dict]) -> str | None:
    """The idNat_PS of a contained Practitioner / PractitionerRole (an RPPS gives '8' + RPPS)."""
    for k, ident in enumerate(items(resource.get("identifier"))):
        if isinstance(ident, dict) and isinstance(ident.get("value"), str) and ident["value"]:
            if ident.get("system") == IDNAT_PS:
                return ident["value"]
            if ident.get("system") == RPPS:
                if not (len(ident["value"]) == 11 and ident["value"].isdigit()):
                    p.add(MesCode.BAD_AUTHOR, f"{where}.identifier[{k}].value: an RPPS number is 11 digits.",
                          f"{where}.identifier[{k}].value")
                    return None
                return "8" + ident["value"]
    practitioner = resource.get("practitioner")
    if resource.get("resourceType") == "PractitionerRole" and isinstance(practitioner, dict) \
            and str(practitioner.get("reference", "")).startswith("#"):
        target = contained.get(practitioner["reference"][1:])
        if target is not None and target.get("resourceType") == "Practitioner":
            return professional_id(p, target, f"{where}.practitioner", contained)
    p.add(MesCode.BAD_AUTHOR, f"{where} carries no professional identifier: give the idNat_PS "
          f"({IDNAT_PS}|8<RPPS>) or the RPPS ({RPPS}|<11 digits>).", f"{where}.identifier")
    return None


def check_authors(p: Problems, resource: dict, where: str, contained: dict[str, dict], *, key: str = "author",
                  simplified: bool = False) -> list[str]:
    refs = get(p, resource, key, where, list, "an array of References",
               required="the author(s), contained Practitioner / PractitionerRole / Device / Patient")
    ids: list[str] = []
    for k, ref in enumerate(refs or []):
        at = f"{where}.{key}[{k}]"
        if simplified and isinstance(ref, dict) and not str(ref.get("reference", "#")).startswith("#"):
            continue  # ITI-105 allows an author that is not contained
        target = local_target(p, ref, at, contained, SIMPLIFIED_AUTHOR_TYPES if simplified else AUTHOR_TYPES,
                              MesCode.BAD_AUTHOR)
        if target is not None and target["resourceType"] in ("Practitioner", "PractitionerRole"):
            found = professional_id(p, target, f"{at}.reference", contained)
            if found:
                ids.append(found)
    return ids


def check_bytes(p: Problems, attachment: dict, raw: bytes, where: str) -> None:
    """``attachment.size`` and ``attachment.hash`` (base64 SHA-1, FHIR Attachment.hash) against ``raw``."""
    size, digest = attachment.get("size"), attachment.get("hash")
    if isinstance(size, int) and not isinstance(size, bool) and size != len(raw):
        p.add(MesCode.SIZE_MISMATCH, f"{where}.size is {size}, the document has {len(raw)} bytes: size is the "
              "number of bytes of the document (not of its base64).", f"{where}.size", issue="value")
    expected = base64.b64encode(hashlib.sha1(raw).digest()).decode()  # noqa: S324 - SHA-1 is what XDS hashes
    if isinstance(digest, str) and digest and digest != expected:
        p.add(MesCode.HASH_MISMATCH, f"{where}.hash {digest[:40]!r} is not the SHA-1 of the document's bytes, "
              f"{expected!r} (base64 of the 20-byte digest).", f"{where}.hash", issue="value")


def _attachment(p: Problems, attachment: dict, where: str, vs: ValueSets, simplified: bool) -> None:
    content_type = get(p, attachment, "contentType", where, str, "a MIME type string",
                       required="the document's MIME type, e.g. application/pdf")
    if isinstance(content_type, str):
        check_coding(p, {"system": "urn:ietf:bcp:13", "code": content_type.split(";")[0].strip().lower()},
                     f"{where}.contentType", vs["mime-type"])
    need = None if simplified else "the document's language, fr-FR"
    language = get(p, attachment, "language", where, str, "a language tag", required=need)
    if isinstance(language, str) and not LANGUAGE.fullmatch(language):
        p.add(MesCode.INVALID_VALUE, f"{where}.language {language[:20]!r} is not a BCP 47 tag such as fr-FR.",
              f"{where}.language")
    get(p, attachment, "title", where, str, "a string", required="the document's title")
    if not simplified:
        get(p, attachment, "url", where, str, "a string", required="the Binary holding the document "
            "(its urn:uuid: fullUrl in the bundle)")
    size = get(p, attachment, "size", where, int, "a number of bytes (unsignedInt)",
               required=None if simplified else "the document's size in bytes")
    if isinstance(size, int) and size < 0:
        p.add(MesCode.INVALID_VALUE, f"{where}.size cannot be negative.", f"{where}.size")
    digest = get(p, attachment, "hash", where, str, "a base64 string",
                 required=None if simplified else "the base64 SHA-1 of the document")
    if isinstance(digest, str):
        try:
            raw = base64.b64decode(digest, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 20:
            p.add(MesCode.HASH_MISMATCH, f"{where}.hash {digest[:40]!r} is not a SHA-1 digest in base64 (20 bytes, "
                  "28 characters such as 2jmj7l5rSw0yVb/vlWAYkK/YBwk=).", f"{where}.hash", issue="value")
    check_date(p, attachment, "creation", where,
               required=None if simplified else "the document's creation date and time")


def _context(p: Problems, doc: dict, where: str, vs: ValueSets, simplified: bool) -> None:
    context = get(p, doc, "context", where, dict, "an object",
                  required=None if simplified else "period.start, facilityType and practiceSetting")
    if context is None:
        return
    at = f"{where}.context"
    period = context.get("period")
    if period != {}:  # an empty period is reported as its missing start
        period = get(p, context, "period", at, dict, "a Period", required=None if simplified else "period.start, "
                     "the date of the act")
    if period is not None:
        check_date(p, period, "start", f"{at}.period", required=None if simplified else "the date of the act")
        check_date(p, period, "end", f"{at}.period")
    for key, name, why in (("facilityType", "facility-type", "the sector of activity (TRE_R02 SAxx)"),
                           ("practiceSetting", "practice-setting", "the practice setting (TRE_A01)")):
        concept = get(p, context, key, at, dict, "a CodeableConcept", required=None if simplified else why)
        if concept is not None:
            check_concept(p, concept, f"{at}.{key}", vs[name])
    for k, event in enumerate(get(p, context, "event", at, list, "an array of CodeableConcepts") or []):
        check_concept(p, event, f"{at}.event[{k}]", vs["event"])


def check_document(p: Problems, doc: object, where: str, *, vs: ValueSets | None = None,
                   simplified: bool = False) -> CheckedDocument:
    """Record every problem of one DocumentReference's metadata in ``p``."""
    vs = vs or bundled()
    out = CheckedDocument()
    if not isinstance(doc, dict):
        p.malformed(where, "a DocumentReference (a JSON object)")
        return out
    contained = contained_by_id(p, doc, where)
    master = get(p, doc, "masterIdentifier", where, dict, "an Identifier",
                 required=f"the document's uniqueId ({URI} | urn:oid:...)")
    unique = check_uri_identifier(p, master, f"{where}.masterIdentifier") if master is not None else None
    for k, ident in enumerate(get(p, doc, "identifier", where, list, "an array of Identifiers") or []):
        kinds = type_codes(ident)
        value = check_uri_identifier(p, ident, f"{where}.identifier[{k}]")
        if value and "uniqueId" in kinds and unique and value != unique:
            p.add(MesCode.INVALID_VALUE, f"{where}.identifier[{k}] (uniqueId) {value[:80]!r} differs from "
                  f"masterIdentifier {unique[:80]!r}: they are the same uniqueId.", f"{where}.identifier[{k}].value")
        if value and "entryUUID" in kinds and not value.startswith("urn:uuid:"):
            p.add(MesCode.INVALID_VALUE, f"{where}.identifier[{k}] (entryUUID) must be urn:uuid:<UUID>.",
                  f"{where}.identifier[{k}].value")
    status = get(p, doc, "status", where, str, "a code", required="current (or superseded)")
    allowed = ("current",) if simplified else ("current", "superseded")
    if status is not None and status not in allowed:
        p.add(MesCode.BAD_DOCUMENT_STATUS, f"{where}.status {status[:30]!r}: a DocumentReference here is "
              f"{' or '.join(allowed)} (MHD excludes entered-in-error).", f"{where}.status")
    if "docStatus" in doc:
        p.add(MesCode.BAD_DOCUMENT_STATUS, f"{where}.docStatus is not used by MHD/PDSm (0..0): remove it.",
              f"{where}.docStatus")
    concept = get(p, doc, "type", where, dict, "a CodeableConcept", required="the document type (LOINC)")
    if concept is not None:
        check_concept(p, concept, f"{where}.type", vs["document-type"])
    categories = get(p, doc, "category", where, list, "an array of CodeableConcepts",
                     required=None if simplified else "the document class (TRE_A03)")
    for k, category in enumerate(categories or []):
        check_concept(p, category, f"{where}.category[{k}]", vs["document-class"])
    subject = get(p, doc, "subject", where, dict, "a Reference", required="the patient, by INS")
    if subject is not None:
        out.patient = patient_ins(p, subject, f"{where}.subject", contained)
    check_date(p, doc, "date", where, instant=True, required="the date of the DocumentReference (an instant)")
    out.authors = check_authors(p, doc, where, contained, simplified=simplified)
    if "authenticator" in doc:
        local_target(p, doc["authenticator"], f"{where}.authenticator", contained,
                     ("Practitioner", "PractitionerRole", "Organization"))
    labels = get(p, doc, "securityLabel", where, list, "an array of CodeableConcepts",
                 required=None if simplified else "the confidentiality (N, R or V)")
    levels = 0
    for k, label in enumerate(labels or []):
        for coding in check_concept(p, label, f"{where}.securityLabel[{k}]", vs["confidentiality"]):
            part = vs["confidentiality"].part(coding["system"])
            levels += part is not None and part.role == "confidentiality"
    if levels > 1:
        p.add(MesCode.INVALID_VALUE, f"{where}.securityLabel holds {levels} confidentiality levels: one (N, R or V) "
              "at most, beside visibility codes such as MASQUE_PS.", f"{where}.securityLabel")
    for k, rel in enumerate(get(p, doc, "relatesTo", where, list, "an array") or []):
        if not isinstance(rel, dict) or rel.get("code") not in RELATIONS or not isinstance(rel.get("target"), dict):
            p.add(MesCode.INVALID_VALUE, f"{where}.relatesTo[{k}] needs a code ({', '.join(RELATIONS)}) and a "
                  "target Reference.", f"{where}.relatesTo[{k}]")
    for k, ext in extensions(p, doc, where).get(IS_ARCHIVED, []):
        if not isinstance(ext.get("valueBoolean"), bool):
            p.malformed(f"{where}.extension[{k}].valueBoolean", "true or false (pdsm-ext-is-archived)")
    contents = get(p, doc, "content", where, list, "an array", required="the document (content.attachment)")
    for k, content in enumerate(contents or []):
        at = f"{where}.content[{k}]"
        if not isinstance(content, dict):
            p.malformed(at, "an object with attachment and format")
            continue
        attachment = get(p, content, "attachment", at, dict, "an Attachment", required="the document's attachment")
        if attachment is not None:
            _attachment(p, attachment, f"{at}.attachment", vs, simplified)
        fmt = get(p, content, "format", at, dict, "a Coding",
                  required=None if simplified else "the format code (e.g. urn:ihe:iti:xds-sd:pdf:2008)")
        if fmt is not None:
            if isinstance(fmt.get("system"), str) and isinstance(fmt.get("code"), str):
                check_coding(p, fmt, f"{at}.format", vs["format"])
            else:
                p.malformed(f"{at}.format", "a Coding with a system and a code")
    _context(p, doc, where, vs, simplified)
    source = doc["context"].get("sourcePatientInfo") if isinstance(doc.get("context"), dict) else None
    if source is not None:
        target = local_target(p, source, f"{where}.context.sourcePatientInfo", contained, ("Patient",))
        found = contained_patient_ins(p, target, f"{where}.context.sourcePatientInfo") if target else None
        if found and out.patient and out.patient.value and found.value != out.patient.value:
            p.add(MesCode.PATIENT_MISMATCH, f"{where}.context.sourcePatientInfo names the INS {found.value!r}, the "
                  f"subject {out.patient.value!r}: they are the same patient.", f"{where}.context.sourcePatientInfo")
    return out
