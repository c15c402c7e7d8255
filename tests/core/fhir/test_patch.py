"""JSON Patch and FHIRPath Patch application (core.fhir.patch)."""

from __future__ import annotations

import copy

import pytest

from core.errors import SandboxError
from core.fhir.models import validate_resource
from core.fhir.patch import apply_fhirpath_patch, apply_json_patch

PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "active": True,
    "birthDate": "1980-01-01",
    "gender": "male",
    "deceasedBoolean": False,
    "identifier": [
        {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "1800112345678"},
        {"system": "urn:oid:1.2.250.1.213.1.4.10", "value": "NIR-1"},
    ],
    "name": [
        {"use": "official", "family": "Dupont", "given": ["Jean", "Paul"]},
        {"use": "usual", "family": "Dupond", "given": ["JP"]},
    ],
    "telecom": [{"system": "phone", "value": "0102030405", "rank": 1}],
}

OBSERVATION = {
    "resourceType": "Observation",
    "id": "o1",
    "status": "final",
    "code": {"text": "Blood pressure"},
    "valueQuantity": {"value": 120, "unit": "mmHg"},
    "component": [{"code": {"text": "systolic"}, "valueQuantity": {"value": 120}}],
}


@pytest.fixture
def patient() -> dict:
    return copy.deepcopy(PATIENT)


def op(type_: str, path: str, *, name: str | None = None, value: dict | None = None, **ints: int) -> dict:
    parts: list[dict] = [{"name": "type", "valueCode": type_}, {"name": "path", "valueString": path}]
    if name is not None:
        parts.append({"name": "name", "valueString": name})
    if value is not None:
        parts.append({"name": "value", **value})
    for key, number in ints.items():
        parts.append({"name": key, "valueInteger": number})
    return {"name": "operation", "part": parts}


def params(*operations: dict) -> dict:
    return {"resourceType": "Parameters", "parameter": list(operations)}


def fhirpath(resource: dict, *operations: dict) -> dict:
    before = copy.deepcopy(resource)
    body = params(*operations)
    body_before = copy.deepcopy(body)
    result = apply_fhirpath_patch(resource, body)
    assert resource == before, "the input resource was mutated"
    assert body == body_before, "the Parameters were mutated"
    return result


def failure(call, *args) -> SandboxError:
    with pytest.raises(SandboxError) as info:
        call(*args)
    assert info.value.code == "FHIR-0015"
    return info.value


def fhirpath_error(resource: dict, *operations: dict) -> SandboxError:
    before = copy.deepcopy(resource)
    exc = failure(apply_fhirpath_patch, resource, params(*operations))
    assert resource == before
    return exc


# ------------------------------------------------------------------------------------------------
# FHIRPath Patch: replace
# ------------------------------------------------------------------------------------------------


def test_replace_birth_date(patient):
    result = fhirpath(patient, op("replace", "Patient.birthDate", value={"valueDate": "1990-02-03"}))
    assert result["birthDate"] == "1990-02-03"
    assert result is not patient
    validate_resource(result, "Patient")


def test_replace_boolean_and_code_primitives(patient):
    result = fhirpath(
        patient,
        op("replace", "Patient.active", value={"valueBoolean": False}),
        op("replace", "Patient.gender", value={"valueCode": "female"}),
    )
    assert result["active"] is False
    assert result["gender"] == "female"


def test_replace_complex_value_in_list_with_where(patient):
    new = {"system": "urn:oid:1.2.250.1.213.1.4.10", "value": "NIR-2"}
    result = fhirpath(
        patient,
        op("replace", "Patient.identifier.where(system = 'urn:oid:1.2.250.1.213.1.4.10')",
           value={"valueIdentifier": new}),
    )
    assert result["identifier"] == [PATIENT["identifier"][0], new]


def test_replace_primitive_inside_list_item_with_indexer(patient):
    result = fhirpath(patient, op("replace", "Patient.name[0].given[1]", value={"valueString": "Pierre"}))
    assert result["name"][0]["given"] == ["Jean", "Pierre"]


def test_replace_with_where_and_of_several_equalities(patient):
    result = fhirpath(
        patient,
        op("replace", "Patient.name.where(use = 'usual' and family = 'Dupond').family",
           value={"valueString": "Durand"}),
    )
    assert [n["family"] for n in result["name"]] == ["Dupont", "Durand"]


