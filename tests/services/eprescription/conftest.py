"""Fixtures of the ordonnance numérique tests: a whole sandbox in-process and a fresh tenant per test."""

from __future__ import annotations

import pytest

from tests.services.eprescription import support
from tests.services.pro_sante_connect import support as psc_support


@pytest.fixture
async def http(tmp_path):
    async for client in support.sandbox(tmp_path):
        yield client


@pytest.fixture
def tenant() -> str:
    return psc_support.new_tenant()


@pytest.fixture
async def gp(http, tenant) -> support.Actor:
    return await support.professional(http, tenant, support.LEROY)


@pytest.fixture
async def pharmacist(http, tenant) -> support.Actor:
    return await support.professional(http, tenant, support.GIRARD)
