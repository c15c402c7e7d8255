"""``METADATA.XML`` of an IHE XDM package: the ebRIM 3.0 ``lcm:SubmitObjectsRequest`` (spec digest §3.4).

One ``rim:RegistryPackage`` (the submission set, classified as such), one ``rim:ExtrinsicObject`` per
document with the XDS slots (``creationTime``, ``hash``, ``languageCode``, ``size``, ``sourcePatientId``,
``URI``), classifications (author, classCode, confidentialityCode, formatCode, healthcareFacilityTypeCode,
practiceSettingCode, typeCode) and external identifiers (patientId, uniqueId), and one ``HasMember``
association per document. :func:`metadata_xml` writes it, :func:`read_metadata` reads it back (from an
already safely parsed tree: see :mod:`services.mssante.xdm`) into :class:`XdmEntry` objects and findings.

The XDS UUIDs are those of IHE ITI TF-3 §4.2 (ebRIM representation of the Document Sharing metadata). They
were checked here against two public implementations: ``mbajatANS/DIM_diffusion_dimagerie_medicale``
``Backend/src/main/java/com/bcom/drimbox/dmp/xades/utils/XadesUUID.java`` (ANS DRIMBox, every UUID below)
and ``haboustak/XdsKit`` ``Source/XdsKit/XdsKit/Xdsb/XdsClassification.cs`` (the classification schemes).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from services.mssante.codes import Finding, MssCode

RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
NSMAP = {"lcm": LCM, "rim": RIM}
APPROVED = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"
HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"  # XadesUUID.java XDSAssoc_hasMember
CLASSIFICATION_TYPE = "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification"
EXTERNAL_ID_TYPE = "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier"

# Object types and classification nodes (XadesUUID.java: XDSSubmissionSet, XDSDocumentEntry)
SUBMISSION_SET = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
DOCUMENT_ENTRY = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
# DocumentEntry classification schemes (XadesUUID.java XDSDocumentEntry_*; XdsClassification.cs)
DE_AUTHOR = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"
DE_CLASS_CODE = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
DE_CONFIDENTIALITY = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
DE_FORMAT_CODE = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d"
DE_FACILITY_TYPE = "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1"
DE_PRACTICE_SETTING = "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead"
DE_TYPE_CODE = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
# DocumentEntry external identifiers (XadesUUID.java XDSDocumentEntry_patientId / _uniqueId)
DE_PATIENT_ID = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
DE_UNIQUE_ID = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
# SubmissionSet (XadesUUID.java XDSSubmissionSet_*; XdsClassification.cs SubmissionSetAuthor/ContentTypeCode)
SS_AUTHOR = "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d"
SS_CONTENT_TYPE = "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500"
SS_PATIENT_ID = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
SS_SOURCE_ID = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"
SS_UNIQUE_ID = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"

INS_NIR_OID = "1.2.250.1.213.1.4.8"  # digest §0.1
CONFIDENTIALITY_OID = "2.16.840.1.113883.5.25"  # HL7 Confidentiality, TRE_A08 (digest §4.4)
VISIBILITY_OID = "1.2.250.1.213.1.1.4.13"  # TRE_A07 StatutVisibiliteDocument: MASQUE_PS… (digest §4.4)
MASQUE_PS = "MASQUE_PS"
# IHE "mimeTypeSufficient" format code (ITI TF-3 §4.1.3, code system 1.3.6.1.4.1.19376.1.2.3): a safe default
MIME_SUFFICIENT = ("urn:ihe:iti:xds:2017:mimeTypeSufficient", "1.3.6.1.4.1.19376.1.2.3", "mimeType Sufficient")


def _tag(name: str) -> str:
    return f"{{{RIM}}}{name}"


@dataclass(frozen=True)
class Code:
    """A coded value as XDS carries it: ``nodeRepresentation`` + ``codingScheme`` slot + display name."""

    code: str
    scheme: str
    display: str = ""


@dataclass(frozen=True)
class Author:
    """XDS author: ``authorPerson`` (XCN, e.g. ``899700218896^LEROY^JEAN^^^^^^&1.2.250.1.71.4.2.1&ISO``)."""

    person: str = ""
    institution: str = ""  # XON
    role: str = ""
    specialty: str = ""


@dataclass(frozen=True)
class XdmDocument:
    """One document to put in an XDM: its bytes, MIME type and the XDS metadata that describe it."""

    content: bytes
    mime_type: str
    ins: str  # the patient's 15-character INS
    title: str
    class_code: Code
    type_code: Code
    format_code: Code = Code(*MIME_SUFFICIENT)
    confidentiality: tuple[Code, ...] = (Code("N", CONFIDENTIALITY_OID, "Normal"),)
    ins_oid: str = INS_NIR_OID
    author: Author | None = None
    creation_time: datetime | None = None
    language_code: str = "fr-FR"
    name: str | None = None  # file name in SUBSET01; DOC0001.XML… when None
    unique_id: str | None = None  # an OID; a 2.25.<uuid> one when None
    facility_type: Code | None = None
    practice_setting: Code | None = None

    @property
    def patient_id(self) -> str:
        return patient_cx(self.ins, self.ins_oid)


@dataclass(frozen=True)
class SubmissionInfo:
    """The submission set: who sends (``source_id``, an OID), what kind of content, to whom."""

    source_id: str
    content_type: Code
    author: Author | None = None
    title: str = ""
    submission_time: datetime | None = None
    unique_id: str | None = None
    intended_recipients: tuple[str, ...] = ()  # mail addresses, written as XTN ``^^Internet^<address>``
    patient_id: str | None = None  # CX; the first document's when None


@dataclass(frozen=True)
class XdmEntry:
    """A DocumentEntry read from METADATA.XML; ``path`` is the zip member its ``URI`` names."""

    id: str
    path: str
    uri: str
    mime_type: str
    title: str
    size: int | None
    hash: str | None
    creation_time: str
    language_code: str
    source_patient_id: str
    patient_id: str
    unique_id: str
    class_code: Code | None
    type_code: Code | None
    format_code: Code | None
    confidentiality: tuple[Code, ...] = ()
    authors: tuple[Author, ...] = ()
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def masked_to_professionals(self) -> bool:
        return any(code.code == MASQUE_PS for code in self.confidentiality)


@dataclass(frozen=True)
class XdmSubmission:
    id: str
    unique_id: str
    source_id: str
    patient_id: str
    submission_time: str
    title: str
    content_type: Code | None
    intended_recipients: tuple[str, ...] = ()


def patient_cx(ins: str, oid: str = INS_NIR_OID) -> str:
    """The XDS patient identifier (HL7 v2 CX) of an INS: ``<INS>^^^&<OID>&ISO``."""
    return f"{ins}^^^&{oid}&ISO"


def dtm(moment: datetime | None) -> str:
    """XDS DTM (UTC, to the second): ``YYYYMMDDhhmmss``."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d%H%M%S")


