"""The drug reference the prescriptions and dispensings are checked against (digest §5.2).

Global (public data, shared by every tenant: no ``tenant`` column, so tenant wipes leave it), in four tables:
``drug_product`` (one spécialité per CIS), ``drug_code`` (every code a line may carry: CIS, CIP13, UCD, SMS,
ANSM substance, Medicabase, with the spécialité or the substances it stands for), ``drug_component`` (the
composition, CIS_COMPO) and ``drug_meta`` (what is loaded). It holds the built-in set (drugs.py) and, once
loaded, the BDPM files (bdpm.py), whose rows supersede the built-in ones of the same CIS or code.

A Medication of the FHIR routes is one *primary* code: a CIS (``cis-60234100``) or a code that names no
spécialité (``sms-100000090270``, ``substance-02202``...): :func:`medication` (medication_resource.py)
renders them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Boolean, Column, Connection, Index, Integer, String, Table, Text, delete, or_, select, text

from core.db import Database
from services.eprescription import drugs
from services.eprescription import medication_codes as mc
from services.eprescription.bdpm import BdpmFiles
from services.eprescription.drug_rows import BDPM, BUILTIN, BUILTIN_VERSION, bdpm_rows, builtin_rows, name_key
from services.eprescription.medication_resource import medication as medication  # the renderer, re-exported

ID_PREFIX = {mc.CIS: "cis", mc.CIP: "cip", mc.UCD: "ucd", mc.SMS: "sms", mc.SUBSTANCE: "substance",
             mc.MEDICABASE: "medicabase"}
SYSTEM_OF_PREFIX = {v: k for k, v in ID_PREFIX.items()}
RECORD_KINDS = ("medicines", "presentations", "components", "substances", "generic_groups")
_LOCK_KEY = 0x45505244  # PostgreSQL advisory lock of loads ("EPRD")


@dataclass(frozen=True)
class DrugEntry:
    """A code of the reference and what it stands for."""

    system: str
    code: str
    display: str
    cis: str | None  # the spécialité (CIS, CIP13, a UCD whose spécialité is known)
    generic_group: str | None  # CIS_GENER group of that spécialité (the first, for one in several)
    substances: tuple[str, ...] = ()  # ANSM substance codes, for a substance or virtual medicine code
    source: str = BUILTIN
    generic_groups: tuple[str, ...] = ()  # every group of that spécialité

    @property
    def medication_id(self) -> str:
        """The id of its Medication: its spécialité's, or its own when it names none."""
        return f"cis-{self.cis}" if self.cis else f"{ID_PREFIX[self.system]}-{self.code}"


@dataclass(frozen=True)
class Product:
    """A Medication to render: its primary entry, and for a spécialité its product row, codes and composition."""

    entry: DrugEntry
    form: str = ""
    routes: tuple[str, ...] = ()
    status: str = ""
    marketed: bool = True
    generic_type: int | None = None
    codes: tuple[tuple[str, str, str], ...] = ()  # (system, code, display) beside the CIS
    components: tuple[drugs.Component, ...] = ()


