"""What FHIRPath Patch needs of the R4 models: each element's cardinality, complex type and choice base name."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from functools import cache

from core.fhir.models import model_class


@dataclass(frozen=True)
class Element:
    is_list: bool
    type_name: str | None  # model class of a complex type (``HumanName``, ``PatientContact``)
    choice: str | None  # base name of a choice element (``deceased`` for ``deceasedBoolean``)


def _unwrap(annotation: object) -> tuple[bool, object]:
    is_list = False
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if not args:
                return is_list, None
            annotation = args[0]
        elif origin is list:
            is_list = True
            args = typing.get_args(annotation)
            annotation = args[0] if args else None
        elif origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        else:
            return is_list, annotation


@cache
def elements_of(model: type) -> dict[str, Element]:
    fields: dict[str, Element] = {}
    for name, info in getattr(model, "model_fields", {}).items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if not extra.get("element_property"):
            continue
        is_list, inner = _unwrap(info.annotation)
        klass = getattr(inner, "_model_klass", None)
        type_name = klass.rsplit(".", 1)[-1] if isinstance(klass, str) else None
        fields[info.alias or name] = Element(is_list, type_name, extra.get("one_of_many"))
    return fields


@cache
def choices_of(model: type) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for alias, spec in elements_of(model).items():
        if spec.choice:
            out.setdefault(spec.choice, []).append(alias)
    return {base: tuple(aliases) for base, aliases in out.items()}


def element_model(spec: Element | None) -> type | None:
    return model_class(spec.type_name) if spec is not None and spec.type_name else None


def model_of(node: dict, fallback: type | None) -> type | None:
    rtype = node.get("resourceType")
    if isinstance(rtype, str):
        return model_class(rtype) or fallback
    return fallback


