"""The FHIRPath subset of FHIRPath Patch paths: parsed, then resolved to locations in a resource (patch.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from core.errors import SandboxError
from core.fhir.patch_elements import choices_of, element_model, elements_of, model_of
from core.fhir.patch_errors import bad

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
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

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
        return bad(
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
def parse_path(path: str) -> tuple[Step, ...]:
    return tuple(_PathParser(path).parse())






@dataclass(eq=False)
class Location:
    container: dict | list
    key: str | int
    model: type | None  # model of the value at this location (for a list, of one item)
    choice: str | None = None  # base name when ``key`` is a concrete choice element

    @property
    def value(self) -> object:
        return self.container[self.key]


def _children(loc: Location, name: str) -> list[Location]:
    node = loc.value
    if not isinstance(node, dict) or name == "resourceType":
        return []
    model = model_of(node, loc.model)
    key: str | None = name
    if name not in node:
        concrete = choices_of(model).get(name, ()) if model is not None else ()
        key = next((k for k in concrete if k in node), None)
        if key is None:
            return []
    spec = elements_of(model).get(key) if model is not None else None
    child_model = element_model(spec)
    value = node[key]
    if value is None:
        return []
    if isinstance(value, list):
        return [Location(value, i, child_model) for i, item in enumerate(value) if item is not None]
    return [Location(node, key, child_model, spec.choice if spec else None)]


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


def select(root: Location, steps: tuple[Step, ...]) -> list[Location]:
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