class DrugReference:
    def __init__(self, db: Database) -> None:
        self.db = db
        p, m = db.prefix + "drug_", db.metadata
        self.product = Table(
            p + "product", m,
            Column("cis", String(8), primary_key=True),
            Column("name", Text, nullable=False),
            Column("form", Text, nullable=False),
            Column("routes", Text, nullable=False),  # ";"-separated, as in CIS_bdpm
            Column("status", Text, nullable=False),  # AMM status
            Column("marketed", Boolean, nullable=False),
            Column("generic_group", Text, nullable=True),  # CIS_GENER group ids, space-separated
            Column("generic_type", Integer, nullable=True),
            Column("source", String(8), nullable=False),
        )
        self.code = Table(
            p + "code", m,
            Column("system", String(80), primary_key=True),
            Column("code", String(20), primary_key=True),
            Column("cis", String(8), nullable=True),
            Column("display", Text, nullable=False),
            Column("name_key", Text, nullable=False),
            Column("substances", Text, nullable=False, default=""),  # space-separated ANSM substance codes
            Column("standalone", Boolean, nullable=False),  # a Medication of its own: a CIS, or a code naming no CIS
            Column("source", String(8), nullable=False),
            Index(f"{p}code_cis", "cis"),
            Index(f"{p}code_code", "code"),
        )
        self.component = Table(
            p + "component", m,
            Column("cis", String(8), primary_key=True),
            Column("seq", Integer, primary_key=True),
            Column("substance", String(12), nullable=False),
            Column("name", Text, nullable=False),
            Column("dosage", Text, nullable=False),
            Column("reference", Text, nullable=False),
            Column("nature", String(4), nullable=False),
            Column("link", Integer, nullable=False),
        )
        self.meta = Table(p + "meta", m, Column("key", String(40), primary_key=True),
                          Column("value", Text, nullable=False))

    # -- loading -------------------------------------------------------------------------------------------

    def ensure(self, bdpm_dir: Path | None) -> dict[str, int]:
        """Load the built-in set if absent (or changed), and ``bdpm_dir`` if given and no BDPM is loaded yet.

        Idempotent and one SELECT once done: it runs at every tenant seed. Answers the counts added.
        """
        with self.db.read() as conn:
            meta = self._meta(conn)
        added: dict[str, int] = {}
        if meta.get("builtin") != BUILTIN_VERSION:
            with self.db.write() as conn:
                self._lock(conn)
                if self._meta(conn).get("builtin") != BUILTIN_VERSION:
                    added.update(self._load_builtins(conn, self._bdpm_keys(conn)))
                    self._set_meta(conn, "builtin", BUILTIN_VERSION)
        if bdpm_dir is not None and "bdpm" not in meta:
            with self.db.read() as conn:
                loaded = "bdpm" in self._meta(conn)
            if not loaded:
                counts = self.load_bdpm(bdpm_dir)
                added.update({k: counts[k] for k in RECORD_KINDS})  # records, as a seed answers them
                added["medicines"] += counts["builtin_medicines"]
        return added

    def load_bdpm(self, directory: Path, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
        """Replace the BDPM rows by the files of ``directory``, in one transaction; built-ins stay, except where
        the BDPM has the same CIS or code. Answers the counts loaded (and ``bad_lines``)."""
        started = time.perf_counter()
        files = BdpmFiles(directory, progress)
        rows = bdpm_rows(files)
        with self.db.write() as conn:
            self._lock(conn)
            for table in (self.component, self.code, self.product):
                conn.execute(delete(table))
            self._insert(conn, self.product, rows.products)
            self._insert(conn, self.code, rows.codes)
            self._insert(conn, self.component, rows.components)
            keys = ({r["cis"] for r in rows.products}, {(r["system"], r["code"]) for r in rows.codes})
            counts = {**rows.counts(), "builtin_medicines": self._load_builtins(conn, keys)["medicines"]}
            self._set_meta(conn, "builtin", BUILTIN_VERSION)
            self._set_meta(conn, "bdpm", json.dumps({"directory": str(directory), "loaded_at": time.time(),
                                                     "seconds": round(time.perf_counter() - started, 3),
                                                     "counts": counts, "bad": [str(b) for b in files.bad[:20]]}))
        return counts

    def check(self, directory: Path) -> None:
        """Raise :class:`~services.eprescription.bdpm.BdpmError` unless ``directory`` holds the mandatory files."""
        BdpmFiles(directory)

    def loaded(self) -> dict:
        """What is loaded: the built-in version and the last BDPM load (directory, time, counts, bad lines)."""
        with self.db.read() as conn:
            meta = self._meta(conn)
        return {"builtin": meta.get("builtin"), "bdpm": json.loads(meta["bdpm"]) if "bdpm" in meta else None}

    def _load_builtins(self, conn: Connection, bdpm: tuple[set[str], set[tuple[str, str]]]) -> dict[str, int]:
        """(Re)insert the built-in rows the BDPM does not supersede; answers {"medicines": n}."""
        cis_done, codes_done = bdpm
        builtin = select(self.product.c.cis).where(self.product.c.source == BUILTIN)
        conn.execute(delete(self.component).where(self.component.c.cis.in_(builtin)))
        conn.execute(delete(self.code).where(self.code.c.source == BUILTIN))
        conn.execute(delete(self.product).where(self.product.c.source == BUILTIN))
        products, codes, components = builtin_rows()
        products = [r for r in products if r["cis"] not in cis_done]
        kept = {r["cis"] for r in products}
        codes = [r for r in codes if (r["system"], r["code"]) not in codes_done
                 and (r["cis"] is None or r["cis"] in kept or r["cis"] in cis_done)]
        self._insert(conn, self.product, products)
        self._insert(conn, self.code, codes)
        self._insert(conn, self.component, [r for r in components if r["cis"] in kept])
        return {"medicines": len(products)}

    def _bdpm_keys(self, conn: Connection) -> tuple[set[str], set[tuple[str, str]]]:
        cis = set(conn.scalars(select(self.product.c.cis).where(self.product.c.source == BDPM)))
        codes = {(s, c) for s, c in conn.execute(select(self.code.c.system, self.code.c.code)
                                                  .where(self.code.c.source == BDPM))}
        return cis, codes

    def _insert(self, conn: Connection, table: Table, rows: list[dict]) -> None:
        """Bulk insert on the driver (the SQLAlchemy layer cost 0.6 s of a 1.6 s SQLite load, on this machine)."""
        if not rows:
            return
        names = [c.name for c in table.columns]
        quoted = ", ".join(f'"{n}"' for n in names)
        if conn.dialect.name == "postgresql":
            # COPY on the load's own connection and transaction: 40k code rows take 0.2 s, against 1.9 s
            # through executemany (SQLAlchemy's insertmanyvalues)
            with conn.connection.driver_connection.cursor() as cursor, \
                    cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([row[n] for n in names])
        elif conn.dialect.paramstyle == "qmark":  # SQLite
            conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(names))})',
                                 [tuple(row[n] for n in names) for row in rows])
        else:
            conn.execute(table.insert(), rows)

    def _lock(self, conn: Connection) -> None:
        # SQLite's write transaction is already exclusive (BEGIN IMMEDIATE); PostgreSQL's are not
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})

    def _meta(self, conn: Connection) -> dict[str, str]:
        return dict(conn.execute(select(self.meta.c.key, self.meta.c.value)).all())

    def _set_meta(self, conn: Connection, key: str, value: str) -> None:
        conn.execute(delete(self.meta).where(self.meta.c.key == key))
        conn.execute(self.meta.insert(), {"key": key, "value": value})

    # -- queries -------------------------------------------------------------------------------------------

    def lookup(self, conn: Connection, system: str, code: str) -> DrugEntry | None:
        """The entry of ``system|code``, or None when the reference does not hold it."""
        row = conn.execute(self._entries().where(self.code.c.system == system, self.code.c.code == code)).first()
        return _entry(row) if row else None

    def substitutable(self, conn: Connection, prescribed: DrugEntry, dispensed: DrugEntry) -> bool:
        """May ``dispensed`` be handed over for ``prescribed``? The same spécialité, a spécialité of the same
        generic group (CIS_GENER), or, for a substance or virtual medicine, a spécialité made of exactly the
        prescribed substances (each component holds one, each substance is in one)."""
        if (prescribed.system, prescribed.code) == (dispensed.system, dispensed.code):
            return True
        if dispensed.cis is None:
            return False
        if prescribed.cis is not None:
            return prescribed.cis == dispensed.cis or bool(_groups(prescribed) & _groups(dispensed))
        if not prescribed.substances:
            return False
        components: dict[int, set[str]] = {}
        for link, substance in conn.execute(select(self.component.c.link, self.component.c.substance)
                                            .where(self.component.c.cis == dispensed.cis)):
            components.setdefault(link, set()).add(substance)
        wanted = set(prescribed.substances)
        return bool(components) and all(c & wanted for c in components.values()) and all(
            any(s in c for c in components.values()) for s in wanted)

    def search(self, conn: Connection, *, code: str | None = None, system: str | None = None,
               name_contains: str | None = None, name_starts: str | None = None, count: int = 20,
               offset: int = 0) -> tuple[int, list[Product]]:
        """Medications matching every criterion given, by name: (total, the page at ``offset``)."""
        c = self.code.c
        query = select(c.system, c.code).where(c.standalone)
        if code is not None:
            hit = select(c.system, c.code, c.cis).where(c.code == code)
            if system is not None:
                hit = hit.where(c.system == system)
            matches = conn.execute(hit.limit(100)).all()
            if not matches:
                return 0, []
            cis = sorted({m.cis for m in matches if m.cis})
            query = query.where(or_((c.system == mc.CIS) & c.code.in_(cis),
                                    *[(c.system == m.system) & (c.code == m.code) for m in matches if not m.cis]))
        if name_contains:
            query = query.where(c.name_key.contains(name_key(name_contains), autoescape=True))
        if name_starts:
            query = query.where(c.name_key.startswith(name_key(name_starts), autoescape=True))
        total = conn.execute(select(text("count(*)")).select_from(query.subquery())).scalar_one()
        page = conn.execute(query.order_by(c.name_key, c.system, c.code).limit(count).offset(offset)).all()
        return total, self.products(conn, page)

    def read(self, conn: Connection, medication_id: str) -> Product | None:
        """The Medication ``cis-60234100``, ``sms-100000090270``...; None when unknown."""
        prefix, _, code = medication_id.partition("-")
        system = SYSTEM_OF_PREFIX.get(prefix)
        if system is None or system == mc.CIP:
            return None
        found = self.products(conn, [(system, code)])
        return found[0] if found else None

    def products(self, conn: Connection, keys: Iterable[tuple[str, str]]) -> list[Product]:
        """The Products of primary codes ``keys`` (system, code), in that order; unknown ones left out."""
        keys = list(keys)
        c = self.code.c
        rows = conn.execute(self._entries().where(c.standalone, or_(False, *[(c.system == s) & (c.code == k)
                                                                         for s, k in keys]))).all()
        entries = {(r.system, r.code): _entry(r) for r in rows}
        cis = [k for s, k in keys if s == mc.CIS and (s, k) in entries]
        products = {r.cis: r for r in conn.execute(select(self.product).where(self.product.c.cis.in_(cis)))}
        codes: dict[str, list[tuple[str, str, str]]] = {}
        for r in conn.execute(select(c.system, c.code, c.display, c.cis).where(c.cis.in_(cis), c.system != mc.CIS)
                              .order_by(c.system, c.code)):
            codes.setdefault(r.cis, []).append((r.system, r.code, r.display))
        components: dict[str, list[drugs.Component]] = {}
        for r in conn.execute(select(self.component).where(self.component.c.cis.in_(cis))
                              .order_by(self.component.c.cis, self.component.c.seq)):
            components.setdefault(r.cis, []).append(drugs.Component(r.substance, r.name, r.dosage, r.reference,
                                                                    r.nature, r.link))
        out = []
        for key in keys:
            entry = entries.get(key)
            if entry is None:
                continue
            p = products.get(entry.cis) if entry.cis else None
            if p is None:
                out.append(Product(entry))
                continue
            out.append(Product(entry, form=p.form, routes=tuple(r for r in p.routes.split(";") if r),
                               status=p.status, marketed=p.marketed, generic_type=p.generic_type,
                               codes=tuple(codes.get(p.cis, ())), components=tuple(components.get(p.cis, ()))))
        return out

    def _entries(self):
        c, p = self.code.c, self.product.c
        return (select(c.system, c.code, c.display, c.cis, c.substances, c.source, p.generic_group)
                .select_from(self.code.outerjoin(self.product, p.cis == c.cis)))


def _entry(row) -> DrugEntry:  # noqa: ANN001 - a Row of DrugReference._entries
    groups = tuple((row.generic_group or "").split())
    return DrugEntry(row.system, row.code, row.display, row.cis, groups[0] if groups else None,
                     tuple(row.substances.split()), row.source, groups)


def _groups(entry: DrugEntry) -> set[str]:
    return set(entry.generic_groups) | ({entry.generic_group} if entry.generic_group else set())
