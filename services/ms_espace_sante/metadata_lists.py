"""The metadata of the Lists of an ITI-65 bundle (digest §4.3): the SubmissionSet
(``pdsm-submissionset-comprehensive``) and the Folders (``pdsm-folder-comprehensive``).

SubmissionSet: code ``submissionset``, status ``current``, mode ``working``, date, subject (an INS),
source (a contained PractitionerRole / Practitioner / Device / Patient), the ``ihe-designationType``
(content type, JDV_J59) and ``ihe-sourceId`` (OID of the sending system) extensions, optional
intended recipients and identifiers (uniqueId ``urn:oid:``, entryUUID ``urn:uuid:``). Folder: code
``folder``, status, mode, designationType 1..1, date 1.., subject and at least one entry.
"""

from __future__ import annotations

from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.ins_check import PatientIns, patient_ins
from services.ms_espace_sante.metadata_common import (
    OID_URN,
    UUID_URN,
    Problems,
    check_concept,
    check_date,
    contained_by_id,
    extensions,
    get,
    local_target,
    type_codes,
)
from services.ms_espace_sante.metadata_documents import professional_id
from services.ms_espace_sante.valuesets import ValueSets, bundled

MHD_EXT = "https://profiles.ihe.net/ITI/MHD/StructureDefinition/"
DESIGNATION_TYPE = MHD_EXT + "ihe-designationType"
SOURCE_ID = MHD_EXT + "ihe-sourceId"
INTENDED_RECIPIENTS = (MHD_EXT + "ihe-intendedRecipient",
                       "http://esante.gouv.fr/ci-sis/fhir/StructureDefinition/PDSm_ihe-intended_recipient",
                       "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-ext-intended-recipient")
SOURCE_TYPES = ("PractitionerRole", "Practitioner", "Device", "Patient")


def _identifiers(p: Problems, resource: dict, where: str) -> None:
    for k, ident in enumerate(get(p, resource, "identifier", where, list, "an array of Identifiers") or []):
        at = f"{where}.identifier[{k}]"
        if not isinstance(ident, dict) or not isinstance(ident.get("value"), str):
            p.malformed(at, "an Identifier with a value")
            continue
        value = ident["value"]
        kinds = type_codes(ident)
        if "uniqueId" in kinds and not OID_URN.fullmatch(value):
            p.add(MesCode.INVALID_VALUE, f"{at} (uniqueId) {value[:80]!r} must be urn:oid:<OID> for a List.",
                  f"{at}.value")
        elif "entryUUID" in kinds and not UUID_URN.fullmatch(value):
            p.add(MesCode.INVALID_VALUE, f"{at} (entryUUID) {value[:80]!r} must be urn:uuid:<UUID>.", f"{at}.value")
        elif not kinds and not (OID_URN.fullmatch(value) or UUID_URN.fullmatch(value)):
            p.add(MesCode.INVALID_VALUE, f"{at}.value {value[:80]!r} is neither a uniqueId (urn:oid:) nor an "
                  "entryUUID (urn:uuid:).", f"{at}.value")


def _common(p: Problems, resource: dict, where: str, kind: str, vs: ValueSets) -> PatientIns | None:
    """What SubmissionSets and Folders share; returns the patient's INS."""
    contained = contained_by_id(p, resource, where)
    status = get(p, resource, "status", where, str, "a code", required="current")
    if status is not None and status != "current":
        p.add(MesCode.BAD_DOCUMENT_STATUS, f"{where}.status {status[:30]!r}: a {kind} is fed as current.",
              f"{where}.status")
    mode = get(p, resource, "mode", where, str, "a code", required="working")
    if mode is not None and mode != "working":
        p.add(MesCode.INVALID_VALUE, f"{where}.mode {mode[:30]!r}: a {kind} List has mode working.", f"{where}.mode")
    check_date(p, resource, "date", where, required=f"the date of the {kind}")
    get(p, resource, "title", where, str, "a string")
    _identifiers(p, resource, where)
    by_url = extensions(p, resource, where)
    designations = by_url.get(DESIGNATION_TYPE, [])
    if not designations:
        p.missing(f"{where}.extension", f"the {DESIGNATION_TYPE} extension (content type, JDV_J59)")
    for k, ext in designations[:1]:
        check_concept(p, ext.get("valueCodeableConcept"), f"{where}.extension[{k}].valueCodeableConcept",
                      vs["content-type"])
    if len(designations) > 1:
        p.add(MesCode.INVALID_VALUE, f"{where} has {len(designations)} ihe-designationType extensions; one only.",
              f"{where}.extension[{designations[1][0]}]")
    subject = get(p, resource, "subject", where, dict, "a Reference", required="the patient, by INS")
    return patient_ins(p, subject, f"{where}.subject", contained) if subject is not None else None


