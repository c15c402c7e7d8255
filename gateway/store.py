"""The gateway's own tables (tenants, recorded exchanges) and every query on them.

Tables carry the ``gateway_`` prefix; every exchange row carries its ``tenant``. Rows come back as
stored; :mod:`gateway.recorder` turns them into the API's shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

metadata = MetaData()

tenants = Table(
    "gateway_tenants",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("created_at", String(40), nullable=False),
)

exchanges = Table(
    "gateway_exchanges",
    metadata,
    Column("id", String(32), primary_key=True),  # a time-ordered UUID (version 7) as 32 hex digits
    Column("tenant", String(40), nullable=False),
    Column("request_id", String(128)),
    Column("service", String(64)),
    Column("method", String(16), nullable=False),
    Column("path", Text, nullable=False),
    Column("query", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("actor", String(255)),
    Column("started", Float, nullable=False),  # epoch seconds; the API shows it as ISO ``started_at``
    Column("detail", LargeBinary, nullable=False),  # masked headers and kept bodies (gateway.recorder)
    Column("fault", Text),  # the fault rule applied (JSON: id and definition), gateway/faults.py; added by upgrade()
    Index("ix_gateway_exchanges_tenant_started", "tenant", "started"),
)

# Under load, the recorder appends whole batches here (one row each, cheap); they become exchange rows
# when traffic is light or before any read (gateway.recorder).
exchange_batches = Table(
    "gateway_exchange_batches",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("rows", LargeBinary, nullable=False),
)

# A journal batch that cannot be replayed is moved here, with the reason, and never replayed again.
exchange_quarantine = Table(
    "gateway_exchange_quarantine",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("batch_seq", Integer, nullable=False),  # its seq in the journal
    Column("rows", LargeBinary, nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", Float, nullable=False),
)

INSERT_COLUMNS = tuple(c.name for c in exchanges.columns)
INSERT_CHUNK = 500  # rows per statement: 500 * 13 parameters stays under SQLite's 32766
SUMMARY_COLUMNS = (
    "id", "tenant", "request_id", "service", "method", "path", "query", "status", "duration_ms", "actor",
    "started", "fault",
)


def upgrade(engine: Engine) -> None:
    """Add the columns newer than a data directory's tables (nullable ones, so existing rows stay valid)."""
    for attempt in range(2):
        have = {column["name"] for column in inspect(engine).get_columns(exchanges.name)}
        if "fault" in have:
            return
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"ALTER TABLE {exchanges.name} ADD COLUMN fault TEXT")
            return
        except (OperationalError, ProgrammingError):  # another process added it meanwhile: look again
            if attempt:
                raise


def list_tenants(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(tenants).order_by(tenants.c.created_at, tenants.c.name))
    return [dict(row._mapping) for row in rows]


def get_tenant(conn: Connection, *, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(tenants).where(tenants.c.name == name)).first()
    return dict(row._mapping) if row else None


def insert_tenant(conn: Connection, *, name: str, created_at: str) -> dict[str, Any]:
    conn.execute(insert(tenants).values(name=name, created_at=created_at))
    return {"name": name, "created_at": created_at}


def delete_tenant(conn: Connection, *, name: str) -> None:
    conn.execute(delete(tenants).where(tenants.c.name == name))


def insert_exchanges(conn: Connection, *, rows: Sequence[tuple]) -> None:
    """Insert rows given as tuples in :data:`INSERT_COLUMNS` order, in multi-row statements.

    Through the driver, with one statement per chunk: Core's per-row processing and one GIL release per
    row (executemany on SQLite) would each cost more than the request recorded.
    """
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    group = f"({', '.join([mark] * len(INSERT_COLUMNS))})"
    head = f"INSERT INTO {exchanges.name} ({', '.join(INSERT_COLUMNS)}) VALUES "
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start:start + INSERT_CHUNK]
        params = tuple(value for row in chunk for value in row)
        conn.exec_driver_sql(head + ", ".join([group] * len(chunk)), params)


