"""The only import site of ``fhir.resources.R4B``: validation of FHIR R4 resources.

Validation happens on writes only (DESIGN.md "Hot path"); reads serve stored JSON. A pydantic error
becomes an ``OperationOutcome`` whose ``expression`` names the element at fault (``Patient.name[0]``).
"""

from __future__ import annotations

from functools import cache

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from core.codes import Code
from core.errors import SandboxError


@cache
def model_class(resource_type: str):
    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError, AttributeError, ImportError):
        return None


def is_resource_type(name: str) -> bool:
    return isinstance(name, str) and name[:1].isupper() and model_class(name) is not None


def element_path(resource_type: str, loc: tuple) -> str:
    path = resource_type
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and not part.startswith("function-") and part != "__root__":
            path += f".{part}"
    return path


class InvalidResource(SandboxError):
    """A resource that fails R4 validation; carries one issue per element at fault."""

    def __init__(self, resource_type: str, errors: list[dict]) -> None:
        self.issues_found = []
        for err in errors[:20]:
            where = element_path(resource_type, err.get("loc", ()))
            msg = err.get("msg", "invalid").removeprefix("Value error, ")
            self.issues_found.append((where, f"{where}: {msg}"))
        first = self.issues_found[0] if self.issues_found else (resource_type, f"{resource_type} is invalid")
        super().__init__(400, Code.INVALID_RESOURCE, first[1], issue="structure", expression=[first[0]])

    def issues(self) -> list[dict]:
        return [self.make_issue(text, [where]) for where, text in self.issues_found]


def validate_resource(resource: dict, expected_type: str | None = None) -> dict:
    """Check ``resource`` against its R4 model; return it unchanged (its JSON is what gets stored).

    Raises :class:`SandboxError` with a stable code: FHIR-0001 not an object, FHIR-0002 unknown
    type, FHIR-0004 type differs from ``expected_type``, FHIR-0003 invalid elements.
    """
    if not isinstance(resource, dict):
        raise SandboxError(400, Code.MALFORMED_JSON, "The body must be a JSON object (a FHIR resource).")
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        raise SandboxError(
            400, Code.UNKNOWN_RESOURCE_TYPE, "The resource has no resourceType.", expression=["resourceType"]
        )
    if expected_type and rtype != expected_type:
        raise SandboxError(
            400,
            Code.TYPE_MISMATCH,
            f"The body is a {rtype} but the URL addresses {expected_type}.",
            expression=["resourceType"],
        )
    cls = model_class(rtype)
    if cls is None:
        raise SandboxError(
            400, Code.UNKNOWN_RESOURCE_TYPE, f"{rtype!r} is not a FHIR R4 resource type.",
            issue="not-supported", expression=["resourceType"],
        )
    try:
        cls.model_validate(resource)
    except ValidationError as exc:
        raise InvalidResource(rtype, exc.errors()) from None
    except (ValueError, TypeError) as exc:
        raise SandboxError(400, Code.INVALID_RESOURCE, f"{rtype}: {exc}", issue="structure") from None
    except KeyError as exc:  # fhir.resources looks a nested resource's resourceType up in a dict
        kind = str(exc.args[0] if exc.args else "").removeprefix("R4.").removesuffix("Type")
        raise SandboxError(400, Code.UNKNOWN_RESOURCE_TYPE, f"{rtype}: a nested resource has resourceType "
                           f"{kind!r}, which is not a FHIR R4 resource type.", issue="structure") from None
    return resource
