"""PATCH bodies applied to a resource's JSON: JSON Patch (RFC 6902) and FHIRPath Patch (FHIR R4 3.1.0.6).

Both functions return a new dict and never mutate their arguments. They only apply the patch: the caller
re-validates the result (``core.fhir.models.validate_resource``) and checks ``resourceType``/``id``.

Every error is a :class:`SandboxError` with code ``FHIR-0015`` (``Code.BAD_PATCH``):

- 400 when the patch document is malformed (not a list / not a Parameters, unknown operation, missing
  part, bad FHIRPath, FHIRPath outside the supported subset);
- 422 when a well-formed patch cannot apply (path matches nothing or several elements where one is
  required, index out of range, JSON Patch ``test`` failing, element already set on ``add`` ...).

FHIRPath Patch paths are resolved by a small navigator that returns *locations* (container + key or
index) in the resource, since fhirpathpy returns copies. Supported subset:

- a leading type name (``Patient``; another type name selects nothing, as in FHIRPath);
- element names, stepping implicitly into lists; choice elements by concrete name (``valueQuantity``)
  or by base name (``value``) when the R4 model knows the element;
- indexers ``[n]``, ``first()``, ``last()``;
- ``where(a = literal and b.c != literal ...)`` where the left side is a child path or ``$this`` and the
  literal a 'string', a number, ``true`` or ``false`` (FHIRPath equality: a single value must match).

Element cardinality (list or not) and choice types come from the ``fhir.resources`` R4 models, so that
``add`` of ``identifier`` creates a list and backbone ``part`` values are assembled with the right shape;
an element the model does not know is applied as given and left to validation.

FHIRPath ``delete`` removes every matching element (nothing matched: no-op); ``insert`` into a list that is
absent is accepted at index 0. Empty arrays and objects left behind are removed.
"""

from __future__ import annotations

import copy
import re
import types
import typing
from dataclasses import dataclass
from functools import cache, lru_cache

import jsonpatch
import jsonpointer

from core.codes import Code
from core.errors import SandboxError
from core.fhir.models import model_class

__all__ = ["apply_json_patch", "apply_fhirpath_patch"]


def _bad(diagnostics: str, expression: list[str] | None = None, issue: str = "invalid") -> SandboxError:
    return SandboxError(400, Code.BAD_PATCH, diagnostics, issue=issue, expression=expression)


def _cannot(diagnostics: str, expression: list[str] | None = None) -> SandboxError:
    return SandboxError(422, Code.BAD_PATCH, diagnostics, issue="processing", expression=expression)


def _short(text: object, limit: int = 200) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------------------------------
# JSON Patch
# --------------------------------------------------------------------------------------------------

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
        raise _bad("A JSON Patch document must be a JSON array of operations.")
    compiled = []
    for n, op in enumerate(copy.deepcopy(patch), start=1):
        if not isinstance(op, dict):
            raise _bad(f"JSON Patch operation {n} is not a JSON object.")
        kind = op.get("op")
        if not isinstance(kind, str) or kind not in _JSON_PATCH_MEMBERS:
            raise _bad(
                f"JSON Patch operation {n} has an unknown op {_short(kind)!r} "
                f"(expected one of {', '.join(_JSON_PATCH_MEMBERS)})."
            )
        for member in _JSON_PATCH_MEMBERS[kind]:
            if member not in op:
                raise _bad(f"JSON Patch operation {n} ({kind}) has no '{member}' member.")
            if member in ("path", "from") and not isinstance(op[member], str):
                raise _bad(f"JSON Patch operation {n} ({kind}): '{member}' must be a JSON Pointer string.")
        try:
            compiled.append(jsonpatch.JsonPatch([op]))
        except (jsonpatch.InvalidJsonPatch, jsonpointer.JsonPointerException) as exc:
            raise _bad(f"JSON Patch operation {n} ({kind}) is invalid: {_short(exc)}") from None

    document: object = copy.deepcopy(resource)
    for n, (op, one) in enumerate(zip(patch, compiled, strict=True), start=1):
        label = f"JSON Patch operation {n} ({op['op']} {op['path']!r})"
        try:
            document = one.apply(document, in_place=True)
        except jsonpatch.JsonPatchTestFailed as exc:
            raise _cannot(f"{label} failed: {_short(exc)}") from None
        except jsonpatch.InvalidJsonPatch as exc:
            raise _bad(f"{label} is invalid: {_short(exc)}") from None
        except (
            jsonpatch.JsonPatchException,
            jsonpointer.JsonPointerException,
            KeyError,
            IndexError,
            TypeError,
            ValueError,
        ) as exc:
            raise _cannot(f"{label} cannot apply: {_short(exc)}") from None
    if not isinstance(document, dict):
        raise _cannot("The JSON Patch does not leave a JSON object (a FHIR resource).")
    return document


