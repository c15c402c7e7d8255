"""The outbox of documents for Mon espace santé (feeds.py delivers them): one row per document to feed.

A feed is written in the same transaction as what it reports (a prescription, a complete dispensing), so
nothing acknowledged is lost if Mon espace santé is down or the process stops: the row stays ``pending``
until Mon espace santé answers 200, then turns ``delivered`` with the DocumentReference it made. A feed
Mon espace santé refuses for good (a 4xx other than 401/408/429) turns ``refused`` with the reason, and
one that has failed ``EPRESCRIPTION_FEED_MAX_ATTEMPTS`` times ``failed``; both are listed for an organiser
(routers/admin.py) and retried by hand.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Float, Integer, String, Table, Text, func, select

from core.db import Database

PENDING, DELIVERED, REFUSED, FAILED = "pending", "delivered", "refused", "failed"
STATES = (PENDING, DELIVERED, REFUSED, FAILED)


@dataclass(frozen=True)
class Feed:
    tenant: str
    id: str
    number: str
    kind: str  # "prescription" (57833-6) or "dispensation" (60593-1)
    state: str
    attempts: int
    created_at: float
    next_at: float
    last_error: str | None
    document: str | None  # the DocumentReference id Mon espace santé gave, once delivered
    payload: dict  # what to send: the ITI-65 bundle, built when the feed was written

    def public(self) -> dict:
        """What the admin route and the printout show (not the payload)."""
        return {"id": self.id, "prescription": self.number, "kind": self.kind, "state": self.state,
                "attempts": self.attempts, "created": _iso(self.created_at),
                "nextAttempt": _iso(self.next_at) if self.state == PENDING else None, "lastError": self.last_error,
                "documentReference": self.document}


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class FeedStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.table = Table(
            db.prefix + "feed", db.metadata, Column("tenant", String(40), primary_key=True),
            Column("id", String(36), primary_key=True), Column("number", String(16), nullable=False, index=True),
            Column("kind", String(16), nullable=False), Column("state", String(12), nullable=False, index=True),
            Column("attempts", Integer, nullable=False), Column("created_at", Float, nullable=False),
            Column("next_at", Float, nullable=False), Column("last_error", Text, nullable=True),
            Column("document", String(64), nullable=True), Column("payload", Text, nullable=False))

    def add(self, conn: Connection, *, tenant: str, number: str, kind: str, payload: dict) -> str:
        fid = str(uuid.uuid4())
        now = time.time()
        conn.execute(self.table.insert().values(tenant=tenant, id=fid, number=number, kind=kind, state=PENDING,
                                                attempts=0, created_at=now, next_at=now, last_error=None,
                                                document=None, payload=json.dumps(payload, ensure_ascii=False)))
        return fid

    def _feed(self, row) -> Feed:  # noqa: ANN001 - a Row
        return Feed(row.tenant, row.id, row.number, row.kind, row.state, row.attempts, row.created_at, row.next_at,
                    row.last_error, row.document, json.loads(row.payload))

    def get(self, conn: Connection, *, tenant: str, fid: str) -> Feed | None:
        t = self.table
        row = conn.execute(select(t).where(t.c.tenant == tenant, t.c.id == fid)).first()
        return self._feed(row) if row else None

    def listed(self, conn: Connection, *, tenant: str, state: str | None = None, number: str | None = None,
               limit: int = 100) -> list[Feed]:
        t = self.table
        query = select(t).where(t.c.tenant == tenant)
        if state:
            query = query.where(t.c.state == state)
        if number:
            query = query.where(t.c.number == number)
        return [self._feed(r) for r in conn.execute(query.order_by(t.c.created_at, t.c.id).limit(limit))]

    def due(self, conn: Connection, *, now: float, limit: int = 50) -> list[Feed]:
        """Pending feeds of every tenant whose next attempt is due, oldest first."""
        t = self.table
        query = select(t).where(t.c.state == PENDING, t.c.next_at <= now).order_by(t.c.next_at).limit(limit)
        return [self._feed(r) for r in conn.execute(query)]

    def claim(self, conn: Connection, feed: Feed, *, lease: float) -> bool:
        """Take ``feed`` for one attempt (its next attempt moved ``lease`` seconds on), unless another attempt
        took it since it was read: the retry loop, the delivery right after the commit and other workers
        never send one document twice at once."""
        t = self.table
        taken = conn.execute(t.update().where(t.c.tenant == feed.tenant, t.c.id == feed.id, t.c.state == PENDING,
                                              t.c.next_at == feed.next_at).values(next_at=time.time() + lease))
        return taken.rowcount == 1

    def delivered(self, conn: Connection, feed: Feed, document: str | None) -> None:
        self._set(conn, feed, state=DELIVERED, attempts=feed.attempts + 1, last_error=None, document=document)

    def failed(self, conn: Connection, feed: Feed, error: str, *, final: bool, retry_in: float,
               max_attempts: int) -> None:
        attempts = feed.attempts + 1
        state = REFUSED if final else FAILED if attempts >= max_attempts else PENDING
        self._set(conn, feed, state=state, attempts=attempts, last_error=error[:1000],
                  next_at=time.time() + retry_in)

    def requeue(self, conn: Connection, *, tenant: str, fid: str | None = None) -> int:
        """Make failed, refused and pending feeds due now (one, or every one of the tenant): a retry by hand."""
        t = self.table
        query = t.update().where(t.c.tenant == tenant, t.c.state != DELIVERED)
        if fid:
            query = query.where(t.c.id == fid)
        return conn.execute(query.values(state=PENDING, next_at=time.time())).rowcount

    def _set(self, conn: Connection, feed: Feed, **values) -> None:  # noqa: ANN003 - column values
        t = self.table
        conn.execute(t.update().where(t.c.tenant == feed.tenant, t.c.id == feed.id).values(**values))

    def census(self, tenant: str) -> dict[str, int]:
        t = self.table
        with self.db.read() as conn:
            rows = conn.execute(select(t.c.state, func.count()).where(t.c.tenant == tenant).group_by(t.c.state))
            counts = dict(rows.all())
        return {f"feeds {state}": counts.get(state, 0) for state in STATES}
