"""A service's guard runs before every request under its FHIR base, hot path included; read-only types
answer 405 whatever the body."""

import httpx
import pytest
from starlette.types import Scope

from core.app import create_service_app
from core.codes import Code
from core.db import Database
from core.errors import SandboxError
from core.fhir.declare import FhirSpec, ResourceSpec, SearchParam
from core.fhir.router import FhirService
from core.settings import ServiceSettings
from tests.outcomes import assert_outcome

SPEC = FhirSpec(resources=[
    ResourceSpec("Patient", params=(SearchParam("family", "string", "Patient.name.family"),)),
    ResourceSpec("Organization", interactions=frozenset({"read", "search-type"})),
])


def guard(scope: Scope) -> None:
    if (b"x-key", b"open-sesame") not in scope["headers"]:
        raise SandboxError(401, "TEST-0001", "No key.", issue="security")


@pytest.fixture
async def client(tmp_path):
    settings = ServiceSettings.for_slug("guarded", database_url=f"sqlite:///{tmp_path / 'g.db'}")
    db = Database(settings.resolved_database_url, prefix="guarded")
    fhir = FhirService(SPEC, db, settings, path="/fhir/v9", guard=guard)
    app = create_service_app(settings, db, title="guarded")
    fhir.install(app)
    async with app.router.lifespan_context(app):
        with db.write() as conn:
            fhir.api.store.bulk_load(conn, tenant="default", resources=[
                {"resourceType": "Organization", "id": "o1", "name": "Clinique"}])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t/fhir/v9") as c:
            yield c


@pytest.mark.parametrize("method, path", [
    ("GET", "/Organization/o1"),  # the read hot path
    ("GET", "/Organization/o1?_format=json"),
    ("GET", "/Organization?name=x"),
    ("GET", "/metadata"),
    ("GET", ""),
    ("POST", "/Patient"),
    ("DELETE", "/Patient/1"),
    ("GET", "/No/such/route/here"),
])
async def test_guard_refuses_every_path_under_the_base(client, method, path):
    assert_outcome(await client.request(method, path), 401, "TEST-0001")


async def test_guard_lets_keyed_requests_through_to_the_hot_path(client):
    r = await client.get("/Organization/o1", headers={"x-key": "open-sesame"})
    assert r.status_code == 200 and r.json()["name"] == "Clinique" and r.headers["etag"] == 'W/"1"'


async def test_guard_leaves_routes_outside_the_base_alone(client):
    r = await client.get("http://t/livez")
    assert r.status_code == 200


@pytest.mark.parametrize("method, path", [
    ("PUT", "/Organization/o1"), ("POST", "/Organization"), ("PATCH", "/Organization/o1"),
    ("DELETE", "/Organization/o1"),
])
async def test_read_only_type_answers_405_before_reading_the_body(client, method, path):
    r = await client.request(method, path, content=b"\xff not json", headers={
        "x-key": "open-sesame", "content-type": "text/plain"})
    assert_outcome(r, 405, Code.METHOD_NOT_ALLOWED)
    assert r.headers["allow"] == "GET"  # read (instance) or search-type (type): what Organization serves
