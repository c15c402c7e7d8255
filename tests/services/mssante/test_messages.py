"""Reading hostile messages and composing compliant ones (services/mssante/messages.py, digest §3.2-§3.4)."""

from __future__ import annotations

import base64
import hashlib
import random
from datetime import UTC, datetime

import pytest

from services.mssante.addresses import MailboxKind
from services.mssante.codes import Finding, MssCode
from services.mssante.messages import ReadMessage, build_message, read_message
from services.mssante.xdm import SUBSET
from services.mssante.xdm_metadata import VISIBILITY_OID, Code
from tests.services.mssante.test_addresses import CNDA_INS
from tests.services.mssante.test_cda import cda
from tests.services.mssante.test_xdm import document, rezip, xdm

LIMIT = 1024 * 1024
GP, SPECIALIST = "dr.leroy@pro.mssante.fr", "dr.martin@test.mssante.fr"
PATIENT = f"{CNDA_INS}@patient.mssante.fr"
WHEN = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)
TWO_CDAS = (document(), document(cda("34112-3"), name="CR2.XML", unique_id="1.2.250.1.999.1.3"))
HEAD = (f"From: {GP}\r\nTo: {SPECIALIST}\r\nDate: Tue, 04 Mar 2025 10:30:00 +0100\r\nSubject: s\r\n"
        "X-MSS-NIL: NIL-42\r\nMIME-Version: 1.0\r\n").encode()


def message(**changes) -> bytes:
    fields = dict(sender=GP, to=[SPECIALIST], subject="Compte rendu", text="Bonjour,\nci-joint.", nil="NIL-42",
                  date=WHEN)
    return build_message(**{**fields, **changes})


def read(raw: bytes, **kwargs) -> ReadMessage:
    return read_message(raw, max_bytes=kwargs.pop("max_bytes", LIMIT), **kwargs)


def codes(raw: bytes, **kwargs) -> list[MssCode]:
    return read(raw, **kwargs).codes


def leaf(headers: str, body: bytes) -> bytes:
    return HEAD + headers.encode() + b"\r\n\r\n" + body


# ---- round trips ------------------------------------------------------------------------------------------

def test_plain_round_trip_has_no_findings():
    got = read(message(cc=["secretariat@hopitalA.mssante.fr"], html="<p>Bonjour</p>", message_id="<m1@x>"))
    assert got.ok, got.problems
    assert (got.sender, got.to, got.cc) == (GP, [SPECIALIST], ["secretariat@hopitala.mssante.fr"])
    assert (got.subject, got.message_id, got.date) == ("Compte rendu", "<m1@x>", WHEN)
    assert got.text == "Bonjour,\nci-joint.\n" and got.html == "<p>Bonjour</p>\n"
    assert got.mss_headers == {"X-MSS-NIL": "NIL-42"} and got.xdm is None and got.attachments == []


def test_attachments_round_trip_with_size_and_sha1():
    pdf = b"%PDF-1.4 " + bytes(range(256)) * 10
    got = read(message(attachments=[("Ordonnance é.pdf", "application/pdf", pdf)]))
    assert got.ok, got.problems
    [attachment] = got.attachments
    assert (attachment.filename, attachment.content_type, attachment.content) == ("Ordonnance é.pdf",
                                                                                  "application/pdf", pdf)
    assert attachment.size == len(pdf) and attachment.sha1 == hashlib.sha1(pdf).hexdigest()


def test_xdm_with_two_cdas_computes_codecda_and_ins_then_reads_them_consistent():
    raw = message(xdm=xdm(*TWO_CDAS))
    got = read(raw)
    assert got.mss_headers == {"X-MSS-NIL": "NIL-42", "X-MSS-CODECDA": "11488-4,34112-3", "X-MSS-INS": "O"}
    assert got.subject == "XDM/1.0/DDM+Compte rendu"
    assert got.ok, got.problems
    assert got.xdm is not None and len(got.xdm.entries) == 2 and got.xdm.ok
    assert [a.filename for a in got.attachments] == ["IHE_XDM.ZIP"]


