"""Seeding a tenant: the CNDA personas always (idempotent), plus a generated population in bulk.

Generated people come from :mod:`core.population.generator` with the request's seed, so every service
seeding the same tenant agrees on who exists. They are written with the driver's ``executemany`` in one
transaction, in chunks, reporting progress through :meth:`SeedRequest.report`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from sqlalchemy import Connection

from core.app import Counts, SeedRequest
from core.db import Database
from core.population.model import Patient
from core.population.personas import personas
from services.ins_teleservice import store
from services.ins_teleservice.identity import Identity, from_patient, generated_rows

CHUNK = 20_000


def persona_identities() -> list[Identity]:
    """The named personas INSi knows (HOUILLES, never found, is not stored at all)."""
    return [i for i in (from_patient(p, "persona") for p in personas().patients) if i is not None]


def generated_patients(count: int, seed: int) -> Iterator[Patient]:
    from core.population.generator import patients  # imported late: its tables cost 0.1 s

    return patients(seed, count)


def chunks(people: Iterable[Patient], size: int) -> Iterator[list[Patient]]:
    it = iter(people)
    while batch := list(islice(it, size)):
        yield batch


class Seeder:
    """The ``seed`` callable given to the kernel's app factory."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def __call__(self, request: SeedRequest) -> Counts:
        """Load the tenant; answer how many identities were added (personas and generated ones)."""
        tenant, added = request.tenant, 0
        with self.db.write() as conn:
            named = persona_identities()
            present = store.existing_pids(conn, tenant=tenant, pids=[p.pid for p in named])
            for person in named:
                if person.pid not in present:
                    try:
                        store.insert_identity(conn, tenant=tenant, person=person)
                        added += 1
                    except store.DuplicateIdentity:
                        pass  # its INS was given to an identity added through the admin API
            if request.patients:
                added += self._generated(conn, request)
        return {"identities": added}

    def census(self, tenant: str) -> Counts:
        """How many identities the tenant holds now (seeded or added through the admin API)."""
        with self.db.read() as conn:
            return {"identities": store.count_identities(conn, tenant=tenant)}

    def _generated(self, conn: Connection, request: SeedRequest) -> int:
        from core.population.generator import gc_paused

        with gc_paused():  # a million short-lived records: collections would walk them for nothing
            return self._load(conn, request)

    def _load(self, conn: Connection, request: SeedRequest) -> int:
        total, done, inserted = request.patients, 0, 0
        request.report(0, total)
        for batch in chunks(generated_patients(total, request.seed), CHUNK):
            identities, histories = [], []
            for patient in batch:
                if patient.ins is not None:
                    row, former = generated_rows(patient, request.tenant)
                    identities.append(row)
                    histories.extend(former)
            inserted += store.bulk_insert(conn, identities=identities, histories=histories)
            done += len(batch)
            request.report(done, total)
        return inserted
