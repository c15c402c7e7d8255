"""The provider's single-use rules and savepoints on PostgreSQL (CI runs these; SQLite runs everything else)."""

from __future__ import annotations

import asyncio

import pytest

from tests.services.pro_sante_connect import support
from tests.services.pro_sante_connect.support import CIBA, PRACTICE, PRACTICE_REDIRECT, PROTOCOL, ROBERT


@pytest.fixture
async def pg_psc(postgres_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PRO_SANTE_CONNECT_DATABASE_URL", postgres_url)
    async for http in support.sandbox(tmp_path):
        assert http.gateway.state.services["pro-sante-connect"].app.state.db.engine.dialect.name == "postgresql"
        yield support.Psc(http, support.new_tenant())


async def test_codes_and_refresh_tokens_are_single_use_on_postgres(pg_psc):
    code = await pg_psc.code()
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": PRACTICE_REDIRECT}
    responses = await asyncio.gather(*(pg_psc.token(exchange) for _ in range(3)))
    assert sorted(r.status_code for r in responses) == [200, 400, 400]
    tokens = await pg_psc.login()
    rotated = await pg_psc.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    replay = await pg_psc.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    after = await pg_psc.token({"grant_type": "refresh_token", "refresh_token": rotated.json()["refresh_token"]})
    assert rotated.status_code == 200 and replay.json()["error"] == after.json()["error"] == "invalid_grant"


async def test_clients_ciba_and_keys_on_postgres(pg_psc):
    body = {"client_id": "pg-client", "grant_types": ["client_credentials"]}
    assert (await pg_psc.admin("POST", "/clients", json=body)).status_code == 201
    assert (await pg_psc.admin("POST", "/clients", json=body)).status_code == 409  # savepoint, then a clean 409
    ack = (await pg_psc.http.post(pg_psc.url(PROTOCOL + "/ext/ciba/auth"), auth=PRACTICE, data={
        "scope": "openid scope_all", "login_hint": ROBERT, "binding_message": "42"})).json()
    await pg_psc.http.post(pg_psc.url(f"/ecps/requests/{ack['auth_req_id']}/approve"))
    tokens = await pg_psc.token({"grant_type": CIBA, "auth_req_id": ack["auth_req_id"]})
    assert tokens.status_code == 200 and "id_token" in tokens.json()
    rotated = (await pg_psc.admin("POST", "/keys/rotate")).json()
    assert len(rotated["published"]) == 2
