"""RFC 6902 JSON Patch applied to a resource's JSON (``application/json-patch+json``), see core/fhir/patch.py."""

from __future__ import annotations

import copy

import jsonpatch
import jsonpointer

from core.fhir.patch_errors import bad, cannot, short

_JSON_PATCH_MEMBERS = {
    "add": ("path", "value"),
    "remove": ("path",),
    "replace": ("path", "value"),
    "move": ("from", "path"),
    "copy": ("from", "path"),
    "test": ("path", "value"),
}


def apply_json_patch(resource: dict, patch: object) -> dict:
    """RFC 6902 JSON Patch (application/json-patch+json). Returns a new dict; input untouched."""
    if not isinstance(patch, list):
        raise bad("A JSON Patch document must be a JSON array of operations.")
    compiled = []
    for n, op in enumerate(copy.deepcopy(patch), start=1):
        if not isinstance(op, dict):
            raise bad(f"JSON Patch operation {n} is not a JSON object.")
        kind = op.get("op")
        if not isinstance(kind, str) or kind not in _JSON_PATCH_MEMBERS:
            raise bad(
                f"JSON Patch operation {n} has an unknown op {short(kind)!r} "
                f"(expected one of {', '.join(_JSON_PATCH_MEMBERS)})."
            )
        for member in _JSON_PATCH_MEMBERS[kind]:
            if member not in op:
                raise bad(f"JSON Patch operation {n} ({kind}) has no '{member}' member.")
            if member in ("path", "from") and not isinstance(op[member], str):
                raise bad(f"JSON Patch operation {n} ({kind}): '{member}' must be a JSON Pointer string.")
        try:
            compiled.append(jsonpatch.JsonPatch([op]))
        except (jsonpatch.InvalidJsonPatch, jsonpointer.JsonPointerException) as exc:
            raise bad(f"JSON Patch operation {n} ({kind}) is invalid: {short(exc)}") from None

    document: object = copy.deepcopy(resource)
    for n, (op, one) in enumerate(zip(patch, compiled, strict=True), start=1):
        label = f"JSON Patch operation {n} ({op['op']} {op['path']!r})"
        try:
            document = one.apply(document, in_place=True)
        except jsonpatch.JsonPatchTestFailed as exc:
            raise cannot(f"{label} failed: {short(exc)}") from None
        except jsonpatch.InvalidJsonPatch as exc:
            raise bad(f"{label} is invalid: {short(exc)}") from None
        except (
            jsonpatch.JsonPatchException,
            jsonpointer.JsonPointerException,
            KeyError,
            IndexError,
            TypeError,
            ValueError,
        ) as exc:
            raise cannot(f"{label} cannot apply: {short(exc)}") from None
    if not isinstance(document, dict):
        raise cannot("The JSON Patch does not leave a JSON object (a FHIR resource).")
    return document


