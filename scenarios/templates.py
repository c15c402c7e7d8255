"""``${...}`` variables in scenario strings: parsed and checked at load time, rendered at run time (docs/scenarios.md).

A tiny, closed substitution rather than a template language: an expression is a dotted name, optionally
ending in one call with one integer (``${random.digits(6)}``); nothing is evaluated, every size is bounded.

- ``${capture.NAME}`` (``.key`` / ``.0`` go into a captured object or list): a value an earlier step captured;
- ``${persona.SLUG.FIELD}``: a field of a named persona (``${persona.kit-doc.rpps}``,
  ``${persona.adrun-zoe.ins.value}``);
- ``${param.NAME}``: a parameter of the fragment being included (replaced when the include is expanded);
- ``${run.tenant}``, ``${run.target}``, ``${run.id}``: the run's own values;
- ``${actor.NAME.access_token}`` (``refresh_token``, ``id_token``, ``client``, ``persona``): an actor's login;
- generated: ``${uuid}``, ``${now}`` (UTC, ISO 8601), ``${now.plus(N)}`` (N seconds later, N <= 999), ``${today}``,
  ``${random.digits(N)}``, ``${random.letters(N)}``.
``$${`` writes a literal ``${``. A string that is exactly one ``${...}`` renders to the value itself (a captured
number stays a number in a JSON body); otherwise values are written into the text.
"""

from __future__ import annotations

import dataclasses
import random as _random
import re
import string
import uuid as _uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.population.model import Population
from scenarios.expect.check import as_text

MAX_TEMPLATE = 64 * 1024  # characters of one templated string
MAX_REFS = 100  # ${...} in one string
MAX_EXPR = 200  # characters inside one ${...}
MAX_PARTS = 16  # dotted parts of one expression
MAX_RENDERED = 1 << 20  # characters of one rendered string
MAX_RANDOM = 64  # N of random.digits(N) / random.letters(N)
MAX_SECONDS_AHEAD = 999  # N of now.plus(N): a moment during the run (a consent's period that ends while it runs)
MAX_DEPTH = 64  # nesting of a rendered body

NAMESPACES = ("capture", "persona", "param", "run", "actor")
GENERATED = ("uuid", "now", "today")
RANDOM = ("digits", "letters")
RUN_KEYS = ("tenant", "target", "id")
ACTOR_KEYS = ("access_token", "refresh_token", "id_token", "client", "persona")
_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
_CALL = re.compile(r"(?P<name>[a-z]+)\((?P<arg>[0-9]{1,3})\)")


