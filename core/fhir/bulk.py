"""Bulk loading of trusted resources (seeds of generated populations): same rows, a fraction of the cost.

The ordinary write path validates each resource with the R4 models (~0.5 ms), builds statements with
SQLAlchemy and inserts row by row. A seed of a million generated resources cannot afford that, and its
builders are tested against the models instead. Here each resource is stamped (version 1) and indexed
exactly as :meth:`core.fhir.store.FhirStore.create` would, then every table gets one driver-level
``executemany`` per chunk. (Preparing the next chunk in a thread while the driver writes was tried: the
driver gives the GIL back on every row, and the two threads convoy, 40% slower.)
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection

from core.fhir.declare import FhirSpec
from core.fhir.index import INDEX_COLUMNS, index_rows
from core.fhir.schema import FhirTables
from core.fhir.store import HIST_COLUMNS, RES_COLUMNS, check_id, dump, insert_sql

T = TypeVar("T")


@dataclass
class Prepared:
    """One resource ready to insert: its key, its res/hist rows and its index rows."""

    key: tuple[str, str]
    res: tuple
    hist: tuple
    index: dict[str, list[tuple]]


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def executemany(conn: Connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """The driver's own ``executemany`` inside the connection's transaction (SQLAlchemy adds ~30% here)."""
    if not rows:
        return
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(insert_sql(conn.dialect.paramstyle, table, columns), rows)
    finally:
        cursor.close()


def stored_keys(conn: Connection, table: str, tenant: str, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of the (type, id) ``keys`` the tenant already holds (current table, deleted or not)."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    by_type: dict[str, list[str]] = {}
    for rtype, rid in keys:
        by_type.setdefault(rtype, []).append(rid)
    found: set[tuple[str, str]] = set()
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        for rtype, ids in by_type.items():
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                cursor.execute(f"SELECT rid FROM {table} WHERE tenant = {mark} AND rtype = {mark} "
                               f"AND rid IN ({', '.join([mark] * len(part))})", (tenant, rtype, *part))
                found.update((rtype, row[0]) for row in cursor.fetchall())
    finally:
        cursor.close()
    return found


@dataclass
class BulkLoader:
    spec: FhirSpec
    tables: FhirTables

    def prepare(self, resources: Iterable[dict], *, tenant: str, stamp: tuple[str, float], chunk: int,
                base_urls: tuple[str, ...]) -> Iterator[list[Prepared]]:
        last_updated, epoch = stamp
        for batch in chunked(resources, chunk):
            prepared = []
            for resource in batch:
                rid = check_id(resource.get("id", ""))
                rtype = resource["resourceType"]
                meta = {**(resource.get("meta") or {}), "versionId": "1", "lastUpdated": last_updated}
                stamped = {"resourceType": rtype, "id": rid, "meta": meta}
                stamped.update((k, v) for k, v in resource.items() if k not in stamped)
                body = dump(stamped)
                prepared.append(Prepared((rtype, rid), (tenant, rtype, rid, 1, last_updated, epoch, False, body),
                                         (tenant, rtype, rid, 1, last_updated, "POST", body),
                                         index_rows(self.spec, tenant, stamped, rid, base_urls)))
            yield prepared

    def load(self, conn: Connection, *, tenant: str, resources: Iterable[dict], stamp: tuple[str, float],
             base_urls: tuple[str, ...] = (), skip_existing: bool = False, history: bool = True,
             chunk: int = 2000, tally: dict[str, int] | None = None) -> int:
        # The cyclic garbage collector takes ~20% of a load: it keeps walking the chunk of (acyclic)
        # dicts and tuples being prepared. It is paused for the load, and runs once afterwards.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._load(conn, tenant=tenant, resources=resources, stamp=stamp, base_urls=base_urls,
                              skip_existing=skip_existing, history=history, chunk=chunk,
                              tally={} if tally is None else tally)
        finally:
            if enabled:
                gc.enable()

    def _load(self, conn: Connection, *, tenant: str, resources: Iterable[dict], stamp: tuple[str, float],
              base_urls: tuple[str, ...], skip_existing: bool, history: bool, chunk: int,
              tally: dict[str, int]) -> int:
        inserted = 0
        for batch in self.prepare(resources, tenant=tenant, stamp=stamp, chunk=chunk, base_urls=base_urls):
            if skip_existing:
                seen = stored_keys(conn, self.tables.res.name, tenant, [p.key for p in batch])
                fresh = []
                for item in batch:
                    if item.key not in seen:
                        seen.add(item.key)
                        fresh.append(item)
                batch = fresh
            executemany(conn, self.tables.res.name, RES_COLUMNS, [p.res for p in batch])
            if history:
                executemany(conn, self.tables.hist.name, HIST_COLUMNS,
                            [p.hist for p in batch if self.spec.keeps_history(p.key[0])])
            for kind, columns in INDEX_COLUMNS.items():
                rows = [row for p in batch for row in p.index[kind]]
                executemany(conn, getattr(self.tables, kind).name, columns, rows)
            inserted += len(batch)
            for item in batch:
                tally[item.key[0]] = tally.get(item.key[0], 0) + 1
        return inserted
