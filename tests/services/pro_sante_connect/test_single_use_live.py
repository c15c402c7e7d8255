"""Single use under real parallelism (issue 9): N threads, released together by a barrier, redeem the same
authorization code, refresh token or private_key_jwt assertion against a live server (uvicorn in a thread
of its own, grants in its worker threads), on SQLite and on PostgreSQL: exactly one of them succeeds.

Requests gathered through the in-process transport run back to back and cannot show a race; these can.
With the store's ``UPDATE ... WHERE used_at IS NULL`` (or ``rotated_at``) replaced by a check then an
update, the PostgreSQL runs fail; on SQLite a write transaction begins IMMEDIATE, so writers queue and
even a check-then-act store stays single use there (a deferred BEGIN makes the SQLite runs fail too).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.e2e.conftest import serve_gateway
from tests.services.pro_sante_connect import support
from tests.services.pro_sante_connect.support import PRACTICE, PRACTICE_REDIRECT, PROTOCOL, ROBERT

PARALLEL = 8  # requests racing for one secret
ROUNDS = 3  # fresh secrets per kind: a race lost by chance in one round is won in another
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class LivePsc:
    base: str  # the gateway's public URL
    tenant: str

    @property
    def root(self) -> str:
        return f"{self.base}/t/{self.tenant}/pro-sante-connect"

    @property
    def token_url(self) -> str:
        return self.root + PROTOCOL + "/token"

    def code(self, http: httpx.Client) -> str:
        response = http.get(self.root + "/wallet/auth", params={
            "response_type": "code", "client_id": PRACTICE[0], "redirect_uri": PRACTICE_REDIRECT,
            "scope": "openid scope_all", "state": "s", "login_hint": ROBERT})
        assert response.status_code == 302, response.text[:300]
        return support.query_of(response.headers["location"])["code"]

    def refresh_token(self, http: httpx.Client) -> str:
        response = http.post(self.token_url, auth=PRACTICE, data={
            "grant_type": "authorization_code", "code": self.code(http), "redirect_uri": PRACTICE_REDIRECT})
        assert response.status_code == 200, response.text
        return response.json()["refresh_token"]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def live_server(request, tmp_path_factory) -> Iterator[str]:
    """The gateway (Annuaire + PSC) served by uvicorn; PSC's database on the backend of the parameter."""
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "postgres":
            patch.setenv("PRO_SANTE_CONNECT_DATABASE_URL", request.getfixturevalue("postgres_url"))
        with serve_gateway(tmp_path_factory.mktemp("live"), support.SPECS) as base:
            yield base


@pytest.fixture
def live(live_server) -> LivePsc:
    """A tenant of its own on the live server."""
    return LivePsc(live_server, support.new_tenant())


def race(url: str, send: Callable[[httpx.Client], httpx.Response]) -> list[tuple[int, str]]:
    """``send`` from PARALLEL threads at once (each on an open keep-alive connection): (status, error)."""
    clients = [httpx.Client(timeout=30) for _ in range(PARALLEL)]
    for client in clients:  # connect before the barrier, so that the requests leave together
        assert client.get(url + "/livez").status_code == 200
    barrier = threading.Barrier(PARALLEL)
    results: list[tuple[int, str]] = []

    def one(client: httpx.Client) -> None:
        barrier.wait(timeout=30)
        response = send(client)
        results.append((response.status_code, response.json().get("error", "")))

    threads = [threading.Thread(target=one, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for client in clients:
        client.close()
    return sorted(results)


def one_winner(status: int, error: str) -> list[tuple[int, str]]:
    return [(200, ""), *[(status, error)] * (PARALLEL - 1)]


def test_parallel_redemptions_of_one_code_give_one_token(live):
    with httpx.Client() as http:
        for _ in range(ROUNDS):
            form = {"grant_type": "authorization_code", "code": live.code(http), "redirect_uri": PRACTICE_REDIRECT}
            outcome = race(live.base, lambda client, form=form: client.post(live.token_url, auth=PRACTICE, data=form))
            assert outcome == one_winner(400, "invalid_grant")


def test_parallel_refreshes_of_one_token_give_one_token(live):
    with httpx.Client() as http:
        for _ in range(ROUNDS):
            form = {"grant_type": "refresh_token", "refresh_token": live.refresh_token(http)}
            outcome = race(live.base, lambda client, form=form: client.post(live.token_url, auth=PRACTICE, data=form))
            assert outcome == one_winner(400, "invalid_grant")


def test_parallel_uses_of_one_client_assertion_authenticate_once(live):
    key = RSAKey.generate_key(2048, auto_kid=True)
    with httpx.Client() as http:
        created = http.post(live.root + "/_admin/clients", json={
            "client_id": "pkjwt", "token_endpoint_auth_method": "private_key_jwt",
            "grant_types": ["client_credentials"], "jwks": {"keys": [key.as_dict(private=False)]}})
        assert created.status_code == 201, created.text
    for round_no in range(ROUNDS):
        now = int(time.time())
        claims = {"iss": "pkjwt", "sub": "pkjwt", "aud": live.token_url, "exp": now + 60, "iat": now,
                  "jti": f"race-{round_no}-{time.monotonic_ns()}"}
        form = {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER,
                "client_assertion": jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)}
        outcome = race(live.base, lambda client, form=form: client.post(live.token_url, data=form))
        assert outcome == one_winner(401, "invalid_client")


def test_a_grant_waiting_for_the_database_lock_does_not_stall_the_server(tmp_path, monkeypatch):
    """The grant runs in a worker thread: while it waits for SQLite's write lock, other requests are served."""
    monkeypatch.delenv("PRO_SANTE_CONNECT_DATABASE_URL", raising=False)  # set while the PostgreSQL server lives
    with serve_gateway(tmp_path, support.SPECS) as base:
        live = LivePsc(base, support.new_tenant())
        with httpx.Client(timeout=30) as http:
            form = {"grant_type": "refresh_token", "refresh_token": live.refresh_token(http)}
            assert (tmp_path / "pro_sante_connect.db").is_file()
            holder = sqlite3.connect(tmp_path / "pro_sante_connect.db", isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")  # the write lock, as a long write of another request would hold it
            refreshed: list[int] = []
            waiting = threading.Thread(target=lambda: refreshed.append(
                http.post(live.token_url, auth=PRACTICE, data=form).status_code))
            waiting.start()
            try:
                time.sleep(0.3)  # the refresh reaches the server and waits for the lock
                with httpx.Client(timeout=5) as other:
                    assert other.get(base + "/livez").status_code == 200
                    cached = other.post(live.token_url, auth=PRACTICE, data={"grant_type": "client_credentials"})
                assert (cached.status_code, waiting.is_alive(), refreshed) == (200, True, [])
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            waiting.join(timeout=30)
            assert refreshed == [200]