def test_unqualified_ins_gives_x_mss_ins_n():
    got = read(message(xdm=xdm(document(cda(family="")))))
    assert got.mss_headers["X-MSS-INS"] == "N" and got.ok, got.problems


def test_xdm_given_as_an_attachment_is_recognised_case_insensitively():
    got = read(message(attachments=[("ihe_xdm.zip", "application/zip", xdm(*TWO_CDAS))]))
    assert got.mss_headers["X-MSS-CODECDA"] == "11488-4,34112-3" and got.ok, got.problems


def test_pdf_only_xdm_has_no_codecda():
    pdf = document(b"%PDF-1.4 fake", mime_type="application/pdf", title="Ordonnance")
    got = read(message(xdm=xdm(pdf)))
    assert "X-MSS-CODECDA" not in got.mss_headers and got.ok, got.problems


def test_overridden_headers_are_checked_against_the_xdm():
    raw = message(xdm=xdm(*TWO_CDAS), headers={"X-MSS-CODECDA": "11488-4", "X-MSS-NIL": None})
    assert codes(raw) == [MssCode.NIL_MISSING, MssCode.CODECDA_MISMATCH]


def test_mes_fin_towards_a_patient_and_not_towards_a_professional():
    assert read(message(to=[PATIENT], mes_fin=True)).ok
    assert codes(message(mes_fin=True)) == [MssCode.MES_NOT_TO_PATIENT]


def test_envelope_recipients_count_for_the_patient_rule():
    assert read(message(mes_fin=True), envelope_recipients=[PATIENT]).ok


def test_masked_document_is_flagged_only_towards_professionals():
    masked = document(confidentiality=(Code("MASQUE_PS", VISIBILITY_OID),))
    assert codes(message(xdm=xdm(masked))) == [MssCode.MASKED_TO_PROFESSIONAL]
    assert read(message(to=[PATIENT], xdm=xdm(masked))).ok
    assert codes(message(to=[PATIENT], xdm=xdm(masked)), kinds={PATIENT: MailboxKind.PATIENT}) == []


def test_build_refuses_bad_addresses_and_header_injection():
    with pytest.raises(ValueError):
        message(to=["Dr X <x@pro.mssante.fr>"])
    with pytest.raises(ValueError):
        message(subject="hi\r\nBcc: victim@pro.mssante.fr")
    with pytest.raises(ValueError):
        message(to=[])


# ---- addresses and headers --------------------------------------------------------------------------------

def test_recipients_outside_the_trust_space_and_bad_patient_addresses_are_flagged():
    raw = HEAD.replace(SPECIALIST.encode(), f"x@mssante.fr.evil.com, {CNDA_INS[:13]}00@patient.mssante.fr".encode())
    got = read(raw + b"\r\nhi")
    assert [(f.code, f.where) for f in got.problems] == [(MssCode.ADDRESS_OUTSIDE_TRUST_SPACE, "To"),
                                                        (MssCode.PATIENT_ADDRESS_INVALID, "To")]


def test_missing_from_and_date_and_bad_date():
    assert codes(b"To: " + SPECIALIST.encode() + b"\r\nX-MSS-NIL: n\r\n\r\nhi") == [MssCode.HEADER_MISSING] * 2
    raw = HEAD.replace(b"Tue, 04 Mar 2025 10:30:00 +0100", b"yesterday")
    assert codes(raw + b"\r\nhi") == [MssCode.HEADER_INVALID]


def test_encoded_word_header_injection_is_replaced_and_flagged():
    subject = base64.b64encode(b"ok\r\nBcc: victim@pro.mssante.fr").decode()
    got = read(HEAD.replace(b"Subject: s", f"Subject: =?utf-8?b?{subject}?=".encode()) + b"\r\nhi")
    assert got.codes == [MssCode.HEADER_INVALID] and "\n" not in got.subject and "\r" not in got.subject


