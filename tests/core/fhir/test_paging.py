"""Cursor page links (``{base}/_page?id=<cursor>``): walking, binding to tenant and service, expiry, hostile ids."""

import time
import uuid
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from core.fhir.paging import MAX_CURSOR, PageCursor, PageLinks
from core.settings import ServiceSettings
from tests.kernel_app.app import SLUG, SPEC, create_app
from tests.outcomes import assert_outcome, patient

CURSOR_SPEC = replace(SPEC, paging="cursor")


def cursor_settings(sandbox_settings, database_url, **sandbox) -> ServiceSettings:
    return ServiceSettings.for_slug(SLUG, sandbox_settings.model_copy(update=sandbox), database_url=database_url)


@pytest.fixture
async def paged_app(database_url, sandbox_settings):
    app = create_app(cursor_settings(sandbox_settings, database_url), spec=CURSOR_SPEC)
    async with app.router.lifespan_context(app):
        yield app


def client_for(app, tenant: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox.test/fhir",
                             headers={"x-sandbox-tenant": tenant, "content-type": "application/fhir+json"})


@pytest.fixture
async def paged(paged_app):
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    async with client_for(paged_app, tenant) as client:
        client.tenant = tenant
        for i in range(7):
            assert (await client.post("/Patient", json=patient(f"Page{i:02d}", "Jo"))).status_code == 201
        yield client


def links(bundle: dict) -> dict[str, str]:
    return {link["relation"]: link["url"] for link in bundle["link"]}


def local(url: str) -> str:
    return url.split("/fhir", 1)[1]


def page_id(url: str) -> str:
    return parse_qs(urlsplit(url).query)["id"][0]


async def test_next_links_are_page_cursors_that_walk_the_whole_search(paged):
    first = (await paged.get("/Patient?family=page&_sort=family&_count=3")).json()
    assert first["total"] == 7
    assert links(first)["self"] == (f"http://sandbox.test/t/{paged.tenant}/kernel-demo/fhir/Patient?"
                                    "family=page&_sort=family&_count=3")
    assert links(first)["next"].startswith(f"http://sandbox.test/t/{paged.tenant}/kernel-demo/fhir/_page?id=")
    seen, bundle = [], first
    while True:
        seen += [e["resource"]["name"][0]["family"] for e in bundle["entry"]]
        if "next" not in links(bundle):
            break
        r = await paged.get(local(links(bundle)["next"]))
        assert r.status_code == 200 and r.headers["content-type"] == "application/fhir+json"
        bundle = r.json()
        assert bundle["total"] == 7 and links(bundle)["self"].split("?")[0].endswith("/_page")
    assert seen == [f"Page{i:02d}" for i in range(7)]
    back = (await paged.get(local(links(bundle)["previous"]))).json()
    assert [e["resource"]["name"][0]["family"] for e in back["entry"]] == ["Page03", "Page04", "Page05"]


async def test_page_links_keep_total_none_elements_and_system_searches(paged):
    first = (await paged.get("/Patient?_count=5&_total=none&_elements=name")).json()
    second = (await paged.get(local(links(first)["next"]))).json()
    assert "total" not in second and len(second["entry"]) == 2
    assert second["entry"][0]["resource"]["meta"]["tag"][0]["code"] == "SUBSETTED"
    system = (await paged.get("?_type=Patient&_count=4")).json()
    rest = (await paged.get(local(links(system)["next"]))).json()
    assert system["total"] == rest["total"] == 7 and len(rest["entry"]) == 3


async def test_a_page_link_is_refused_in_another_tenant(paged, paged_app):
    next_url = links((await paged.get("/Patient?_count=2")).json())["next"]
    async with client_for(paged_app, "other-team") as other:
        body = assert_outcome(await other.get(local(next_url)), 400, "FHIR-0023")
    assert body["issue"][0]["expression"] == ["id"]


