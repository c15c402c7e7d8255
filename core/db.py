"""One database per service: SQLite (WAL checkpointed off the request path by core/wal.py, foreign keys,
busy timeout) by default, PostgreSQL by URL.

Tables of a service carry its package name as prefix and every business row a ``tenant`` column, so
one call wipes a tenant. Writes go through :meth:`Database.write`, one transaction per request: on
SQLite it starts with ``BEGIN IMMEDIATE`` so that two writers queue instead of failing on a read-to-write
lock upgrade; the writers of one process queue on a lock first (woken at once), those of other processes
on the busy timeout.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Connection, MetaData, create_engine, delete, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel

from core.wal import Checkpoints

SQLITE_BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.drivername == "postgresql":  # psycopg 3 is the driver we ship
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    memory = parsed.database in (None, "", ":memory:")
    if not memory:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        # LIFO: the connection used last is handed out again. SQLite drops a connection's page cache when another
        # connection wrote since its last transaction; handed round in turn (the default), every connection
        # re-read the pages a write touches: an AuditEvent write over the bench record 1.9-2.2 -> 1.2-1.4 ms
        **({"poolclass": StaticPool} if memory else {"pool_use_lifo": True}),
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _begin)
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA wal_autocheckpoint=0")  # core/wal.py checkpoints off the request path
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


class Database:
    """The database of one service: its engine and the tables whose names start with ``prefix``."""

    def __init__(self, url: str, prefix: str, metadata: MetaData | None = None) -> None:
        self.url = url
        self.prefix = prefix.rstrip("_") + "_"
        self.engine = make_engine(url)
        self.metadata = metadata or MetaData()
        # the connection of an open atomic() block: write() and read() inside it join its transaction
        self._atomic: ContextVar[Connection | None] = ContextVar(f"atomic-{id(self)}", default=None)
        file_sqlite = self.is_sqlite and make_url(url).database not in (None, "", ":memory:")
        self.checkpoints = Checkpoints(self.engine) if file_sqlite else None
        # SQLite has one writer: this process's writers queue here, woken as soon as the lock is free, instead of
        # in SQLite's busy handler, which sleeps (1, 2, 5 ... 100 ms) between tries and starves some writers
        self._writer = threading.RLock() if self.is_sqlite else contextlib.nullcontext()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def tables(self):
        """The service's own tables: its metadata plus SQLModel tables carrying its prefix."""
        own = list(self.metadata.sorted_tables)
        own += [t for t in SQLModel.metadata.sorted_tables if t.name.startswith(self.prefix)]
        return own

    def create_all(self) -> None:
        """Create the missing tables, and the missing indexes of existing ones (a data directory made by an
        earlier version gets the indexes added since, once, and loses those its metadata lists as obsolete)."""
        with self.engine.begin() as conn:
            for name in self.metadata.info.get("obsolete_indexes", ()):
                conn.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
        for table in self.tables():
            table.create(self.engine, checkfirst=True)
            for index in table.indexes:
                index.create(self.engine, checkfirst=True)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in one write transaction, committed on success, rolled back on error.

        Inside :meth:`atomic` it is the atomic block's connection: the write is part of that transaction.
        """
        joined = self._joined()
        if joined is not None:
            yield joined
            return
        with self._writer, self.engine.connect() as conn:
            conn.execution_options(write=True)
            with conn.begin():
                yield conn
        self._committed()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        joined = self._joined()
        if joined is not None:
            yield joined
            return
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def atomic(self, *, commit: bool = True) -> Iterator[Connection]:
        """One write transaction that every :meth:`write` and :meth:`read` inside the block joins.

        Code written as several transactions (a wipe, then a seeder) then commits or fails as one;
        with ``commit=False`` the work is rolled back at the end (a dry run).
        """
        with self._writer, self.engine.connect() as conn:
            conn.execution_options(write=True)
            transaction = conn.begin()
            token = self._atomic.set(conn)
            try:
                yield conn
            except BaseException:
                transaction.rollback()
                raise
            else:
                if commit:
                    transaction.commit()
                    self._committed()
                else:
                    transaction.rollback()
            finally:
                self._atomic.reset(token)

    def _committed(self) -> None:
        if self.checkpoints is not None:
            self.checkpoints.committed()

    def _joined(self) -> Connection | None:
        conn = self._atomic.get()
        # a task started inside an atomic block copies the context: it must not reuse a finished block
        return conn if conn is not None and not conn.closed and conn.in_transaction() else None

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return False

    def wipe_tenant(self, tenant: str) -> None:
        """Delete every row of ``tenant`` from the service's tables, in one transaction (or the atomic block's)."""
        with self.write() as conn:
            for table in reversed(self.tables()):
                if "tenant" in table.c:
                    conn.execute(delete(table).where(table.c.tenant == tenant))

    def dispose(self) -> None:
        self.engine.dispose()
