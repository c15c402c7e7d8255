"""Fault injection through the gateway (gateway/faults.py, gateway/fault_admin.py) over the real services."""

from __future__ import annotations

import asyncio
import marshal

import httpx
import pytest
from sqlalchemy import create_engine, text

from core.codes import Code
from gateway.registry import DEFAULT_SERVICES
from services.annuaire_sante.settings import DEMO_API_KEY
from tests.e2e.conftest import serve_gateway
from tests.gateway.test_client_cert import ADRUN, SOAP
from tests.gateway.test_recorder import entry, journal
from tests.outcomes import assert_outcome
from tests.services.ins_teleservice.support import cr, envelope, fault

TOKEN = "s3cret-admin"
LPS = "/ins-teleservice/lps"
ANNUAIRE = {"ESANTE-API-KEY": DEMO_API_KEY}
PRACTITIONERS = "/annuaire-sante/fhir/v2/Practitioner"
ISS = "/pro-sante-connect/auth/realms/esante-wallet/protocol/openid-connect"
CLIENT = {"grant_type": "client_credentials", "client_id": "sandbox-practice-software",
          "client_secret": "sandbox-practice-secret"}


@pytest.fixture
async def sandbox(start_gateway):
    async with start_gateway(services=DEFAULT_SERVICES) as client:
        yield client


async def search(client: httpx.AsyncClient, prefix: str = "") -> httpx.Response:
    return await client.post(prefix + LPS, content=envelope(ADRUN).encode(), headers=SOAP)


