"""OpenAPI fragments for routes that read their body themselves (issue 9, "Keep it fixed").

Most routes parse their body by hand (one JSON reader, SOAP, forms), so FastAPI cannot infer what they
accept. These helpers describe it: request bodies in ``application/fhir+json`` / ``application/json`` /
forms, and the error answers in each protocol's own form, so fuzzers and client generators reach them.
Pass the result to a route's ``openapi_extra`` and ``responses``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from core.fhir.declare import FhirSpec

FHIR_JSON = "application/fhir+json"
JSON_TYPES = (FHIR_JSON, "application/json")
FORM = "application/x-www-form-urlencoded"
Schema = dict[str, Any]

CODING: Schema = {"type": "object", "properties": {
    "system": {"type": "string"}, "code": {"type": "string"}, "display": {"type": "string"}}}
OPERATION_OUTCOME: Schema = {
    "type": "object", "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"const": "OperationOutcome"},
        "issue": {"type": "array", "items": {"type": "object", "required": ["severity", "code"], "properties": {
            "severity": {"type": "string"}, "code": {"type": "string"}, "diagnostics": {"type": "string"},
            "expression": {"type": "array", "items": {"type": "string"}},
            "details": {"type": "object", "properties": {"coding": {"type": "array", "items": CODING}}},
        }}},
    },
}
OAUTH_ERROR: Schema = {"type": "object", "required": ["error"], "properties": {
    "error": {"type": "string"}, "error_description": {"type": "string"}}}
RESOURCE: Schema = {"type": "object", "required": ["resourceType"], "properties": {
    "resourceType": {"type": "string"}, "id": {"type": "string"}}, "additionalProperties": True}
PARAMETERS: Schema = {
    "type": "object", "required": ["resourceType"],
    "properties": {
        "resourceType": {"const": "Parameters"},
        "parameter": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"}, "resource": RESOURCE, "valueString": {"type": "string"},
            "valueBoolean": {"type": "boolean"}, "valueInteger": {"type": "integer"},
            "valueIdentifier": {"type": "object"}, "valueCoding": CODING,
        }, "additionalProperties": True}},
    },
}
BUNDLE: Schema = {
    "type": "object", "required": ["resourceType", "type"],
    "properties": {
        "resourceType": {"const": "Bundle"},
        "type": {"enum": ["batch", "transaction"]},
        "entry": {"type": "array", "items": {"type": "object", "properties": {
            "fullUrl": {"type": "string"}, "resource": RESOURCE,
            "request": {"type": "object", "required": ["method", "url"], "properties": {
                "method": {"enum": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]}, "url": {"type": "string"},
                "ifMatch": {"type": "string"}, "ifNoneExist": {"type": "string"}}},
        }}},
    },
}
JSON_PATCH: Schema = {"type": "array", "items": {"type": "object", "required": ["op", "path"], "properties": {
    "op": {"enum": ["add", "remove", "replace", "move", "copy", "test"]}, "path": {"type": "string"},
    "from": {"type": "string"}, "value": {}}}}


def body(schema: Schema, media_types: Iterable[str] = JSON_TYPES, *, required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` describing a request body of ``schema`` under each media type."""
    return {"requestBody": {"required": required, "content": {m: {"schema": schema} for m in media_types}}}


def form_body(properties: Mapping[str, Schema], *, required: Iterable[str] = ()) -> dict[str, Any]:
    """``openapi_extra`` of an ``application/x-www-form-urlencoded`` body."""
    schema: Schema = {"type": "object", "properties": dict(properties), "required": list(required)}
    return body(schema, (FORM,))


def answers(statuses: Iterable[int], schema: Schema, media_type: str, about: str) -> dict[int | str, Any]:
    """``responses`` entries: each status answers ``schema`` in ``media_type``."""
    return {status: {"description": about, "content": {media_type: {"schema": schema}}} for status in statuses}


def outcomes(*statuses: int) -> dict[int | str, Any]:
    """FHIR-style errors: an ``OperationOutcome`` with a stable code in ``details.coding``."""
    return answers(statuses, OPERATION_OUTCOME, FHIR_JSON, "OperationOutcome naming the fault and its code")


def oauth_errors(*statuses: int) -> dict[int | str, Any]:
    """RFC 6749 JSON errors (``error``, ``error_description``)."""
    return answers(statuses, OAUTH_ERROR, "application/json", "OAuth 2.0 error")


def search_parameters(spec: FhirSpec) -> list[dict[str, Any]]:
    """Query parameters of a type search: the result parameters and every declared search parameter."""
    names = sorted({name for r in spec.resources for p in r.params
                    for name in (p.name, *(f"{p.name}:{part}" for part in p.parts))} - {"_count", "_offset"})
    described = [
        {"name": "_count", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": spec.max_count}},
        {"name": "_offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
        {"name": "_sort", "in": "query", "schema": {"type": "string"}},
        {"name": "_summary", "in": "query", "schema": {"enum": ["count", "true", "false"]}},
        {"name": "_total", "in": "query", "schema": {"enum": ["none", "estimate", "accurate"]}},
    ]
    return described + [{"name": n, "in": "query", "schema": {"type": "string"}} for n in names]


def resource_type_parameter(spec: FhirSpec) -> dict[str, Any]:
    """The ``{rtype}`` path parameter, limited to the types the service declares."""
    return {"name": "rtype", "in": "path", "required": True, "schema": {"enum": sorted(spec.by_type)}}


def model_schema(model: Any) -> Schema:
    """A pydantic model's JSON schema with its ``$defs`` inlined (valid anywhere in an OpenAPI document)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    return inline(schema)
