"""The SQL of one search value against an index table (FHIR R4 §3.1.1.4 and the R5 ``:text`` of strings).

- string: starts-with (default), ``:exact``, ``:contains``, and ``:text``, where each word of the value must
  begin a word of the indexed text (words split on spaces, hyphens and apostrophes; case and accents ignored).
  R4 defines ``:text`` for tokens only; R5 adds it to strings as "advanced text handling" left to the
  server, and the Annuaire Santé CapabilityStatement lists it on ``name``, ``family`` and ``given``.
- token: ``system|code`` forms as one ``IN`` list per system; ``:text`` (the same word match on the text of
  the codes, R4: CodeableConcept.text, Coding.display, Identifier.type.text); ``:of-type``
  (``type-system|type-code|value``, R4: Identifier.type.coding and Identifier.value).
- date: the eight prefixes over [low, high) ranges.

Each clause is a :class:`core.fhir.sql.Sql` fragment over column names the caller gives (``code``,
``norm``... of the index table in the ``FROM``, or a qualified ``res.updated_at``).
"""

from __future__ import annotations

from core.codes import Code
from core.errors import SandboxError
from core.fhir.declare import SearchParam
from core.fhir.index import date_range, normalize
from core.fhir.sql import Sql, all_of, any_of, equals_any, negate, sql

LIKE_ESCAPE = "ESCAPE '\\'"

DATE_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")
WORD_STARTS = ("", " ", "-", "'", "\u2019")  # what may precede a word in a normal form


def bad_value(diagnostics: str, name: str) -> SandboxError:
    return SandboxError(400, Code.BAD_SEARCH_VALUE, diagnostics, expression=[name])


def too_many(diagnostics: str, name: str) -> SandboxError:
    return SandboxError(400, Code.TOO_MANY_VALUES, diagnostics, issue="too-costly", expression=[name])


def split_or(value: str) -> list[str]:
    """Comma-separated alternatives; ``\\,`` is a literal comma."""
    parts, current, escaped = [], "", False
    for char in value:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p != ""] or [""]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def string_clause(column_norm: str, column_exact: str, modifier: str, value: str, name: str) -> Sql:
    """One string value: prefix, ``:exact`` or ``:contains`` (``:text`` is :func:`word_clauses`)."""
    if modifier == "exact":  # through the norm index: equal strings have equal normal forms
        return sql(f"{column_norm} = ? AND {column_exact} = ?", normalize(value), value)
    norm = normalize(value)
    if modifier == "contains":
        return sql(f"{column_norm} LIKE ? {LIKE_ESCAPE}", f"%{_like(norm)}%")
    return sql(f"{column_norm} >= ? AND {column_norm} < ?", norm, norm + "\uffff")


def word_clauses(column_norm: str, value: str, name: str) -> list[Sql]:
    """``:text``: one clause per word of ``value``, true when the word begins a word of an indexed text.

    The caller requires each clause of some index row of the resource, so "claire leroy" finds a name
    whose given and family parts are indexed apart.
    """
    words = list(dict.fromkeys(normalize(value).split()))
    if not words:
        raise bad_value(f"{name} needs at least one word to look for.", name)
    if len(words) > 10:
        raise too_many(f"{name} has more than 10 words; shorten it.", name)
    return [any_of([sql(f"{column_norm} LIKE ? {LIKE_ESCAPE}", f"{_like(word)}%"),
                    *[sql(f"{column_norm} LIKE ? {LIKE_ESCAPE}", f"%{sep}{_like(word)}%") for sep in WORD_STARTS[1:]]])
            for word in words]


def of_type_value(value: str, name: str) -> tuple[str, str]:
    """``type-system|type-code|value`` -> (``type-system|type-code``, value), as the index stores them."""
    parts = value.split("|", 2)
    if len(parts) != 3 or not parts[1] or not parts[2]:
        raise bad_value(f"{name}={value[:80]!r}: :of-type takes type-system|type-code|value (FHIR R4), e.g. "
                        "http://terminology.hl7.org/CodeSystem/v2-0203|MR|446053.", name)
    return f"{parts[0]}|{parts[1]}", parts[2]


def token_values(param: SearchParam, values: list[str]) -> Sql:
    """Token alternatives as one ``code IN (...)`` per system, not an OR chain as long as the list (over the
    ``system`` and ``code`` columns of the token table)."""
    bare: list[str] = []
    by_system: dict[str, list[str]] = {}
    system_only: list[str] = []
    for value in values:
        if param.type == "uri" or "|" not in value:
            bare.append(value)
            continue
        system, code = value.split("|", 1)
        (by_system.setdefault(system, []) if code else system_only).append(code or system)

    def system_is(system: str) -> Sql:
        return Sql("system IS NULL") if system == "" else sql("system = ?", system)

    clauses = [equals_any("code", bare)] if bare else []
    clauses += [all_of([system_is(system), equals_any("code", codes)]) for system, codes in by_system.items()]
    clauses += [system_is(system) for system in system_only]
    return any_of(clauses)


def of_type_values(values: list[str], name: str) -> Sql:
    pairs = [of_type_value(v, name) for v in values]
    return any_of([sql("system = ? AND code = ?", system, code) for system, code in pairs])


def date_clause(low_col: str, high_col: str, value: str, name: str) -> Sql:
    prefix = value[:2] if value[:2] in DATE_PREFIXES else "eq"
    rng = date_range(value[2:] if value[:2] in DATE_PREFIXES else value)
    if rng is None:
        raise bad_value(f"{name}={value!r} is not a FHIR date (e.g. 2024-05-01 or ge2024-05-01T10:00:00Z).", name)
    lo, hi = rng
    high_excl = high_col if high_col != low_col else f"({low_col} + 0.001)"
    inside = sql(f"{low_col} >= ? AND {high_excl} <= ?", lo, hi)
    return {
        "eq": lambda: inside,
        "ne": lambda: negate(inside),
        "gt": lambda: sql(f"{high_excl} > ?", hi),
        "lt": lambda: sql(f"{low_col} < ?", lo),
        "ge": lambda: any_of([sql(f"{high_excl} > ?", hi), inside]),
        "le": lambda: any_of([sql(f"{low_col} < ?", lo), inside]),
        "sa": lambda: sql(f"{low_col} >= ?", hi),
        "eb": lambda: sql(f"{high_excl} <= ?", lo),
    }[prefix]()
