"""The product's own small copies of the DMP metadata code lists (digest §4.3, §4.4, §4.6), one JSON file each.

Each file names its value set (``name``, a sandbox ``url``, the JDV it copies in ``basedOn``, its
``source``) and its code systems: ``system`` (+ ``aliases``: the ``urn:oid:`` form, other URLs), whether
the list is ``complete`` as the digest gives it, and ``concepts`` (code, display, ``retired`` +
``replacedBy``, the ``source`` of a code taken from a PDSm example). Where the digest names a system
without its codes the system is ``open`` (any code accepted); where it gives a range, a ``pattern``
accepts the codes it does not list. Partial lists are extended without a code change by
:func:`parse_extra_codes` (``MS_ESPACE_SANTE_EXTRA_CODES``: inline JSON or ``@/path/to/file.json``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path

NAMES = ("document-type", "document-class", "confidentiality", "format", "facility-type", "practice-setting",
         "content-type", "mime-type", "event")


@dataclass(frozen=True)
class Concept:
    code: str
    display: str | None = None
    retired: bool = False
    replaced_by: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class CodeSystemPart:
    """The codes one value set takes from one code system."""

    system: str
    name: str
    aliases: tuple[str, ...] = ()
    concepts: dict[str, Concept] = field(default_factory=dict)
    complete: bool = False
    open: bool = False  # any code of the system is accepted (the digest names the system, not its codes)
    pattern: re.Pattern | None = None  # codes not listed but matching are accepted (a range the digest gives)
    role: str | None = None  # confidentiality / visibility (securityLabel slices)
    source: str = ""

    def lookup(self, code: str) -> Concept | None:
        found = self.concepts.get(code)
        if found is None and (self.open or (self.pattern is not None and self.pattern.fullmatch(code))):
            return Concept(code)
        return found


@dataclass(frozen=True)
class ValueSet:
    name: str
    url: str
    title: str
    element: str
    source: str
    based_on: tuple[str, ...]
    parts: tuple[CodeSystemPart, ...]

    def part(self, system: str | None) -> CodeSystemPart | None:
        """The part of ``system`` (its canonical URL or one of its aliases), else None."""
        for part in self.parts:
            if system == part.system or system in part.aliases:
                return part
        return None

    def lookup(self, system: str | None, code: str | None) -> Concept | None:
        part = self.part(system)
        return part.lookup(code) if part is not None and isinstance(code, str) else None

    def contains(self, system: str | None, code: str | None) -> bool:
        """Whether the value set takes ``code`` of ``system`` (retired codes are held, see :meth:`lookup`)."""
        return self.lookup(system, code) is not None

    def display(self, system: str | None, code: str | None) -> str | None:
        found = self.lookup(system, code)
        return found.display if found is not None else None

    def systems(self) -> list[str]:
        return [part.system for part in self.parts]

    def with_codes(self, codings: list[dict]) -> ValueSet:
        """A copy taking these ``{system, code, display?}`` too (a new system is added as a part of its own)."""
        parts = list(self.parts)
        for coding in codings:
            system, code = coding["system"], coding["code"]
            concept = Concept(code, coding.get("display"), source="MS_ESPACE_SANTE_EXTRA_CODES")
            index = next((i for i, p in enumerate(parts) if system == p.system or system in p.aliases), None)
            if index is None:
                parts.append(CodeSystemPart(system, system, concepts={code: concept},
                                            source="MS_ESPACE_SANTE_EXTRA_CODES"))
            else:
                parts[index] = replace(parts[index], concepts={**parts[index].concepts, code: concept})
        return replace(self, parts=tuple(parts))


def _part(raw: dict) -> CodeSystemPart:
    concepts = {c["code"]: Concept(c["code"], c.get("display"), bool(c.get("retired")), c.get("replacedBy"),
                                   c.get("source")) for c in raw.get("concepts", [])}
    return CodeSystemPart(raw["system"], raw.get("name", raw["system"]), tuple(raw.get("aliases", ())), concepts,
                          bool(raw.get("complete")), bool(raw.get("open")),
                          re.compile(raw["pattern"]) if raw.get("pattern") else None, raw.get("role"),
                          raw.get("source", ""))


@cache
def valueset(name: str) -> ValueSet:
    """The bundled value set ``name`` (one of :data:`NAMES`); the files never change at run time."""
    if name not in NAMES:
        raise KeyError(f"no value set {name!r}; known: {', '.join(NAMES)}")
    raw = json.loads(resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8"))
    return ValueSet(raw["name"], raw["url"], raw["title"], raw["element"], raw["source"], tuple(raw["basedOn"]),
                    tuple(_part(p) for p in raw["systems"]))


class ValueSets:
    """The value sets one app checks against: the bundled ones, plus the extra codes of its settings."""

    def __init__(self, extra: dict[str, list[dict]] | None = None) -> None:
        self._sets = {name: valueset(name) for name in NAMES}
        for name, codings in (extra or {}).items():
            self._sets[name] = self._sets[name].with_codes(codings)

    def __getitem__(self, name: str) -> ValueSet:
        return self._sets[name]


@cache
def bundled() -> ValueSets:
    return ValueSets()


def parse_extra_codes(value: str | None) -> dict[str, list[dict]]:
    """``MS_ESPACE_SANTE_EXTRA_CODES``: ``{"<value set>": [{"system", "code", "display"?}, ...]}``, given
    inline or as ``@<path>`` of a JSON file; raises ``ValueError`` naming what is wrong."""
    if not value or not value.strip():
        return {}
    text = value.strip()
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"MS_ESPACE_SANTE_EXTRA_CODES: cannot read {text[1:]!r}: {exc.strerror}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"MS_ESPACE_SANTE_EXTRA_CODES is not JSON ({exc.msg}, line {exc.lineno}).") from None
    if not isinstance(raw, dict):
        raise ValueError("MS_ESPACE_SANTE_EXTRA_CODES must be a JSON object: {\"<value set>\": [codings]}.")
    for name, codings in raw.items():
        if name not in NAMES:
            raise ValueError(f"MS_ESPACE_SANTE_EXTRA_CODES: no value set {name!r}; known: {', '.join(NAMES)}.")
        if not isinstance(codings, list) or not all(
                isinstance(c, dict) and isinstance(c.get("system"), str) and c["system"]
                and isinstance(c.get("code"), str) and c["code"] and isinstance(c.get("display", ""), str)
                and set(c) <= {"system", "code", "display"} for c in codings):
            raise ValueError(f"MS_ESPACE_SANTE_EXTRA_CODES[{name!r}] must be a list of "
                             "{\"system\": ..., \"code\": ..., \"display\"?: ...} objects.")
    return raw
