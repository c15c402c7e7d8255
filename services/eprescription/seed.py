"""Seeding a tenant: nothing per tenant (prescriptions are made by journeys), the drug reference once.

The drug reference is shared by every tenant (it is public data): the built-in medicines are loaded on
the first seed, and the BDPM files of ``EPRESCRIPTION_BDPM_DIR`` when the reference holds none yet.
"""

from __future__ import annotations

from core.app import Census, Counts, Seeder, SeedRequest
from services.eprescription.settings import EprescriptionSettings
from services.eprescription.store import EprStore


def make_seeder(store: EprStore, settings: EprescriptionSettings) -> Seeder:
    def seed(_request: SeedRequest) -> Counts:
        """Make sure the drug reference is loaded (built-in set, and the BDPM directory of the settings)."""
        return store.drugs.ensure(settings.bdpm_dir)

    return seed


def make_census(store: EprStore) -> Census:
    def census(tenant: str) -> Counts:
        """How many resources of each type, and feeds to Mon espace santé by state, the tenant holds now."""
        return {**store.counts(tenant), **store.feeds.census(tenant)}

    return census
