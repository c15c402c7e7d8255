"""IHE XDM build and hostile parse (services/mssante/xdm.py, xdm_metadata.py; digest §3.4)."""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.mssante.codes import MssCode
from services.mssante.xdm import SUBSET, build_xdm, parse_xdm
from services.mssante.xdm_metadata import (
    DE_CLASS_CODE,
    DE_CONFIDENTIALITY,
    RIM,
    VISIBILITY_OID,
    Author,
    Code,
    SubmissionInfo,
    XdmDocument,
)
from tests.services.mssante.test_cda import INS, cda

CONFORMANCE = Path("/work/shared/conformance")
WHEN = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)
METADATA = f"{SUBSET}/METADATA.XML"


def document(content: bytes = b"", **changes) -> XdmDocument:
    fields = dict(content=content or cda(), mime_type="text/xml", ins=INS, title="Compte rendu",
                  class_code=Code("11", "1.2.250.1.213.1.1.4.1", "Compte rendu"),
                  type_code=Code("11488-4", "2.16.840.1.113883.6.1", "Consultation note"),
                  author=Author(person="899700218896^LEROY^JEAN^^^^^^&1.2.250.1.71.4.2.1&ISO"),
                  creation_time=WHEN, unique_id="1.2.250.1.999.1.1")
    return XdmDocument(**{**fields, **changes})


SUBMISSION = SubmissionInfo(source_id="1.2.250.1.999", content_type=Code("11488-4", "2.16.840.1.113883.6.1"),
                            title="Envoi", submission_time=WHEN, intended_recipients=("dr.martin@test.mssante.fr",))


def xdm(*documents: XdmDocument) -> bytes:
    return build_xdm(list(documents) or [document(), document(b"%PDF-1.4 fake", mime_type="application/pdf",
                                                             title="Ordonnance", unique_id="1.2.250.1.999.1.2")],
                     submission=SUBMISSION)


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def rezip(files: dict[str, bytes | None], base: bytes | None = None) -> bytes:
    """``base``'s members with ``files`` replacing (bytes) or removing (None) some, plus new ones."""
    merged = {**members(base or xdm()), **files}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in merged.items():
            if content is not None:
                zf.writestr(name, content)
    return out.getvalue()


def edit_metadata(old: bytes, new: bytes, base: bytes | None = None) -> bytes:
    base = base or xdm()
    metadata = members(base)[METADATA]
    assert old in metadata
    return rezip({METADATA: metadata.replace(old, new, 1)}, base)


def codes(data: bytes, **limits) -> list[MssCode]:
    return [f.code for f in parse_xdm(data, **limits).problems]


def test_round_trip_has_no_findings_and_keeps_metadata_and_bytes():
    docs = [document(), document(b"%PDF-1.4 fake", mime_type="application/pdf", title="Ordonnance",
                                 unique_id="1.2.250.1.999.1.2")]
    package = parse_xdm(build_xdm(docs, submission=SUBMISSION))
    assert package.problems == []
    assert [e.uri for e in package.entries] == ["DOC0001.XML", "DOC0002.PDF"]
    for doc, entry in zip(docs, package.entries, strict=True):
        assert package.content(entry) == doc.content
        assert (entry.size, entry.hash) == (len(doc.content), hashlib.sha1(doc.content).hexdigest())
        assert (entry.mime_type, entry.title, entry.unique_id) == (doc.mime_type, doc.title, doc.unique_id)
        assert (entry.class_code.code, entry.class_code.scheme) == (doc.class_code.code, doc.class_code.scheme)
        assert entry.type_code.code == "11488-4" and entry.format_code == doc.format_code
        assert entry.confidentiality == doc.confidentiality
        assert entry.patient_id == entry.source_patient_id == f"{INS}^^^&1.2.250.1.213.1.4.8&ISO"
        assert (entry.creation_time, entry.language_code) == ("20250304103000", "fr-FR")
        assert entry.authors[0].person == doc.author.person
    assert package.submission.source_id == "1.2.250.1.999"
    assert package.submission.intended_recipients == ("dr.martin@test.mssante.fr",)
    assert package.submission.submission_time == "20250304103000"


def test_layout_and_namespaces():
    data = xdm()
    names = set(members(data))
    assert {"INDEX.HTM", "README.TXT", METADATA, f"{SUBSET}/DOC0001.XML"} <= names
    metadata = members(data)[METADATA]
    assert b"urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" in metadata and RIM.encode() in metadata
    assert DE_CLASS_CODE.encode() in metadata and b"urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd" in metadata


