"""FHIRPath Patch (FHIR R4 3.1.0.6): the Parameters read into operations, then applied (core/fhir/patch.py)."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from core.fhir.models import model_class
from core.fhir.patch_elements import Element, choices_of, element_model, elements_of, model_of
from core.fhir.patch_errors import bad, cannot, short
from core.fhir.patch_paths import NAME, Location, Step, parse_path, select

_OPERATION_PARTS = {
    "add": ("path", "name", "value"),
    "insert": ("path", "value", "index"),
    "delete": ("path",),
    "replace": ("path", "value"),
    "move": ("path", "source", "destination"),
}
_PART_NAMES = ("type", "path", "name", "value", "index", "source", "destination")


@dataclass
class _Operation:
    number: int
    type: str
    path: str
    steps: tuple[Step, ...]
    where: str  # Parameters.parameter[i]
    name: str | None = None
    value: dict | None = None  # the raw "value" part
    value_where: str = ""
    index: int | None = None
    source: int | None = None
    destination: int | None = None

    @property
    def label(self) -> str:
        return f"FHIRPath Patch operation {self.number} ({self.type} {self.path!r})"


def _value_keys(part: dict) -> list[str]:
    return [k for k in part if k.startswith("value") and len(k) > 5 and k[5].isupper()]


def _primitive(part: dict, where: str, kind: type) -> object:
    keys = _value_keys(part)
    if len(keys) != 1:
        raise bad(f"{where} ({part.get('name')}) must carry exactly one value[x].", [where])
    value = part[keys[0]]
    if not isinstance(value, kind) or isinstance(value, bool):
        wanted = "an integer" if kind is int else "a string"
        raise bad(f"{where} ({part.get('name')}) must be {wanted}, got {short(value)!r}.", [where])
    return value


def _read_parameters(parameters: object) -> list[_Operation]:
    if not isinstance(parameters, dict) or parameters.get("resourceType") != "Parameters":
        raise bad("A FHIRPath Patch body must be a Parameters resource.")
    params = parameters.get("parameter")
    if not isinstance(params, list) or not params:
        raise bad("The FHIRPath Patch Parameters has no operation.", ["Parameters.parameter"])
    operations = []
    for i, param in enumerate(params):
        where = f"Parameters.parameter[{i}]"
        if not isinstance(param, dict) or param.get("name") != "operation":
            raise bad(f"{where}: every FHIRPath Patch parameter must be named 'operation'.", [where])
        parts = param.get("part")
        if not isinstance(parts, list) or not parts:
            raise bad(f"{where}: the operation has no parts.", [where])
        found: dict[str, tuple[dict, str]] = {}
        for j, part in enumerate(parts):
            part_where = f"{where}.part[{j}]"
            name = part.get("name") if isinstance(part, dict) else None
            if not isinstance(name, str) or name not in _PART_NAMES:
                raise bad(
                    f"{part_where}: unknown operation part {short(name)!r} "
                    f"(expected one of {', '.join(_PART_NAMES)}).",
                    [part_where],
                )
            if name in found:
                raise bad(f"{part_where}: the operation has two '{name}' parts.", [part_where])
            found[name] = (part, part_where)
        if "type" not in found:
            raise bad(f"{where}: the operation has no 'type' part.", [where])
        kind = _primitive(*found["type"], str)
        if kind not in _OPERATION_PARTS:
            raise bad(
                f"{where}: unknown operation type {short(kind)!r} (expected one of {', '.join(_OPERATION_PARTS)}).",
                [found["type"][1]],
            )
        for required in _OPERATION_PARTS[kind]:
            if required not in found:
                raise bad(f"{where}: a '{kind}' operation needs a '{required}' part.", [where])
        path = _primitive(*found["path"], str)
        if not path.strip():
            raise bad(f"{where}: the operation path is empty.", [found["path"][1]])
        op = _Operation(i + 1, kind, path, parse_path(path), where)
        if kind == "add":
            op.name = _primitive(*found["name"], str)
            if not NAME.fullmatch(op.name):
                raise bad(f"{where}: {op.name!r} is not an element name.", [found["name"][1]])
        if "value" in found and kind in ("add", "insert", "replace"):
            op.value, op.value_where = found["value"]
        for name in ("index", "source", "destination"):
            if name in found and name in _OPERATION_PARTS[kind]:
                setattr(op, name, _primitive(*found[name], int))
        operations.append(op)
    return operations


def _build(part: dict, model: type | None, where: str) -> object:
    """The value of a ``value`` part: its value[x], or an object assembled from its nested parts."""
    keys = _value_keys(part)
    nested = part.get("part")
    if len(keys) > 1 or (keys and nested is not None):
        raise bad(f"{where} must carry either one value[x] or nested parts.", [where])
    if keys:
        return copy.deepcopy(part[keys[0]])
    if not isinstance(nested, list) or not nested:
        raise bad(f"{where} has no value[x] and no nested parts.", [where])
    collected: dict[str, tuple[Element | None, list[object]]] = {}
    for k, sub in enumerate(nested):
        sub_where = f"{where}.part[{k}]"
        name = sub.get("name") if isinstance(sub, dict) else None
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise bad(f"{sub_where} must have an element name.", [sub_where])
        key, spec = _resolve_element(model, name, sub, sub_where)
        value = _build(sub, element_model(spec), sub_where)
        collected.setdefault(key, (spec, []))[1].append(value)
    result: dict[str, object] = {}
    for key, (spec, values) in collected.items():
        if spec is not None and not spec.is_list and len(values) > 1:
            raise bad(f"{where}: '{key}' is given {len(values)} times but does not repeat.", [where])
        many = spec.is_list if spec is not None else len(values) > 1
        result[key] = values if many else values[0]
    return result


def _resolve_element(model: type | None, name: str, part: dict, where: str) -> tuple[str, Element | None]:
    """The JSON key and model field for element ``name``; a choice base takes its type from value[x]."""
    if model is None:
        return name, None
    schema = elements_of(model)
    if name in schema:
        return name, schema[name]
    if name in choices_of(model):
        keys = _value_keys(part)
        if len(keys) != 1:
            raise bad(f"{where}: '{name}' is a choice element; give its value as value[x].", [where])
        key = name + keys[0][5:]
        if key not in schema:
            raise cannot(f"{where}: {keys[0]} is not an allowed type for {model.__name__}.{name}[x].", [where])
        return key, schema[key]
    return name, None  # unknown to the model: applied as given, validation will report it






def _one(locs: list[Location], op: _Operation) -> Location:
    if not locs:
        raise cannot(f"{op.label}: the path matches no element.", [op.path])
    if len(locs) > 1:
        raise cannot(f"{op.label}: the path matches {len(locs)} elements; exactly one is required.", [op.path])
    return locs[0]


def _op_add(op: _Operation, root: Location) -> None:
    target = _one(select(root, op.steps), op)
    node = target.value
    if not isinstance(node, dict):
        raise cannot(f"{op.label}: the path is a primitive value; '{op.name}' cannot be added to it.", [op.path])
    model = model_of(node, target.model)
    key, spec = _resolve_element(model, op.name, op.value, op.value_where)
    value = _build(op.value, element_model(spec), op.value_where)
    existing = node.get(key)
    if isinstance(existing, list):
        existing.append(value)
        return
    if existing is not None:
        raise cannot(f"{op.label}: '{key}' already has a value (use replace).", [f"{op.path}.{key}"])
    if spec is not None and spec.choice:
        taken = next((k for k in choices_of(model)[spec.choice] if node.get(k) is not None), None)
        if taken:
            raise cannot(f"{op.label}: '{taken}' already has a value (use replace).", [f"{op.path}.{taken}"])
    node[key] = [value] if spec is not None and spec.is_list else value


def _list_at(op: _Operation, root: Location) -> tuple[dict, str, Element | None, list | None]:
    """The element named by the last step of the path: its owner, key, model field and current list."""
    if not op.steps or op.steps[-1][0] != "member":
        raise bad(f"{op.label}: the path must end with the name of a repeating element.", [op.path])
    parent = _one(select(root, op.steps[:-1]), op)
    node = parent.value
    name = op.steps[-1][1]
    if not isinstance(node, dict):
        raise cannot(f"{op.label}: the path matches no element.", [op.path])
    model = model_of(node, parent.model)
    spec = elements_of(model).get(name) if model is not None else None
    existing = node.get(name)
    if existing is None:
        if spec is not None and not spec.is_list:
            raise cannot(f"{op.label}: '{name}' is not a repeating element.", [op.path])
        return node, name, spec, None
    if not isinstance(existing, list):
        raise cannot(f"{op.label}: '{name}' is not a list.", [op.path])
    return node, name, spec, existing


def _op_insert(op: _Operation, root: Location) -> None:
    node, name, spec, items = _list_at(op, root)
    size = len(items) if items is not None else 0
    if not 0 <= op.index <= size:
        raise cannot(f"{op.label}: index {op.index} is out of range (0..{size}).", [op.path])
    value = _build(op.value, element_model(spec), op.value_where)
    if items is None:
        node[name] = [value]
    else:
        items.insert(op.index, value)


def _op_move(op: _Operation, root: Location) -> None:
    _, _, _, items = _list_at(op, root)
    if not items:
        raise cannot(f"{op.label}: the path matches no element.", [op.path])
    last = len(items) - 1
    for label, index in (("source", op.source), ("destination", op.destination)):
        if not 0 <= index <= last:
            raise cannot(f"{op.label}: {label} {index} is out of range (0..{last}).", [op.path])
    items.insert(op.destination, items.pop(op.source))


def _op_delete(op: _Operation, root: Location) -> None:
    locs = select(root, op.steps)
    if any(loc is root for loc in locs):
        raise cannot(f"{op.label}: the resource itself cannot be deleted.", [op.path])
    in_lists: dict[int, tuple[list, set[int]]] = {}
    for loc in locs:
        if isinstance(loc.container, list):
            in_lists.setdefault(id(loc.container), (loc.container, set()))[1].add(loc.key)
        else:
            loc.container.pop(loc.key, None)
    for items, indexes in in_lists.values():
        for index in sorted(indexes, reverse=True):
            del items[index]


def _op_replace(op: _Operation, root: Location) -> None:
    target = _one(select(root, op.steps), op)
    if target is root:
        raise cannot(f"{op.label}: the resource itself cannot be replaced.", [op.path])
    value = _build(op.value, target.model, op.value_where)
    keys = _value_keys(op.value)
    container = target.container
    if target.choice and keys and isinstance(container, dict):
        owner_model = _owner_model(root, op)
        concrete = target.choice + keys[0][5:]
        if concrete != target.key and owner_model is not None and concrete in elements_of(owner_model):
            del container[target.key]  # e.g. deceasedBoolean replaced by a valueDateTime
            container[concrete] = value
            return
    container[target.key] = value


def _owner_model(root: Location, op: _Operation) -> type | None:
    if not op.steps or op.steps[-1][0] != "member":
        return None
    owners = select(root, op.steps[:-1])
    if len(owners) != 1 or not isinstance(owners[0].value, dict):
        return None
    return model_of(owners[0].value, owners[0].model)


_APPLY = {"add": _op_add, "insert": _op_insert, "delete": _op_delete, "replace": _op_replace, "move": _op_move}


def _prune(node: object) -> None:
    """Drop the empty arrays and objects an operation leaves behind (FHIR JSON forbids them)."""
    if isinstance(node, dict):
        for key in list(node):
            child = node[key]
            _prune(child)
            if isinstance(child, dict | list) and not child:
                del node[key]
    elif isinstance(node, list):
        for child in node:
            _prune(child)
        node[:] = [c for c in node if not (isinstance(c, dict | list) and not c)]


def apply_fhirpath_patch(resource: dict, parameters: object) -> dict:
    """FHIRPath Patch (FHIR R4 §3.1.0.6, a Parameters resource). Returns a new dict; input untouched."""
    operations = _read_parameters(parameters)
    result = copy.deepcopy(resource)
    holder = {"resource": result}
    rtype = result.get("resourceType")
    root_model = model_class(rtype) if isinstance(rtype, str) else None
    for op in operations:
        _APPLY[op.type](op, Location(holder, "resource", root_model))
        _prune(result)
    return result
