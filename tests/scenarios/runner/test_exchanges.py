"""Every request the runner makes is kept masked, as the recorder masks; a transport failure is an exchange too."""

from __future__ import annotations

import httpx

from scenarios.runner.exchanges import MAX_KEPT, send


async def token_endpoint(scope, receive, send_):  # noqa: ANN001 - a bare ASGI app
    await send_({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"application/json"), (b"location", b"http://x/cb?code=abc&state=1")]})
    await send_({"type": "http.response.body", "body": b'{"access_token": "h.c.sig", "expires_in": 60}'})


async def big(scope, receive, send_):  # noqa: ANN001
    await send_({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send_({"type": "http.response.body", "body": b"x" * (MAX_KEPT + 10)})


async def test_secrets_are_masked_in_url_headers_and_bodies_and_the_answer_is_whole():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(token_endpoint), base_url="http://t") as http:
        response, exchange = await send(http, "POST", "/token?code=zz", data={"client_secret": "s3", "grant_type": "x"},
                                        headers={"Authorization": "Basic YTpi"})
    assert response is not None and response.json()["access_token"] == "h.c.sig"  # the check reads the real answer
    assert exchange.url == "http://t/token?code=***"
    assert exchange.request_headers["authorization"] == "Basic ***"
    assert exchange.request_body == "client_secret=***&grant_type=x"
    assert exchange.status == 200 and exchange.response_headers["location"] == "http://x/cb?code=***&state=1"
    assert "sig" not in exchange.response_body and "h.c." in exchange.response_body  # a JWT keeps its claims


async def test_a_refused_connection_is_an_exchange_with_no_status_and_the_reason():
    async with httpx.AsyncClient(base_url="http://127.0.0.1:1") as http:
        response, exchange = await send(http, "GET", "/readyz")
    assert response is None and exchange.status is None
    assert exchange.error.startswith("no answer (ConnectError")


async def test_a_big_body_is_kept_cut_at_the_limit():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(big), base_url="http://t") as http:
        response, exchange = await send(http, "GET", "/")
    assert len(response.content) == MAX_KEPT + 10
    assert len(exchange.response_body) == MAX_KEPT