class TemplateError(ValueError):
    """A template that cannot be parsed, checked or rendered; ``offset`` is where in the string it went wrong."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class Ref:
    """One ``${...}``: its namespace, the dotted parts after it, the integer of a final call, its text and offset."""

    namespace: str
    parts: tuple[str, ...]
    arg: int | None
    text: str
    offset: int


def parse(text: str) -> list[str | Ref]:
    """The literal pieces and references of ``text``, in order."""
    if len(text) > MAX_TEMPLATE:
        raise TemplateError(f"a templated string is limited to {MAX_TEMPLATE} characters")
    pieces: list[str | Ref] = []
    literal: list[str] = []
    i = 0
    while (start := text.find("${", i)) >= 0:
        if start > 0 and text[start - 1] == "$":
            literal.append(text[i:start - 1] + "${")
            i = start + 2
            continue
        literal.append(text[i:start])
        end = text.find("}", start)
        if end < 0:
            raise TemplateError("'${' without its closing '}'", start)
        if end - start - 2 > MAX_EXPR:
            raise TemplateError(f"a ${{...}} expression is limited to {MAX_EXPR} characters", start)
        if "${" in text[start + 2:end]:
            raise TemplateError("${...} cannot be nested", start)
        if head := "".join(literal):
            pieces.append(head)
        literal = []
        pieces.append(_ref(text[start + 2:end], start))
        if sum(isinstance(p, Ref) for p in pieces) > MAX_REFS:
            raise TemplateError(f"more than {MAX_REFS} ${{...}} in one string", start)
        i = end + 1
    literal.append(text[i:])
    if tail := "".join(literal):
        pieces.append(tail)
    return pieces


def _ref(expr: str, offset: int) -> Ref:
    parts = expr.strip().split(".")
    if len(parts) > MAX_PARTS:
        raise TemplateError(f"more than {MAX_PARTS} dotted parts in ${{{expr}}}", offset)
    arg = None
    if parts and (call := _CALL.fullmatch(parts[-1])):
        parts[-1], arg = call["name"], int(call["arg"])
    if not all(_PART.fullmatch(p) for p in parts):
        raise TemplateError(f"${{{expr}}} is not a dotted name (letters, digits, '_', '-', one final call(N))", offset)
    return Ref(parts[0], tuple(parts[1:]), arg, expr, offset)


def check(ref: Ref, *, captures: Mapping[str, Any] | set[str], population: Population,
          params: set[str] | None = None, actors: Iterable[str] = ()) -> str | None:
    """Why ``ref`` cannot be rendered at this point of a scenario (``None`` when it can)."""
    head, parts = ref.namespace, ref.parts
    if head == "random" and len(parts) == 1 and parts[0] in RANDOM:
        if ref.arg is None or not 1 <= ref.arg <= MAX_RANDOM:
            return f"${{{ref.text}}}: random.{parts[0]}(N) needs N between 1 and {MAX_RANDOM}"
        return None
    if head == "now" and parts == ("plus",):
        if ref.arg is None or not 0 <= ref.arg <= MAX_SECONDS_AHEAD:
            return f"${{{ref.text}}}: now.plus(N) needs N seconds between 0 and {MAX_SECONDS_AHEAD}"
        return None
    if ref.arg is not None:
        return (f"${{{ref.text}}}: only random.digits(N), random.letters(N) and now.plus(N) take an "
                "argument")
    if head in GENERATED:
        return None if not parts else f"${{{ref.text}}}: ${{{head}}} has no fields"
    if head not in NAMESPACES:
        return f"${{{ref.text}}}: unknown variable '{head}' (known: {', '.join((*NAMESPACES, *GENERATED))}, random)"
    if not parts:
        return f"${{{ref.text}}}: '{head}' needs a name after it ('{head}.NAME')"
    if head == "capture":
        if parts[0] not in captures:
            return f"${{{ref.text}}}: no earlier step captures '{parts[0]}'"
    elif head == "run":
        if len(parts) != 1 or parts[0] not in RUN_KEYS:
            return f"${{{ref.text}}}: run has {', '.join(RUN_KEYS)}"
    elif head == "actor":
        if parts[0] not in actors:
            return f"${{{ref.text}}}: no actor '{parts[0]}' in this scenario"
        if len(parts) != 2 or parts[1] not in ACTOR_KEYS:
            return f"${{{ref.text}}}: an actor has {', '.join(ACTOR_KEYS)}"
    elif head == "param":
        if params is None or parts[0] not in params:
            known = ", ".join(sorted(params or ())) or "none"
            return f"${{{ref.text}}}: no parameter '{parts[0]}' here (parameters: {known})"
    else:
        try:
            persona_value(population, parts)
        except TemplateError as exc:
            return f"${{{ref.text}}}: {exc}"
    return None


def persona_value(population: Population, parts: tuple[str, ...]) -> Any:
    """A persona's field: ``(slug, field, ...)`` walks dataclass fields, properties and tuple indexes only."""
    slug, *path = parts
    person = next((p for group in (population.patients, population.professionals, population.organizations)
                   for p in group if p.id == slug), None)
    if person is None:
        raise TemplateError(f"no persona '{slug}'")
    if not path:
        raise TemplateError(f"name a field of persona '{slug}' (e.g. persona.{slug}.id)")
    value: Any = person
    for name in path:
        if isinstance(value, tuple) and name.isdigit() and int(name) < len(value):
            value = value[int(name)]
        elif dataclasses.is_dataclass(value) and not name.startswith("_") and (
                name in {f.name for f in dataclasses.fields(value)}
                or isinstance(getattr(type(value), name, None), property)):
            value = getattr(value, name)
        else:
            raise TemplateError(f"persona '{slug}' has no field '{'.'.join(path)}'")
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TemplateError(f"persona '{slug}' field '{'.'.join(path)}' is not a single value")