def test_replace_with_where_on_number_and_boolean_literals(patient):
    result = fhirpath(
        patient,
        op("replace", "Patient.telecom.where(rank = 1).value", value={"valueString": "0600000000"}),
    )
    assert result["telecom"][0]["value"] == "0600000000"
    other = fhirpath(patient, op("replace", "Patient.where(active = true).gender", value={"valueCode": "other"}))
    assert other["gender"] == "other"


def test_replace_with_where_on_nested_child_path():
    obs = copy.deepcopy(OBSERVATION)
    result = fhirpath(
        obs,
        op("replace", "Observation.component.where(code.text = 'systolic').valueQuantity",
           value={"valueQuantity": {"value": 130, "unit": "mmHg"}}),
    )
    assert result["component"][0]["valueQuantity"] == {"value": 130, "unit": "mmHg"}


def test_replace_with_where_this_on_primitive_list(patient):
    result = fhirpath(patient, op("replace", "Patient.name.given.where($this = 'Paul')", value={"valueString": "P"}))
    assert result["name"][0]["given"] == ["Jean", "P"]


def test_replace_string_literal_with_escaped_quote(patient):
    patient["name"][0]["family"] = "O'Neil"
    result = fhirpath(
        patient, op("replace", "Patient.name.where(family = 'O\\'Neil').family", value={"valueString": "Neil"})
    )
    assert result["name"][0]["family"] == "Neil"


def test_replace_first_and_last(patient):
    result = fhirpath(
        patient,
        op("replace", "Patient.name.first().family", value={"valueString": "First"}),
        op("replace", "Patient.name.last().family", value={"valueString": "Last"}),
    )
    assert [n["family"] for n in result["name"]] == ["First", "Last"]


def test_replace_choice_type_by_concrete_name():
    result = fhirpath(
        OBSERVATION, op("replace", "Observation.valueQuantity", value={"valueQuantity": {"value": 80}})
    )
    assert result["valueQuantity"] == {"value": 80}


def test_replace_choice_type_by_base_name_with_another_type(patient):
    result = fhirpath(patient, op("replace", "Patient.deceased", value={"valueDateTime": "2024-01-02T10:00:00Z"}))
    assert "deceasedBoolean" not in result
    assert result["deceasedDateTime"] == "2024-01-02T10:00:00Z"
    validate_resource(result, "Patient")


def test_replace_backbone_element_with_parts(patient):
    patient["contact"] = [{"name": {"family": "Old"}}]
    value = {"part": [
        {"name": "name", "valueHumanName": {"family": "Martin"}},
        {"name": "telecom", "valueContactPoint": {"system": "phone", "value": "0700000000"}},
    ]}
    result = fhirpath(patient, op("replace", "Patient.contact[0]", value=value))
    assert result["contact"] == [
        {"name": {"family": "Martin"}, "telecom": [{"system": "phone", "value": "0700000000"}]}
    ]
    validate_resource(result, "Patient")


def test_replace_missing_element_returns_422(patient):
    exc = fhirpath_error(patient, op("replace", "Patient.maritalStatus", value={"valueCodeableConcept": {}}))
    assert exc.status == 422
    assert exc.expression == ["Patient.maritalStatus"]


def test_replace_matching_several_elements_returns_422(patient):
    exc = fhirpath_error(patient, op("replace", "Patient.name.given", value={"valueString": "X"}))
    assert exc.status == 422
    assert "3 elements" in exc.diagnostics


def test_replace_out_of_range_indexer_returns_422(patient):
    exc = fhirpath_error(patient, op("replace", "Patient.name[5].family", value={"valueString": "X"}))
    assert exc.status == 422


def test_replace_on_other_resource_type_matches_nothing(patient):
    exc = fhirpath_error(patient, op("replace", "Observation.status", value={"valueCode": "final"}))
    assert exc.status == 422


def test_replace_resource_itself_returns_422(patient):
    exc = fhirpath_error(patient, op("replace", "Patient", value={"valueString": "x"}))
    assert exc.status == 422


# ------------------------------------------------------------------------------------------------
# FHIRPath Patch: add
# ------------------------------------------------------------------------------------------------


def test_add_primitive_to_resource(patient):
    del patient["birthDate"]
    result = fhirpath(patient, op("add", "Patient", name="birthDate", value={"valueDate": "2001-05-06"}))
    assert result["birthDate"] == "2001-05-06"


