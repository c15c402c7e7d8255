"""Runner fixtures: the gateway over every registered service, in-process (tests/gateway/conftest.py), and a
:class:`~tests.scenarios.runner.support.Sandbox` that runs scenarios against it in fresh tenants.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.registry import DEFAULT_SERVICES
from tests.gateway.conftest import StartGateway
from tests.gateway.conftest import _clean_env as _clean_env  # noqa: F401 - the developer's SANDBOX_* kept out
from tests.gateway.conftest import gateway_data_dir as gateway_data_dir  # noqa: F401
from tests.gateway.conftest import start_gateway as start_gateway  # noqa: F401
from tests.scenarios.runner.support import Sandbox


@pytest.fixture
async def sandbox(start_gateway: StartGateway, tmp_path: Path) -> AsyncIterator[Sandbox]:  # noqa: F811
    async with start_gateway(services=DEFAULT_SERVICES) as client:
        yield Sandbox(client, tmp_path / "scenarios")