@dataclass
class Context:
    """What ``render`` reads at run time; the runner builds one per scenario run."""

    population: Population
    captures: dict[str, Any] = field(default_factory=dict)
    run: dict[str, str] = field(default_factory=dict)
    actors: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> ACTOR_KEYS, once logged in
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    rng: _random.Random = field(default_factory=_random.SystemRandom)


def _value(ref: Ref, ctx: Context) -> Any:
    head, parts = ref.namespace, ref.parts
    if head == "uuid":
        return str(_uuid.uuid4())
    if head == "now":
        moment = ctx.clock() + timedelta(seconds=ref.arg if parts == ("plus",) and ref.arg is not None else 0)
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
    if head == "today":
        return ctx.clock().date().isoformat()
    if head == "random" and ref.arg is not None and parts in (("digits",), ("letters",)):
        alphabet = string.digits if parts[0] == "digits" else string.ascii_uppercase
        return "".join(ctx.rng.choice(alphabet) for _ in range(min(ref.arg, MAX_RANDOM)))
    if head == "persona":
        return persona_value(ctx.population, parts)
    if head == "actor" and len(parts) == 2 and parts[1] in ctx.actors.get(parts[0], {}):
        return ctx.actors[parts[0]][parts[1]]
    if head == "run" and len(parts) == 1 and parts[0] in ctx.run:
        return ctx.run[parts[0]]
    if head == "capture" and parts and parts[0] in ctx.captures:
        value = ctx.captures[parts[0]]
        for name in parts[1:]:
            if isinstance(value, Mapping) and name in value:
                value = value[name]
            elif isinstance(value, list) and name.isdigit() and int(name) < len(value):
                value = value[int(name)]
            else:
                raise TemplateError(f"${{{ref.text}}}: the captured value has no '{name}'", ref.offset)
        return value
    raise TemplateError(f"${{{ref.text}}} has no value in this run", ref.offset)


def render(template: Any, context: Context, _depth: int = 0) -> Any:
    """``template`` with every ``${...}`` replaced: strings, and the strings inside lists and mappings."""
    if _depth > MAX_DEPTH:
        raise TemplateError(f"a templated value is nested deeper than {MAX_DEPTH} levels")
    if isinstance(template, str):
        if "${" not in template:
            return template
        pieces = parse(template)
        if len(pieces) == 1 and isinstance(pieces[0], Ref):
            return _value(pieces[0], context)
        out, size = [], 0
        for piece in pieces:
            text = piece if isinstance(piece, str) else _text(_value(piece, context))
            size += len(text)
            if size > MAX_RENDERED:
                raise TemplateError(f"a rendered string is limited to {MAX_RENDERED} characters")
            out.append(text)
        return "".join(out)
    if isinstance(template, list):
        return [render(item, context, _depth + 1) for item in template]
    if isinstance(template, dict):
        return {key: render(value, context, _depth + 1) for key, value in template.items()}
    return template


def _text(value: Any) -> str:
    """A value written into text as the assertions show it (JSON for objects), nothing for a missing one."""
    return "" if value is None else as_text(value)


def refs(value: Any, where: tuple = ()) -> list[tuple[tuple, Ref | TemplateError]]:
    """Every reference (or parse error) in the strings of ``value``, mapping keys included, with the path of the
    string holding it (a key's is the path of its value)."""
    found: list[tuple[tuple, Ref | TemplateError]] = []
    if isinstance(value, str) and "${" in value:
        try:
            found += [(where, p) for p in parse(value) if isinstance(p, Ref)]
        except TemplateError as exc:
            found.append((where, exc))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += refs(item, (*where, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and "${" in key:  # an expect block's expressions are its keys
                found += refs(key, (*where, key))
            found += refs(item, (*where, key))
    return found
