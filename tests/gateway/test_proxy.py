"""Routing through the gateway: tenants in the URL, rewritten scope, request ids, body limit, errors."""

from __future__ import annotations

import httpx

from core.codes import Code
from tests.gateway.support import GENERATED_ID
from tests.outcomes import assert_outcome


async def test_default_tenant_reaches_the_service_seeded(gateway_client: httpx.AsyncClient) -> None:
    response = await gateway_client.get("/demo-service/notes/marker")
    assert response.status_code == 200
    assert response.json()["value"] == "seeded"


async def test_tenants_have_isolated_data(gateway_client: httpx.AsyncClient) -> None:
    assert (await gateway_client.put("/demo-service/notes/a", content="default-a")).status_code == 201
    assert (await gateway_client.put("/t/team-a/demo-service/notes/a", content="team-a-a")).status_code == 201

    assert (await gateway_client.get("/demo-service/notes/a")).json()["value"] == "default-a"
    assert (await gateway_client.get("/t/team-a/demo-service/notes/a")).json()["value"] == "team-a-a"
    assert (await gateway_client.get("/t/team-b/demo-service/notes/a")).status_code == 404


async def test_client_tenant_header_is_replaced_by_the_url_tenant(gateway_client: httpx.AsyncClient) -> None:
    await gateway_client.put("/t/team-a/demo-service/notes/secret", content="team-a only")
    response = await gateway_client.get("/demo-service/notes/secret", headers={"x-sandbox-tenant": "team-a"})
    assert response.status_code == 404
    echo = (await gateway_client.get("/demo-service/echo", headers={"x-sandbox-tenant": "team-a"})).json()
    assert echo["headers"]["x-sandbox-tenant"] == "default"


async def test_service_sees_its_prefix_as_root_path_and_forwarded_headers(gateway_client) -> None:
    response = await gateway_client.get(
        "/t/team-a/demo-service/echo?q=1", headers={"x-forwarded-for": "10.0.0.1", "x-forwarded-host": "evil"}
    )
    echo = response.json()
    assert echo["root_path"] == "/t/team-a/demo-service"
    assert echo["url"] == "http://sandbox.test/t/team-a/demo-service/echo?q=1"
    assert echo["query"] == "q=1"
    headers = echo["headers"]
    assert headers["x-sandbox-tenant"] == "team-a"
    assert headers["x-forwarded-for"] == "10.0.0.1, 127.0.0.1"
    assert headers["x-forwarded-host"] == "sandbox.test"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-prefix"] == "/t/team-a/demo-service"


GATEWAY_SET = {"x-sandbox-tenant": "team-b", "x-forwarded-proto": "https", "x-forwarded-prefix": "/evil",
               "x-forwarded-host": "evil.example"}
CLIENT_CERT = {"x-ssl-client-cn": "INSI-AUTO", "x-ssl-client-verify": "SUCCESS",
               "x-forwarded-client-cert": "Hash=abc;Subject=\"CN=INSI-AUTO\""}


async def test_headers_the_gateway_sets_are_never_taken_from_the_client(gateway_client) -> None:
    echo = (await gateway_client.get("/t/team-a/demo-service/echo", headers={**GATEWAY_SET, **CLIENT_CERT})).json()
    headers = echo["headers"]
    assert {name: headers.get(name) for name in GATEWAY_SET} == {
        "x-sandbox-tenant": "team-a", "x-forwarded-proto": "http", "x-forwarded-prefix": "/t/team-a/demo-service",
        "x-forwarded-host": "sandbox.test",
    }
    assert {name: headers.get(name) for name in CLIENT_CERT} == dict.fromkeys(CLIENT_CERT)


async def test_client_certificate_headers_pass_only_from_a_trusted_terminator(start_gateway) -> None:
    async with start_gateway(trusted_proxies="127.0.0.1") as client:  # the in-process client's address
        echo = (await client.get("/demo-service/echo", headers={**GATEWAY_SET, **CLIENT_CERT})).json()
        assert {name: echo["headers"].get(name) for name in CLIENT_CERT} == CLIENT_CERT
        assert echo["headers"]["x-sandbox-tenant"] == "default"  # gateway-set headers are never trusted
    async with start_gateway(trusted_proxies="10.0.0.9") as client:
        echo = (await client.get("/demo-service/echo", headers=CLIENT_CERT)).json()
        assert {name: echo["headers"].get(name) for name in CLIENT_CERT} == dict.fromkeys(CLIENT_CERT)


async def test_request_id_is_accepted_echoed_and_passed(gateway_client: httpx.AsyncClient) -> None:
    response = await gateway_client.get("/demo-service/echo", headers={"x-request-id": "vendor-42:a.b"})
    assert response.headers["x-request-id"] == "vendor-42:a.b"
    assert response.json()["headers"]["x-request-id"] == "vendor-42:a.b"


async def test_malformed_request_id_is_replaced_by_a_generated_one(gateway_client) -> None:
    response = await gateway_client.get("/demo-service/echo", headers={"x-request-id": "bad id with spaces"})
    generated = response.headers["x-request-id"]
    assert generated != "bad id with spaces" and len(generated) == 32
    assert response.json()["headers"]["x-request-id"] == generated