def check_submission_set(p: Problems, resource: object, where: str, *, vs: ValueSets | None = None
                         ) -> tuple[PatientIns | None, str | None]:
    """Record the problems of a SubmissionSet List; returns (patient INS, idNat_PS of a professional source)."""
    vs = vs or bundled()
    if not isinstance(resource, dict):
        p.malformed(where, "a List (a JSON object)")
        return None, None
    patient = _common(p, resource, where, "submission set", vs)
    contained = contained_by_id(Problems(), resource, where)  # problems already recorded by _common
    by_url = extensions(Problems(), resource, where)
    source_ids = by_url.get(SOURCE_ID, [])
    if not source_ids:
        p.missing(f"{where}.extension", f"the {SOURCE_ID} extension (the OID of the sending system, urn:oid:...)")
    for k, ext in source_ids:
        ident = ext.get("valueIdentifier")
        value = ident.get("value") if isinstance(ident, dict) else None
        if not isinstance(value, str) or not OID_URN.fullmatch(value):
            p.add(MesCode.INVALID_VALUE, f"{where}.extension[{k}].valueIdentifier.value must be the sending "
                  f"system's OID as urn:oid:<OID>, not {str(value)[:80]!r}.", f"{where}.extension[{k}].valueIdentifier")
    for url in INTENDED_RECIPIENTS:
        for k, ext in by_url.get(url, []):
            if not isinstance(ext.get("valueReference"), dict):
                p.malformed(f"{where}.extension[{k}].valueReference", "a Reference to the intended recipient")
    source_id = None
    source = get(p, resource, "source", where, dict, "a Reference",
                 required="the author of the submission set, a contained PractitionerRole / Device / Patient")
    if source is not None:
        target = local_target(p, source, f"{where}.source", contained, SOURCE_TYPES, MesCode.BAD_AUTHOR)
        if target is not None and target["resourceType"] in ("Practitioner", "PractitionerRole"):
            source_id = professional_id(p, target, f"{where}.source.reference", contained)
    get(p, resource, "entry", where, list, "an array of entries",
        required="the DocumentReferences (and Folders) of the submission")
    return patient, source_id


def check_folder(p: Problems, resource: object, where: str, *, vs: ValueSets | None = None) -> PatientIns | None:
    """Record the problems of a Folder List; returns the patient's INS."""
    vs = vs or bundled()
    if not isinstance(resource, dict):
        p.malformed(where, "a List (a JSON object)")
        return None
    patient = _common(p, resource, where, "folder", vs)
    get(p, resource, "entry", where, list, "an array of entries", required="the DocumentReferences of the folder")
    return patient


def entry_items(p: Problems, resource: dict, where: str) -> list[tuple[str, str]]:
    """(expression, reference) of each ``entry[].item`` of a List."""
    found = []
    for k, entry in enumerate(resource.get("entry") if isinstance(resource.get("entry"), list) else []):
        item = entry.get("item") if isinstance(entry, dict) else None
        ref = item.get("reference") if isinstance(item, dict) else None
        if not isinstance(ref, str) or not ref:
            p.missing(f"{where}.entry[{k}].item.reference", "the reference of the listed resource")
        else:
            found.append((f"{where}.entry[{k}].item", ref))
    return found
