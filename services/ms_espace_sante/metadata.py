"""Validation of what professionals feed (digest §4.2-§4.4): pure functions, no database, no network.

- :func:`check_submission` takes an ITI-65 transaction Bundle and checks it whole: one SubmissionSet,
  the metadata of every DocumentReference, SubmissionSet and Folder, each attachment against its
  Binary (present, referenced, same MIME type, ``size`` and SHA-1 ``hash`` of the bytes), the Lists'
  entries, one patient (INS) for all; it answers a :class:`CheckedSubmission` of what to store.
- :func:`check_document_reference` checks one DocumentReference (comprehensive profile);
  :func:`check_simplified_publish` an ITI-105 one with its inline ``attachment.data``.
Every problem found goes into one OperationOutcome (a :class:`SandboxError` whose issues are all of them).
The INS itself is confirmed with INSi by :func:`services.ms_espace_sante.ins_check.confirm_ins`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import SandboxError
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.documents import decode_data
from services.ms_espace_sante.ins_check import PatientIns
from services.ms_espace_sante.metadata_common import Problems, items
from services.ms_espace_sante.metadata_documents import CheckedDocument, check_bytes, check_document
from services.ms_espace_sante.metadata_lists import check_folder, check_submission_set, entry_items
from services.ms_espace_sante.spec import MHD_LIST_TYPES
from services.ms_espace_sante.valuesets import ValueSets, bundled

NO_LIMIT = 1 << 62


@dataclass
class DocumentEntry:
    index: int  # in Bundle.entry
    full_url: str
    binaries: list[int]  # Bundle.entry index of the Binary of each content[]
    authors: list[str]  # idNat_PS of the professional authors


@dataclass
class CheckedSubmission:
    """What an accepted ITI-65 bundle holds, by role (indexes into ``Bundle.entry``)."""

    submission_set: int
    folders: list[int] = field(default_factory=list)
    documents: list[DocumentEntry] = field(default_factory=list)
    binaries: dict[str, int] = field(default_factory=dict)  # fullUrl -> index
    patches: list[int] = field(default_factory=list)
    patient: PatientIns | None = None  # the INS every resource names (None: only stored Patient references)
    source: str | None = None  # idNat_PS of the submission set's author, when a professional


def check_document_reference(doc: object, *, where: str = "DocumentReference",
                             valuesets: ValueSets | None = None) -> CheckedDocument:
    """The metadata of one comprehensive DocumentReference; raises every problem found at once."""
    p = Problems()
    checked = check_document(p, doc, where, vs=valuesets)
    p.raise_if_any()
    return checked


def check_simplified_publish(doc: object, *, max_document_bytes: int = NO_LIMIT,
                             valuesets: ValueSets | None = None) -> CheckedDocument:
    """An ITI-105 DocumentReference: metadata, and ``size``/``hash`` (when given) against ``attachment.data``."""
    p = Problems()
    checked = check_document(p, doc, "DocumentReference", vs=valuesets, simplified=True)
    for k, content in enumerate(items(doc.get("content")) if isinstance(doc, dict) else []):
        attachment = content.get("attachment") if isinstance(content, dict) else None
        if isinstance(attachment, dict) and isinstance(attachment.get("data"), str):
            where = f"DocumentReference.content[{k}].attachment"
            check_bytes(p, attachment, decode_data(attachment["data"], f"{where}.data", max_document_bytes), where)
    p.raise_if_any()
    return checked


def _list_kind(resource: dict) -> str | None:
    coding = (resource.get("code") or {}).get("coding") if isinstance(resource.get("code"), dict) else None
    for c in coding if isinstance(coding, list) else []:
        if isinstance(c, dict) and c.get("system") == MHD_LIST_TYPES and c.get("code") in ("submissionset", "folder"):
            return c["code"]
    return None


def _sort(bundle: object) -> tuple[list[dict], dict[str, list[int]]]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise SandboxError(400, MesCode.WRONG_RESOURCE_TYPE, "ITI-65 takes a Bundle of type transaction.",
                           expression=["resourceType"])
    if bundle.get("type") != "transaction":
        raise SandboxError(400, MesCode.NOT_A_TRANSACTION, "Bundle.type must be 'transaction' (ITI-65).",
                           expression=["Bundle.type"])
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("resource"), dict)
                                                for e in entries):
        raise SandboxError(400, MesCode.BAD_SUBMISSION, "Bundle.entry must list objects with a resource each.",
                           expression=["Bundle.entry"])
    roles: dict[str, list[int]] = {"submissionset": [], "folder": [], "DocumentReference": [], "Binary": [],
                                   "PATCH": [], "List": []}
    for i, entry in enumerate(entries):
        request = entry.get("request")
        if isinstance(request, dict) and request.get("method") == "PATCH":
            roles["PATCH"].append(i)
            continue
        rtype = entry["resource"].get("resourceType")
        role = _list_kind(entry["resource"]) if rtype == "List" else rtype
        roles.setdefault(str(role or "List"), []).append(i)
    return entries, roles


def check_submission(bundle: object, *, valuesets: ValueSets | None = None,
                     max_document_bytes: int = NO_LIMIT) -> CheckedSubmission:
    """Check an ITI-65 bundle whole; raise one error holding every problem, or answer what to store."""
    vs = valuesets or bundled()
    entries, roles = _sort(bundle)
    p = Problems()
    if len(roles["submissionset"]) != 1:
        p.add(MesCode.NO_SUBMISSION_SET, f"An ITI-65 bundle carries exactly one SubmissionSet List (code "
              f"{MHD_LIST_TYPES}|submissionset); this one has {len(roles['submissionset'])}.", "Bundle.entry")
    for i in roles["List"]:
        p.add(MesCode.BAD_SUBMISSION, f"Bundle.entry[{i}] is a List whose code is neither {MHD_LIST_TYPES}"
              "|submissionset nor |folder.", f"Bundle.entry[{i}].resource.code")
    if not roles["DocumentReference"]:
        p.add(MesCode.NO_DOCUMENT, "An ITI-65 bundle carries at least one DocumentReference.", "Bundle.entry")
    url = {i: str(entries[i].get("fullUrl") or "") for i in range(len(entries))}
    binaries = {url[i]: i for i in roles["Binary"] if url[i]}
    raw = {i: decode_data(entries[i]["resource"].get("data"), f"Bundle.entry[{i}].resource.data", max_document_bytes)
           for i in roles["Binary"]}
    out = CheckedSubmission(submission_set=roles["submissionset"][0] if roles["submissionset"] else -1,
                            folders=roles["folder"], binaries=binaries, patches=roles["PATCH"])
    patients: list[tuple[str, PatientIns | None]] = []
    referenced: set[int] = set()
    for i in roles["DocumentReference"]:
        where = f"Bundle.entry[{i}].resource"
        doc = entries[i]["resource"]
        checked = check_document(p, doc, where, vs=vs)
        if doc.get("status") == "superseded":
            p.add(MesCode.BAD_DOCUMENT_STATUS, f"{where}.status: a document is fed as current (the replaced one "
                  "becomes superseded through relatesTo and its PATCH entry).", f"{where}.status")
        patients.append((f"{where}.subject", checked.patient))
        found: list[int] = []
        for k, content in enumerate(items(doc.get("content"))):
            attachment = content.get("attachment") if isinstance(content, dict) else None
            if not isinstance(attachment, dict) or not isinstance(attachment.get("url"), str):
                continue
            at = f"{where}.content[{k}].attachment"
            b = binaries.get(attachment["url"])
            if b is None:
                p.add(MesCode.BINARY_MISSING, f"{at}.url {attachment['url'][:80]!r} names no Binary of this bundle: "
                      "put the document in a Binary entry and point to its fullUrl.", f"{at}.url")
                continue
            referenced.add(b)
            found.append(b)
            check_bytes(p, attachment, raw[b], at)
            binary_type = entries[b]["resource"].get("contentType")
            if isinstance(attachment.get("contentType"), str) and binary_type != attachment["contentType"]:
                p.add(MesCode.INVALID_VALUE, f"{at}.contentType {attachment['contentType'][:60]!r} differs from the "
                      f"Binary's contentType {str(binary_type)[:60]!r}: they are the document's one MIME type.",
                      f"{at}.contentType")
        out.documents.append(DocumentEntry(i, url[i], found, checked.authors))
    for b in roles["Binary"]:
        if b not in referenced:
            p.add(MesCode.BINARY_UNREFERENCED, f"The Binary {url[b][:80]!r} is referenced by no DocumentReference's "
                  "attachment.url: remove it or point a document to it.", f"Bundle.entry[{b}]")
    kinds = {url[i]: entries[i]["resource"].get("resourceType") for i in range(len(entries)) if url[i]}
    for s in roles["submissionset"]:
        where = f"Bundle.entry[{s}].resource"
        patient, out.source = check_submission_set(p, entries[s]["resource"], where, vs=vs)
        patients.append((f"{where}.subject", patient))
        listed = {ref for _, ref in entry_items(p, entries[s]["resource"], where)}
        for at, ref in entry_items(Problems(), entries[s]["resource"], where):
            if ref.startswith("urn:uuid:") and ref not in kinds:
                p.add(MesCode.BAD_REFERENCE, f"{at}.reference {ref[:80]!r} names no entry of this bundle.",
                      f"{at}.reference")
        for i in roles["DocumentReference"] + roles["folder"]:
            if url[i] not in listed:
                p.add(MesCode.BAD_REFERENCE, f"Bundle.entry[{i}] ({url[i][:80]}) is not listed in the SubmissionSet's "
                      "entry: the submission set lists every DocumentReference and Folder it submits.",
                      f"{where}.entry")
    for f in roles["folder"]:
        where = f"Bundle.entry[{f}].resource"
        patients.append((f"{where}.subject", check_folder(p, entries[f]["resource"], where, vs=vs)))
        for at, ref in entry_items(p, entries[f]["resource"], where):
            if kinds.get(ref) != "DocumentReference" and not ref.startswith("DocumentReference/"):
                p.add(MesCode.BAD_REFERENCE, f"{at}.reference {ref[:80]!r} names no DocumentReference (of this "
                      "bundle, or DocumentReference/<id> stored): a folder lists documents.", f"{at}.reference")
    named = [(where, ins) for where, ins in patients if ins is not None and ins.value]
    if named:
        out.patient = named[0][1]
        for where, ins in named[1:]:
            if ins.value != out.patient.value:
                p.add(MesCode.PATIENT_MISMATCH, f"{where} names the INS {ins.value!r}, {named[0][0]} "
                      f"{out.patient.value!r}: one submission is for one patient.", where)
    else:
        out.patient = next((ins for _, ins in patients if ins is not None), None)
    p.raise_if_any()
    return out
