"""CDA R2 header code and qualified INS (services/mssante/cda.py, digest §3.4)."""

from __future__ import annotations

import pytest

from services.mssante.cda import NotCda, read_cda
from services.mssante.xdm import XmlRefused

INS = "279035121518989"


def cda(code: str = "11488-4", *, ins_root: str = "1.2.250.1.213.1.4.8", ins: str = INS, family: str = "BR",
        given: str = "JEAN", birth: str = "19790312", sex: str = "M") -> bytes:
    """A minimal CI-SIS style CDA R2 header; each trait can be blanked to make the INS unqualified."""
    family_el = f'<family qualifier="{family}">DUPONT</family>' if family else ""
    given_el = f"<given>{given}</given>" if given else ""
    birth_el = f'<birthTime value="{birth}"/>' if birth else ""
    sex_el = f'<administrativeGenderCode code="{sex}" codeSystem="2.16.840.1.113883.5.1"/>' if sex else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <code code="{code}" codeSystem="2.16.840.1.113883.6.1" displayName="CR"/>
  <recordTarget><patientRole>
    <id root="1.2.250.1.71.4.2.7" extension="IPP-42"/>
    <id root="{ins_root}" extension="{ins}"/>
    <patient><name>{family_el}{given_el}</name>{sex_el}{birth_el}</patient>
  </patientRole></recordTarget>
</ClinicalDocument>""".encode()


def test_reads_header_code_and_qualified_ins():
    info = read_cda(cda("34112-3"))
    assert (info.code, info.code_system) == ("34112-3", "2.16.840.1.113883.6.1")
    assert info.ins == INS and info.ins_oid == "1.2.250.1.213.1.4.8"
    assert info.qualified_ins and info.missing == ()


def test_test_nir_oid_is_qualified_but_nia_is_not():
    assert read_cda(cda(ins_root="1.2.250.1.213.1.4.10")).qualified_ins
    nia = read_cda(cda(ins_root="1.2.250.1.213.1.4.9"))
    assert not nia.qualified_ins and nia.ins is None


@pytest.mark.parametrize(("change", "lacking"), [
    ({"ins": "12345"}, "INS"), ({"family": ""}, "birth name"), ({"family": "SP"}, "birth name"),
    ({"given": ""}, "first given name"), ({"birth": ""}, "birth date"), ({"birth": "1979"}, "birth date"),
    ({"sex": ""}, "sex"), ({"sex": "U"}, "sex"),
])
def test_each_missing_trait_makes_the_ins_unqualified(change, lacking):
    info = read_cda(cda(**change))
    assert not info.qualified_ins
    assert [m for m in info.missing if m.startswith(lacking)]


def test_not_a_clinical_document_is_not_cda():
    with pytest.raises(NotCda):
        read_cda(b"<Bundle xmlns='http://hl7.org/fhir'/>")


def test_malformed_and_dtd_cda_are_refused():
    with pytest.raises(XmlRefused):
        read_cda(b"<ClinicalDocument xmlns='urn:hl7-org:v3'>")
    with pytest.raises(XmlRefused):
        read_cda(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ClinicalDocument '
                 b'xmlns="urn:hl7-org:v3"><code code="&e;"/></ClinicalDocument>')


def test_oversized_cda_is_refused():
    with pytest.raises(XmlRefused):
        read_cda(cda(), max_bytes=100)
