"""IHE ITI XDM as MSSanté uses it: ``IHE_XDM.ZIP`` (spec digest §3.4), built and safely unpacked.

Layout: ``INDEX.HTM`` and ``README.TXT`` at the root, ``IHE_XDM/SUBSET01/METADATA.XML`` (the ebRIM
submission, :mod:`services.mssante.xdm_metadata`), then the documents in ``IHE_XDM/SUBSET01/``.

:func:`build_xdm` makes a valid package from documents (for scenarios and vendors). :func:`parse_xdm`
reads a hostile one: every byte of a mail comes from an attacker, and the real space still delivers the
mail, so what is wrong comes back as coded findings (``MSS-02xx``), never as an exception. Nothing is
extracted to disk; the member count, the declared and the actually inflated sizes are capped before and
while reading; absolute, ``..``, backslash and control-character names, encrypted members and duplicate
names are refused; METADATA.XML is parsed without DTD, entities or network and under its own size cap.
Member names are matched case-insensitively (FAT media and many producers upper-case them).
"""

from __future__ import annotations

import hashlib
import html
import io
import lzma
import re
import zipfile
import zlib
from dataclasses import dataclass, field, replace

from lxml import etree

from services.mssante.codes import Finding, MssCode
from services.mssante.xdm_metadata import (
    SubmissionInfo,
    XdmDocument,
    XdmEntry,
    XdmSubmission,
    metadata_xml,
    read_metadata,
)

XDM_FILE_NAME = "IHE_XDM.ZIP"
SUBSET = "IHE_XDM/SUBSET01"
MAX_BYTES = 50 * 1024 * 1024  # all members inflated
MAX_FILES = 500
MAX_METADATA_BYTES = 4 * 1024 * 1024
EXTENSIONS = {"text/xml": ".XML", "application/xml": ".XML", "application/pdf": ".PDF", "text/plain": ".TXT",
              "text/html": ".HTM", "image/jpeg": ".JPG", "image/png": ".PNG", "application/fhir+json": ".JSN"}
METADATA_PATH = re.compile(r"ihe_xdm/([^/]+)/metadata\.xml")
READ_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError, RuntimeError,
               OSError, ValueError)


class XmlRefused(ValueError):
    """XML that is not well-formed, carries a DTD, or is too large."""


def parse_xml(raw: bytes, *, max_bytes: int) -> etree._Element:
    """Parse untrusted XML: no DTD (so no entity expansion), no network, no huge trees, ``max_bytes`` at most."""
    if len(raw) > max_bytes:
        raise XmlRefused(f"it is {len(raw)} bytes, over the limit of {max_bytes}")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise XmlRefused(f"it is not well-formed XML ({str(exc.msg)[:160]})") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise XmlRefused("it carries a document type declaration (DTD, entities), which is not accepted")
    return root


@dataclass
class XdmPackage:
    """What :func:`parse_xdm` found: the DocumentEntries, the documents' bytes (by zip path), the findings."""

    entries: list[XdmEntry] = field(default_factory=list)
    documents: dict[str, bytes] = field(default_factory=dict)
    submission: XdmSubmission | None = None
    problems: list[Finding] = field(default_factory=list)

    def content(self, entry: XdmEntry) -> bytes | None:
        return self.documents.get(entry.path)

    @property
    def ok(self) -> bool:
        return not self.problems


def _show(name: str) -> str:
    """A zip name safe to echo in a finding: control characters replaced, 160 characters at most."""
    return "".join(c if c.isprintable() else "?" for c in name[:160])


def unsafe_name(name: str) -> str | None:
    """Why a zip member name is refused, or None: no absolute, traversing, Windows or control-character names."""
    if not name:
        return "it is empty"
    if len(name) > 255:
        return "it is longer than 255 characters"
    if any(not c.isprintable() for c in name):
        return "it holds a control character"
    if "\\" in name:
        return "it holds a backslash"
    if name.startswith("/"):
        return "it is absolute"
    if re.match(r"[A-Za-z]:", name):
        return "it starts with a drive letter"
    if any(part in ("", ".", "..") for part in name.rstrip("/").split("/")):
        return "it holds an empty, '.' or '..' segment"
    return None


# ---- building ---------------------------------------------------------------------------------------------

def _file_names(documents: list[XdmDocument]) -> list[str]:
    names, seen = [], set()
    for number, doc in enumerate(documents, 1):
        name = doc.name or f"DOC{number:04d}{EXTENSIONS.get(doc.mime_type.lower(), '.BIN')}"
        if "/" in name or unsafe_name(name) or name.upper() == "METADATA.XML":
            raise ValueError(f"document name {name!r} must be one safe file name, not METADATA.XML")
        if name.casefold() in seen:
            raise ValueError(f"two documents are named {name!r}")
        seen.add(name.casefold())
        names.append(name)
    return names