def test_bad_hash_names_the_document():
    original = members(xdm())[f"{SUBSET}/DOC0002.PDF"]
    tampered = rezip({f"{SUBSET}/DOC0002.PDF": original.replace(b"fake", b"FAKE")})
    [finding] = parse_xdm(tampered).problems
    assert (finding.code, finding.where) == (MssCode.XDM_HASH_MISMATCH, f"{SUBSET}/DOC0002.PDF")


def test_bad_size():
    size = len(b"%PDF-1.4 fake")
    data = edit_metadata(f"<rim:Value>{size}</rim:Value>".encode(), b"<rim:Value>999</rim:Value>")
    [finding] = parse_xdm(data).problems
    assert finding.code == MssCode.XDM_SIZE_MISMATCH and "999" in finding.message


def test_missing_document():
    package = parse_xdm(rezip({f"{SUBSET}/DOC0002.PDF": None}))
    assert [(f.code, f.where) for f in package.problems] == [(MssCode.XDM_DOCUMENT_MISSING, "DOC0002.PDF")]
    assert len(package.entries) == 2 and len(package.documents) == 1


def test_extra_document_is_flagged_and_not_read():
    package = parse_xdm(rezip({f"{SUBSET}/EXTRA.BIN": b"surprise"}))
    assert [(f.code, f.where) for f in package.problems] == [(MssCode.XDM_DOCUMENT_UNLISTED, f"{SUBSET}/EXTRA.BIN")]
    assert f"{SUBSET}/EXTRA.BIN" not in package.documents


def test_missing_metadata():
    assert codes(rezip({METADATA: None})) == [MssCode.XDM_NO_METADATA]


def test_missing_index_and_readme():
    assert codes(rezip({"INDEX.HTM": None, "README.TXT": None})) == [MssCode.XDM_NO_INDEX] * 2


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"PK\x03\x04garbage", xdm()[:200], xdm()[:-30]])
def test_not_a_zip_or_truncated(data):
    assert codes(data) == [MssCode.XDM_NOT_ZIP]


def _central_headers(data: bytes) -> list[int]:
    offsets, at = [], data.find(b"PK\x01\x02")
    while at != -1:
        offsets.append(at)
        at = data.find(b"PK\x01\x02", at + 4)
    return offsets


def test_zip_bomb_is_refused_before_inflating():
    bomb = xdm(document(b"\0" * (20 * 1024 * 1024), mime_type="application/octet-stream"))
    assert len(bomb) < 100_000
    package = parse_xdm(bomb, max_bytes=1024 * 1024)
    assert [f.code for f in package.problems] == [MssCode.XDM_TOO_LARGE]
    assert package.documents == {}


def test_zip_bomb_lying_about_its_size_stops_at_the_declared_size():
    bomb = xdm(document(b"\0" * (5 * 1024 * 1024), mime_type="application/octet-stream"))
    last = _central_headers(bomb)[-1]  # the document is the last member
    lying = bomb[:last + 24] + struct.pack("<I", 1000) + bomb[last + 28:]
    package = parse_xdm(lying, max_bytes=1024 * 1024)
    assert MssCode.XDM_NOT_ZIP in [f.code for f in package.problems]  # CRC of the first 1000 bytes fails
    assert package.documents == {}


@pytest.mark.parametrize("name", ["../evil.txt", "IHE_XDM/SUBSET01/../../evil", "/etc/cron.d/x", "C:/x",
                                  "IHE_XDM\\SUBSET01\\x", "IHE_XDM//x", "bad\x01name"])
def test_unsafe_member_names_are_not_read(name):
    package = parse_xdm(rezip({name: b"owned"}))
    assert [f.code for f in package.problems] == [MssCode.XDM_UNSAFE_NAME]
    assert len(package.entries) == 2 and b"owned" not in package.documents.values()


def test_unsafe_uri_in_metadata():
    data = edit_metadata(b"<rim:Value>DOC0002.PDF</rim:Value>", b"<rim:Value>../../README.TXT</rim:Value>")
    assert set(codes(data)) == {MssCode.XDM_UNSAFE_NAME, MssCode.XDM_DOCUMENT_UNLISTED}


