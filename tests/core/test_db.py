"""Database helpers: SQLite pragmas, write transactions, tenant wipe, ping."""

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
