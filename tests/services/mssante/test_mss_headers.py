"""X-MSS-* rules and the masking rule (services/mssante/mss_headers.py, digest §3.4)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from services.mssante.codes import MssCode
from services.mssante.mss_headers import check_headers, is_patient_address
from services.mssante.xdm import parse_xdm
from services.mssante.xdm_metadata import VISIBILITY_OID, Code
from tests.services.mssante.test_cda import cda
from tests.services.mssante.test_xdm import document, xdm

PDF = document(b"%PDF-1.4 fake", mime_type="application/pdf", title="Ordonnance")
GOOD = {"X-MSS-NIL": "NIL-0042", "X-MSS-CODECDA": "11488-4", "X-MSS-INS": "O", "Subject": "XDM/1.0/DDM+Compte rendu"}


def package(*documents):
    return parse_xdm(xdm(*documents))


def findings(headers=None, xdm_package=None, *, to_patient=False, **kwargs):
    headers = GOOD if headers is None else headers
    xdm_package = package(document()) if xdm_package is None else xdm_package
    return [(f.code, f.where) for f in check_headers(headers, xdm_package, to_patient=to_patient, **kwargs)]


def without(*names, **extra):
    return {**{k: v for k, v in GOOD.items() if k not in names}, **extra}


def test_a_compliant_message_has_no_findings():
    assert findings() == []


def test_header_names_are_case_insensitive_and_email_messages_work():
    assert findings({k.lower(): v for k, v in GOOD.items()}) == []
    message = EmailMessage()
    for name, value in GOOD.items():
        message[name] = value
    assert findings(message) == []


@pytest.mark.parametrize("headers", [without("X-MSS-NIL"), without(**{"X-MSS-NIL": "  "})])
def test_nil_is_required(headers):
    assert findings(headers) == [(MssCode.NIL_MISSING, "X-MSS-NIL")]


def test_nil_is_required_without_attachment_too():
    assert [f.code for f in check_headers({}, None, to_patient=False)] == [MssCode.NIL_MISSING]
    assert check_headers({"X-MSS-NIL": "NIL-1", "Subject": "Bonjour"}, None, to_patient=False) == []


def test_codecda_missing_with_cda():
    assert findings(without("X-MSS-CODECDA")) == [(MssCode.CODECDA_MISSING, "X-MSS-CODECDA")]


@pytest.mark.parametrize("value", ["34112-3", "11488-4,34112-3", ""])
def test_codecda_must_list_the_cda_codes(value):
    assert findings(without(**{"X-MSS-CODECDA": value})) == [(MssCode.CODECDA_MISMATCH, "X-MSS-CODECDA")]


def test_codecda_is_order_insensitive_over_several_cdas():
    two = package(document(), document(cda("34112-3"), name="CR2.XML", unique_id="1.2.250.1.999.1.3"), PDF)
    assert findings(without(**{"X-MSS-CODECDA": " 34112-3 ,11488-4"}), two) == []


@pytest.mark.parametrize("xdm_package", [None, "pdf-only"])
def test_codecda_and_ins_absent_without_cda(xdm_package):
    pkg = package(PDF) if xdm_package else None
    headers = GOOD if pkg is not None else without("Subject")
    got = [(f.code, f.where) for f in check_headers(headers, pkg, to_patient=False)]
    assert got == [(MssCode.CODECDA_WITHOUT_CDA, "X-MSS-CODECDA"), (MssCode.INS_WITHOUT_CDA, "X-MSS-INS")]
    assert check_headers(without("X-MSS-CODECDA", "X-MSS-INS"), pkg, to_patient=False) == []


def test_ins_missing_with_cda():
    assert findings(without("X-MSS-INS")) == [(MssCode.INS_MISSING, "X-MSS-INS")]


@pytest.mark.parametrize("value", ["Y", "o", "OUI", ""])
def test_ins_is_o_or_n(value):
    assert findings(without(**{"X-MSS-INS": value})) == [(MssCode.INS_BAD_VALUE, "X-MSS-INS")]


def test_ins_o_without_a_qualified_ins():
    unqualified = package(document(cda(family="")))
    found = check_headers(GOOD, unqualified, to_patient=False)
    assert [f.code for f in found] == [MssCode.INS_MISMATCH] and "birth name" in found[0].message
    assert findings(without(**{"X-MSS-INS": "N"}), unqualified) == []


def test_ins_n_with_a_qualified_ins():
    assert findings(without(**{"X-MSS-INS": "N"})) == [(MssCode.INS_MISMATCH, "X-MSS-INS")]


def test_mes_fin_towards_a_patient_is_fine():
    assert findings(without(**{"X-MSS-MES": "FIN"}), to_patient=True) == []


def test_mes_only_towards_patients():
    assert findings(without(**{"X-MSS-MES": "FIN"})) == [(MssCode.MES_NOT_TO_PATIENT, "X-MSS-MES")]


@pytest.mark.parametrize("value", ["fin", "STOP", ""])
def test_mes_only_fin(value):
    assert findings(without(**{"X-MSS-MES": value}), to_patient=True) == [(MssCode.MES_BAD_VALUE, "X-MSS-MES")]


@pytest.mark.parametrize("subject", ["Compte rendu", "XDM/1.0/DDM Compte rendu", "", None])
def test_xdm_subject_prefix(subject):
    headers = without("Subject") if subject is None else without(Subject=subject)
    assert findings(headers) == [(MssCode.SUBJECT_PREFIX_MISSING, "Subject")]


def test_encoded_subject_with_prefix_and_no_prefix_without_xdm():
    assert findings(without(Subject="=?utf-8?q?XDM/1.0/DDM+Compte_rendu_=C3=A9t=C3=A9?=")) == []
    assert check_headers({"X-MSS-NIL": "NIL-1", "Subject": "Bonjour"}, None, to_patient=False) == []


MASKED = document(confidentiality=(Code("N", "2.16.840.1.113883.5.25"), Code("MASQUE_PS", VISIBILITY_OID)))


def test_masked_document_to_a_professional():
    assert findings(xdm_package=package(MASKED)) == [(MssCode.MASKED_TO_PROFESSIONAL, "DOC0001.XML")]


def test_masked_document_to_a_patient_only_is_fine():
    assert findings(xdm_package=package(MASKED), to_patient=True) == []
    assert findings(xdm_package=package(MASKED), to_patient=True, recipients_are_professionals=True) == [
        (MssCode.MASKED_TO_PROFESSIONAL, "DOC0001.XML")]


def test_unreadable_cda_is_reported():
    broken = package(document(b"<ClinicalDocument xmlns='urn:hl7-org:v3'>"))
    got = findings(without("X-MSS-CODECDA", "X-MSS-INS"), broken)
    assert got == [(MssCode.XDM_BAD_CDA, "DOC0001.XML")]


def test_patient_addresses():
    assert is_patient_address("279035121518989@patient.mssante.fr")
    assert is_patient_address("<279035121518989@PATIENT.mssante.fr>")
    assert not is_patient_address("dr.martin@patient.mssante.fr.evil.example")
    assert not is_patient_address("dr.martin@hopital.mssante.fr")