# --------------------------------------------------------------------------------------------------
# R4 model knowledge: cardinality, complex types and choice elements
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
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
def _schema(model: type) -> dict[str, _Field]:
    fields: dict[str, _Field] = {}
    for name, info in getattr(model, "model_fields", {}).items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if not extra.get("element_property"):
            continue
        is_list, inner = _unwrap(info.annotation)
        klass = getattr(inner, "_model_klass", None)
        type_name = klass.rsplit(".", 1)[-1] if isinstance(klass, str) else None
        fields[info.alias or name] = _Field(is_list, type_name, extra.get("one_of_many"))
    return fields


@cache
def _choices(model: type) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for alias, spec in _schema(model).items():
        if spec.choice:
            out.setdefault(spec.choice, []).append(alias)
    return {base: tuple(aliases) for base, aliases in out.items()}


def _child_model(spec: _Field | None) -> type | None:
    return model_class(spec.type_name) if spec is not None and spec.type_name else None


def _model_of(node: dict, fallback: type | None) -> type | None:
    rtype = node.get("resourceType")
    if isinstance(rtype, str):
        return model_class(rtype) or fallback
    return fallback


# --------------------------------------------------------------------------------------------------
# FHIRPath subset: parser
# --------------------------------------------------------------------------------------------------

_SUPPORTED = "element names, [n], first(), last(), where(child = 'literal' and ...)"
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*')
      | (?P<number>[0-9]+(?:\.[0-9]+)?)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*|\$this|`[^`]+`)
      | (?P<op>!=|=|\.|\[|\]|\(|\))
    )""",
    re.X,
)
_ESCAPES = {"'": "'", '"': '"', "`": "`", "\\": "\\", "/": "/", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

Step = tuple  # ("type", name) | ("member", name) | ("index", n) | ("first",) | ("last",) | ("where", terms)


def _unescape(body: str) -> str:
    def sub(match: re.Match) -> str:
        char = match.group(1)
        if char.startswith("u"):
            return chr(int(char[1:], 16))
        return _ESCAPES.get(char, char)

    return re.sub(r"\\(u[0-9A-Fa-f]{4}|.)", sub, body)


class _PathParser:
    def __init__(self, path: str) -> None:
        self.path = path
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(path):
            if path[pos:].strip() == "":
                break
            match = _TOKEN.match(path, pos)
            if match is None:
                at = pos + len(path[pos:]) - len(path[pos:].lstrip())
                raise self.unsupported(f"'{path[at:]}' (at offset {at})")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind), match.start(kind)))
            pos = match.end()
        self.tokens.append(("end", "", len(path)))
        self.i = 0

    def unsupported(self, what: str) -> SandboxError:
        return _bad(
            f"FHIRPath Patch path {self.path!r}: {what} is not supported (supported: {_SUPPORTED}).",
            [self.path],
            issue="not-supported",
        )

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.i]
        if token[0] != "end":
            self.i += 1
        return token

    def is_op(self, text: str) -> bool:
        kind, value, _ = self.peek()
        return kind == "op" and value == text

    def fail_here(self) -> SandboxError:
        kind, _, pos = self.peek()
        if kind == "end":
            return self.unsupported("an incomplete expression")
        return self.unsupported(f"'{self.path[pos:]}' (at offset {pos})")

    def expect_op(self, text: str) -> None:
        if not self.is_op(text):
            raise self.fail_here()
        self.take()

    def ident(self) -> str:
        kind, value, _ = self.peek()
        if kind != "ident":
            raise self.fail_here()
        self.take()
        return value[1:-1] if value.startswith("`") else value

    def parse(self) -> list[Step]:
        steps: list[Step] = []
        self.step(steps, first=True)
        while self.peek()[0] != "end":
            if self.is_op("."):
                self.take()
                self.step(steps)
            elif self.is_op("["):
                self.take()
                kind, value, _ = self.peek()
                if kind != "number" or "." in value:
                    raise self.fail_here()
                self.take()
                self.expect_op("]")
                steps.append(("index", int(value)))
            else:
                raise self.fail_here()
        return steps

    def step(self, steps: list[Step], first: bool = False) -> None:
        pos = self.peek()[2]
        name = self.ident()
        if self.is_op("("):
            self.take()
            if name == "where":
                terms = [self.comparison()]
                while self.peek()[:2] == ("ident", "and"):
                    self.take()
                    terms.append(self.comparison())
                self.expect_op(")")
                steps.append(("where", terms))
            elif name in ("first", "last"):
                self.expect_op(")")
                steps.append((name,))
            else:
                raise self.unsupported(f"function {name}() (at offset {pos})")
        elif name == "$this":
            raise self.unsupported(f"$this outside where() (at offset {pos})")
        elif first and name[:1].isupper():
            steps.append(("type", name))
        else:
            steps.append(("member", name))

    def comparison(self) -> tuple[list[str], str, object]:
        lhs = [self.ident()]
        while self.is_op("."):
            self.take()
            lhs.append(self.ident())
        if self.is_op("("):
            raise self.unsupported(f"function {lhs[-1]}() inside where()")
        if lhs[0] == "$this":
            lhs = lhs[1:]
        if "$this" in lhs:
            raise self.unsupported("$this after an element name")
        kind, value, _ = self.peek()
        if kind != "op" or value not in ("=", "!="):
            raise self.fail_here()
        self.take()
        return lhs, value, self.literal()

    def literal(self) -> object:
        kind, value, _ = self.peek()
        if kind == "string":
            self.take()
            return _unescape(value[1:-1])
        if kind == "number":
            self.take()
            return float(value) if "." in value else int(value)
        if kind == "ident" and value in ("true", "false"):
            self.take()
            return value == "true"
        raise self.fail_here()


