"""Bad input on every route of the directory gets a precise OperationOutcome with a stable code."""

import httpx
import pytest

from services.annuaire_sante.app import create_app
from services.annuaire_sante.resources import technical_id
from services.annuaire_sante.settings import DEMO_API_KEY, SLUG, AnnuaireSanteSettings
from tests.outcomes import assert_outcome

LEROY = technical_id("Practitioner", "dr-leroy")
FHIR_ROUTES = [
    ("GET", "/metadata"), ("GET", "/Practitioner"), ("GET", f"/Practitioner/{LEROY}"),
    ("GET", f"/Practitioner/{LEROY}?_format=json"), ("POST", "/Practitioner/_search"), ("GET", "?_type=Practitioner"),
    ("POST", "/_search"), ("POST", ""), ("PUT", f"/Practitioner/{LEROY}"), ("DELETE", "/Organization/x"),
    ("GET", "/Unknown/route/under/base"), ("GET", "/_page?id=x"),
]


@pytest.mark.parametrize("method, path", FHIR_ROUTES)
async def test_missing_api_key_returns_401_as_0001_on_every_fhir_route(fhir, method, path):
    r = await fhir.request(method, path, headers={"ESANTE-API-KEY": ""})
    assert_outcome(r, 401, "AS-0001")
    del fhir.headers["ESANTE-API-KEY"]
    assert_outcome(await fhir.request(method, path), 401, "AS-0001")


@pytest.mark.parametrize("method, path", FHIR_ROUTES)
async def test_unknown_api_key_returns_401_as_0002_on_every_fhir_route(fhir, method, path):
    assert_outcome(await fhir.request(method, path, headers={"ESANTE-API-KEY": "not-a-key"}), 401, "AS-0002")


async def test_unknown_resource_type_returns_404_fhir_0002(fhir):
    assert_outcome(await fhir.get("/PractitiXXXner"), 404, "FHIR-0002")
    assert_outcome(await fhir.get("/Patient/1"), 404, "FHIR-0002")
    assert_outcome(await fhir.get("/Location?_count=1"), 404, "FHIR-0002")  # a FHIR type the directory lacks
    assert_outcome(await fhir.get("?_type=Practitioner,Location"), 400, "FHIR-0002")


@pytest.mark.parametrize("query, code", [
    ("/Practitioner?shoe-size=42", "FHIR-0013"),
    ("/Practitioner?partof=x", "FHIR-0013"),  # an Organization parameter
    ("/Practitioner?family:near=x", "FHIR-0014"),
    ("/Practitioner?identifier:contains=123", "FHIR-0014"),
    ("/Practitioner?_count=ten", "FHIR-0014"),
    ("/Practitioner?_count=-1", "FHIR-0014"),
    ("/Practitioner?_offset=x", "FHIR-0014"),
    ("/Practitioner?_lastUpdated=yesterday", "FHIR-0014"),
    ("/Practitioner?active:missing=perhaps", "FHIR-0014"),
    ("/Practitioner?_include=Practitioner:organization", "FHIR-0014"),
    ("/Organization?_revinclude=PractitionerRole:practitioner", "FHIR-0014"),
    ("/PractitionerRole?_include=PractitionerRole", "FHIR-0014"),
    ("/Practitioner?_sort=shoe-size", "FHIR-0013"),
    ("/Practitioner?_summary=text", "FHIR-0014"),
    ("?_type=Practitioner,Organization&family=x", "FHIR-0013"),
])
async def test_bad_search_parameters_return_400(fhir, query, code):
    assert_outcome(await fhir.get(query), 400, code)


async def test_lenient_handling_ignores_unknown_parameters(fhir):
    r = await fhir.get("/Practitioner?shoe-size=42&family=leroy&given=claire", headers={"Prefer": "handling=lenient"})
    assert [e["resource"]["id"] for e in r.json()["entry"]] == [LEROY]


@pytest.mark.parametrize("method, path", [
    ("PUT", f"/Practitioner/{LEROY}"), ("POST", "/Practitioner"), ("DELETE", f"/Practitioner/{LEROY}"),
    ("PATCH", f"/Practitioner/{LEROY}"), ("POST", "/Organization"), ("PUT", "/PractitionerRole/x"),
    ("GET", f"/Practitioner/{LEROY}/_history"), ("GET", f"/Practitioner/{LEROY}/_history/1"),
])
async def test_write_methods_return_405_and_change_nothing(fhir, method, path):
    body = {"resourceType": "Practitioner", "id": LEROY, "active": False}
    assert_outcome(await fhir.request(method, path, json=body), 405, "HTTP-0405")
    assert_outcome(await fhir.request(method, path, content=b"\xff garbage",
                                      headers={"content-type": "text/plain"}), 405, "HTTP-0405")
    assert (await fhir.get(f"/Practitioner/{LEROY}")).json()["active"] is True


async def test_type_level_delete_and_batch_writes_are_refused(fhir):
    assert_outcome(await fhir.delete("/Practitioner"), 405, "HTTP-0405")
    transaction = {"resourceType": "Bundle", "type": "transaction", "entry": []}
    assert_outcome(await fhir.post("", json=transaction), 405, "HTTP-0405")
    batch = {"resourceType": "Bundle", "type": "batch", "entry": [
        {"request": {"method": "DELETE", "url": f"Practitioner/{LEROY}"}},
        {"request": {"method": "GET", "url": "Practitioner?family=leroy&given=claire"}}]}
    body = (await fhir.post("", json=batch)).json()
    assert [e["response"]["status"].split()[0] for e in body["entry"]] == ["405", "200"]
    assert_outcome(await fhir.post("", content="{not json", headers={"content-type": "application/fhir+json"}),
                   400, "FHIR-0001")