def test_several_senders_are_flagged():
    raw = HEAD.replace(b"From: " + GP.encode(), b"From: " + GP.encode() + b", other@pro.mssante.fr")
    assert codes(raw + b"\r\nhi") == [MssCode.HEADER_INVALID]


def test_ten_thousand_headers():
    raw = HEAD + b"".join(b"X-Junk-%d: v\r\n" % i for i in range(10_000)) + b"\r\nhi"
    got = read(raw)
    assert got.codes == [MssCode.HEADERS_TOO_MANY] and got.sender == GP


@pytest.mark.parametrize(("header", "value"), [("Content-Type", 'text/plain; a="' + '"' * 40_000),
                                                ("Content-Type", "text/plain" + "; a=b" * 2000),
                                                ("To", '"' * 40_000), ("Subject", "x" * 40_000),
                                                ("Content-Disposition", "attachment; filename=" + "(" * 3000)])
def test_over_long_or_complex_headers_are_ignored_quickly(header, value):
    raw = HEAD.replace(b"To: ", b"X-Old-To: ") + f"{header}: {value}\r\n\r\nhi".encode()
    assert MssCode.HEADER_TOO_LONG in codes(raw)  # each took seconds in policy.default's parser unguarded


# ---- MIME -------------------------------------------------------------------------------------------------

def test_bad_base64_is_flagged():
    got = read(leaf("Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
                    'Content-Disposition: attachment; filename="a.pdf"', b"JVBER!!!i0x\r\n=="))
    assert MssCode.BAD_TRANSFER_ENCODING in got.codes and len(got.attachments) == 1


@pytest.mark.parametrize("charset", ["x-unknown-42", "rot13", "zlib_codec", "base64", "utf\x00-8"])
def test_unknown_or_non_text_charset_is_flagged(charset):
    got = read(leaf(f"Content-Type: text/plain; charset={charset}", "Bonjour é".encode()))
    assert got.codes == [MssCode.BAD_CHARSET] and got.text == "Bonjour é"


def test_bytes_invalid_in_the_charset_are_replaced():
    got = read(leaf("Content-Type: text/plain; charset=utf-8", b"caf\xe9 \xff\x00ok"))
    assert got.codes == [MssCode.BAD_CHARSET] and got.text == "caf\ufffd \ufffd?ok"


def test_unterminated_and_missing_boundaries_are_flagged():
    open_only = leaf('Content-Type: multipart/mixed; boundary="b"', b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n")
    assert MssCode.MIME_BROKEN in codes(open_only)
    no_start = leaf('Content-Type: multipart/mixed; boundary="zz"', b"just text\r\n")
    assert MssCode.MIME_BROKEN in codes(no_start)
    no_param = leaf("Content-Type: multipart/mixed", b"--b\r\n\r\nhi\r\n--b--\r\n")
    assert MssCode.MIME_BROKEN in codes(no_param)


def nested(depth: int) -> bytes:
    head = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(depth))
    tail = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    return HEAD + head + b"Content-Type: text/plain\r\n\r\ndeep" + tail


@pytest.mark.parametrize("depth", [200, 3000])
def test_deep_multiparts_are_cut(depth):
    got = read(nested(depth))
    assert MssCode.MIME_TOO_DEEP in got.codes and got.text is None


def test_shallow_nesting_is_read():
    got = read(nested(5))
    assert got.ok, got.problems
    assert got.text == "deep"


def test_too_many_parts():
    parts = b"".join(b"--b\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n" for _ in range(600))
    got = read(leaf('Content-Type: multipart/mixed; boundary="b"', parts + b"--b--\r\n"))
    assert MssCode.MIME_TOO_MANY_PARTS in got.codes and len(got.attachments) < 500


def test_oversized_message_is_not_read():
    got = read(message(attachments=[("big.bin", "application/octet-stream", b"\0" * 5000)]), max_bytes=4000)
    assert got.codes == [MssCode.MESSAGE_TOO_LARGE] and got.problems[0].severity == "error" and got.sender is None