@lru_cache(maxsize=512)
def _parse_path(path: str) -> tuple[Step, ...]:
    return tuple(_PathParser(path).parse())


# --------------------------------------------------------------------------------------------------
# FHIRPath subset: navigation to locations
# --------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Loc:
    container: dict | list
    key: str | int
    model: type | None  # model of the value at this location (for a list, of one item)
    choice: str | None = None  # base name when ``key`` is a concrete choice element

    @property
    def value(self) -> object:
        return self.container[self.key]


def _children(loc: _Loc, name: str) -> list[_Loc]:
    node = loc.value
    if not isinstance(node, dict) or name == "resourceType":
        return []
    model = _model_of(node, loc.model)
    key: str | None = name
    if name not in node:
        concrete = _choices(model).get(name, ()) if model is not None else ()
        key = next((k for k in concrete if k in node), None)
        if key is None:
            return []
    spec = _schema(model).get(key) if model is not None else None
    child_model = _child_model(spec)
    value = node[key]
    if value is None:
        return []
    if isinstance(value, list):
        return [_Loc(value, i, child_model) for i, item in enumerate(value) if item is not None]
    return [_Loc(node, key, child_model, spec.choice if spec else None)]


def _values(node: object, names: list[str]) -> list[object]:
    current = [node]
    for name in names:
        found: list[object] = []
        for item in current:
            value = item.get(name) if isinstance(item, dict) else None
            if isinstance(value, list):
                found.extend(v for v in value if v is not None)
            elif value is not None:
                found.append(value)
        current = found
    return current