def new_oid() -> str:
    return f"2.25.{uuid.uuid4().int}"


# ---- writing ---------------------------------------------------------------------------------------------

def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, _tag(tag), attrs)


def _slot(parent: etree._Element, name: str, values: Iterable[str]) -> None:
    values = [v for v in values if v]
    if values:
        value_list = _sub(_sub(parent, "Slot", name=name), "ValueList")
        for value in values:
            _sub(value_list, "Value").text = value


def _name(parent: etree._Element, text: str) -> None:
    if text:
        _sub(_sub(parent, "Name"), "LocalizedString", value=text)


def _classification(parent: etree._Element, scheme: str, code: Code | None, *, author: Author | None = None) -> None:
    if code is None and author is None:
        return
    node = _sub(parent, "Classification", id=f"urn:uuid:{uuid.uuid4()}", objectType=CLASSIFICATION_TYPE,
                classificationScheme=scheme, classifiedObject=parent.get("id"),
                nodeRepresentation=code.code if code else "")
    if author is not None:
        _slot(node, "authorPerson", [author.person])
        _slot(node, "authorInstitution", [author.institution])
        _slot(node, "authorRole", [author.role])
        _slot(node, "authorSpecialty", [author.specialty])
    if code is not None:
        _slot(node, "codingScheme", [code.scheme])
        _name(node, code.display or code.code)


def _external_id(parent: etree._Element, scheme: str, value: str, label: str) -> None:
    node = _sub(parent, "ExternalIdentifier", id=f"urn:uuid:{uuid.uuid4()}", objectType=EXTERNAL_ID_TYPE,
                identificationScheme=scheme, registryObject=parent.get("id"), value=value)
    _name(node, label)