def test_add_appends_to_existing_list(patient):
    result = fhirpath(
        patient,
        op("add", "Patient", name="identifier", value={"valueIdentifier": {"system": "urn:x", "value": "3"}}),
    )
    assert result["identifier"][-1] == {"system": "urn:x", "value": "3"}
    assert len(result["identifier"]) == 3


def test_add_creates_list_for_repeating_element(patient):
    result = fhirpath(
        patient,
        op("add", "Patient", name="address", value={"valueAddress": {"city": "Paris", "postalCode": "75001"}}),
        op("add", "Patient", name="generalPractitioner",
           value={"valueReference": {"reference": "Practitioner/1"}}),
    )
    assert result["address"] == [{"city": "Paris", "postalCode": "75001"}]
    assert result["generalPractitioner"] == [{"reference": "Practitioner/1"}]
    validate_resource(result, "Patient")


def test_add_complex_singleton(patient):
    result = fhirpath(
        patient,
        op("add", "Patient", name="maritalStatus", value={"valueCodeableConcept": {"coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": "M"}]}}),
    )
    assert result["maritalStatus"]["coding"][0]["code"] == "M"
    validate_resource(result, "Patient")


def test_add_primitive_to_nested_list_selected_by_where(patient):
    result = fhirpath(
        patient, op("add", "Patient.name.where(use = 'usual')", name="given", value={"valueString": "Jacques"})
    )
    assert result["name"][1]["given"] == ["JP", "Jacques"]
    assert result["name"][0]["given"] == ["Jean", "Paul"]


def test_add_backbone_element_from_parts(patient):
    value = {"part": [
        {"name": "relationship", "valueCodeableConcept": {"text": "mother"}},
        {"name": "name", "valueHumanName": {"family": "Martin", "given": ["Anne"]}},
        {"name": "telecom", "valueContactPoint": {"system": "phone", "value": "0611111111"}},
        {"name": "telecom", "valueContactPoint": {"system": "email", "value": "anne@example.org"}},
        {"name": "gender", "valueCode": "female"},
    ]}
    result = fhirpath(patient, op("add", "Patient", name="contact", value=value))
    assert result["contact"] == [{
        "relationship": [{"text": "mother"}],
        "name": {"family": "Martin", "given": ["Anne"]},
        "telecom": [
            {"system": "phone", "value": "0611111111"},
            {"system": "email", "value": "anne@example.org"},
        ],
        "gender": "female",
    }]
    validate_resource(result, "Patient")


def test_add_nested_backbone_parts(patient):
    value = {"part": [
        {"name": "language", "valueCodeableConcept": {"text": "French"}},
        {"name": "preferred", "valueBoolean": True},
    ]}
    result = fhirpath(patient, op("add", "Patient", name="communication", value=value))
    assert result["communication"] == [{"language": {"text": "French"}, "preferred": True}]

    obs = copy.deepcopy(OBSERVATION)
    value = {"part": [
        {"name": "code", "valueCodeableConcept": {"text": "diastolic"}},
        {"name": "value", "valueQuantity": {"value": 80, "unit": "mmHg"}},
        {"name": "referenceRange", "part": [{"name": "text", "valueString": "60-90"}]},
    ]}
    result = fhirpath(obs, op("add", "Observation", name="component", value=value))
    assert result["component"][1] == {
        "code": {"text": "diastolic"},
        "valueQuantity": {"value": 80, "unit": "mmHg"},
        "referenceRange": [{"text": "60-90"}],
    }
    validate_resource(result, "Observation")


def test_add_choice_element_by_base_name(patient):
    del patient["deceasedBoolean"]
    result = fhirpath(patient, op("add", "Patient", name="multipleBirth", value={"valueInteger": 2}))
    assert result["multipleBirthInteger"] == 2


def test_add_to_existing_singleton_returns_422(patient):
    exc = fhirpath_error(patient, op("add", "Patient", name="birthDate", value={"valueDate": "2000-01-01"}))
    assert exc.status == 422
    assert "replace" in exc.diagnostics


def test_add_choice_already_set_returns_422(patient):
    exc = fhirpath_error(patient, op("add", "Patient", name="deceasedDateTime", value={"valueDateTime": "2020"}))
    assert exc.status == 422