def _equal(value: object, literal: object) -> bool:
    if isinstance(literal, bool):
        return isinstance(value, bool) and value == literal
    if isinstance(literal, int | float):
        return isinstance(value, int | float) and not isinstance(value, bool) and value == literal
    return isinstance(value, str) and value == literal


def _matches(node: object, terms: list) -> bool:
    for lhs, op, literal in terms:
        values = _values(node, lhs)
        if len(values) != 1 or (op == "=") != _equal(values[0], literal):
            return False
    return True


def _select(root: _Loc, steps: tuple[Step, ...]) -> list[_Loc]:
    current = [root]
    for step in steps:
        kind = step[0]
        if kind == "type":
            resource = root.value
            rtype = resource.get("resourceType") if isinstance(resource, dict) else None
            if step[1] not in (rtype, "Resource", "DomainResource"):
                return []
        elif kind == "member":
            current = [child for loc in current for child in _children(loc, step[1])]
        elif kind == "index":
            current = current[step[1] : step[1] + 1]
        elif kind == "first":
            current = current[:1]
        elif kind == "last":
            current = current[-1:]
        else:  # where
            current = [loc for loc in current if _matches(loc.value, step[1])]
    return current


# --------------------------------------------------------------------------------------------------
# FHIRPath Patch: reading the Parameters
# --------------------------------------------------------------------------------------------------

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
        raise _bad(f"{where} ({part.get('name')}) must carry exactly one value[x].", [where])
    value = part[keys[0]]
    if not isinstance(value, kind) or isinstance(value, bool):
        wanted = "an integer" if kind is int else "a string"
        raise _bad(f"{where} ({part.get('name')}) must be {wanted}, got {_short(value)!r}.", [where])
    return value


