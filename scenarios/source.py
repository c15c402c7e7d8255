"""Reading a scenario file: YAML with the line and column of every key and value, bounded against hostile input.

PyYAML (already a dependency, libyaml-backed) parses to events that carry their marks; the values are built
here from those events, so that:
- every value and every mapping key has a position (``Document.at``/``key_at``), which pydantic's error paths
  are mapped back to;
- aliases are refused (no billion laughs: nothing is ever expanded), as are explicit tags and duplicate keys;
- the file size, the nesting depth and the number of values are bounded before anything is built;
- plain scalars resolve as JSON would read them (YAML 1.2 JSON schema): ``true``/``false``, ``null``/``~``,
  integers without leading zeros, decimals; everything else stays a string, so ``cr: 01`` is the string "01"
  and ``birthDate: 1975-12-31`` stays a date string (no YAML 1.1 octal, sexagesimal, ``yes``/``no`` or dates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scenarios.errors import Issue, Location, ScenarioError, display

MAX_BYTES = 1 << 20  # a journey is a few KiB; a fragment or body file the same
MAX_DEPTH = 64
MAX_NODES = 100_000

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_STR_TAG = "tag:yaml.org,2002:str"
_TAGS = (None, "!", _STR_TAG, "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")

Path_ = tuple[str | int, ...]


@dataclass
class Document:
    """A file's data and where each part of it stands."""

    path: str
    data: Any
    values: dict[Path_, Location] = field(default_factory=dict)
    keys: dict[Path_, Location] = field(default_factory=dict)
    file: Path | None = None  # the absolute path it was read from (``path`` is the display form)

    def at(self, where: Path_) -> Location:
        """The position of the value at ``where``, or of its nearest located ancestor."""
        for cut in range(len(where), -1, -1):
            if (loc := self.values.get(tuple(where[:cut]))) is not None:
                return loc
        return Location(self.path, 1, 1)

    def key_at(self, where: Path_) -> Location:
        """The position of the mapping key at ``where`` (the value's when it has no key)."""
        return self.keys.get(tuple(where)) or self.at(where)


def scalar(event: yaml.ScalarEvent) -> Any:
    """A scalar's value: quoted, block and ``!!str`` scalars are strings; plain ones resolve as JSON reads them."""
    text = event.value
    if event.style or event.tag == _STR_TAG:
        return text
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    return text


class _Builder:
    def __init__(self, doc: Document, max_depth: int, max_nodes: int) -> None:
        self.doc, self.max_depth, self.max_nodes, self.nodes = doc, max_depth, max_nodes, 0

    def loc(self, event: yaml.Event) -> Location:
        return Location(self.doc.path, event.start_mark.line + 1, event.start_mark.column + 1)

    def fail(self, event: yaml.Event, code: str, message: str) -> ScenarioError:
        return ScenarioError([Issue(self.loc(event), code, message)])

    def value(self, event: yaml.Event, events: Any, where: Path_) -> Any:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise self.fail(event, "SCN-0003", f"more than {self.max_nodes} values in one file")
        if len(where) > self.max_depth:
            raise self.fail(event, "SCN-0003", f"nested deeper than {self.max_depth} levels")
        if isinstance(event, yaml.AliasEvent):
            raise self.fail(event, "SCN-0004", f"YAML aliases (*{event.anchor}) are not allowed: write the value out")
        if (tag := getattr(event, "tag", None)) not in _TAGS:
            raise self.fail(event, "SCN-0004", f"YAML tags ({tag}) are not allowed")
        self.doc.values[where] = self.loc(event)
        if isinstance(event, yaml.ScalarEvent):
            return scalar(event)
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Any] = []
            for child in events:
                if isinstance(child, yaml.SequenceEndEvent):
                    return items
                items.append(self.value(child, events, (*where, len(items))))
        if isinstance(event, yaml.MappingStartEvent):
            mapping: dict[str, Any] = {}
            for key in events:
                if isinstance(key, yaml.MappingEndEvent):
                    return mapping
                if not isinstance(key, yaml.ScalarEvent) or key.tag not in _TAGS:
                    raise self.fail(key, "SCN-0004", "mapping keys must be plain text")
                if key.value in mapping:
                    raise self.fail(key, "SCN-0005", f"duplicate key '{key.value}'")
                if key.value == "<<":
                    raise self.fail(key, "SCN-0004", "YAML merge keys (<<) are not allowed")
                self.doc.keys[(*where, key.value)] = self.loc(key)
                mapping[key.value] = self.value(next(events), events, (*where, key.value))
        raise self.fail(event, "SCN-0002", "unexpected YAML structure")  # pragma: no cover - parser guarantees


def parse(text: str, path: str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> Document:
    """The one YAML document of ``text``; a ``ScenarioError`` for a syntax error or a refused construct."""
    doc = Document(path, None)
    builder = _Builder(doc, max_depth, max_nodes)
    try:
        events = iter(yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        documents = 0
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise builder.fail(event, "SCN-0002", "one YAML document per file (found a second '---')")
                doc.data = builder.value(next(events), events, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path, 1, 1)
        raise ScenarioError([Issue(where, "SCN-0002", f"invalid YAML: {exc.problem or exc.context}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Issue(Location(path, 1, 1), "SCN-0002", f"invalid YAML: {exc}")]) from None
    return doc


def read(file: Path, *, max_bytes: int = MAX_BYTES) -> Document:
    """Parse ``file``, refusing it unread past ``max_bytes`` and when it is not UTF-8."""
    path = display(file)
    try:
        with file.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ScenarioError([Issue(Location(path), "SCN-0001", f"cannot read the file ({exc.strerror})")]) from None
    if len(raw) > max_bytes:
        raise ScenarioError([Issue(Location(path), "SCN-0003", f"the file is larger than {max_bytes} bytes")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Issue(Location(path), "SCN-0002", f"not UTF-8 (byte {exc.start})")]) from None
    doc = parse(text, path)
    doc.file = file.resolve()
    return doc