def test_add_to_missing_element_returns_422(patient):
    exc = fhirpath_error(patient, op("add", "Patient.contact", name="gender", value={"valueCode": "female"}))
    assert exc.status == 422


def test_add_to_several_elements_returns_422(patient):
    exc = fhirpath_error(patient, op("add", "Patient.name", name="prefix", value={"valueString": "M."}))
    assert exc.status == 422


def test_add_to_primitive_returns_422(patient):
    exc = fhirpath_error(patient, op("add", "Patient.birthDate", name="x", value={"valueString": "y"}))
    assert exc.status == 422


# ------------------------------------------------------------------------------------------------
# FHIRPath Patch: insert
# ------------------------------------------------------------------------------------------------


def test_insert_identifier_at_index(patient):
    new = {"system": "urn:x", "value": "9"}
    result = fhirpath(patient, op("insert", "Patient.identifier", value={"valueIdentifier": new}, index=1))
    assert result["identifier"] == [PATIENT["identifier"][0], new, PATIENT["identifier"][1]]


def test_insert_at_end_of_list(patient):
    result = fhirpath(patient, op("insert", "Patient.name[0].given", value={"valueString": "Marie"}, index=2))
    assert result["name"][0]["given"] == ["Jean", "Paul", "Marie"]


def test_insert_backbone_parts_at_front(patient):
    patient["contact"] = [{"name": {"family": "B"}}]
    value = {"part": [{"name": "name", "valueHumanName": {"family": "A"}}]}
    result = fhirpath(patient, op("insert", "Patient.contact", value=value, index=0))
    assert [c["name"]["family"] for c in result["contact"]] == ["A", "B"]


def test_insert_into_absent_list_at_zero(patient):
    result = fhirpath(
        patient, op("insert", "Patient.address", value={"valueAddress": {"city": "Lyon"}}, index=0)
    )
    assert result["address"] == [{"city": "Lyon"}]


def test_insert_out_of_range_returns_422(patient):
    exc = fhirpath_error(patient, op("insert", "Patient.identifier", value={"valueIdentifier": {}}, index=3))
    assert exc.status == 422
    assert "out of range" in exc.diagnostics


def test_insert_negative_index_returns_422(patient):
    exc = fhirpath_error(patient, op("insert", "Patient.identifier", value={"valueIdentifier": {}}, index=-1))
    assert exc.status == 422


def test_insert_into_non_repeating_element_returns_422(patient):
    exc = fhirpath_error(patient, op("insert", "Patient.birthDate", value={"valueDate": "2000-01-01"}, index=0))
    assert exc.status == 422


def test_insert_with_ambiguous_owner_returns_422(patient):
    exc = fhirpath_error(patient, op("insert", "Patient.name.given", value={"valueString": "X"}, index=0))
    assert exc.status == 422


def test_insert_path_not_ending_with_element_returns_400(patient):
    exc = fhirpath_error(patient, op("insert", "Patient.identifier[0]", value={"valueIdentifier": {}}, index=0))
    assert exc.status == 400


# ------------------------------------------------------------------------------------------------
# FHIRPath Patch: delete
# ------------------------------------------------------------------------------------------------


def test_delete_primitive(patient):
    result = fhirpath(patient, op("delete", "Patient.birthDate"))
    assert "birthDate" not in result


def test_delete_list_item_with_where(patient):
    result = fhirpath(patient, op("delete", "Patient.identifier.where(system = 'urn:oid:1.2.250.1.213.1.4.10')"))
    assert result["identifier"] == [PATIENT["identifier"][0]]


def test_delete_list_item_with_indexer(patient):
    result = fhirpath(patient, op("delete", "Patient.name[0].given[0]"))
    assert result["name"][0]["given"] == ["Paul"]


def test_delete_every_match(patient):
    result = fhirpath(patient, op("delete", "Patient.name.given"))
    assert all("given" not in n for n in result["name"])


def test_delete_last_item_removes_empty_list(patient):
    result = fhirpath(patient, op("delete", "Patient.telecom[0]"))
    assert "telecom" not in result


def test_delete_removes_emptied_objects_and_lists(patient):
    patient["maritalStatus"] = {"text": "married"}
    patient["name"] = [{"given": ["Solo"]}]
    result = fhirpath(
        patient,
        op("delete", "Patient.maritalStatus.text"),
        op("delete", "Patient.name.given"),
    )
    assert "maritalStatus" not in result
    assert "name" not in result


