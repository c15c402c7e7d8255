"""How the criteria of one search become SQL: which criterion drives, and how the others are checked.

A criterion is a set of resource ids (the rows of an index table that match it) or a clause on the resource
row itself (``_id``, ``_lastUpdated``). Written as ``res.rid IN (SELECT rid FROM ix_token WHERE ...)``,
SQLite drives the search from one of those sets and *materialises every other set whole* to test the
candidates against it, once per statement: over 1,000,000 DocumentReferences, ``status=current`` is a set of
870,000 ids, 1.3 s, though the patient's criterion leaves ten candidates (docs/benchmarks.md, dmp_search).

So when a search has several sets, each set is first probed with a bounded count (``LIMIT PROBE_LIMIT``
over its own index, ~0.1 ms, in the order of the query; one of at most ``SMALL`` ids stops the probing); the
smallest, if it is below the limit, *drives* (the ``IN`` form) and every
other criterion is *checked* per candidate with a correlated ``EXISTS`` on the index table's
``(tenant, rtype, rid, param, ...)`` index (core/fhir/schema.py), a few index probes per candidate. When
every probe reaches the limit no criterion is known to be small, and the sets stay in the ``IN`` form: the
database's planner chooses, as before. ``_id`` drives without a probe (the primary key). A service's own
``extra`` clauses (:meth:`core.fhir.search.SearchEngine.criterion`) are always checked, never drive.
PostgreSQL turns both forms into the same semi-joins; the probes cost it as little.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection

from core.fhir.sql import Sql, all_of, any_of, execute, negate

PROBE_LIMIT = 200
SMALL = 20  # a probe finding at most this many ids drives at once: the criteria after it are not probed


@dataclass(frozen=True)
class IdSet:
    """The ids of the rows of one index ``table`` that match ``where``: ``SELECT rid FROM table WHERE where``."""

    table: str
    where: Sql

    def narrowed(self, clause: Sql) -> IdSet:
        return IdSet(self.table, all_of([self.where, clause]))

    def select(self) -> Sql:
        return Sql(f"SELECT rid FROM {self.table} WHERE {self.where.text}", self.where.params)


@dataclass
class Criterion:
    """One criterion: ``any`` of the groups, each a list of id sets that must ``all`` hold; or ``none_of``
    one set; or a ``column`` clause on the resource row itself."""

    groups: list[list[IdSet]] = field(default_factory=list)
    none_of: IdSet | None = None
    column: Sql | None = None
    by_id: bool = False  # an ``_id`` clause: the primary key drives
    probe: bool = False  # one indexed set, cheap to count (not :contains or :text)

    @classmethod
    def ids(cls, rids: IdSet, *, probe: bool = True) -> Criterion:
        return cls(groups=[[rids]], probe=probe)

    def single(self) -> IdSet | None:
        return self.groups[0][0] if self.probe and len(self.groups) == 1 and len(self.groups[0]) == 1 else None

    def clause(self, rid_column: str, *, correlated: bool) -> Sql:
        """The criterion on the qualified column ``rid_column`` (``table.rid`` of the query's resource rows)."""
        if self.column is not None:
            return self.column
        if self.none_of is not None:
            return negate(member(self.none_of, rid_column, correlated))
        return any_of([all_of([member(s, rid_column, correlated) for s in group]) for group in self.groups])


def member(rids: IdSet, rid_column: str, correlated: bool) -> Sql:
    """``rid_column`` in the set ``rids``: driving (IN) or checked (a correlated EXISTS on the owner index)."""
    if correlated:
        return Sql(f"EXISTS (SELECT 1 FROM {rids.table} WHERE {rids.where.text} AND {rids.table}.rid = {rid_column})",
                   rids.where.params)
    return Sql(f"{rid_column} IN (SELECT rid FROM {rids.table} WHERE {rids.where.text})", rids.where.params)


def bounded_count(conn: Connection, rids: IdSet) -> int:
    probe = rids.select()
    return execute(conn, Sql(f"SELECT count(*) FROM ({probe.text} LIMIT {PROBE_LIMIT}) AS probe",
                             probe.params)).scalar_one()


def driver(conn: Connection, criteria: list[Criterion]) -> int | None:
    """The index of the criterion that drives, or None: the planner chooses (one set, or no known small set).

    -1 means the ``_id`` column drives and every set is checked.
    """
    if any(c.by_id for c in criteria):
        return -1
    candidates = [(i, c.single()) for i, c in enumerate(criteria) if c.column is None and c.none_of is None]
    if len(candidates) < 2:
        return None
    best, smallest = None, PROBE_LIMIT
    for i, rids in candidates:
        if rids is None:
            continue
        found = bounded_count(conn, rids)
        if found <= SMALL:
            return i  # another set could be smaller, not much cheaper: a few index probes per candidate
        if found < smallest:
            best, smallest = i, found
    return best


def clauses(criteria: list[Criterion], rid_column: str, drive: int | None) -> list[Sql]:
    """The SQL of ``criteria`` once :func:`driver` chose: all ``IN`` when it did not, else one ``IN`` at most."""
    if drive is None:
        return [c.clause(rid_column, correlated=False) for c in criteria]
    return [c.clause(rid_column, correlated=i != drive) for i, c in enumerate(criteria)]