async def test_read_of_unknown_or_malformed_ids(fhir):
    assert_outcome(await fhir.get("/Practitioner/003-99999-1"), 404, "FHIR-0006")
    assert_outcome(await fhir.get("/Practitioner/bad id!"), 400, "FHIR-0019")


async def test_malformed_post_search_bodies(fhir):
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert_outcome(await fhir.post("/Practitioner/_search", content=b"\xff\xfe=\x00", headers=form), 400, "FHIR-0013")
    assert_outcome(await fhir.post("/Practitioner/_search", content="_count=many", headers=form), 400, "FHIR-0014")
    assert_outcome(await fhir.post("/Practitioner/_search", content='{"family": "x"}',
                                   headers={"content-type": "application/json"}), 400, "FHIR-0013")
    r = await fhir.post("/Practitioner/_search", content="", headers=form)
    everyone = (await fhir.get("/Practitioner")).json()["total"]
    assert (r.status_code, r.json()["total"]) == (200, everyone) and everyone >= 10  # no parameter: no filter


async def test_rate_limit_returns_429_as_0003_with_retry_after(sandbox_settings, tmp_path):
    settings = AnnuaireSanteSettings.for_slug(SLUG, sandbox_settings, rate_limit=2,
                                              database_url=f"sqlite:///{tmp_path / 'rl.db'}")
    app = create_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://sandbox.test/fhir/v2",
            headers={"ESANTE-API-KEY": DEMO_API_KEY}) as client:
        statuses = [(await client.get(f"/Practitioner/{LEROY}")).status_code for _ in range(4)]
        assert statuses[:2] == [200, 200]
        r = await client.get("/metadata")
        body = assert_outcome(r, 429, "AS-0003")
        assert (r.headers["retry-after"], body["issue"][0]["code"]) == ("1", "throttled")
        other = await client.get("/metadata", headers={"ESANTE-API-KEY": "not-a-key"})
        assert_outcome(other, 401, "AS-0002")


async def test_api_keys_come_from_settings(monkeypatch, sandbox_settings, tmp_path):
    monkeypatch.setenv("ANNUAIRE_SANTE_API_KEYS", "key-one, key-two")
    settings = AnnuaireSanteSettings.for_slug(SLUG, sandbox_settings, database_url=f"sqlite:///{tmp_path / 'k.db'}")
    assert settings.api_keys == ["key-one", "key-two"]
    app = create_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://sandbox.test/fhir/v2") as client:
        assert (await client.get("/metadata", headers={"ESANTE-API-KEY": "key-two"})).status_code == 200
        assert_outcome(await client.get("/metadata", headers={"ESANTE-API-KEY": DEMO_API_KEY}), 401, "AS-0002")


@pytest.mark.parametrize("path", [
    "/extractions/PS_LibreAcces.txt", "/extractions/Extraction_Correspondance_MSSante.csv",
    "/extractions/PS_LibreAcces_Personne_activite.exe",
    "/annuaire-sante-webservices/V300/services/extraction/Porteurs_CPS_CPF",
])
async def test_unknown_extraction_returns_404_as_0004(service, path):
    assert_outcome(await service.get(path), 404, "AS-0004")


async def test_bad_tenant_and_unknown_routes(service):
    r = await service.get("/extractions/PS_LibreAcces_Personne_activite.txt", headers={"x-sandbox-tenant": "NOT OK"})
    assert_outcome(r, 400, "GW-0001")
    assert_outcome(await service.get("/fhir/v1/Practitioner"), 404, "HTTP-0404")


@pytest.mark.parametrize("depth", [100_000, 1_000])
async def test_a_batch_nested_past_the_depth_limit_returns_400_fhir_0021(fhir, depth):
    body = b'{"resourceType":"Bundle","type":"batch","entry":' + b"[" * depth + b"]" * depth + b"}"
    r = await fhir.post("", content=body, headers={"content-type": "application/fhir+json"})
    assert_outcome(r, 400, "FHIR-0021")


@pytest.mark.parametrize("name, value", [("identifier", "810000000000"), ("identifier", "https://rpps.esante.gouv.fr|1"),
                                         ("family", "LEROY"), ("name", "LE")])
async def test_1000_values_in_one_search_parameter_return_400_fhir_0022(fhir, name, value):
    r = await fhir.get("/Practitioner", params={name: ",".join([value] * 1_000)})
    assert_outcome(r, 400, "FHIR-0022")


async def test_100_identifier_values_find_each_professional_once(fhir):
    leroy = (await fhir.get(f"/Practitioner/{LEROY}")).json()
    wanted = [f"{i['system']}|{i['value']}" for i in leroy["identifier"]]
    values = wanted + [f"https://rpps.esante.gouv.fr|{n:011d}" for n in range(100 - len(wanted))]
    found = (await fhir.get("/Practitioner", params={"identifier": ",".join(values)})).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [LEROY]