def test_too_many_files():
    data = rezip({f"{SUBSET}/X{i}.BIN": b"x" for i in range(10)})
    assert codes(data, max_files=8) == [MssCode.XDM_TOO_MANY_FILES]


def test_encrypted_member_is_not_read():
    data = xdm()
    last = _central_headers(data)[-1]
    flags = struct.unpack("<H", data[last + 8:last + 10])[0] | 0x1
    package = parse_xdm(data[:last + 8] + struct.pack("<H", flags) + data[last + 10:])
    assert {f.code for f in package.problems} == {MssCode.XDM_ENCRYPTED, MssCode.XDM_DOCUMENT_MISSING}


def test_duplicate_names():
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as zf:
        warnings.simplefilter("ignore")
        for name, content in members(xdm()).items():
            zf.writestr(name, content)
        zf.writestr(f"{SUBSET}/doc0001.xml", b"shadow")
    package = parse_xdm(out.getvalue())
    assert [f.code for f in package.problems] == [MssCode.XDM_DUPLICATE_NAME]
    assert package.content(package.entries[0]) == cda()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0">&lol9;</lcm:SubmitObjectsRequest>"""


@pytest.mark.parametrize("metadata", [BILLION_LAUGHS, b"<not-closed", b"\xff\xfe garbage",
                                      b'<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd"><x/>'])
def test_hostile_or_malformed_metadata_is_refused(metadata):
    assert codes(rezip({METADATA: metadata})) == [MssCode.XDM_BAD_METADATA_XML]


def test_metadata_over_its_cap_is_not_parsed():
    assert MssCode.XDM_BAD_METADATA_XML in codes(xdm(), max_metadata_bytes=1000)


def test_metadata_of_another_kind():
    data = rezip({METADATA: b"<SubmitObjectsRequest xmlns='urn:oasis:names:tc:ebxml-regrep:rim:xsd:2.1'/>"})
    assert codes(data)[0] == MssCode.XDM_NOT_SUBMIT_OBJECTS


def test_incomplete_entry_names_what_is_missing():
    digest = hashlib.sha1(b"%PDF-1.4 fake").hexdigest().encode()
    data = edit_metadata(b'<rim:Slot name="hash">\n        <rim:ValueList>\n          <rim:Value>' + digest,
                         b'<rim:Slot name="other">\n        <rim:ValueList>\n          <rim:Value>' + digest)
    [finding] = parse_xdm(data).problems
    assert finding.code == MssCode.XDM_METADATA_INCOMPLETE and "hash" in finding.message


def test_lower_case_member_names_are_accepted():
    lowered = {name.lower(): content for name, content in members(xdm()).items()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in lowered.items():
            zf.writestr(name, content)
    package = parse_xdm(out.getvalue())
    assert package.problems == [] and len(package.documents) == 2


def test_masque_ps_is_read_from_the_confidentiality_codes():
    masked = document(confidentiality=(Code("N", "2.16.840.1.113883.5.25"), Code("MASQUE_PS", VISIBILITY_OID)))
    package = parse_xdm(xdm(masked))
    assert DE_CONFIDENTIALITY in members(xdm(masked))[METADATA].decode()
    assert package.entries[0].masked_to_professionals
    assert not parse_xdm(xdm(document())).entries[0].masked_to_professionals


@pytest.mark.parametrize("name", ["../x.xml", "METADATA.XML", "a/b.xml", ""])
def test_build_refuses_unsafe_document_names(name):
    with pytest.raises(ValueError):
        build_xdm([document(name=name or "\x00")], submission=SUBMISSION)


def _conformance_examples() -> list[Path]:
    if not CONFORMANCE.is_dir():
        return []
    return sorted(p for p in CONFORMANCE.rglob("*") if p.is_file() and (
        p.suffix.lower() == ".zip" or (p.suffix.lower() == ".xml" and "cda" in p.name.lower())))


@pytest.mark.parametrize("path", _conformance_examples() or [None])
def test_conformance_examples_parse(path):
    if path is None:
        pytest.skip(f"no XDM (.zip) or CDA (*cda*.xml) example under {CONFORMANCE}")
    if path.suffix.lower() == ".zip":
        package = parse_xdm(path.read_bytes())
        assert package.entries and not [f for f in package.problems if f.code == MssCode.XDM_NOT_ZIP]
    else:
        from services.mssante.cda import read_cda
        assert read_cda(path.read_bytes()).code