@pytest.mark.parametrize(("name", "safe"), [("../../etc/passwd", "passwd"), ("C:\\x\\evil.exe", "evil.exe"),
                                            ("a\x01b.pdf", "a_b.pdf"), ("NUL.txt", "_NUL.txt"), ("...", None)])
def test_attachment_names_are_sanitised(name, safe):
    got = read(message(attachments=[(name, "application/pdf", b"%PDF")]))
    assert got.codes == [MssCode.ATTACHMENT_NAME_UNSAFE]
    assert got.attachments[0].filename == (safe or "attachment-1.bin")


def test_corrupt_and_several_xdm():
    got = read(message(attachments=[("IHE_XDM.ZIP", "application/zip", b"PK\x03\x04 not a zip"),
                                    ("IHE_XDM.zip", "application/zip", xdm())]))
    assert MssCode.XDM_SEVERAL in got.codes and MssCode.XDM_NOT_ZIP in got.codes


def test_tampered_xdm_is_reported_on_the_message():
    tampered = rezip({f"{SUBSET}/DOC0001.XML": cda(family="")}, xdm(document()))
    got = read(message(xdm=xdm(document()), attachments=[("IHE_XDM.ZIP", "application/zip", tampered)]))
    assert got.codes == [MssCode.XDM_SIZE_MISMATCH, MssCode.XDM_HASH_MISMATCH, MssCode.INS_MISMATCH]
    assert got.xdm is not None and not got.xdm.ok


@pytest.mark.parametrize("raw", [b"", b"\r\n\r\n", b"\xff" * 100, b"From:\r\n", b"Content-Type: multipart/mixed"])
def test_degenerate_inputs(raw):
    got = read(raw)
    assert all(isinstance(f, Finding) for f in got.problems) and got.problems


def test_not_bytes_gives_a_finding():
    assert codes(object()) == [MssCode.MIME_BROKEN]  # type: ignore[arg-type]


# ---- fuzz -------------------------------------------------------------------------------------------------

def _assert_sane(got: ReadMessage) -> None:
    assert isinstance(got, ReadMessage)
    assert all(isinstance(f, Finding) and isinstance(f.code, MssCode) for f in got.problems)
    assert not [f for f in got.problems if f.where == "internal"], "a failure reached the last-resort guard"
    for value in (got.subject, got.text or "", got.html or "", *got.mss_headers.values()):
        value.encode("utf-8")  # no surrogate escapes left


def test_random_bytes_fuzz():
    rng = random.Random(15)
    alphabet = b"\r\n:;=\"-<>@ abcXMS-\\()=?bq"
    for _ in range(4000):
        if rng.random() < 0.5:
            raw = rng.randbytes(rng.randrange(0, 400))
        else:
            raw = bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 400)))
        _assert_sane(read(raw))


def test_mutation_fuzz_of_a_valid_xdm_message():
    rng = random.Random(5)
    base = bytearray(message(xdm=xdm(*TWO_CDAS), html="<p>x</p>", attachments=[("a.txt", "text/plain", b"a")]))
    tokens = [b"\r\n", b"--", b"boundary=", b"Content-Type: multipart/mixed; boundary=x\r\n", b"=?utf-8?q?=FF?=",
              b'"', b";", b"base64", b"charset=x", b"\x00", b"\r\n\r\n"]
    for _ in range(500):
        raw = bytearray(base)
        for _ in range(rng.randrange(1, 6)):
            at = rng.randrange(len(raw))
            action = rng.random()
            if action < 0.4:
                raw[at] = rng.randrange(256)
            elif action < 0.7:
                raw[at:at] = rng.choice(tokens)
            elif action < 0.9:
                del raw[at:at + rng.randrange(1, 200)]
            else:
                raw = raw[:at]
        _assert_sane(read(bytes(raw)))
