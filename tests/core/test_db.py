"""Database helpers: SQLite pragmas, write transactions, atomic blocks, tenant wipe, ping."""

import uuid

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text

from core.db import Database


def make_db(url: str) -> tuple[Database, Table]:
    metadata = MetaData()
    table = Table("demo_rows", metadata, Column("id", Integer, primary_key=True),
                  Column("tenant", String(40), nullable=False), Column("value", String(20)))
    db = Database(url, prefix="demo", metadata=metadata)
    db.create_all()
    return db, table


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(tmp_path):
    db, _ = make_db(f"sqlite:///{tmp_path / 'x' / 'demo.db'}")
    with db.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_failed_write_rolls_back(database_url):
    db, table = make_db(database_url)
    with pytest.raises(RuntimeError):
        with db.write() as conn:
            conn.execute(insert(table).values(tenant="a", value="x"))
            raise RuntimeError("boom")
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0


def test_wipe_tenant_deletes_only_that_tenant(database_url):
    db, table = make_db(database_url)
    with db.write() as conn:
        conn.execute(insert(table), [{"tenant": "a", "value": "1"}, {"tenant": "b", "value": "2"}])
    db.wipe_tenant("a")
    with db.read() as conn:
        assert [r.tenant for r in conn.execute(select(table.c.tenant))] == ["b"]
    db.wipe_tenant("b")


def test_ping_reports_unreachable_database():
    db = Database("postgresql://nobody@127.0.0.1:1/none", prefix="demo")
    assert db.ping() is False
    assert Database("sqlite://", prefix="demo").ping() is True


def values(db: Database, table: Table, tenant: str) -> list[str]:
    with db.read() as conn:
        return sorted(conn.execute(select(table.c.value).where(table.c.tenant == tenant)).scalars())


@pytest.fixture
def tenant() -> str:
    """A tenant of the test's own: the PostgreSQL database is shared by the session."""
    return f"t-{uuid.uuid4().hex[:12]}"


def test_writes_inside_atomic_commit_together(database_url, tenant):
    db, table = make_db(database_url)
    with db.write() as conn:
        conn.execute(insert(table).values(tenant=tenant, value="old"))
    with db.atomic():
        db.wipe_tenant(tenant)
        with db.write() as conn:  # a second "transaction", e.g. a seeder: it joins the atomic one
            conn.execute(insert(table).values(tenant=tenant, value="new"))
        with db.read() as conn:  # reads inside the block see its writes
            assert list(conn.execute(select(table.c.value).where(table.c.tenant == tenant)).scalars()) == ["new"]
    assert values(db, table, tenant) == ["new"]


def test_failure_inside_atomic_rolls_back_every_write_of_the_block(database_url, tenant):
    db, table = make_db(database_url)
    with db.write() as conn:
        conn.execute(insert(table).values(tenant=tenant, value="old"))
    with pytest.raises(RuntimeError), db.atomic():
        db.wipe_tenant(tenant)  # committed on its own before atomic existed
        with db.write() as conn:
            conn.execute(insert(table).values(tenant=tenant, value="new"))
        raise RuntimeError("the seeder failed")
    assert values(db, table, tenant) == ["old"]


def test_atomic_without_commit_is_a_dry_run(database_url, tenant):
    db, table = make_db(database_url)
    with db.write() as conn:
        conn.execute(insert(table).values(tenant=tenant, value="old"))
    with db.atomic(commit=False):
        db.wipe_tenant(tenant)
    assert values(db, table, tenant) == ["old"]
    with db.write() as conn:  # after the block, writes are on their own again
        conn.execute(insert(table).values(tenant=tenant, value="later"))
    assert values(db, table, tenant) == ["later", "old"]


def test_writers_of_one_process_queue_on_a_lock_before_sqlite(tmp_path):
    """A second writer waits on the database's lock (woken when the first commits), not in SQLite's busy handler."""
    import threading

    from sqlalchemy import event

    db, table = make_db(f"sqlite:///{tmp_path / 'demo.db'}")
    begun: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda c, cur, stmt, *a: begun.append(stmt)
                 if stmt.startswith("BEGIN IMMEDIATE") else None)
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        with db.write() as conn:
            conn.execute(insert(table).values(tenant="a", value="first"))
            holding.set()
            release.wait(5)

    def second() -> None:
        with db.write() as conn:
            conn.execute(insert(table).values(tenant="a", value="second"))

    a = threading.Thread(target=first)
    a.start()
    assert holding.wait(5)
    b = threading.Thread(target=second)
    b.start()
    b.join(0.3)
    assert b.is_alive() and len(begun) == 1  # queued before any BEGIN IMMEDIATE of its own
    release.set()
    a.join(5)
    b.join(5)
    assert len(begun) == 2
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 2
    db.dispose()


def test_a_sqlite_file_database_hands_out_the_connection_returned_last(tmp_path):
    """LIFO: the connection used last comes back, so SQLite keeps its page cache valid (core/db.py)."""
    db, _ = make_db(f"sqlite:///{tmp_path / 'demo.db'}")
    with db.read() as first, db.read() as second:
        first_id, second_id = id(first.connection.dbapi_connection), id(second.connection.dbapi_connection)
    assert first_id != second_id  # ``second`` was returned first, ``first`` last
    with db.read() as again:
        assert id(again.connection.dbapi_connection) == first_id
    db.dispose()
