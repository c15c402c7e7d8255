"""The poison body and deep JSON sent to every route the sandbox documents (issue 9, "Keep it fixed").

Every operation of every OpenAPI document gets the 2 KB body of 1,000 nested arrays that once poisoned
the recorder, and JSON nested 100,000 levels deep, under several declared content types, many at once
(so the recorder's batches go to its journal). None may answer a 5xx other than a documented SOAP fault;
afterwards ``/readyz`` and ``/_admin/exchanges`` still answer, and every one of those requests, plus a
request made after them, is recorded.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from core.admin import ADMIN_PATH
from core.settings import SandboxSettings
from gateway.app import create_app
from gateway.registry import DEFAULT_SERVICES
from tests.gateway.conftest import BASE_URL, running

POISON = b"[" * 1000 + b"]" * 1000
DEEP = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
CONTENT_TYPES = ("application/json", "application/fhir+json", "text/plain", "application/x-www-form-urlencoded",
                 "application/soap+xml")
PLACEHOLDER = {"tenant": "hostile", "rtype": "Practitioner"}  # a reset of the tenant forgets its exchanges
WITH_BODY = {"post", "put", "patch", "delete"}


@pytest.fixture
async def sandbox(tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    settings = SandboxSettings(data_dir=tmp_path, public_url=BASE_URL)
    async with running(create_app(settings, DEFAULT_SERVICES)) as client:
        yield client


async def operations(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    """(method, path) of every documented operation that takes a body, path parameters filled in."""
    found = []
    for prefix in ["", *(f"/{spec.slug}" for spec in DEFAULT_SERVICES)]:
        document = (await client.get(f"{prefix}/openapi.json")).json()
        for path, item in document["paths"].items():
            concrete = re.sub(r"\{(\w+)\}", lambda m: PLACEHOLDER.get(m.group(1), "x"), path)
            found += [(method.upper(), prefix + concrete) for method in item if method in WITH_BODY
                      and not path.endswith("/seed")]
    return found


def documented_soap_fault(response: httpx.Response) -> bool:
    return response.status_code == 500 and "soap+xml" in response.headers.get("content-type", "") \
        and b"<soap:Fault>" in response.content


async def test_no_route_breaks_on_the_poison_body_or_deep_json(sandbox: httpx.AsyncClient) -> None:
    assert (await sandbox.post("/_admin/tenants", json={"name": "hostile"})).status_code == 201
    targets = await operations(sandbox)
    assert len(targets) >= 30
    requests = [(method, path, body, kind) for method, path in targets for body in (POISON, DEEP)
                for kind in CONTENT_TYPES]

    async def send(method: str, path: str, body: bytes, kind: str) -> tuple[str, int]:
        response = await sandbox.request(method, path, content=body, headers={"content-type": kind})
        broken = response.status_code >= 500 and not documented_soap_fault(response)
        return f"{method} {path} ({kind}, {len(body)} bytes) -> {response.status_code} {response.text[:200]}", broken

    failures = []
    for start in range(0, len(requests), 100):  # 100 at a time: the recorder journals its batches
        answers = await asyncio.gather(*(send(*r) for r in requests[start:start + 100]))
        failures += [line for line, broken in answers if broken]
    assert not failures, "\n".join(failures)

    assert (await sandbox.get("/readyz")).status_code == 200
    assert (await sandbox.get("/ins-teleservice/fhir/metadata")).status_code == 200
    listed = await sandbox.get("/_admin/exchanges", params={"tenant": "*", "limit": 1000})
    assert listed.status_code == 200
    exchanges = listed.json()["exchanges"]
    assert exchanges[0]["path"] == "/ins-teleservice/fhir/metadata"
    recorded = [e for e in exchanges if e["method"].lower() in WITH_BODY and e["tenant"] == "default"]
    # the gateway's own admin routes (/_admin, /t/{tenant}/_admin: tenants, fault rules) are not recorded
    assert len(recorded) == sum(1 for _, path, _, _ in requests if not ADMIN_PATH.match(path))
    detail = await sandbox.get(f"/_admin/exchanges/{recorded[0]['id']}")
    assert detail.status_code == 200