def _read_parameters(parameters: object) -> list[_Operation]:
    if not isinstance(parameters, dict) or parameters.get("resourceType") != "Parameters":
        raise _bad("A FHIRPath Patch body must be a Parameters resource.")
    params = parameters.get("parameter")
    if not isinstance(params, list) or not params:
        raise _bad("The FHIRPath Patch Parameters has no operation.", ["Parameters.parameter"])
    operations = []
    for i, param in enumerate(params):
        where = f"Parameters.parameter[{i}]"
        if not isinstance(param, dict) or param.get("name") != "operation":
            raise _bad(f"{where}: every FHIRPath Patch parameter must be named 'operation'.", [where])
        parts = param.get("part")
        if not isinstance(parts, list) or not parts:
            raise _bad(f"{where}: the operation has no parts.", [where])
        found: dict[str, tuple[dict, str]] = {}
        for j, part in enumerate(parts):
            part_where = f"{where}.part[{j}]"
            name = part.get("name") if isinstance(part, dict) else None
            if not isinstance(name, str) or name not in _PART_NAMES:
                raise _bad(
                    f"{part_where}: unknown operation part {_short(name)!r} "
                    f"(expected one of {', '.join(_PART_NAMES)}).",
                    [part_where],
                )
            if name in found:
                raise _bad(f"{part_where}: the operation has two '{name}' parts.", [part_where])
            found[name] = (part, part_where)
        if "type" not in found:
            raise _bad(f"{where}: the operation has no 'type' part.", [where])
        kind = _primitive(*found["type"], str)
        if kind not in _OPERATION_PARTS:
            raise _bad(
                f"{where}: unknown operation type {_short(kind)!r} (expected one of {', '.join(_OPERATION_PARTS)}).",
                [found["type"][1]],
            )
        for required in _OPERATION_PARTS[kind]:
            if required not in found:
                raise _bad(f"{where}: a '{kind}' operation needs a '{required}' part.", [where])
        path = _primitive(*found["path"], str)
        if not path.strip():
            raise _bad(f"{where}: the operation path is empty.", [found["path"][1]])
        op = _Operation(i + 1, kind, path, _parse_path(path), where)
        if kind == "add":
            op.name = _primitive(*found["name"], str)
            if not _NAME.fullmatch(op.name):
                raise _bad(f"{where}: {op.name!r} is not an element name.", [found["name"][1]])
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
        raise _bad(f"{where} must carry either one value[x] or nested parts.", [where])
    if keys:
        return copy.deepcopy(part[keys[0]])
    if not isinstance(nested, list) or not nested:
        raise _bad(f"{where} has no value[x] and no nested parts.", [where])
    collected: dict[str, tuple[_Field | None, list[object]]] = {}
    for k, sub in enumerate(nested):
        sub_where = f"{where}.part[{k}]"
        name = sub.get("name") if isinstance(sub, dict) else None
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise _bad(f"{sub_where} must have an element name.", [sub_where])
        key, spec = _resolve_element(model, name, sub, sub_where)
        value = _build(sub, _child_model(spec), sub_where)
        collected.setdefault(key, (spec, []))[1].append(value)
    result: dict[str, object] = {}
    for key, (spec, values) in collected.items():
        if spec is not None and not spec.is_list and len(values) > 1:
            raise _bad(f"{where}: '{key}' is given {len(values)} times but does not repeat.", [where])
        many = spec.is_list if spec is not None else len(values) > 1
        result[key] = values if many else values[0]
    return result


def _resolve_element(model: type | None, name: str, part: dict, where: str) -> tuple[str, _Field | None]:
    """The JSON key and model field for element ``name``; a choice base takes its type from value[x]."""
    if model is None:
        return name, None
    schema = _schema(model)
    if name in schema:
        return name, schema[name]
    if name in _choices(model):
        keys = _value_keys(part)
        if len(keys) != 1:
            raise _bad(f"{where}: '{name}' is a choice element; give its value as value[x].", [where])
        key = name + keys[0][5:]
        if key not in schema:
            raise _cannot(f"{where}: {keys[0]} is not an allowed type for {model.__name__}.{name}[x].", [where])
        return key, schema[key]
    return name, None  # unknown to the model: applied as given, validation will report it


# --------------------------------------------------------------------------------------------------
# FHIRPath Patch: operations
# --------------------------------------------------------------------------------------------------


def _one(locs: list[_Loc], op: _Operation) -> _Loc:
    if not locs:
        raise _cannot(f"{op.label}: the path matches no element.", [op.path])
    if len(locs) > 1:
        raise _cannot(f"{op.label}: the path matches {len(locs)} elements; exactly one is required.", [op.path])
    return locs[0]


def _op_add(op: _Operation, root: _Loc) -> None:
    target = _one(_select(root, op.steps), op)
    node = target.value
    if not isinstance(node, dict):
        raise _cannot(f"{op.label}: the path is a primitive value; '{op.name}' cannot be added to it.", [op.path])
    model = _model_of(node, target.model)
    key, spec = _resolve_element(model, op.name, op.value, op.value_where)
    value = _build(op.value, _child_model(spec), op.value_where)
    existing = node.get(key)
    if isinstance(existing, list):
        existing.append(value)
        return
    if existing is not None:
        raise _cannot(f"{op.label}: '{key}' already has a value (use replace).", [f"{op.path}.{key}"])
    if spec is not None and spec.choice:
        taken = next((k for k in _choices(model)[spec.choice] if node.get(k) is not None), None)
        if taken:
            raise _cannot(f"{op.label}: '{taken}' already has a value (use replace).", [f"{op.path}.{taken}"])
    node[key] = [value] if spec is not None and spec.is_list else value