async def test_an_expired_page_link_answers_410(paged, paged_app):
    pages = paged_app.state.fhir.api.pages
    stale = pages.encode(PageCursor("Patient", [("_count", "2")], 2), tenant=paged.tenant,
                         now=time.time() - pages.ttl - 1)
    assert_outcome(await paged.get("/_page", params={"id": stale}), 410, "FHIR-0024")
    fresh = pages.encode(PageCursor("Patient", [("_count", "2")], 2), tenant=paged.tenant)
    assert len((await paged.get("/_page", params={"id": fresh})).json()["entry"]) == 2


async def test_a_signed_cursor_still_goes_through_the_search_parser(paged, paged_app):
    pages = paged_app.state.fhir.api.pages
    forged = pages.encode(PageCursor("Patient", [("bogus", "1")], 0), tenant=paged.tenant)
    assert_outcome(await paged.get("/_page", params={"id": forged}), 400, "FHIR-0013")
    unknown = pages.encode(PageCursor("Nope", [], 0), tenant=paged.tenant)
    assert_outcome(await paged.get("/_page", params={"id": unknown}), 404, "FHIR-0002")


def _tampered(token: str) -> str:
    payload, _, mac = token.partition(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    return f"{flipped}.{mac}"


@pytest.mark.parametrize("make", [
    lambda good: _tampered(good),
    lambda good: good.split(".")[0],
    lambda good: good + "x",
    lambda good: "." + good.split(".")[1],
    lambda good: "not-a-cursor",
    lambda good: "é" * 40 + ".é",
    lambda good: "%00%ff",
    lambda good: "A" * 20_000 + "." + "B" * 24,
    lambda good: "====.====",
])
async def test_hostile_page_ids_answer_400(paged, make):
    good = page_id(links((await paged.get("/Patient?_count=2")).json())["next"])
    r = await paged.get("/_page", params={"id": make(good)})
    assert_outcome(r, 400, "FHIR-0023")


@pytest.mark.parametrize("query", ["", "?id=", "?other=1", "?id=a&id=b"])
async def test_page_needs_exactly_one_id(paged, query):
    assert_outcome(await paged.get(f"/_page{query}"), 400, "FHIR-0023")


def test_cursors_are_bound_to_their_service_and_key():
    cursor = PageCursor("Patient", [("_count", "2")], 2)
    mine = PageLinks("svc-a/fhir", secret=b"k", ttl=60)
    token = mine.encode(cursor, tenant="t")
    assert PageLinks("svc-a/fhir", secret=b"k", ttl=60).decode(token, tenant="t") == cursor  # same key: restarts
    with pytest.raises(Exception) as raised:
        mine.decode("A" * (MAX_CURSOR + 1), tenant="t")  # refused before any decoding
    assert raised.value.code == "FHIR-0023"
    for other in (PageLinks("svc-b/fhir", secret=b"k", ttl=60), PageLinks("svc-a/fhir", secret=None, ttl=60)):
        with pytest.raises(Exception) as raised:
            other.decode(token, tenant="t")
        assert raised.value.code == "FHIR-0023"


async def test_page_secret_lets_another_process_serve_the_next_page(database_url, sandbox_settings):
    settings = cursor_settings(sandbox_settings, database_url, page_secret=SecretStr("shared-secret"))
    first, second = create_app(settings, spec=CURSOR_SPEC), create_app(settings, spec=CURSOR_SPEC)
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    async with first.router.lifespan_context(first), second.router.lifespan_context(second):
        async with client_for(first, tenant) as a, client_for(second, tenant) as b:
            for i in range(3):
                await a.post("/Patient", json=patient(f"Shared{i}"))
            next_url = links((await a.get("/Patient?_count=2")).json())["next"]
            assert len((await b.get(local(next_url))).json()["entry"]) == 1


async def test_offset_paging_services_have_no_page_route(fhir):
    for i in range(3):
        await fhir.post("/Patient", json=patient(f"Off{i}"))
    next_url = links((await fhir.get("/Patient?_count=2")).json())["next"]
    assert "_offset=2" in next_url and "/_page" not in next_url
    assert (await fhir.get("/_page?id=x")).status_code == 404
