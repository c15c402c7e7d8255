"""Seeding a tenant: the named personas always, generated professionals on demand (DESIGN.md "Personas").

Both go through the kernel's bulk loader (one ``executemany`` per table and chunk, the same index rows
as an ordinary write) and skip what the tenant already holds, so a seed can run again: the personas at
every start-up, and the same ``seed``/``professionals`` give the same records on every run. Seeded
records have no history row: the directory offers no vread/_history, and it halves the disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from core.app import Census, Counts, Seeder, SeedRequest
from core.fhir.router import FhirService
from core.population.generator import professionals
from core.population.personas import personas
from services.annuaire_sante.resources import directory
from services.annuaire_sante.settings import AnnuaireSanteSettings

SLICE = 10_000  # professionals per write transaction (and per progress report)


def make_seeder(fhir: FhirService, settings: AnnuaireSanteSettings) -> Seeder:
    options = settings.build_options
    store = fhir.api.store

    def load(tenant: str, resources: Iterable[dict], added: dict[str, int]) -> None:
        with fhir.db.write() as conn:
            store.bulk_load(conn, tenant=tenant, resources=resources, skip_existing=True, history=False, tally=added)

    def seed(request: SeedRequest) -> Counts:
        """Load the tenant; answer how many resources of each type were added (what was there is skipped)."""
        added: dict[str, int] = {}
        population = personas()
        load(request.tenant, directory(population.organizations, population.professionals, options), added)
        if request.professionals:
            organizations, stream = professionals(request.seed, request.professionals)
            load(request.tenant, directory(organizations, (), options), added)
            # one transaction per slice keeps SQLite's write-ahead log small on a large seed; a seed
            # interrupted half-way is completed by running it again
            done = 0
            while batch := list(islice(stream, SLICE)):
                load(request.tenant, directory((), batch, options), added)
                done += len(batch)
                request.report(done, request.professionals)
        return added

    return seed


def make_census(fhir: FhirService) -> Census:
    def census(tenant: str) -> Counts:
        """How many resources of each type the tenant holds now."""
        with fhir.db.read() as conn:
            return fhir.api.store.counts(conn, tenant=tenant)

    return census
