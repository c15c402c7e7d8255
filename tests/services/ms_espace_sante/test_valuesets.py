"""The bundled value sets: each file loads, names its sources, holds the codes of the PDSm examples; extras."""

from __future__ import annotations

import json

import pytest

from services.ms_espace_sante.valuesets import NAMES, ValueSets, parse_extra_codes, valueset
from tests.shared import shared_path

LOINC = "http://loinc.org"
R02 = "https://mos.esante.gouv.fr/NOS/TRE_R02-SecteurActivite/FHIR/TRE-R02-SecteurActivite"
A07 = "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/TRE-A07-StatutVisibiliteDocument"
# element of a DocumentReference -> value set of its codings
ELEMENTS = {("type",): "document-type", ("category",): "document-class", ("securityLabel",): "confidentiality",
            ("context", "facilityType"): "facility-type", ("context", "practiceSetting"): "practice-setting"}


@pytest.mark.parametrize("name", NAMES)
def test_each_value_set_names_its_url_sources_and_systems(name):
    vs = valueset(name)
    assert vs.name == name and vs.url.endswith(name) and vs.source and vs.element
    assert vs.parts and all(part.source for part in vs.parts)
    assert all(part.concepts or part.open for part in vs.parts)


def test_contains_and_display_by_canonical_url_or_oid_alias():
    vs = valueset("document-class")
    assert vs.contains("urn:oid:1.2.250.1.213.1.1.4.1", "10")
    assert vs.display("https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument",
                      "11") == "Synthèse"
    assert not vs.contains(LOINC, "10") and vs.display(LOINC, "10") is None


def test_confidentiality_holds_the_masking_codes_and_the_levels():
    vs = valueset("confidentiality")
    for code in ("MASQUE_PS", "INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX"):
        assert vs.contains(A07, code) and vs.part(A07).role == "visibility"
    assert vs.contains("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "N")
    assert not vs.contains("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "X")


def test_retired_loinc_codes_are_known_with_their_replacement():
    found = valueset("document-type").lookup(LOINC, "11493-4")
    assert found is not None and found.retired and found.replaced_by == "34112-3"


def test_a_partial_list_takes_its_range_and_an_open_system_any_code():
    assert valueset("facility-type").contains(R02, "SA66")  # not listed by the digest, in its SA01..SA69 range
    assert not valueset("facility-type").contains(R02, "SA70")
    assert valueset("event").contains("urn:oid:1.2.250.1.213.2.5", "YYYY600")  # CCAM: system only


def test_every_code_of_the_conformance_examples_is_in_the_value_sets():
    docs = []
    for name in ("Bundle-example-td2-iti65-lot-soumission.json",
                 "Bundle-example-annexe-searchset-documentreferences.json"):
        bundle = json.loads(shared_path("conformance", "pdsm", name).read_text(encoding="utf-8"))
        docs += [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DocumentReference"]
    docs.append(json.loads(shared_path("conformance", "pdsm", "DocumentReference-doc-x-id.json").read_text()))
    for doc in docs:
        for path, name in ELEMENTS.items():
            node = doc
            for key in path:
                node = node[key]
            for concept in node if isinstance(node, list) else [node]:
                for coding in concept["coding"]:
                    assert valueset(name).contains(coding["system"], coding["code"]), (name, coding)
        for content in doc["content"]:
            assert valueset("format").contains(content["format"]["system"], content["format"]["code"])
            assert valueset("mime-type").contains("urn:ietf:bcp:13", content["attachment"]["contentType"])


def test_extra_codes_extend_a_list_inline_or_from_a_file(tmp_path):
    extra = {"facility-type": [{"system": R02, "code": "SA99", "display": "Ajouté"}],
             "mime-type": [{"system": "urn:ietf:bcp:13", "code": "text/csv"}],
             "format": [{"system": "urn:example:formats", "code": "f1"}]}
    sets = ValueSets(parse_extra_codes(json.dumps(extra)))
    assert sets["facility-type"].display(R02, "SA99") == "Ajouté"
    assert sets["mime-type"].contains("urn:ietf:bcp:13", "text/csv")
    assert sets["format"].contains("urn:example:formats", "f1")
    assert not valueset("facility-type").contains(R02, "SA99")  # the bundled copy is untouched
    path = tmp_path / "extra.json"
    path.write_text(json.dumps(extra), encoding="utf-8")
    assert parse_extra_codes(f"@{path}") == extra
    assert parse_extra_codes("") == {} and parse_extra_codes(None) == {}


@pytest.mark.parametrize("value", ["[1]", "{not json", '{"nope": []}', '{"format": [{"code": "x"}]}',
                                   '{"format": [{"system": "s", "code": "c", "other": 1}]}', "@/no/such/file.json"])
def test_malformed_extra_codes_are_refused_with_a_reason(value):
    with pytest.raises(ValueError, match="MS_ESPACE_SANTE_EXTRA_CODES"):
        parse_extra_codes(value)
