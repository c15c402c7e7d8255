"""Every query of the INS teleservice (keyword-only arguments; callers own the transaction)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Row, delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from services.ins_teleservice.identity import Identity, from_row
from services.ins_teleservice.models import HISTORY_COLUMNS, IDENTITY_COLUMNS, history, identity, software
from services.ins_teleservice.traits import Query

MATCH_LIMIT = 3  # INSi only distinguishes one match from several
BULK_CACHE_KIB = -256 * 1024  # SQLite page cache during bulk loads (negative: KiB)


class DuplicateIdentity(Exception):
    """An identity with the same id or active INS already exists in the tenant."""


class DuplicateSoftware(Exception):
    """The tenant already registered this IDAM."""


def find_by_traits(conn: Connection, *, tenant: str, query: Query, limit: int = MATCH_LIMIT) -> Sequence[Row]:
    """Identities matching the traits: first names equal to the first birth first name or the whole list."""
    c = identity.c
    stmt = select(identity).where(
        c.tenant == tenant, c.birth_name == query.birth_name, c.birth_date == query.birth_date, c.sex == query.sex,
    )
    if query.first_names is not None:
        stmt = stmt.where(or_(c.first_name == query.first_names, c.first_names == query.first_names))
    if query.birth_place is not None:
        stmt = stmt.where(c.birth_place == query.birth_place)
    return conn.execute(stmt.limit(limit)).all()  # no ORDER BY: it would steer SQLite to the primary key


def find_by_matricule(conn: Connection, *, tenant: str, matricule: str) -> Row | None:
    """The identity whose active INS has this matricule."""
    stmt = select(identity).where(identity.c.tenant == tenant, identity.c.matricule == matricule)
    return conn.execute(stmt).first()


def find_by_former_matricule(conn: Connection, *, tenant: str, matricule: str) -> Sequence[Row]:
    """Identities that list this matricule among their former INS (INSHISTO)."""
    h = history.c
    stmt = (select(identity).join(history, (h.tenant == identity.c.tenant) & (h.pid == identity.c.pid))
            .where(h.tenant == tenant, h.matricule == matricule).limit(MATCH_LIMIT))
    return conn.execute(stmt).all()


def find_beneficiaries(conn: Connection, *, tenant: str, od_matricule: str, birth_date: str) -> list[Row]:
    """People on the Vitale card of ``od_matricule`` (the holder and their dependants) born on that date."""
    c = identity.c
    rows: dict[str, Row] = {}
    for on_card in (c.od_matricule == od_matricule, c.matricule == od_matricule):  # two index lookups, not an OR
        stmt = select(identity).where(c.tenant == tenant, on_card, c.birth_date == birth_date).limit(20)
        rows.update((r.pid, r) for r in conn.execute(stmt))
    return sorted(rows.values(), key=lambda r: (r.rang, r.pid))


def history_of(conn: Connection, *, tenant: str, pid: str) -> Sequence[Row]:
    stmt = select(history).where(history.c.tenant == tenant, history.c.pid == pid).order_by(history.c.pos)
    return conn.execute(stmt).all()


def load(conn: Connection, *, tenant: str, row: Row) -> Identity:
    """The full identity (with its INSHISTO) of a row returned by a search."""
    return from_row(row, list(history_of(conn, tenant=tenant, pid=row.pid)))


def get_identity(conn: Connection, *, tenant: str, pid: str) -> Identity | None:
    row = conn.execute(select(identity).where(identity.c.tenant == tenant, identity.c.pid == pid)).first()
    return load(conn, tenant=tenant, row=row) if row else None


def list_identities(conn: Connection, *, tenant: str, limit: int, offset: int,
                    origin: str | None = None) -> tuple[int, list[Identity]]:
    where = [identity.c.tenant == tenant] + ([identity.c.origin == origin] if origin else [])
    total = conn.execute(select(func.count()).select_from(identity).where(*where)).scalar_one()
    rows = conn.execute(select(identity).where(*where).order_by(identity.c.pid).limit(limit).offset(offset)).all()
    return total, [load(conn, tenant=tenant, row=r) for r in rows]


def insert_identity(conn: Connection, *, tenant: str, person: Identity) -> None:
    """Insert one identity and its history; :class:`DuplicateIdentity` when its id or INS is taken."""
    try:
        with conn.begin_nested():
            conn.execute(identity.insert().values(dict(zip(IDENTITY_COLUMNS, person.row(tenant), strict=True))))
            rows = [dict(zip(HISTORY_COLUMNS, r, strict=True)) for r in person.history_rows(tenant)]
            if rows:
                conn.execute(history.insert(), rows)
    except IntegrityError as exc:
        raise DuplicateIdentity(person.pid) from exc


def delete_identity(conn: Connection, *, tenant: str, pid: str) -> bool:
    conn.execute(delete(history).where(history.c.tenant == tenant, history.c.pid == pid))
    result = conn.execute(delete(identity).where(identity.c.tenant == tenant, identity.c.pid == pid))
    return result.rowcount > 0


def existing_pids(conn: Connection, *, tenant: str, pids: Iterable[str]) -> set[str]:
    stmt = select(identity.c.pid).where(identity.c.tenant == tenant, identity.c.pid.in_(list(pids)))
    return set(conn.execute(stmt).scalars())


def bulk_insert(conn: Connection, *, identities: list[tuple], histories: list[tuple]) -> int:
    """The fast path of large seeds: the driver's executemany, rows already in column order.

    Rows whose id or INS already exists are skipped (``ON CONFLICT DO NOTHING``), so a seed is idempotent;
    a history row is kept only when its identity is a generated one now in the table. Returns how many
    identities were inserted (the driver sums the rows of an ``executemany``).
    """
    inserted = 0
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    cursor = conn.connection.driver_connection.cursor()
    if sqlite:  # four B-trees take random inserts: a large page cache for the load, the default after it
        cache = cursor.execute("PRAGMA cache_size").fetchone()[0]
        cursor.execute(f"PRAGMA cache_size={BULK_CACHE_KIB}")
    try:
        if identities:
            cursor.executemany(
                f"INSERT INTO {identity.name} ({', '.join(IDENTITY_COLUMNS)}) "
                f"VALUES ({', '.join([mark] * len(IDENTITY_COLUMNS))}) ON CONFLICT DO NOTHING", identities,
            )
            inserted = max(cursor.rowcount, 0)
        if histories:
            cursor.executemany(
                f"INSERT INTO {history.name} ({', '.join(HISTORY_COLUMNS)}) "
                f"SELECT {', '.join([mark] * len(HISTORY_COLUMNS))} WHERE EXISTS (SELECT 1 FROM {identity.name} "
                f"WHERE tenant = {mark} AND pid = {mark} AND origin = 'generated') ON CONFLICT DO NOTHING",
                [(*row, row[0], row[1]) for row in histories],
            )
    finally:
        if sqlite:
            cursor.execute(f"PRAGMA cache_size={int(cache)}")
        cursor.close()
    return inserted


def count_identities(conn: Connection, *, tenant: str) -> int:
    return conn.execute(select(func.count()).select_from(identity).where(identity.c.tenant == tenant)).scalar_one()


def software_registered(conn: Connection, *, tenant: str, idam: str) -> bool:
    stmt = select(software.c.idam).where(software.c.tenant == tenant, software.c.idam == idam)
    return conn.execute(stmt).first() is not None


def list_software(conn: Connection, *, tenant: str) -> Sequence[Row]:
    """The IDAMs the tenant registered, by IDAM."""
    return conn.execute(select(software).where(software.c.tenant == tenant).order_by(software.c.idam)).all()


def get_software(conn: Connection, *, tenant: str, idam: str) -> Row | None:
    return conn.execute(select(software).where(software.c.tenant == tenant, software.c.idam == idam)).first()


def count_software(conn: Connection, *, tenant: str) -> int:
    return conn.execute(select(func.count()).select_from(software).where(software.c.tenant == tenant)).scalar_one()


def insert_software(conn: Connection, *, tenant: str, idam: str, name: str | None, registered_at: str) -> None:
    """Register an IDAM; :class:`DuplicateSoftware` when the tenant already did."""
    try:
        with conn.begin_nested():
            conn.execute(software.insert().values(tenant=tenant, idam=idam, name=name, registered_at=registered_at))
    except IntegrityError as exc:
        raise DuplicateSoftware(idam) from exc


def delete_software(conn: Connection, *, tenant: str, idam: str) -> bool:
    result = conn.execute(delete(software).where(software.c.tenant == tenant, software.c.idam == idam))
    return result.rowcount > 0