def test_delete_missing_element_is_noop(patient):
    result = fhirpath(
        patient,
        op("delete", "Patient.maritalStatus"),
        op("delete", "Patient.identifier.where(system = 'urn:nope')"),
        op("delete", "Patient.name[7]"),
    )
    assert result == PATIENT


def test_delete_choice_by_base_name(patient):
    result = fhirpath(patient, op("delete", "Patient.deceased"))
    assert "deceasedBoolean" not in result


def test_delete_last_item_with_last(patient):
    result = fhirpath(patient, op("delete", "Patient.identifier.last()"))
    assert result["identifier"] == [PATIENT["identifier"][0]]


def test_delete_resource_itself_returns_422(patient):
    exc = fhirpath_error(patient, op("delete", "Patient"))
    assert exc.status == 422


# ------------------------------------------------------------------------------------------------
# FHIRPath Patch: move
# ------------------------------------------------------------------------------------------------


def test_move_list_item(patient):
    result = fhirpath(patient, op("move", "Patient.identifier", source=1, destination=0))
    assert result["identifier"] == [PATIENT["identifier"][1], PATIENT["identifier"][0]]


def test_move_primitive_within_nested_list(patient):
    patient["name"][0]["given"] = ["A", "B", "C"]
    result = fhirpath(patient, op("move", "Patient.name.first().given", source=0, destination=2))
    assert result["name"][0]["given"] == ["B", "C", "A"]


def test_move_out_of_range_returns_422(patient):
    exc = fhirpath_error(patient, op("move", "Patient.identifier", source=0, destination=2))
    assert exc.status == 422


def test_move_in_missing_list_returns_422(patient):
    exc = fhirpath_error(patient, op("move", "Patient.address", source=0, destination=0))
    assert exc.status == 422


# ------------------------------------------------------------------------------------------------
# FHIRPath Patch: several operations, paths
# ------------------------------------------------------------------------------------------------


def test_operations_apply_in_order(patient):
    result = fhirpath(
        patient,
        op("insert", "Patient.identifier", value={"valueIdentifier": {"system": "urn:new"}}, index=0),
        op("replace", "Patient.identifier[0].system", value={"valueUri": "urn:newer"}),
        op("move", "Patient.identifier", source=0, destination=2),
        op("delete", "Patient.identifier.first()"),
    )
    assert result["identifier"] == [PATIENT["identifier"][1], {"system": "urn:newer"}]


def test_later_operation_sees_earlier_delete(patient):
    exc = fhirpath_error(
        patient,
        op("delete", "Patient.birthDate"),
        op("replace", "Patient.birthDate", value={"valueDate": "2000-01-01"}),
    )
    assert exc.status == 422
    assert "operation 2" in exc.diagnostics


def test_path_without_type_name(patient):
    result = fhirpath(patient, op("replace", "gender", value={"valueCode": "female"}))
    assert result["gender"] == "female"


def test_decimal_value_and_where_on_decimal():
    obs = copy.deepcopy(OBSERVATION)
    obs["valueQuantity"]["value"] = 12.5
    result = fhirpath(
        obs, op("replace", "Observation.where(valueQuantity.value = 12.5).valueQuantity.value",
                value={"valueDecimal": 13.0})
    )
    assert result["valueQuantity"]["value"] == 13.0


def test_contained_resource_is_navigated(patient):
    patient["contained"] = [{"resourceType": "Organization", "id": "o", "name": "Old"}]
    result = fhirpath(
        patient, op("replace", "Patient.contained.where(id = 'o').name", value={"valueString": "New"})
    )
    assert result["contained"][0]["name"] == "New"


@pytest.mark.parametrize(
    ("path", "unsupported"),
    [
        ("Patient.name.exists()", "exists()"),
        ("Patient.name.where(use = 'official' or use = 'usual')", "or use"),
        ("Patient.name | Patient.telecom", "| Patient.telecom"),
        ("Patient.name.where(family.startsWith('D'))", "startsWith()"),
        ("Patient.name.where(use > 'a')", "> 'a'"),
        ("Patient.name[-1]", "-1]"),
        ("Patient.name.where(use = 'official'", "incomplete"),
    ],
)
def test_unsupported_path_returns_400_naming_the_part(patient, path, unsupported):
    exc = fhirpath_error(patient, op("delete", path))
    assert exc.status == 400
    assert unsupported in exc.diagnostics
    assert exc.expression == [path]


