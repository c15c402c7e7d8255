"""The shape of an ITI-65 Provide Document Bundle (digest §4.2), checked before anything is written.

``parse_submission`` sorts a transaction Bundle into its SubmissionSet List, Folder Lists,
DocumentReferences, Binaries and replacement PATCH entries, and refuses what PDSm does not allow
(another Bundle type, other resource types or methods, no or several submission sets, no document, a
Binary nothing points to, an attachment naming no Binary of the bundle, bytes that are not base64 or
are larger than the configured limit). Pure: no database, no network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import SandboxError
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.documents import decode_data
from services.ms_espace_sante.spec import MHD_LIST_TYPES

POSTED = ("List", "DocumentReference", "Binary")


def bad(status: int, code: MesCode, diagnostics: str, where: str) -> SandboxError:
    return SandboxError(status, code, diagnostics, expression=[where])


@dataclass
class Submission:
    """The entries of one provide bundle, by role (indexes into ``entries``)."""

    entries: list[dict]
    submission_set: int = -1
    folders: list[int] = field(default_factory=list)
    documents: list[int] = field(default_factory=list)
    binaries: dict[str, int] = field(default_factory=dict)  # fullUrl -> index
    patches: list[int] = field(default_factory=list)
    sizes: dict[int, int] = field(default_factory=dict)  # Binary index -> decoded bytes

    def resource(self, i: int) -> dict:
        return self.entries[i]["resource"]


def list_kind(resource: dict) -> str | None:
    """``submissionset`` or ``folder`` from List.code (MHDlistTypes), else None."""
    codings = (resource.get("code") or {}).get("coding") if isinstance(resource.get("code"), dict) else None
    for coding in codings if isinstance(codings, list) else []:
        if isinstance(coding, dict) and coding.get("system") == MHD_LIST_TYPES:
            return coding.get("code") if coding.get("code") in ("submissionset", "folder") else None
    return None


def attachments(resource: dict) -> list[dict]:
    """The ``content[].attachment`` objects of a DocumentReference (malformed ones left to validation)."""
    content = resource.get("content")
    found = [c.get("attachment") for c in content if isinstance(c, dict)] if isinstance(content, list) else []
    return [a for a in found if isinstance(a, dict)]


def _check_entry(i: int, entry: object) -> tuple[str, dict]:
    where = f"Bundle.entry[{i}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict):
        raise bad(400, MesCode.BAD_SUBMISSION, f"{where} has no request: each entry of an ITI-65 bundle is a POST "
                  "(or the PATCH of a replaced document) with its resource.", f"{where}.request")
    method, url = entry["request"].get("method"), entry["request"].get("url")
    resource = entry.get("resource")
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise bad(400, MesCode.BAD_SUBMISSION, f"{where} needs a resource with a resourceType.", f"{where}.resource")
    if not isinstance(url, str) or not url:
        raise bad(400, MesCode.BAD_SUBMISSION, f"{where}.request.url is missing.", f"{where}.request.url")
    rtype = resource["resourceType"]
    if method == "POST":
        if rtype not in POSTED:
            raise bad(422, MesCode.BAD_SUBMISSION, f"{where} posts a {rtype[:64]!r}: an ITI-65 bundle holds only "
                      "List, DocumentReference and Binary resources.", f"{where}.resource.resourceType")
        if url.strip("/") != rtype:
            raise bad(422, MesCode.BAD_SUBMISSION, f"{where}.request.url is {url[:80]!r}; a POST of a {rtype} "
                      f"goes to {rtype!r}.", f"{where}.request.url")
        full_url = entry.get("fullUrl")
        if not isinstance(full_url, str) or not full_url.startswith("urn:uuid:"):
            raise bad(422, MesCode.BAD_SUBMISSION, f"{where} needs a fullUrl 'urn:uuid:...' (the other entries "
                      "point to it).", f"{where}.fullUrl")
        return "POST", resource
    if method == "PATCH":
        parts = url.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "DocumentReference" or rtype not in ("Parameters", "Binary"):
            raise bad(422, MesCode.BAD_REPLACEMENT_PATCH, f"{where}: the only PATCH an ITI-65 bundle may carry "
                      "is 'DocumentReference/<id>' with a FHIRPath Patch (Parameters) setting the replaced "
                      "document's status to superseded.", f"{where}.request.url")
        return "PATCH", resource
    raise bad(422, MesCode.BAD_SUBMISSION, f"{where}.request.method is {str(method)[:20]!r}: an ITI-65 bundle "
              "takes POST entries (and the PATCH of a replaced document).", f"{where}.request.method")


def parse_submission(bundle: object, *, max_document_bytes: int) -> Submission:
    """Sort and check the entries of an ITI-65 bundle; raise the first :class:`SandboxError` found."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        got = bundle.get("resourceType") if isinstance(bundle, dict) else type(bundle).__name__
        raise bad(400, MesCode.WRONG_RESOURCE_TYPE, f"POST to the FHIR base takes an ITI-65 Bundle of type "
                  f"transaction, not {str(got)[:64]!r}.", "resourceType")
    if bundle.get("type") != "transaction":
        raise bad(400, MesCode.NOT_A_TRANSACTION, f"Bundle.type is {str(bundle.get('type'))[:40]!r}: ITI-65 "
                  "(Provide Document Bundle) takes type 'transaction'.", "Bundle.type")
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        raise bad(400, MesCode.BAD_SUBMISSION, "Bundle.entry must list the SubmissionSet, the "
                  "DocumentReference(s) and their Binary(ies).", "Bundle.entry")
    sub = Submission(entries)
    sets: list[int] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        method, resource = _check_entry(i, entry)
        if method == "PATCH":
            sub.patches.append(i)
            continue
        if entry["fullUrl"] in seen:
            raise bad(422, MesCode.BAD_SUBMISSION, f"fullUrl {entry['fullUrl'][:80]!r} appears twice.",
                      f"Bundle.entry[{i}].fullUrl")
        seen.add(entry["fullUrl"])
        rtype = resource["resourceType"]
        if rtype == "Binary":
            sub.binaries[entry["fullUrl"]] = i
            sub.sizes[i] = len(decode_data(resource.get("data"), f"Bundle.entry[{i}].resource.data",
                                           max_document_bytes))
        elif rtype == "DocumentReference":
            sub.documents.append(i)
        else:
            kind = list_kind(resource)
            if kind is None:
                raise bad(422, MesCode.BAD_SUBMISSION, f"Bundle.entry[{i}] is a List whose code is neither "
                          f"{MHD_LIST_TYPES}|submissionset nor |folder.", f"Bundle.entry[{i}].resource.code")
            (sets.append if kind == "submissionset" else sub.folders.append)(i)
    if len(sets) != 1:
        raise bad(422, MesCode.NO_SUBMISSION_SET, f"An ITI-65 bundle carries exactly one SubmissionSet List "
                  f"(code {MHD_LIST_TYPES}|submissionset); this one has {len(sets)}.", "Bundle.entry")
    sub.submission_set = sets[0]
    if not sub.documents:
        raise bad(422, MesCode.NO_DOCUMENT, "An ITI-65 bundle carries at least one DocumentReference.", "Bundle.entry")
    _check_binaries(sub)
    return sub


def _check_binaries(sub: Submission) -> None:
    referenced: set[str] = set()
    for i in sub.documents:
        for k, attachment in enumerate(attachments(sub.resource(i))):
            url = attachment.get("url")
            where = f"Bundle.entry[{i}].resource.content[{k}].attachment.url"
            if not isinstance(url, str) or url not in sub.binaries:
                raise bad(422, MesCode.BINARY_MISSING, f"attachment.url {str(url)[:80]!r} names no Binary of this "
                          "bundle: put the document in a Binary entry and point to its fullUrl.", where)
            referenced.add(url)
    for full_url, i in sub.binaries.items():
        if full_url not in referenced:
            raise bad(422, MesCode.BINARY_UNREFERENCED, f"The Binary {full_url[:80]!r} is referenced by no "
                      "DocumentReference's attachment.url: remove it or point a document to it.",
                      f"Bundle.entry[{i}]")
