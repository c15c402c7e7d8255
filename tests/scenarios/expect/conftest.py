"""Real bodies for the assertion tests: one in-process sandbox (INSi, Annuaire, PSC) asked once per module.

Bodies come from the services themselves, not from hand-written fixtures, so the assertions are proven
on what a scenario will really read: an INSi SOAP answer and fault, an Annuaire searchset, a PSC token
answer, an OAuth error, and the gateway's record of the INSi exchange.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from core.settings import SandboxSettings
from gateway.app import create_app
from scenarios.expect import Response
from tests.services.ins_teleservice.support import TRAITS, envelope, traits_body

BASE = "http://sandbox.test"
PSC_TOKEN = "/pro-sante-connect/auth/realms/esante-wallet/protocol/openid-connect/token"
ANNUAIRE = "/annuaire-sante/fhir/v2"
SOAP = "application/soap+xml; charset=utf-8"


async def collect(data_dir: Path) -> dict[str, object]:
    app = create_app(SandboxSettings(data_dir=data_dir, public_url=BASE))
    found: dict[str, object] = {}
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
            soap = {"content-type": f'{SOAP}; action="{TRAITS}"'}
            found["insi"] = await client.post("/ins-teleservice/lps", headers=soap, content=envelope(
                traits_body("ADRUN", "ZOE", sex="F", birth_date="1975-12-31")))
            found["insi_fault"] = await client.post("/ins-teleservice/lps", headers=soap,
                                                    content=envelope(traits_body("ADRUN"), idam="UNKNOWN"))
            found["annuaire"] = await client.get(f"{ANNUAIRE}/Practitioner", params={"name:family": "LEROY"},
                                                 headers={"ESANTE-API-KEY": "sandbox-demo-key"})
            found["token"] = await client.post(PSC_TOKEN, data={"grant_type": "client_credentials"},
                                               auth=("sandbox-practice-software", "sandbox-practice-secret"))
            found["oauth_error"] = await client.post(PSC_TOKEN, data={"grant_type": "password"},
                                                     auth=("sandbox-practice-software", "sandbox-practice-secret"))
            listed = (await client.get("/_admin/exchanges", params={"service": "ins-teleservice"})).json()
            first = listed["exchanges"][-1]["id"]  # newest first: the last is the CR 00 search
            found["recorded"] = (await client.get(f"/_admin/exchanges/{first}")).json()
    return {name: Response.from_httpx(value) if isinstance(value, httpx.Response) else value
            for name, value in found.items()}


@pytest.fixture(scope="package")
def bodies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return asyncio.run(collect(tmp_path_factory.mktemp("expect-sandbox")))
