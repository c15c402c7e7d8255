"""Fixtures of the Mon espace santé tests: a sandbox and a logged-in professional on a fresh tenant."""

from __future__ import annotations

import pytest

from tests.services.ms_espace_sante import support


@pytest.fixture
async def http(tmp_path):
    async for client in support.sandbox(tmp_path):
        yield client


@pytest.fixture
async def dmp(http) -> support.Dmp:
    return await support.Dmp.login(http)