def metadata_xml(documents: list[tuple[XdmDocument, str, str]], submission: SubmissionInfo) -> bytes:
    """METADATA.XML for ``(document, file name, SHA-1 hex)`` triples, in order."""
    root = etree.Element(f"{{{LCM}}}SubmitObjectsRequest", nsmap=NSMAP)
    objects = _sub(root, "RegistryObjectList")
    ss_id = f"urn:uuid:{uuid.uuid4()}"
    doc_ids = []
    for doc, file_name, sha1 in documents:
        eo = _sub(objects, "ExtrinsicObject", id=f"urn:uuid:{uuid.uuid4()}", mimeType=doc.mime_type,
                  objectType=DOCUMENT_ENTRY, status=APPROVED)
        doc_ids.append(eo.get("id"))
        _slot(eo, "creationTime", [dtm(doc.creation_time)])
        _slot(eo, "hash", [sha1])
        _slot(eo, "languageCode", [doc.language_code])
        _slot(eo, "size", [str(len(doc.content))])
        _slot(eo, "sourcePatientId", [doc.patient_id])
        _slot(eo, "URI", [file_name])
        _name(eo, doc.title)
        _classification(eo, DE_AUTHOR, None, author=doc.author)
        _classification(eo, DE_CLASS_CODE, doc.class_code)
        for code in doc.confidentiality:
            _classification(eo, DE_CONFIDENTIALITY, code)
        _classification(eo, DE_FORMAT_CODE, doc.format_code)
        _classification(eo, DE_FACILITY_TYPE, doc.facility_type)
        _classification(eo, DE_PRACTICE_SETTING, doc.practice_setting)
        _classification(eo, DE_TYPE_CODE, doc.type_code)
        _external_id(eo, DE_PATIENT_ID, doc.patient_id, "XDSDocumentEntry.patientId")
        _external_id(eo, DE_UNIQUE_ID, doc.unique_id or new_oid(), "XDSDocumentEntry.uniqueId")
    patient = submission.patient_id or (documents[0][0].patient_id if documents else "")
    ss = _sub(objects, "RegistryPackage", id=ss_id)
    _slot(ss, "submissionTime", [dtm(submission.submission_time)])
    _slot(ss, "intendedRecipient", [f"^^Internet^{address}" for address in submission.intended_recipients])
    _name(ss, submission.title)
    _classification(ss, SS_AUTHOR, None, author=submission.author)
    _classification(ss, SS_CONTENT_TYPE, submission.content_type)
    _external_id(ss, SS_UNIQUE_ID, submission.unique_id or new_oid(), "XDSSubmissionSet.uniqueId")
    _external_id(ss, SS_SOURCE_ID, submission.source_id, "XDSSubmissionSet.sourceId")
    _external_id(ss, SS_PATIENT_ID, patient, "XDSSubmissionSet.patientId")
    _sub(objects, "Classification", id=f"urn:uuid:{uuid.uuid4()}", classifiedObject=ss_id,
         classificationNode=SUBMISSION_SET)
    for doc_id in doc_ids:
        assoc = _sub(objects, "Association", id=f"urn:uuid:{uuid.uuid4()}", associationType=HAS_MEMBER,
                     sourceObject=ss_id, targetObject=doc_id)
        _slot(assoc, "SubmissionSetStatus", ["Original"])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# ---- reading ---------------------------------------------------------------------------------------------

def _slots(node: etree._Element) -> dict[str, tuple[str, ...]]:
    slots: dict[str, tuple[str, ...]] = {}
    for slot in node.findall(_tag("Slot")):
        values = tuple((v.text or "").strip() for v in slot.iterfind(f"{_tag('ValueList')}/{_tag('Value')}"))
        slots[slot.get("name", "")] = slots.get(slot.get("name", ""), ()) + values
    return slots


def _first(slots: dict[str, tuple[str, ...]], name: str) -> str:
    return next(iter(slots.get(name, ())), "")


def _label(node: etree._Element) -> str:
    found = node.find(f"{_tag('Name')}/{_tag('LocalizedString')}")
    return found.get("value", "") if found is not None else ""


def _codes(node: etree._Element, scheme: str) -> list[Code]:
    return [Code(c.get("nodeRepresentation", ""), _first(_slots(c), "codingScheme"), _label(c))
            for c in node.findall(_tag("Classification")) if c.get("classificationScheme") == scheme]


def _authors(node: etree._Element, scheme: str) -> tuple[Author, ...]:
    found = []
    for c in node.findall(_tag("Classification")):
        if c.get("classificationScheme") == scheme:
            s = _slots(c)
            found.append(Author(_first(s, "authorPerson"), _first(s, "authorInstitution"), _first(s, "authorRole"),
                                _first(s, "authorSpecialty")))
    return tuple(found)


def _external(node: etree._Element, scheme: str) -> str:
    for ext in node.findall(_tag("ExternalIdentifier")):
        if ext.get("identificationScheme") == scheme:
            return ext.get("value", "")
    return ""


def _uri(slots: dict[str, tuple[str, ...]]) -> str:
    # ITI TF-3 lets a long URI span several values, each prefixed "n|"
    values = slots.get("URI", ())
    if len(values) > 1 and all("|" in v for v in values):
        return "".join(v.split("|", 1)[1] for v in sorted(values, key=lambda v: v.split("|", 1)[0].zfill(4)))
    return values[0] if values else ""


REQUIRED = ("URI", "size", "hash", "mimeType", "uniqueId", "sourcePatientId", "patientId", "creationTime",
            "languageCode", "classCode", "typeCode", "formatCode", "confidentialityCode")


