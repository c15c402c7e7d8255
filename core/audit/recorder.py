"""Writing AuditEvents through a service's FHIR store, in the request's transaction when it has one.

:meth:`Audit.write` stores on the caller's connection: inside the request's write transaction the trace
commits or rolls back with the write it describes (a rejected request leaves nothing behind). Without a
connection, :meth:`Audit.record` opens its own write transaction in a worker thread (reads, searches and
refusals, which write nothing else); inside a ``Database.atomic`` block that transaction joins the block.
An event carrying a service's own elements is validated with the R4 model (core/fhir/models) before it is
stored; the builder's output is valid by construction (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

from anyio import to_thread
from sqlalchemy import Connection

from core.audit.events import Access, audit_event
from core.db import Database
from core.fhir.interactions import FhirApi, FhirContext
from core.fhir.models import validate_resource
from core.fhir.store import Stored
from core.oidc.principals import Principal


@dataclass
class Audit:
    """The audit trail of one service: its FHIR API (whose spec declares ``AUDIT_EVENT``), db and slug."""

    api: FhirApi
    db: Database
    source: str  # the service slug, e.g. "ms-espace-sante"

    def __post_init__(self) -> None:
        if "AuditEvent" not in self.api.spec.by_type:
            raise ValueError(f"{self.source}'s FhirSpec must declare core.audit.AUDIT_EVENT to record AuditEvents")

    def build(self, principal: Principal | None, access: Access) -> dict:
        """The AuditEvent of ``access``; validated with the R4 model when the service adds elements of its own
        (``Access.extra``: raises if they make it invalid). The builder's own output is valid by construction,
        for any principal and any text (a property test, tests/core/audit), so it is not validated again on
        every read: that took ~0.5 ms, a tenth of a traced search."""
        event = audit_event(principal, access, source=self.source)
        return validate_resource(event, "AuditEvent") if access.extra else event

    def write(self, conn: Connection, ctx: FhirContext, principal: Principal | None, access: Access) -> Stored:
        """Store the event on ``conn`` (the request's write transaction)."""
        event = self.build(principal, access)
        return self.api.store.create(conn, tenant=ctx.tenant, resource=event, rid=event["id"],
                                     base_urls=ctx.base_urls)

    def write_own(self, ctx: FhirContext, principal: Principal | None, access: Access) -> Stored:
        """Store the event in a write transaction of its own (joins an open ``atomic`` block)."""
        with self.db.write() as conn:
            return self.write(conn, ctx, principal, access)

    async def record(self, ctx: FhirContext, principal: Principal | None, access: Access, *,
                     conn: Connection | None = None) -> Stored:
        """Record ``access``: on ``conn`` when given (same transaction), else in its own transaction."""
        if conn is not None:
            return self.write(conn, ctx, principal, access)
        return await to_thread.run_sync(self.write_own, ctx, principal, access)