def _list_at(op: _Operation, root: _Loc) -> tuple[dict, str, _Field | None, list | None]:
    """The element named by the last step of the path: its owner, key, model field and current list."""
    if not op.steps or op.steps[-1][0] != "member":
        raise _bad(f"{op.label}: the path must end with the name of a repeating element.", [op.path])
    parent = _one(_select(root, op.steps[:-1]), op)
    node = parent.value
    name = op.steps[-1][1]
    if not isinstance(node, dict):
        raise _cannot(f"{op.label}: the path matches no element.", [op.path])
    model = _model_of(node, parent.model)
    spec = _schema(model).get(name) if model is not None else None
    existing = node.get(name)
    if existing is None:
        if spec is not None and not spec.is_list:
            raise _cannot(f"{op.label}: '{name}' is not a repeating element.", [op.path])
        return node, name, spec, None
    if not isinstance(existing, list):
        raise _cannot(f"{op.label}: '{name}' is not a list.", [op.path])
    return node, name, spec, existing


def _op_insert(op: _Operation, root: _Loc) -> None:
    node, name, spec, items = _list_at(op, root)
    size = len(items) if items is not None else 0
    if not 0 <= op.index <= size:
        raise _cannot(f"{op.label}: index {op.index} is out of range (0..{size}).", [op.path])
    value = _build(op.value, _child_model(spec), op.value_where)
    if items is None:
        node[name] = [value]
    else:
        items.insert(op.index, value)


def _op_move(op: _Operation, root: _Loc) -> None:
    _, _, _, items = _list_at(op, root)
    if not items:
        raise _cannot(f"{op.label}: the path matches no element.", [op.path])
    last = len(items) - 1
    for label, index in (("source", op.source), ("destination", op.destination)):
        if not 0 <= index <= last:
            raise _cannot(f"{op.label}: {label} {index} is out of range (0..{last}).", [op.path])
    items.insert(op.destination, items.pop(op.source))


def _op_delete(op: _Operation, root: _Loc) -> None:
    locs = _select(root, op.steps)
    if any(loc is root for loc in locs):
        raise _cannot(f"{op.label}: the resource itself cannot be deleted.", [op.path])
    in_lists: dict[int, tuple[list, set[int]]] = {}
    for loc in locs:
        if isinstance(loc.container, list):
            in_lists.setdefault(id(loc.container), (loc.container, set()))[1].add(loc.key)
        else:
            loc.container.pop(loc.key, None)
    for items, indexes in in_lists.values():
        for index in sorted(indexes, reverse=True):
            del items[index]


def _op_replace(op: _Operation, root: _Loc) -> None:
    target = _one(_select(root, op.steps), op)
    if target is root:
        raise _cannot(f"{op.label}: the resource itself cannot be replaced.", [op.path])
    value = _build(op.value, target.model, op.value_where)
    keys = _value_keys(op.value)
    container = target.container
    if target.choice and keys and isinstance(container, dict):
        owner_model = _owner_model(root, op)
        concrete = target.choice + keys[0][5:]
        if concrete != target.key and owner_model is not None and concrete in _schema(owner_model):
            del container[target.key]  # e.g. deceasedBoolean replaced by a valueDateTime
            container[concrete] = value
            return
    container[target.key] = value


def _owner_model(root: _Loc, op: _Operation) -> type | None:
    if not op.steps or op.steps[-1][0] != "member":
        return None
    owners = _select(root, op.steps[:-1])
    if len(owners) != 1 or not isinstance(owners[0].value, dict):
        return None
    return _model_of(owners[0].value, owners[0].model)


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
        _APPLY[op.type](op, _Loc(holder, "resource", root_model))
        _prune(result)
    return result
