"""SQL fragments of the search: text with ``?`` placeholders and its parameters, composed as strings.

The search builds one statement per request from the criteria it was sent. Built as SQLAlchemy Core
expressions, the statement cost far more to make than to run: a Patient lookup by identifier took 0.52 ms
to build and execute, of which SQLite's part was 0.014 ms; an ITI-67 search with its access filter built
~60 comparisons, ~210 coercions and a cache key over the whole tree every time (docs/benchmarks.md,
dmp_search). A fragment is a string and a tuple, joined in text order, so the parameters always follow
their placeholders. Values never enter the text: every one is a parameter; only names the kernel itself
declares (tables, columns) do. :func:`execute` turns ``?`` into the driver's marker (``%s`` for psycopg).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy.engine import CursorResult


@dataclass(frozen=True)
class Sql:
    text: str
    params: tuple = ()

    def __add__(self, other: Sql | str) -> Sql:
        if isinstance(other, str):
            return Sql(self.text + other, self.params)
        return Sql(self.text + other.text, self.params + other.params)

    def __radd__(self, other: str) -> Sql:
        return Sql(other + self.text, self.params)


TRUE = Sql("1 = 1")
FALSE = Sql("1 = 0")


def sql(text: str, *params: object) -> Sql:
    return Sql(text, params)


def join(parts: Iterable[Sql | str], separator: str) -> Sql:
    texts, params = [], []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
        else:
            texts.append(part.text)
            params.extend(part.params)
    return Sql(separator.join(texts), tuple(params))


def all_of(parts: Sequence[Sql]) -> Sql:
    """``(a) AND (b) ...``; true when there are none."""
    if not parts:
        return TRUE
    return parts[0] if len(parts) == 1 else join([Sql(f"({p.text})", p.params) for p in parts], " AND ")


def any_of(parts: Sequence[Sql]) -> Sql:
    """``(a) OR (b) ...``; false when there are none."""
    if not parts:
        return FALSE
    return parts[0] if len(parts) == 1 else join([Sql(f"({p.text})", p.params) for p in parts], " OR ")


def negate(part: Sql) -> Sql:
    return Sql(f"NOT ({part.text})", part.params)


def equals_any(column: str, values: Sequence[object]) -> Sql:
    """``column = ?`` for one value, ``column IN (?, ...)`` for several."""
    if len(values) == 1:
        return Sql(f"{column} = ?", (values[0],))
    return Sql(f"{column} IN ({', '.join('?' * len(values))})", tuple(values))


def execute(conn: Connection, statement: Sql) -> CursorResult:
    """Run ``statement`` on ``conn`` (the engine's events and error wrapping apply, as for any statement)."""
    text = statement.text if conn.dialect.paramstyle == "qmark" else statement.text.replace("?", "%s")
    return conn.exec_driver_sql(text, statement.params)