async def add(client: httpx.AsyncClient, rule: dict, prefix: str = "", **kwargs) -> dict:
    response = await client.post(f"{prefix}/_admin/faults", json=rule, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


async def test_insi_answers_a_soap_fault_for_the_next_three_searches_then_recovers(sandbox) -> None:
    """Journey 5 of issue 11: the vendor's software sees the outage, then the service again."""
    rule = await add(sandbox, {"service": "ins-teleservice", "method": "POST", "path": "/lps", "status": 503,
                               "count": 3})
    assert (rule["remaining_count"], rule["applied"]) == (3, 0)
    assert (await sandbox.get(f"/_admin/faults/{rule['id']}")).json()["remaining_count"] == 3
    for left in (2, 1, 0):
        faulted = await search(sandbox)
        assert faulted.headers["content-type"].startswith("application/soap+xml")
        parts = fault(faulted, 503)
        assert (parts["value"], parts["subcodes"]) == ("soap:Receiver", [f"soap:{Code.FAULT_INJECTED}"])
        listed = (await sandbox.get("/_admin/faults")).json()
        assert [r["remaining_count"] for r in listed["faults"]] == ([left] if left else [])
    assert_outcome(await sandbox.get(f"/_admin/faults/{rule['id']}"), 404, Code.UNKNOWN_FAULT_RULE)
    assert cr(await search(sandbox)) == "00"


async def test_a_client_error_status_is_a_sender_fault_on_soap_and_an_outcome_on_the_fhir_facade(sandbox) -> None:
    await add(sandbox, {"service": "ins-teleservice", "status": 429})
    parts = fault(await search(sandbox), 429)
    assert parts["value"] == "soap:Sender"
    assert_outcome(await sandbox.get("/ins-teleservice/fhir/metadata"), 429, Code.FAULT_INJECTED)


async def test_the_annuaire_answers_an_operation_outcome_on_the_paths_the_pattern_names(sandbox) -> None:
    await add(sandbox, {"service": "annuaire-sante", "method": "GET", "path": "/fhir/v2/Practitioner*",
                        "status": 500})
    outcome = assert_outcome(await sandbox.get(PRACTITIONERS, headers=ANNUAIRE), 500, Code.FAULT_INJECTED)
    assert outcome["issue"][0]["code"] == "transient"
    assert_outcome(await sandbox.get(PRACTITIONERS + "/x", headers=ANNUAIRE), 500, Code.FAULT_INJECTED)
    assert (await sandbox.get("/annuaire-sante/fhir/v2/Organization", headers=ANNUAIRE)).status_code == 200


async def test_pro_sante_connect_answers_an_oauth_error(sandbox) -> None:
    await add(sandbox, {"service": "pro-sante-connect", "path": "*/token", "status": 503, "count": 1})
    await add(sandbox, {"service": "pro-sante-connect", "path": "*/token", "status": 400, "count": 1})
    unavailable = await sandbox.post(ISS + "/token", data=CLIENT)
    assert (unavailable.status_code, unavailable.json()["error"]) == (503, "temporarily_unavailable")
    assert unavailable.headers["cache-control"] == "no-store"
    refused = await sandbox.post(ISS + "/token", data=CLIENT)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_request")
    tokens = await sandbox.post(ISS + "/token", data=CLIENT)
    assert tokens.status_code == 200 and tokens.json()["access_token"]


async def test_expired_tokens_get_the_rfc_6750_challenge_in_each_services_form(sandbox) -> None:
    token = (await sandbox.post(ISS + "/token", data=CLIENT)).json()["access_token"]
    bearer = {"authorization": f"Bearer {token}"}
    await add(sandbox, {"service": "pro-sante-connect", "expire_tokens": True, "count": 1})
    await add(sandbox, {"service": "annuaire-sante", "expire_tokens": True, "count": 1})
    userinfo = await sandbox.get(ISS + "/userinfo", headers=bearer)
    assert (userinfo.status_code, userinfo.json()["error"]) == (401, "invalid_token")
    assert userinfo.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    # a request without a Bearer token is not caught and does not spend the rule
    assert (await sandbox.get("/annuaire-sante/fhir/v2/Organization", headers=ANNUAIRE)).status_code == 200
    expired = await sandbox.get("/annuaire-sante/fhir/v2/Organization", headers={**ANNUAIRE, **bearer})
    assert_outcome(expired, 401, Code.TOKEN_EXPIRED)
    assert 'error="invalid_token"' in expired.headers["www-authenticate"]
    assert (await sandbox.get("/_admin/faults")).json()["count"] == 0


async def test_latency_delays_the_request_then_calls_the_service(sandbox, monkeypatch) -> None:
    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr("gateway.faults.asyncio.sleep", sleep)
    await add(sandbox, {"service": "ins-teleservice", "latency_ms": 1500, "count": 1})
    await add(sandbox, {"service": "annuaire-sante", "latency_ms": 250, "status": 504, "count": 1})
    assert cr(await search(sandbox)) == "00"
    assert_outcome(await sandbox.get(PRACTITIONERS, headers=ANNUAIRE), 504, Code.FAULT_INJECTED)
    assert slept == [1.5, 0.25]


async def test_latency_really_waits(sandbox) -> None:
    await add(sandbox, {"service": "ins-teleservice", "latency_ms": 300, "count": 1})
    started = asyncio.get_running_loop().time()
    assert cr(await search(sandbox)) == "00"
    assert asyncio.get_running_loop().time() - started >= 0.3  # a lower bound only: never flaky


async def test_a_dropped_connection_raises_in_process_and_is_recorded_without_a_status(sandbox) -> None:
    rule = await add(sandbox, {"service": "ins-teleservice", "drop": True, "count": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        await search(sandbox)
    assert cr(await search(sandbox)) == "00"
    dropped = (await sandbox.get("/_admin/exchanges?service=ins-teleservice")).json()["exchanges"][-1]
    assert dropped["status"] == 0
    assert dropped["fault"]["id"] == rule["id"] and dropped["fault"]["drop"] is True


def test_a_dropped_connection_under_uvicorn_closes_without_a_response(tmp_path) -> None:
    with serve_gateway(tmp_path, DEFAULT_SERVICES) as base, httpx.Client(base_url=base) as client:
        added = client.post("/_admin/faults", json={"service": "ins-teleservice", "drop": True, "count": 1})
        assert added.status_code == 201
        # the body is read first, so the close is a plain one; a reset (ReadError) would still be a drop
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post(LPS, content=envelope(ADRUN).encode(), headers=SOAP)
        assert cr(client.post(LPS, content=envelope(ADRUN).encode(), headers=SOAP)) == "00"


async def test_the_count_is_exact_under_concurrent_requests(sandbox) -> None:
    await add(sandbox, {"service": "ins-teleservice", "path": "/fhir/metadata", "status": 503, "count": 5,
                        "latency_ms": 20})
    answers = await asyncio.gather(*(sandbox.get("/ins-teleservice/fhir/metadata") for _ in range(20)))
    assert sorted(r.status_code for r in answers) == [200] * 15 + [503] * 5


async def test_faults_are_recorded_with_the_exchange_they_affected(sandbox) -> None:
    rule = await add(sandbox, {"service": "ins-teleservice", "path": "/lps", "status": 503, "count": 1})
    await search(sandbox)
    await search(sandbox)
    healthy, faulted = (await sandbox.get("/_admin/exchanges?service=ins-teleservice")).json()["exchanges"]
    assert healthy["fault"] is None and healthy["status"] == 200
    assert faulted["status"] == 503
    assert faulted["fault"] == {"id": rule["id"], "service": "ins-teleservice", "path": "/lps", "status": 503,
                                "count": 1}
    detail = (await sandbox.get(f"/_admin/exchanges/{faulted['id']}")).json()
    assert detail["fault"]["id"] == rule["id"] and "<soap:Fault>" in detail["response_body"]
    metrics = (await sandbox.get("/metrics")).text
    assert 'sandbox_faults_total{kind="status",service="ins-teleservice"} 1.0' in metrics


async def test_a_rule_of_one_tenant_never_affects_another(sandbox) -> None:
    rule = await add(sandbox, {"service": "ins-teleservice", "status": 503}, prefix="/t/team-a")
    assert fault(await search(sandbox, "/t/team-a"), 503)["value"] == "soap:Receiver"
    assert cr(await search(sandbox)) == "00"
    assert cr(await search(sandbox, "/t/team-b")) == "00"
    assert (await sandbox.get("/t/team-b/_admin/faults")).json()["count"] == 0
    assert (await sandbox.get("/_admin/faults")).json()["count"] == 0
    assert_outcome(await sandbox.get(f"/t/team-b/_admin/faults/{rule['id']}"), 404, Code.UNKNOWN_FAULT_RULE)
    assert_outcome(await sandbox.delete(f"/_admin/faults/{rule['id']}"), 404, Code.UNKNOWN_FAULT_RULE)
    listed = (await sandbox.get("/t/team-a/_admin/faults")).json()
    assert (listed["tenant"], [r["id"] for r in listed["faults"]]) == ("team-a", [rule["id"]])
    team_b = (await sandbox.get("/t/team-b/_admin/exchanges?service=ins-teleservice")).json()["exchanges"]
    assert [x["fault"] for x in team_b] == [None]


async def test_reset_and_delete_clear_the_tenants_rules(sandbox) -> None:
    await add(sandbox, {"service": "ins-teleservice", "status": 503}, prefix="/t/team-a")
    await add(sandbox, {"service": "ins-teleservice", "status": 503}, prefix="/t/team-b")
    assert (await sandbox.post("/_admin/tenants/team-a/reset")).status_code == 200
    assert (await sandbox.get("/t/team-a/_admin/faults")).json()["count"] == 0
    assert cr(await search(sandbox, "/t/team-a")) == "00"
    assert (await sandbox.delete("/_admin/tenants/team-b")).status_code == 204
    assert_outcome(await sandbox.get("/t/team-b/_admin/faults"), 404, Code.UNKNOWN_TENANT)
    assert cr(await search(sandbox, "/t/team-b")) == "00"  # created again on first use, without the rule


async def test_one_rule_is_read_and_deleted_and_all_are_cleared(sandbox) -> None:
    first = await add(sandbox, {"service": "ins-teleservice", "status": 503, "seconds": 60})
    await add(sandbox, {"service": "annuaire-sante", "status": 503})
    one = (await sandbox.get(f"/_admin/faults/{first['id']}")).json()
    assert one["seconds"] == 60 and 0 < one["remaining_seconds"] <= 60
    assert (await sandbox.delete(f"/_admin/faults/{first['id']}")).status_code == 204
    assert_outcome(await sandbox.delete(f"/_admin/faults/{first['id']}"), 404, Code.UNKNOWN_FAULT_RULE)
    assert (await sandbox.get("/_admin/faults")).json()["count"] == 1
    assert (await sandbox.delete("/_admin/faults")).status_code == 204
    assert (await sandbox.get("/_admin/faults")).json()["count"] == 0


@pytest.mark.parametrize(("body", "content_type", "status", "code"), [
    (b'{"service": "nope", "status": 503}', "application/json", 400, Code.BAD_FAULT_RULE),
    (b'{"service": "ins-teleservice", "status": 503, "drop": true}', "application/json", 400, Code.BAD_FAULT_RULE),
    (b'{"service": "ins-teleservice", "latency_ms": 600001}', "application/json", 400, Code.BAD_FAULT_RULE),
    (b'{"service": "ins-teleservice", "status": 503, "count": -2}', "application/json", 400, Code.BAD_FAULT_RULE),
    (b'["ins-teleservice"]', "application/json", 400, Code.BAD_FAULT_RULE),
    (b'{"service": "ins-teleservice", "service": "x", "status": 503}', "application/json", 400,
     Code.MALFORMED_JSON),
    (b"{", "application/json", 400, Code.MALFORMED_JSON),
    (b"", "application/json", 400, Code.MALFORMED_JSON),
    (b'{"service": "ins-teleservice", "status": NaN}', "application/json", 400, Code.MALFORMED_JSON),
    (b"\xff\xfe", "application/json", 400, Code.MALFORMED_JSON),
    (b'{"a":' + b"[" * 1000 + b"]" * 1000 + b"}", "application/json", 400, Code.JSON_TOO_DEEP),
    (b'{"service": "ins-teleservice", "status": 503}', "text/plain", 415, Code.UNSUPPORTED_MEDIA_TYPE),
    (b'{"service": "' + b"x" * 70_000 + b'"}', "application/json", 413, Code.BODY_TOO_LARGE),
])
async def test_bad_rules_get_precise_errors(sandbox, body, content_type, status, code) -> None:
    for prefix in ("", "/t/team-a"):
        response = await sandbox.post(f"{prefix}/_admin/faults", content=body, headers={"content-type": content_type})
        assert_outcome(response, status, code)
    assert (await sandbox.get("/_admin/faults")).json()["count"] == 0


async def test_a_bad_tenant_name_is_refused(sandbox) -> None:
    assert_outcome(await sandbox.post("/t/Bad_Name/_admin/faults", json={"service": "ins-teleservice",
                                                                         "status": 503}), 400, Code.BAD_TENANT)


async def test_with_an_admin_token_rules_need_it_and_an_existing_tenant(start_gateway) -> None:
    auth = {"authorization": f"Bearer {TOKEN}"}
    rule = {"service": "ins-teleservice", "status": 503}
    async with start_gateway(services=DEFAULT_SERVICES, admin_token=TOKEN) as client:
        assert_outcome(await client.post("/_admin/faults", json=rule), 401, Code.ADMIN_TOKEN_REQUIRED)
        assert_outcome(await client.post("/_admin/faults", content=b"{", headers={"content-type": "application/json"}),
                       401, Code.ADMIN_TOKEN_REQUIRED)
        assert_outcome(await client.post("/t/team-a/_admin/faults", json=rule, headers=auth), 404,
                       Code.TENANT_NOT_CREATED)
        assert_outcome(await client.get("/t/team-a/_admin/faults", headers=auth), 404, Code.UNKNOWN_TENANT)
        await add(client, rule, headers=auth)
        assert (await client.get("/_admin/faults", headers=auth)).json()["count"] == 1


async def test_an_older_data_directory_gets_the_fault_column(start_gateway, gateway_data_dir) -> None:
    gateway_data_dir.mkdir(parents=True)
    engine = create_engine(f"sqlite:///{gateway_data_dir / 'gateway.db'}")
    with engine.begin() as conn:  # the table as the gateway created it before fault injection
        conn.execute(text("CREATE TABLE gateway_exchanges (id VARCHAR(32) PRIMARY KEY, tenant VARCHAR(40) NOT NULL, "
                          "request_id VARCHAR(128), service VARCHAR(64), method VARCHAR(16) NOT NULL, path TEXT NOT "
                          "NULL, query TEXT NOT NULL, status INTEGER NOT NULL, duration_ms FLOAT NOT NULL, actor "
                          "VARCHAR(255), started FLOAT NOT NULL, detail BLOB NOT NULL)"))
        conn.execute(text("INSERT INTO gateway_exchanges VALUES ('0190000000007000800000000000000a', 'default', "
                          "'r1', 'demo-service', 'GET', '/demo-service/x', '', 200, 1.0, NULL, 1700000000.0, x'00')"))
    engine.dispose()
    async with start_gateway() as client:
        old = (await client.get("/_admin/exchanges")).json()["exchanges"]
        assert [(x["request_id"], x["fault"]) for x in old] == [("r1", None)]
        await add(client, {"service": "demo-service", "status": 502, "count": 1})
        assert (await client.get("/demo-service/notes/marker")).status_code == 502
        newest = (await client.get("/_admin/exchanges")).json()["exchanges"][0]
        assert newest["fault"]["status"] == 502


@pytest.mark.parametrize("rule", [{"drop": True}, {"status": 503}], ids=["drop", "status"])
async def test_a_fault_on_the_annuaire_reaches_the_services_that_call_it(sandbox, rule) -> None:
    """Pro Santé Connect reads the Annuaire through the gateway (core/peers.py): its login page says it is down."""
    login = ("/pro-sante-connect/wallet/auth?response_type=code&client_id=sandbox-practice-software"
             "&redirect_uri=http://localhost:3000/callback&scope=openid%20scope_all&acr_values=eidas1&state=s"
             "&nonce=n&login_hint=899700218896")
    await add(sandbox, {"service": "annuaire-sante", "count": 1, **rule})
    assert (await sandbox.get(login)).status_code == 503
    peer = (await sandbox.get("/_admin/exchanges?service=annuaire-sante")).json()["exchanges"][0]
    assert peer["fault"]["service"] == "annuaire-sante" and peer["status"] == (0 if "drop" in rule else 503)
    assert (await sandbox.get(login)).status_code == 302


async def test_the_exchanges_list_filters_on_faulted(sandbox) -> None:
    rule = await add(sandbox, {"service": "ins-teleservice", "status": 503, "count": 1}, prefix="/t/team-a")
    await search(sandbox, "/t/team-a")
    await search(sandbox, "/t/team-a")
    faulted = (await sandbox.get("/t/team-a/_admin/exchanges?faulted=true")).json()["exchanges"]
    assert [(x["status"], x["fault"]["id"]) for x in faulted] == [(503, rule["id"])]
    healthy = (await sandbox.get("/_admin/exchanges?tenant=team-a&service=ins-teleservice&faulted=false")).json()
    assert [(x["status"], x["fault"]) for x in healthy["exchanges"]] == [(200, None)]
    assert_outcome(await sandbox.get("/_admin/exchanges?faulted=maybe"), 400, Code.BAD_PARAMETER)


async def test_journal_entries_of_an_older_version_replay_without_a_fault(start_gateway) -> None:
    """A data directory's journal may hold entries recorded before fault injection (16 values, no fault)."""
    async with start_gateway() as client:
        await client.gateway.state.recorder.flush()
        older = entry("before-faults")
        assert len(older) == 16
        journal(client.gateway.state.db, marshal.dumps([older]))
        client.gateway.state.recorder.journal = 1
        replayed = (await client.get("/_admin/exchanges")).json()["exchanges"]
        assert [(x["request_id"], x["fault"]) for x in replayed] == [("before-faults", None)]
