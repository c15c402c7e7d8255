"""Metadata checks of what professionals feed: the PDSm examples pass, each required element, code,
byte count, hash, Binary, list entry and patient rule is refused with its code and the element at fault."""

from __future__ import annotations

import base64
import copy
import json

import pytest

from core.errors import SandboxError
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.metadata import check_document_reference, check_simplified_publish, check_submission
from tests.services.ms_espace_sante import support
from tests.shared import shared_path

DOC = "Bundle.entry[1].resource"
SET = "Bundle.entry[0].resource"
A07 = "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/TRE-A07-StatutVisibiliteDocument"


def example(name: str) -> dict:
    return json.loads(shared_path("conformance", "pdsm", name).read_text(encoding="utf-8"))


@pytest.fixture
def td2() -> dict:
    """The PDSM4DMP ITI-65 example: SubmissionSet (entry 0), DocumentReference (1), Binary (2)."""
    return example("Bundle-example-td2-iti65-lot-soumission.json")


def problems(call, *args, **kwargs) -> list[tuple[str, str]]:
    """(code, expression) of every issue of the refusal."""
    with pytest.raises(SandboxError) as caught:
        call(*args, **kwargs)
    issues = caught.value.outcome()["issue"]
    return [(i["details"]["coding"][0]["code"], (i.get("expression") or [""])[0]) for i in issues]


def status_of(call, *args) -> int:
    with pytest.raises(SandboxError) as caught:
        call(*args)
    return caught.value.status


def remove(node: dict, path: str) -> None:
    *parents, last = path.split(".")
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    del node[int(last) if last.isdigit() else last]


def test_the_iti65_example_passes_and_says_what_to_store(td2):
    checked = check_submission(td2)
    assert checked.submission_set == 0 and checked.binaries == {td2["entry"][2]["fullUrl"]: 2}
    (doc,) = checked.documents
    assert (doc.index, doc.binaries, doc.authors) == (1, [2], ["899700218896"])
    assert (checked.patient.system, checked.patient.value) == ("urn:oid:1.2.250.1.213.1.4.8", "123456789012345")
    assert checked.source == "899700218896"


def test_the_stored_document_examples_pass_the_document_checks():
    check_document_reference(example("DocumentReference-doc-x-id.json"))
    for entry in example("Bundle-example-annexe-searchset-documentreferences.json")["entry"]:
        check_document_reference(entry["resource"])
    assert check_simplified_publish(example("DocumentReference-example-td2-iti105-publication-simplifiee.json")
                                    ).authors == ["899700218896"]


def test_the_test_suites_bundles_pass():
    assert len(check_submission(support.provide_bundle(documents=(b"a", b"b"))).documents) == 2
    check_simplified_publish(support.simplified())


REQUIRED = ["masterIdentifier", "status", "type", "category", "subject", "date", "author", "securityLabel",
            "content", "content.0.attachment", "content.0.attachment.contentType", "content.0.attachment.language",
            "content.0.attachment.size", "content.0.attachment.hash", "content.0.attachment.title",
            "content.0.attachment.creation", "content.0.format", "context", "context.period",
            "context.period.start", "context.facilityType", "context.practiceSetting"]


@pytest.mark.parametrize("path", REQUIRED)
def test_each_required_document_element_missing_is_named(td2, path):
    remove(td2["entry"][1]["resource"], path)
    found = problems(check_submission, td2)
    expression = f"{DOC}.{path}".replace(".0.", "[0].")
    assert (MesCode.MISSING_ELEMENT, expression) in found, found


def test_a_document_without_attachment_url_names_its_binary_unreferenced(td2):
    remove(td2["entry"][1]["resource"], "content.0.attachment.url")
    found = problems(check_submission, td2)
    assert (MesCode.MISSING_ELEMENT, f"{DOC}.content[0].attachment.url") in found
    assert (MesCode.BINARY_UNREFERENCED, "Bundle.entry[2]") in found


@pytest.mark.parametrize("path", ["status", "mode", "date", "subject", "source", "entry", "extension"])
def test_each_required_submission_set_element_missing_is_named(td2, path):
    remove(td2["entry"][0]["resource"], path)
    found = problems(check_submission, td2)
    assert any(code == MesCode.MISSING_ELEMENT and where.startswith(f"{SET}.{path}") for code, where in found), found


def test_the_submission_set_needs_its_source_id_and_designation_type(td2):
    ss = td2["entry"][0]["resource"]
    ss["extension"] = [e for e in ss["extension"] if not e["url"].endswith(("ihe-sourceId", "ihe-designationType"))]
    assert problems(check_submission, td2) == [(MesCode.MISSING_ELEMENT, f"{SET}.extension")] * 2


def test_all_problems_of_a_bundle_come_in_one_outcome(td2):
    doc = td2["entry"][1]["resource"]
    doc["type"]["coding"][0]["code"] = "00000-0"
    doc["content"][0]["attachment"]["size"] = 81
    del doc["date"]
    found = problems(check_submission, td2)
    assert found == [(MesCode.UNKNOWN_CODE, f"{DOC}.type.coding[0].code"),
                     (MesCode.MISSING_ELEMENT, f"{DOC}.date"),
                     (MesCode.SIZE_MISMATCH, f"{DOC}.content[0].attachment.size")]
    assert status_of(check_submission, td2) == 422