async def test_request_id_is_generated_and_echoed_on_every_response(gateway_client) -> None:
    for path in ("/demo-service/echo", "/nowhere", "/_admin/tenants", "/livez", "/t/Bad/demo-service/echo"):
        response = await gateway_client.get(path)
        assert len(response.headers["x-request-id"]) == 32, path
    first = await gateway_client.get("/livez")
    second = await gateway_client.get("/livez")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_unknown_paths_answer_404_operation_outcome(gateway_client: httpx.AsyncClient) -> None:
    for path in ("/nowhere", "/t/team-a/nowhere", "/demo", "/t/team-a"):
        assert_outcome(await gateway_client.get(path), 404, Code.NOT_FOUND)


async def test_bad_tenant_in_url_answers_400_gw_0001(gateway_client: httpx.AsyncClient) -> None:
    for path in ("/t/Team_A/demo-service/echo", f"/t/{'a' * 41}/demo-service/echo", "/t/a.b/nowhere"):
        assert_outcome(await gateway_client.get(path), 400, Code.BAD_TENANT)


async def test_body_over_limit_by_content_length_is_413_and_service_not_called(start_gateway) -> None:
    async with start_gateway(max_body_bytes=1000) as client:
        response = await client.post("/demo-service/upload", content=b"x" * 1001)
        assert_outcome(response, 413, Code.BODY_TOO_LARGE)
        assert GENERATED_ID.fullmatch(response.headers["x-request-id"])
        assert client.gateway.state.services["demo-service"].app.state.uploads == 0
        assert (await client.post("/demo-service/upload", content=b"x" * 1000)).json() == {"size": 1000}


async def test_body_over_limit_in_streamed_chunks_is_413_and_service_not_called(start_gateway) -> None:
    async def chunks():
        for _ in range(5):
            yield b"y" * 300

    async with start_gateway(max_body_bytes=1000) as client:
        response = await client.post("/demo-service/upload", content=chunks())
        assert "content-length" not in response.request.headers
        assert_outcome(response, 413, Code.BODY_TOO_LARGE)
        assert client.gateway.state.services["demo-service"].app.state.uploads == 0


ELEVEN_MIB = 11 * 1024 * 1024  # over the default SANDBOX_MAX_BODY_BYTES (10 MiB)


async def test_the_body_limit_holds_on_the_gateways_own_routes_with_content_length(gateway_client) -> None:
    body = b'{"name": "' + b"a" * ELEVEN_MIB + b'"}'
    response = await gateway_client.post("/_admin/tenants", content=body, headers={"content-type": "application/json"})
    assert_outcome(response, 413, Code.BODY_TOO_LARGE)
    assert GENERATED_ID.fullmatch(response.headers["x-request-id"])
    assert_outcome(await gateway_client.post("/no-such-route", content=body), 413, Code.BODY_TOO_LARGE)


async def test_the_body_limit_holds_on_the_gateways_own_routes_when_chunked(gateway_client) -> None:
    async def chunks():
        yield b'{"name": "'
        for _ in range(11):
            yield b"a" * (1024 * 1024)

    response = await gateway_client.post("/_admin/tenants", content=chunks(),
                                         headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_outcome(response, 413, Code.BODY_TOO_LARGE)
    assert [t["name"] for t in (await gateway_client.get("/_admin/tenants")).json()["tenants"]] == ["default"]


async def test_a_chunked_body_under_the_limit_reaches_the_gateways_own_routes(gateway_client) -> None:
    async def chunks():
        yield b'{"name": '
        yield b'"team-a"}'

    response = await gateway_client.post("/_admin/tenants", content=chunks(),
                                         headers={"content-type": "application/json"})
    assert response.status_code == 201 and response.json()["name"] == "team-a"


async def test_streamed_body_under_limit_reaches_the_service_whole(gateway_client) -> None:
    async def chunks():
        for _ in range(4):
            yield b"z" * 1000

    response = await gateway_client.post("/t/team-a/demo-service/upload", content=chunks())
    assert response.json() == {"size": 4000}


async def test_large_and_streamed_responses_pass_through(gateway_client: httpx.AsyncClient) -> None:
    assert len((await gateway_client.get("/demo-service/big?size=300000")).content) == 300_000
    streamed = await gateway_client.get("/demo-service/stream?chunks=7&size=1000")
    assert streamed.content == b"".join(bytes([48 + i]) * 1000 for i in range(7))


async def test_service_failure_answers_500_and_gateway_keeps_serving(gateway_client) -> None:
    assert (await gateway_client.get("/demo-service/boom")).status_code == 500
    assert (await gateway_client.get("/demo-service/notes/marker")).status_code == 200


async def test_index_lists_services_with_public_urls(gateway_client: httpx.AsyncClient) -> None:
    body = (await gateway_client.get("/")).json()
    assert body["services"] == {"demo-service": "http://sandbox.test/demo-service"}
