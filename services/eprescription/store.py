"""The ordonnance numérique's store: the kernel's FHIR store (spec.py), the drug reference, the feeds.

A thin handle the routes share: the kernel's ``FhirApi`` (on a connection the caller opens), the database
(one write transaction per request, so a refused request stores nothing), the AuditEvents of every
consultation (core/audit), the drug reference (drug_reference.py), the patients' objections (objections.py)
and the outbox of documents for Mon espace santé (feeds.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from sqlalchemy import Connection

from core.audit import Audit
from core.db import Database
from core.fhir.interactions import FhirApi, FhirContext
from core.fhir.router import FhirService
from core.fhir.store import Stored
from services.eprescription.drug_reference import DrugReference
from services.eprescription.feed_store import FeedStore
from services.eprescription.numbers import SYSTEM
from services.eprescription.objections import Objections

MAX_LINES = 500  # settings.max_lines is at most this


@dataclass
class EprStore:
    fhir: FhirService
    audit: Audit = field(init=False)
    drugs: DrugReference = field(init=False)
    feeds: FeedStore = field(init=False)
    objections: Objections = field(init=False)

    def __post_init__(self) -> None:
        self.audit = Audit(self.fhir.api, self.fhir.db, self.fhir.spec.name)
        self.drugs = DrugReference(self.fhir.db)
        self.feeds = FeedStore(self.fhir.db)
        self.objections = Objections(self.fhir.db)

    @property
    def api(self) -> FhirApi:
        return self.fhir.api

    @property
    def db(self) -> Database:
        return self.fhir.db

    def context(self, request: Request) -> FhirContext:
        return self.fhir.context(request)

    def lines(self, conn: Connection, ctx: FhirContext, number: str) -> list[Stored]:
        """The MedicationRequest lines of prescription ``number`` (canonical), in their order (ids
        ``<number>-001``, ``-002`` ...: prescribing.py)."""
        return self.api.store.by_token(conn, tenant=ctx.tenant, rtype="MedicationRequest", param="group-identifier",
                                       value=f"{SYSTEM}|{number}", limit=MAX_LINES)

    def counts(self, tenant: str) -> dict[str, int]:
        with self.db.read() as conn:
            return self.api.store.counts(conn, tenant=tenant)