def _index(documents: list[XdmDocument], names: list[str], submission: SubmissionInfo) -> bytes:
    rows = "\n".join(f'<li><a href="{SUBSET}/{html.escape(n)}">{html.escape(d.title or n)}</a> ({d.mime_type})</li>'
                     for d, n in zip(documents, names, strict=True))
    title = html.escape(submission.title or "IHE XDM")
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\n"
            f"<h1>{title}</h1>\n<ul>\n{rows}\n</ul>\n<p><a href=\"README.TXT\">README.TXT</a></p>\n"
            "</body></html>\n").encode()


def _readme(submission: SubmissionInfo) -> bytes:
    return ("IHE XDM package (IHE ITI Technical Framework, XDM profile), as MSSanté attaches it.\r\n"
            f"Source (XDSSubmissionSet.sourceId): {submission.source_id}\r\n"
            f"Metadata: {SUBSET}/METADATA.XML (ebRIM 3.0 SubmitObjectsRequest).\r\n"
            "Produced by the e-sante sandbox (services/mssante).\r\n").encode()


def build_xdm(documents: list[XdmDocument], *, submission: SubmissionInfo) -> bytes:
    """A valid ``IHE_XDM.ZIP`` holding ``documents`` (ValueError on an unsafe or duplicate document name)."""
    if not documents:
        raise ValueError("an XDM package holds at least one document")
    names = _file_names(documents)
    triples = [(doc, name, hashlib.sha1(doc.content).hexdigest()) for doc, name in zip(documents, names, strict=True)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("INDEX.HTM", _index(documents, names, submission))
        zf.writestr("README.TXT", _readme(submission))
        zf.writestr(f"{SUBSET}/METADATA.XML", metadata_xml(triples, submission))
        for doc, name in zip(documents, names, strict=True):
            zf.writestr(f"{SUBSET}/{name}", doc.content)
    return out.getvalue()


# ---- parsing ----------------------------------------------------------------------------------------------

class _Budget:
    """The bytes still allowed to inflate; reads stop one byte past it, whatever the headers declare."""

    def __init__(self, total: int) -> None:
        self.total = self.left = total

    def read(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int | None = None) -> bytes | None:
        limit = self.left if cap is None else min(cap, self.left)
        with zf.open(info) as member:
            data = member.read(limit + 1)
        self.left -= min(len(data), limit)
        return data if len(data) <= limit else None


def _members(zf: zipfile.ZipFile, problems: list[Finding]) -> dict[str, zipfile.ZipInfo]:
    members: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        name = info.filename
        why = unsafe_name(name) or (unsafe_name(info.orig_filename) if info.orig_filename != name else None)
        if why:
            problems.append(Finding(MssCode.XDM_UNSAFE_NAME, _show(name), f"The zip member {_show(name)!r} was "
                                    f"not read: {why}. Use relative names such as {SUBSET}/DOC0001.XML."))
        elif info.is_dir():
            continue
        elif info.flag_bits & 0x1:
            problems.append(Finding(MssCode.XDM_ENCRYPTED, _show(name), f"The zip member {_show(name)!r} is "
                                    "encrypted and was not read: MSSanté already protects the transport; send "
                                    "the XDM unencrypted."))
        elif name.casefold() in members:
            problems.append(Finding(MssCode.XDM_DUPLICATE_NAME, _show(name), f"The zip holds {_show(name)!r} "
                                    "twice (names compared case-insensitively): only the first was read; give "
                                    "each member one name."))
        else:
            members[name.casefold()] = info
    return members


def _corrupt(where: str, exc: BaseException) -> Finding:
    return Finding(MssCode.XDM_NOT_ZIP, _show(where), f"{_show(where)} could not be read as a zip "
                   f"({type(exc).__name__}: {str(exc)[:120]}): send a well-formed, unencrypted zip (deflate or store).")


def _too_large(where: str, limit: int) -> Finding:
    return Finding(MssCode.XDM_TOO_LARGE, where, f"Inflating {where} goes past the limit of {limit} bytes for "
                   "the whole XDM: the rest was not read; send fewer or smaller documents.")


def parse_xdm(data: bytes, *, max_bytes: int = MAX_BYTES, max_files: int = MAX_FILES,
              max_metadata_bytes: int = MAX_METADATA_BYTES) -> XdmPackage:
    """Unpack an untrusted ``IHE_XDM.ZIP`` in memory; every problem is a finding in ``problems``."""
    package = XdmPackage()
    problems = package.problems
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except READ_ERRORS as exc:
        problems.append(_corrupt(XDM_FILE_NAME, exc))
        return package
    if len(infos) > max_files:
        problems.append(Finding(MssCode.XDM_TOO_MANY_FILES, XDM_FILE_NAME, f"The zip holds {len(infos)} members, "
                                f"over the limit of {max_files}: nothing was read; split the mail."))
        return package
    members = _members(zf, problems)
    declared = sum(info.file_size for info in members.values())
    if declared > max_bytes:
        problems.append(Finding(MssCode.XDM_TOO_LARGE, XDM_FILE_NAME, f"The members declare {declared} bytes "
                                f"once inflated, over the limit of {max_bytes}: nothing was read (zip bomb guard); "
                                "send fewer or smaller documents."))
        return package
    for required in ("INDEX.HTM", "README.TXT"):
        if required.casefold() not in members:
            problems.append(Finding(MssCode.XDM_NO_INDEX, required, f"The zip has no {required} at its root: "
                                    "IHE XDM requires INDEX.HTM and README.TXT beside the IHE_XDM folder."))
    subsets = sorted(m.group(1) for key in members if (m := METADATA_PATH.fullmatch(key)))
    if not subsets:
        problems.append(Finding(MssCode.XDM_NO_METADATA, f"{SUBSET}/METADATA.XML", "The zip has no "
                                f"IHE_XDM/<subset>/METADATA.XML: add {SUBSET}/METADATA.XML describing each document."))
    budget = _Budget(max_bytes)
    for subset in subsets:
        if not _read_subset(zf, members, subset, package, budget, max_files, max_metadata_bytes):
            break
    return package


def _read_subset(zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], subset: str, package: XdmPackage,
                 budget: _Budget, max_files: int, max_metadata_bytes: int) -> bool:
    """Read one subset folder into ``package``; False once the byte budget is spent (stop reading)."""
    problems = package.problems
    info = members[f"ihe_xdm/{subset}/metadata.xml"]
    folder = info.filename.rsplit("/", 1)[0]
    where = f"{folder}/METADATA.XML"
    over_budget = budget.left < max_metadata_bytes
    try:
        raw = budget.read(zf, info, max_metadata_bytes)
    except READ_ERRORS as exc:
        problems.append(_corrupt(info.filename, exc))
        return True
    if raw is None:
        if over_budget:
            problems.append(_too_large(where, budget.total))
            return False
        problems.append(Finding(MssCode.XDM_BAD_METADATA_XML, where, f"{where} is over {max_metadata_bytes} "
                                "bytes and was not parsed: describe fewer documents per XDM."))
        return True
    try:
        root = parse_xml(raw, max_bytes=max_metadata_bytes)
    except XmlRefused as exc:
        problems.append(Finding(MssCode.XDM_BAD_METADATA_XML, where, f"{where} was not parsed: {exc}. Send an "
                                "ebRIM 3.0 SubmitObjectsRequest, UTF-8, without DOCTYPE."))
        return True
    submission, entries, findings = read_metadata(root, folder, max_entries=max_files)
    problems.extend(findings)
    package.submission = package.submission or submission
    listed: set[str] = set()
    for entry in entries:
        if not entry.uri:
            package.entries.append(entry)
            continue
        label = _show(entry.uri)
        if unsafe_name(entry.uri) or entry.uri.startswith(("http:", "https:", "file:")):
            package.entries.append(entry)
            problems.append(Finding(MssCode.XDM_UNSAFE_NAME, label, f"The URI slot {label!r} does not name a file "
                                    f"of {folder}: write the bare file name (e.g. DOC0001.XML)."))
            continue
        key = f"{folder}/{entry.uri}".casefold()
        listed.add(key)
        member = members.get(key)
        if member is None:
            package.entries.append(entry)
            problems.append(Finding(MssCode.XDM_DOCUMENT_MISSING, label, f"METADATA.XML lists {label!r}, absent "
                                    f"from {folder}: put the document in the zip or remove its entry."))
            continue
        entry = replace(entry, path=member.filename)
        package.entries.append(entry)
        if member.filename not in package.documents and not _read_document(zf, member, entry, package, budget):
            return False
    for key, member in members.items():
        inside = key.startswith(f"ihe_xdm/{subset}/") and key != f"ihe_xdm/{subset}/metadata.xml"
        if inside and key not in listed:
            problems.append(Finding(MssCode.XDM_DOCUMENT_UNLISTED, _show(member.filename), f"{_show(member.filename)}"
                                    " is in the zip but not in METADATA.XML (not read): describe it with a "
                                    "DocumentEntry or leave it out."))
    return True


def _read_document(zf: zipfile.ZipFile, member: zipfile.ZipInfo, entry: XdmEntry, package: XdmPackage,
                   budget: _Budget) -> bool:
    label = _show(member.filename)
    try:
        content = budget.read(zf, member)
    except READ_ERRORS as exc:
        package.problems.append(_corrupt(member.filename, exc))
        return True
    if content is None:
        package.problems.append(_too_large(label, budget.total))
        return False
    package.documents[member.filename] = content
    if entry.size is not None and entry.size != len(content):
        package.problems.append(Finding(MssCode.XDM_SIZE_MISMATCH, label, f"{label} is {len(content)} bytes but "
                                        f"its size slot says {entry.size}: write the document's byte count."))
    digest = hashlib.sha1(content).hexdigest()
    if entry.hash is not None and entry.hash != digest:
        package.problems.append(Finding(MssCode.XDM_HASH_MISMATCH, label, f"The SHA-1 of {label} is {digest} but "
                                        f"its hash slot says {_show(entry.hash)[:40]}: the document changed after "
                                        "its metadata was written; recompute the hash (hex SHA-1)."))
    return True
