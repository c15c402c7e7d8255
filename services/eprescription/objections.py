"""The patients' objections to their prescribers seeing the dispensing (digest §5.1: "the prescriber can see
deliveries unless the patient objects"), one row per tenant and INS, set with the citizen token
(routers/patient.py) and read by views.py on every prescriber's read.
"""

from __future__ import annotations

import time

from sqlalchemy import Boolean, Column, Connection, Float, String, Table, select

from core.db import Database


class Objections:
    def __init__(self, db: Database) -> None:
        self.table = Table(db.prefix + "objection", db.metadata, Column("tenant", String(40), primary_key=True),
                           Column("ins", String(15), primary_key=True), Column("objected", Boolean, nullable=False),
                           Column("updated_at", Float, nullable=False))

    def objected(self, conn: Connection, *, tenant: str, ins: str) -> bool:
        t = self.table
        row = conn.execute(select(t.c.objected).where(t.c.tenant == tenant, t.c.ins == ins)).first()
        return bool(row and row.objected)

    def state(self, conn: Connection, *, tenant: str, ins: str) -> tuple[bool, float | None]:
        """(objected, when it was last set) of one patient: (False, None) when never set."""
        t = self.table
        row = conn.execute(select(t.c.objected, t.c.updated_at).where(t.c.tenant == tenant, t.c.ins == ins)).first()
        return (bool(row.objected), row.updated_at) if row else (False, None)

    def set(self, conn: Connection, *, tenant: str, ins: str, objected: bool) -> float:
        t = self.table
        now = time.time()
        done = conn.execute(t.update().where(t.c.tenant == tenant, t.c.ins == ins)
                            .values(objected=objected, updated_at=now))
        if done.rowcount == 0:
            conn.execute(t.insert().values(tenant=tenant, ins=ins, objected=objected, updated_at=now))
        return now