@pytest.mark.parametrize(("path", "value", "code", "where"), [
    (("type",), {"coding": [{"system": "http://loinc.org", "code": "11493-4"}]}, MesCode.RETIRED_CODE,
     "type.coding[0].code"),
    (("type",), {"coding": [{"system": "http://snomed.info/sct", "code": "371530004"}]}, MesCode.UNKNOWN_CODE_SYSTEM,
     "type.coding[0].system"),
    (("category",), [{"coding": [{"system": support.CLASSES, "code": "77"}]}], MesCode.UNKNOWN_CODE,
     "category[0].coding[0].code"),
    (("securityLabel",), [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                                        "code": "Z"}]}], MesCode.UNKNOWN_CODE, "securityLabel[0].coding[0].code"),
    (("context", "facilityType"), {"coding": [{"system": "urn:oid:1.2.250.1.71.4.2.4", "code": "SA70"}]},
     MesCode.UNKNOWN_CODE, "context.facilityType.coding[0].code"),
    (("context", "practiceSetting"), {"coding": [{"system": "urn:x", "code": "AMO"}]}, MesCode.UNKNOWN_CODE_SYSTEM,
     "context.practiceSetting.coding[0].system"),
    (("content", 0, "format"), {"system": "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode",
                                "code": "urn:x"}, MesCode.UNKNOWN_CODE, "content[0].format.code"),
    (("content", 0, "attachment", "contentType"), "application/x-unknown", MesCode.UNKNOWN_CODE,
     "content[0].attachment.contentType.code"),
])
def test_unknown_codes_are_refused_by_element(td2, path, value, code, where):
    node = td2["entry"][1]["resource"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert (code, f"{DOC}.{where}") in problems(check_submission, td2)


def test_masking_codes_are_security_labels_beside_one_confidentiality(td2):
    doc = td2["entry"][1]["resource"]
    masked = {"coding": [{"system": A07, "code": "MASQUE_PS"}]}
    doc["securityLabel"].append(masked)
    check_submission(td2)
    doc["securityLabel"].append(copy.deepcopy(doc["securityLabel"][0]))
    assert problems(check_submission, td2) == [(MesCode.INVALID_VALUE, f"{DOC}.securityLabel")]


def test_a_wrong_hash_or_size_is_refused_against_the_bytes(td2):
    attachment = td2["entry"][1]["resource"]["content"][0]["attachment"]
    attachment["hash"] = support.sha1(b"other bytes")
    assert problems(check_submission, td2) == [(MesCode.HASH_MISMATCH, f"{DOC}.content[0].attachment.hash")]
    attachment["hash"] = "bm90IGEgc2hhMQ=="  # base64, but not 20 bytes
    assert (MesCode.HASH_MISMATCH, f"{DOC}.content[0].attachment.hash") in problems(check_submission, td2)
    td2["entry"][1]["resource"]["content"][0]["attachment"] = {**attachment, "hash": "A/hMRrv6Y15BjSM8kMLidrz+mHc=",
                                                               "size": 108}  # the base64's length, not the bytes'
    assert problems(check_submission, td2) == [(MesCode.SIZE_MISMATCH, f"{DOC}.content[0].attachment.size")]


def test_an_orphan_binary_and_a_missing_binary_are_refused(td2):
    orphan = copy.deepcopy(td2["entry"][2])
    orphan["fullUrl"] = "urn:uuid:aaaaaaaa-0000-0000-0000-000000000009"
    td2["entry"].append(orphan)
    assert problems(check_submission, td2) == [(MesCode.BINARY_UNREFERENCED, "Bundle.entry[3]")]
    del td2["entry"][2:]
    assert problems(check_submission, td2) == [(MesCode.BINARY_MISSING, f"{DOC}.content[0].attachment.url")]


def test_two_submission_sets_are_refused(td2):
    td2["entry"].append({**copy.deepcopy(td2["entry"][0]), "fullUrl": "urn:uuid:aaaaaaaa-0000-0000-0000-00000000000a"})
    assert (MesCode.NO_SUBMISSION_SET, "Bundle.entry") in problems(check_submission, td2)


def test_a_document_the_submission_set_does_not_list_is_refused(td2):
    td2["entry"][0]["resource"]["entry"] = [{"item": {"reference": "urn:uuid:aaaaaaaa-0000-0000-0000-0000000000ff"}}]
    assert problems(check_submission, td2) == [(MesCode.BAD_REFERENCE, f"{SET}.entry[0].item.reference"),
                                               (MesCode.BAD_REFERENCE, f"{SET}.entry")]


def test_a_folder_lists_documents_only(td2):
    folder = copy.deepcopy(td2["entry"][0])
    folder["fullUrl"] = "urn:uuid:aaaaaaaa-0000-0000-0000-00000000000f"
    folder["resource"]["code"]["coding"][0]["code"] = "folder"
    folder["resource"]["entry"] = [{"item": {"reference": td2["entry"][2]["fullUrl"]}}]  # the Binary
    td2["entry"].append(folder)
    td2["entry"][0]["resource"]["entry"].append({"item": {"reference": folder["fullUrl"]}})
    where = "Bundle.entry[3].resource.entry[0].item.reference"
    assert problems(check_submission, td2) == [(MesCode.BAD_REFERENCE, where)]


def test_a_nia_patient_cannot_feed(td2):
    nia = f"Patient?identifier=urn:oid:1.2.250.1.213.1.4.9|{support.NIA_INS}"
    for index in (0, 1):
        td2["entry"][index]["resource"]["subject"]["reference"] = nia
    found = problems(check_submission, td2)
    assert found == [(MesCode.PROVISIONAL_IDENTITY, f"{DOC}.subject.reference"),
                     (MesCode.PROVISIONAL_IDENTITY, f"{SET}.subject.reference")]
    assert status_of(check_submission, td2) == 422


def test_an_unqualified_source_patient_cannot_feed(td2):
    source = td2["entry"][1]["resource"]["contained"][0]
    source["extension"] = [{"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability",
                            "extension": [{"url": "identityStatus", "valueCoding": {"code": "VALI"}}]}]
    assert problems(check_submission, td2) == [
        (MesCode.PROVISIONAL_IDENTITY, f"{DOC}.context.sourcePatientInfo.extension[0]")]


@pytest.mark.parametrize("reference", ["Patient?identifier=https://example.org/ipp|123",
                                       "Patient?identifier=urn:oid:1.2.250.1.213.1.4.8|12345"])
def test_a_subject_not_named_by_an_ins_is_refused(td2, reference):
    td2["entry"][1]["resource"]["subject"]["reference"] = reference
    assert (MesCode.NO_INS, f"{DOC}.subject.reference") in problems(check_submission, td2)


def test_one_submission_is_for_one_patient(td2):
    td2["entry"][1]["resource"]["subject"]["reference"] = f"Patient?identifier={support.INS_SYSTEM}|{support.ADRUN_INS}"
    found = problems(check_submission, td2)
    assert (MesCode.PATIENT_MISMATCH, f"{DOC}.context.sourcePatientInfo") in found
    assert (MesCode.PATIENT_MISMATCH, f"{SET}.subject") in found


def test_an_author_that_is_not_a_contained_professional_is_refused(td2):
    doc = td2["entry"][1]["resource"]
    doc["author"] = [{"reference": "Practitioner/123"}]
    assert problems(check_submission, td2) == [(MesCode.BAD_AUTHOR, f"{DOC}.author[0].reference")]
    doc["author"] = [{"reference": "#practitioner-author"}]
    doc["contained"][1]["identifier"] = [{"system": "https://example.org/staff", "value": "42"}]
    assert (MesCode.BAD_AUTHOR, f"{DOC}.author[0].reference.identifier") in problems(check_submission, td2)


def test_a_fed_document_is_current(td2):
    td2["entry"][1]["resource"]["status"] = "superseded"
    assert problems(check_submission, td2) == [(MesCode.BAD_DOCUMENT_STATUS, f"{DOC}.status")]
    td2["entry"][1]["resource"]["status"] = "entered-in-error"
    assert problems(check_submission, td2) == [(MesCode.BAD_DOCUMENT_STATUS, f"{DOC}.status")]


@pytest.mark.parametrize(("key", "value", "where"), [
    ("masterIdentifier", {"system": "urn:ietf:rfc:3986", "value": "1.2.3"}, "masterIdentifier.value"),
    ("date", "2026-06-12", "date"),
    ("date", "12/06/2026", "date"),
])
def test_malformed_values_are_named(td2, key, value, where):
    td2["entry"][1]["resource"][key] = value
    assert problems(check_submission, td2) == [(MesCode.INVALID_VALUE, f"{DOC}.{where}")]


def test_an_element_of_the_wrong_json_type_is_a_400(td2):
    td2["entry"][1]["resource"]["content"][0]["attachment"]["size"] = "80"
    assert problems(check_submission, td2) == [(MesCode.MALFORMED_ELEMENT, f"{DOC}.content[0].attachment.size")]
    assert status_of(check_submission, td2) == 400


def test_a_simplified_publish_checks_its_inline_bytes():
    doc = support.simplified()
    doc["content"][0]["attachment"]["size"] = len(base64.b64decode(doc["content"][0]["attachment"]["data"])) + 1
    assert problems(check_simplified_publish, doc) == [
        (MesCode.SIZE_MISMATCH, "DocumentReference.content[0].attachment.size")]


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


def test_any_element_of_another_json_type_is_an_outcome_never_a_crash(td2):
    for path in list(_paths(td2)):
        for value in (None, 1, True, "x", [], {}, [None], {"a": 1}):
            bundle = copy.deepcopy(td2)
            node = bundle
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
            try:
                check_submission(bundle)
            except SandboxError as exc:
                assert exc.outcome()["issue"], path