def insert_exchanges_each(conn: Connection, *, rows: Sequence[tuple]) -> list[tuple[str, Exception]]:
    """Insert ``rows`` and return the ``(id, error)`` of those the database refused; the others are written.

    The batch goes in one savepoint; when it fails, each row goes in its own, so one row the database
    refuses (a constraint, a value it cannot store) costs only itself, on SQLite and PostgreSQL alike. An
    ``OperationalError`` (locked, disconnected) is not about a row: it is raised.
    """
    try:
        with conn.begin_nested():
            insert_exchanges(conn, rows=rows)
        return []
    except OperationalError:
        raise
    except Exception:  # noqa: BLE001 - some row is refused: find which, one by one
        pass
    refused = []
    for row in rows:
        try:
            with conn.begin_nested():
                insert_exchanges(conn, rows=[row])
        except OperationalError:
            raise
        except Exception as exc:  # noqa: BLE001
            refused.append((row[0], exc))
    return refused


def append_batch(conn: Connection, *, blob: bytes) -> None:
    conn.execute(insert(exchange_batches).values(rows=blob))


def take_batches(conn: Connection) -> list[tuple[int, bytes]]:
    """Every pending ``(seq, batch)``, oldest first, removed from the journal (inside a write transaction)."""
    journal = exchange_batches.c
    batches = conn.execute(select(journal.seq, journal.rows).order_by(journal.seq)).all()
    seqs = [batch.seq for batch in batches]
    for start in range(0, len(seqs), INSERT_CHUNK):  # by seq: on PostgreSQL a later commit may hold a lower one
        conn.execute(delete(exchange_batches).where(journal.seq.in_(seqs[start:start + INSERT_CHUNK])))
    return [(batch.seq, bytes(batch.rows)) for batch in batches]


def quarantine_batch(conn: Connection, *, seq: int, blob: bytes, reason: str, at: float) -> None:
    """Keep a journal batch that cannot be replayed aside, for inspection (it is out of the journal)."""
    conn.execute(insert(exchange_quarantine).values(batch_seq=seq, rows=blob, reason=reason[:1000], at=at))


def list_exchanges(
    conn: Connection,
    *,
    tenant: str | None,
    service: str | None = None,
    status_min: int | None = None,
    status_max: int | None = None,
    since: float | None = None,
    limit: int = 100,
    faulted: bool | None = None,
) -> list[dict[str, Any]]:
    """Summaries (no headers, no bodies), newest first; ``tenant=None`` means every tenant."""
    query = select(*(exchanges.c[name] for name in SUMMARY_COLUMNS))
    if tenant is not None:
        query = query.where(exchanges.c.tenant == tenant)
    if service is not None:
        query = query.where(exchanges.c.service == service)
    if status_min is not None:
        query = query.where(exchanges.c.status >= status_min)
    if status_max is not None:
        query = query.where(exchanges.c.status <= status_max)
    if since is not None:
        query = query.where(exchanges.c.started >= since)
    if faulted is not None:
        query = query.where(exchanges.c.fault.is_not(None) if faulted else exchanges.c.fault.is_(None))
    query = query.order_by(exchanges.c.started.desc(), exchanges.c.id.desc()).limit(limit)
    return [dict(row._mapping) for row in conn.execute(query)]


def get_exchange(conn: Connection, *, exchange_id: str, tenant: str | None) -> dict[str, Any] | None:
    query = select(exchanges).where(exchanges.c.id == exchange_id)
    if tenant is not None:
        query = query.where(exchanges.c.tenant == tenant)
    row = conn.execute(query).first()
    return None if row is None else dict(row._mapping)


def delete_exchanges(conn: Connection, *, tenant: str) -> None:
    conn.execute(delete(exchanges).where(exchanges.c.tenant == tenant))