def _entry(eo: etree._Element, findings: list[Finding]) -> XdmEntry:
    slots = _slots(eo)
    one = lambda codes: codes[0] if codes else None  # noqa: E731
    size_text = _first(slots, "size")
    entry = XdmEntry(
        id=eo.get("id", ""), uri=_uri(slots), path="", mime_type=eo.get("mimeType", ""), title=_label(eo),
        size=int(size_text) if size_text.isascii() and size_text.isdigit() and len(size_text) < 19 else None,
        hash=_first(slots, "hash").lower() or None, creation_time=_first(slots, "creationTime"),
        language_code=_first(slots, "languageCode"), source_patient_id=_first(slots, "sourcePatientId"),
        patient_id=_external(eo, DE_PATIENT_ID), unique_id=_external(eo, DE_UNIQUE_ID),
        class_code=one(_codes(eo, DE_CLASS_CODE)), type_code=one(_codes(eo, DE_TYPE_CODE)),
        format_code=one(_codes(eo, DE_FORMAT_CODE)), confidentiality=tuple(_codes(eo, DE_CONFIDENTIALITY)),
        authors=_authors(eo, DE_AUTHOR), slots=slots)
    values = {"URI": entry.uri, "size": size_text, "hash": entry.hash, "mimeType": entry.mime_type,
              "uniqueId": entry.unique_id, "sourcePatientId": entry.source_patient_id,
              "patientId": entry.patient_id, "creationTime": entry.creation_time,
              "languageCode": entry.language_code, "classCode": entry.class_code, "typeCode": entry.type_code,
              "formatCode": entry.format_code, "confidentialityCode": entry.confidentiality}
    missing = [name for name in REQUIRED if not values[name]]
    where = entry.uri or entry.id or "ExtrinsicObject"
    if missing:
        findings.append(Finding(MssCode.XDM_METADATA_INCOMPLETE, where[:200],
                                f"The DocumentEntry {where[:80]!r} lacks {', '.join(missing)}: give every document "
                                "its XDS slots, classifications and external identifiers (ITI TF-3 §4.2)."))
    if size_text and entry.size is None:
        findings.append(Finding(MssCode.XDM_METADATA_INCOMPLETE, where[:200],
                                f"The size slot of {where[:80]!r} is {size_text[:20]!r}: write the byte count "
                                "as a decimal integer."))
    return entry


def read_metadata(root: etree._Element, folder: str, *, max_entries: int
                  ) -> tuple[XdmSubmission | None, list[XdmEntry], list[Finding]]:
    """The submission set and DocumentEntries of a parsed METADATA.XML (``folder``: its subset, for messages)."""
    findings: list[Finding] = []
    where = f"{folder}/METADATA.XML"
    if root.tag != f"{{{LCM}}}SubmitObjectsRequest":
        findings.append(Finding(MssCode.XDM_NOT_SUBMIT_OBJECTS, where,
                                f"The root element is {str(root.tag)[:120]}: METADATA.XML must be an ebRIM 3.0 "
                                f"{{{LCM}}}SubmitObjectsRequest."))
        return None, [], findings
    objects = root.find(_tag("RegistryObjectList"))
    if objects is None:
        objects = etree.Element(_tag("RegistryObjectList"))
    marked = {c.get("classifiedObject") for c in objects.iter(_tag("Classification"))
              if c.get("classificationNode") == SUBMISSION_SET}
    packages = objects.findall(_tag("RegistryPackage"))
    sets = [p for p in packages if p.get("id") in marked]
    submission = None
    if not sets:
        findings.append(Finding(MssCode.XDM_NOT_SUBMIT_OBJECTS, where,
                                "No RegistryPackage is classified as the submission set: add one, with a "
                                f"Classification whose classificationNode is {SUBMISSION_SET}."))
    else:
        ss = sets[0]
        slots = _slots(ss)
        recipients = tuple(v.split("^Internet^", 1)[-1] for v in slots.get("intendedRecipient", ()))
        submission = XdmSubmission(
            id=ss.get("id", ""), unique_id=_external(ss, SS_UNIQUE_ID), source_id=_external(ss, SS_SOURCE_ID),
            patient_id=_external(ss, SS_PATIENT_ID), submission_time=_first(slots, "submissionTime"),
            title=_label(ss), content_type=next(iter(_codes(ss, SS_CONTENT_TYPE)), None),
            intended_recipients=recipients)
    extrinsic = objects.findall(_tag("ExtrinsicObject"))
    if len(extrinsic) > max_entries:
        findings.append(Finding(MssCode.XDM_TOO_MANY_FILES, where,
                                f"METADATA.XML lists {len(extrinsic)} documents, over the limit of {max_entries}: "
                                f"only the first {max_entries} were read; split the mail."))
    entries = [_entry(eo, findings) for eo in extrinsic[:max_entries]]
    return submission, entries, findings
