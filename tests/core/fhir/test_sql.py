"""SQL fragments of the search (core/fhir/sql.py): parameters follow their placeholders, values never enter the
text, and the same fragment runs on SQLite and PostgreSQL."""

from sqlalchemy import Column, MetaData, String, Table

from core.db import Database
from core.fhir.sql import FALSE, TRUE, Sql, all_of, any_of, equals_any, execute, join, negate, sql


def test_joined_fragments_keep_their_parameters_in_text_order():
    query = join([sql("SELECT a FROM t WHERE b = ?", 1), " AND ", sql("c IN (SELECT c FROM u WHERE d = ?)", 2),
                  sql(" LIMIT ?", 3)], "")
    assert query == Sql("SELECT a FROM t WHERE b = ? AND c IN (SELECT c FROM u WHERE d = ?) LIMIT ?", (1, 2, 3))
    assert "x = " + sql("?", 1) + " AND y" == Sql("x = ? AND y", (1,))


def test_combinations():
    a, b = sql("a = ?", 1), sql("b = ?", 2)
    assert all_of([a, b]) == Sql("(a = ?) AND (b = ?)", (1, 2))
    assert any_of([a, b]) == Sql("(a = ?) OR (b = ?)", (1, 2))
    assert all_of([a]) is a and any_of([b]) is b
    assert all_of([]) == TRUE and any_of([]) == FALSE
    assert negate(any_of([a, b])) == Sql("NOT ((a = ?) OR (b = ?))", (1, 2))
    assert equals_any("code", ["x"]) == Sql("code = ?", ("x",))
    assert equals_any("code", ["x", "y", "z"]) == Sql("code IN (?, ?, ?)", ("x", "y", "z"))


def test_hostile_values_stay_parameters_on_both_databases(database_url):
    metadata = MetaData()
    table = Table("demo_sql", metadata, Column("code", String(40), primary_key=True))
    db = Database(database_url, prefix="demo", metadata=metadata)
    db.create_all()
    hostile = ["x' OR '1'='1", "?", "%s", "50%", "a\\b", "é\u2019"]
    try:
        with db.write() as conn:
            conn.execute(table.delete())
            conn.execute(table.insert(), [{"code": v} for v in hostile])
        with db.read() as conn:
            for value in hostile:
                found = execute(conn, sql("SELECT code FROM demo_sql WHERE code = ?", value)).scalars().all()
                assert found == [value]
            every = execute(conn, "SELECT code FROM demo_sql WHERE " + all_of([TRUE, equals_any("code", hostile)]))
            assert sorted(every.scalars().all()) == sorted(hostile)
            assert execute(conn, "SELECT count(*) FROM demo_sql WHERE " + FALSE).scalar_one() == 0
    finally:
        with db.write() as conn:
            table.drop(conn)
        db.dispose()