# ------------------------------------------------------------------------------------------------
# FHIRPath Patch: malformed Parameters
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"resourceType": "Patient"},
        {"resourceType": "Parameters"},
        {"resourceType": "Parameters", "parameter": []},
        {"resourceType": "Parameters", "parameter": [{"name": "other", "part": []}]},
        {"resourceType": "Parameters", "parameter": [{"name": "operation"}]},
    ],
)
def test_malformed_parameters_returns_400(patient, body):
    exc = failure(apply_fhirpath_patch, patient, body)
    assert exc.status == 400


def test_unknown_operation_type_returns_400(patient):
    exc = fhirpath_error(patient, op("upsert", "Patient.birthDate", value={"valueDate": "2000-01-01"}))
    assert exc.status == 400
    assert "upsert" in exc.diagnostics


@pytest.mark.parametrize(
    "operation",
    [
        {"name": "operation", "part": [{"name": "path", "valueString": "Patient.gender"}]},
        op("replace", "Patient.gender"),
        op("add", "Patient", value={"valueDate": "2000-01-01"}),
        op("insert", "Patient.identifier", value={"valueIdentifier": {}}),
        op("move", "Patient.identifier", source=0),
        {"name": "operation", "part": [{"name": "type", "valueCode": "delete"}]},
    ],
)
def test_missing_required_part_returns_400(patient, operation):
    exc = fhirpath_error(patient, operation)
    assert exc.status == 400


@pytest.mark.parametrize(
    "operation",
    [
        {"name": "operation", "part": [
            {"name": "type", "valueCode": "delete"}, {"name": "path", "valueString": "Patient.gender"},
            {"name": "bogus", "valueString": "x"}]},
        {"name": "operation", "part": [
            {"name": "type", "valueCode": "delete"}, {"name": "path", "valueString": "Patient.gender"},
            {"name": "path", "valueString": "Patient.active"}]},
        {"name": "operation", "part": [{"name": "type", "valueCode": "delete"}, {"name": "path", "valueInteger": 1}]},
        {"name": "operation", "part": [{"name": "type", "valueCode": "delete"}, {"name": "path", "valueString": " "}]},
        op("insert", "Patient.identifier", value={"valueIdentifier": {}}, index=True),
        op("add", "Patient", name="bad.name", value={"valueString": "x"}),
        op("replace", "Patient.gender", value={}),
        op("replace", "Patient.gender", value={"valueCode": "female", "valueString": "female"}),
        op("replace", "Patient.gender", value={"valueCode": "female", "part": []}),
        op("add", "Patient", name="contact", value={"part": [{"valueString": "no name"}]}),
        op("add", "Patient", name="contact", value={"part": [{"name": "gender", "valueCode": "female"},
                                                             {"name": "gender", "valueCode": "male"}]}),
        op("add", "Patient", name="deceased", value={"part": [{"name": "x", "valueString": "y"}]}),
    ],
)
def test_malformed_operation_returns_400(patient, operation):
    exc = fhirpath_error(patient, operation)
    assert exc.status == 400


def test_choice_with_disallowed_type_returns_422(patient):
    del patient["deceasedBoolean"]
    exc = fhirpath_error(patient, op("add", "Patient", name="deceased", value={"valueString": "yes"}))
    assert exc.status == 422


def test_failed_patch_leaves_input_untouched(patient):
    exc = fhirpath_error(
        patient,
        op("delete", "Patient.name"),
        op("add", "Patient", name="birthDate", value={"valueDate": "2000-01-01"}),
    )
    assert exc.status == 422
    assert patient == PATIENT


def test_result_does_not_share_values_with_parameters(patient):
    body = params(op("add", "Patient", name="address", value={"valueAddress": {"city": "Nice"}}))
    result = apply_fhirpath_patch(patient, body)
    result["address"][0]["city"] = "Changed"
    assert body["parameter"][0]["part"][3]["valueAddress"] == {"city": "Nice"}


# ------------------------------------------------------------------------------------------------
# JSON Patch
# ------------------------------------------------------------------------------------------------


def json_patch(resource: dict, patch: list) -> dict:
    before = copy.deepcopy(resource)
    patch_before = copy.deepcopy(patch)
    result = apply_json_patch(resource, patch)
    assert resource == before, "the input resource was mutated"
    assert patch == patch_before, "the patch was mutated"
    return result


def test_json_patch_add_replace_remove_test(patient):
    result = json_patch(patient, [
        {"op": "test", "path": "/birthDate", "value": "1980-01-01"},
        {"op": "replace", "path": "/birthDate", "value": "1981-02-03"},
        {"op": "add", "path": "/name/0/given/-", "value": "Marie"},
        {"op": "add", "path": "/maritalStatus", "value": {"text": "M"}},
        {"op": "remove", "path": "/telecom"},
    ])
    assert result["birthDate"] == "1981-02-03"
    assert result["name"][0]["given"] == ["Jean", "Paul", "Marie"]
    assert result["maritalStatus"] == {"text": "M"}
    assert "telecom" not in result
    assert result is not patient


def test_json_patch_move_and_copy(patient):
    result = json_patch(patient, [
        {"op": "copy", "from": "/name/0/family", "path": "/name/1/family"},
        {"op": "move", "from": "/identifier/1", "path": "/identifier/0"},
    ])
    assert result["name"][1]["family"] == "Dupont"
    assert result["identifier"][0] == PATIENT["identifier"][1]


def test_json_patch_empty_patch_returns_copy(patient):
    result = json_patch(patient, [])
    assert result == patient
    assert result is not patient


def test_json_patch_may_change_id(patient):
    result = json_patch(patient, [{"op": "replace", "path": "/id", "value": "other"}])
    assert result["id"] == "other"


def test_json_patch_value_not_shared_with_patch(patient):
    patch = [{"op": "add", "path": "/address", "value": [{"city": "Nice"}]}]
    result = apply_json_patch(patient, patch)
    result["address"][0]["city"] = "Changed"
    assert patch[0]["value"] == [{"city": "Nice"}]


def test_json_patch_test_failure_returns_422(patient):
    exc = failure(apply_json_patch, patient, [{"op": "test", "path": "/gender", "value": "female"}])
    assert exc.status == 422


@pytest.mark.parametrize(
    "patch",
    [
        [{"op": "remove", "path": "/maritalStatus"}],
        [{"op": "replace", "path": "/contact/0/name", "value": {}}],
        [{"op": "add", "path": "/identifier/9", "value": {}}],
        [{"op": "add", "path": "/birthDate/x", "value": 1}],
        [{"op": "add", "path": "/name/x", "value": {}}],
        [{"op": "move", "from": "/nope", "path": "/x"}],
        [{"op": "test", "path": "/nope", "value": 1}],
        [{"op": "replace", "path": "", "value": []}],
    ],
)
def test_json_patch_failing_operation_returns_422(patient, patch):
    exc = failure(apply_json_patch, patient, patch)
    assert exc.status == 422
    assert patient == PATIENT


def test_json_patch_failure_after_success_leaves_input_untouched(patient):
    exc = failure(apply_json_patch, patient, [
        {"op": "replace", "path": "/birthDate", "value": "2000-01-01"},
        {"op": "remove", "path": "/nope"},
    ])
    assert exc.status == 422
    assert "operation 2" in exc.diagnostics
    assert patient == PATIENT


@pytest.mark.parametrize(
    "patch",
    [
        {"op": "add", "path": "/birthDate", "value": "2000-01-01"},
        "not a patch",
        None,
        [1],
        [{"path": "/birthDate"}],
        [{"op": "frobnicate", "path": "/birthDate"}],
        [{"op": ["add"], "path": "/birthDate"}],
        [{"op": "add", "value": 1}],
        [{"op": "add", "path": "/birthDate"}],
        [{"op": "replace", "path": "/birthDate"}],
        [{"op": "test", "path": "/birthDate"}],
        [{"op": "move", "path": "/birthDate"}],
        [{"op": "add", "path": 3, "value": 1}],
        [{"op": "add", "path": "birthDate", "value": 1}],
        [{"op": "remove", "path": "/a~2"}],
    ],
)
def test_json_patch_malformed_document_returns_400(patient, patch):
    exc = failure(apply_json_patch, patient, patch)
    assert exc.status == 400
