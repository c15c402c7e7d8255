"""GET /fhir/Medication and /fhir/Medication/{id}: search by code and by name (case and accents aside), paging,
and a precise 4xx (EPR-05xx) for every bad input; through a small app on the real BDPM, and once through the
gateway (public: no token)."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from core.app import install_error_handlers
from core.settings import SandboxSettings
from services.eprescription import medication_codes as mc
from services.eprescription.routers import medications
from services.eprescription.settings import SLUG, EprescriptionSettings
from tests.services.eprescription import support
from tests.services.eprescription.bdpm_files import require_bdpm
from tests.services.eprescription.test_drug_reference import reference

PUBLIC = "http://sandbox.test"
BASE = f"{PUBLIC}/eprescription/fhir"


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> FastAPI:
    """The routes alone on a reference holding the built-in set and the real BDPM (loaded once)."""
    drugs = reference(f"sqlite:///{tmp_path_factory.mktemp('routes') / 'epr.db'}")
    drugs.ensure(require_bdpm())
    app = FastAPI()
    install_error_handlers(app)
    app.state.settings = EprescriptionSettings.for_slug(SLUG, SandboxSettings(public_url=PUBLIC))
    app.state.epr = SimpleNamespace(drugs=drugs)
    app.include_router(medications.router)
    yield app
    drugs.db.dispose()


@pytest.fixture
async def client(app):  # noqa: ANN201 - an httpx.AsyncClient on the app
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=PUBLIC) as http:
        yield http


async def search(client: httpx.AsyncClient, **params: str | int) -> dict:
    response = await client.get("/fhir/Medication", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    return response.json()


def ids(bundle: dict) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


@pytest.mark.parametrize(("code", "expected"), [
    (f"{mc.CIS}|60234100", "cis-60234100"),
    (f"{mc.CIP}|3400935955838", "cis-60234100"),
    ("3400935955838", "cis-60234100"),
    (f"{mc.UCD}|3400893766521", "ucd-3400893766521"),
    (f"{mc.SMS}|100000090270", "sms-100000090270"),
    (f"{mc.MEDICABASE}|MV00000063", "medicabase-MV00000063"),
    (f"{mc.SUBSTANCE}|02202", "substance-02202"),
])
async def test_search_by_code_in_every_system(client, code, expected) -> None:
    bundle = await search(client, code=code)
    assert (bundle["resourceType"], bundle["type"], bundle["total"], ids(bundle)) == ("Bundle", "searchset", 1,
                                                                                     [expected])
    assert bundle["entry"][0]["fullUrl"] == f"{BASE}/Medication/{expected}"


async def test_a_code_of_another_system_or_unknown_finds_nothing(client) -> None:
    assert (await search(client, code=f"{mc.CIP}|3400999999999"))["total"] == 0
    assert (await search(client, code=f"{mc.UCD}|3400935955838"))["total"] == 0  # a CIP13 is not a UCD


@pytest.mark.parametrize("text", ["efferalgan", "EFFERALGAN", "Éfferalgan", "éFFéRALGAN", "  efferalgan  "])
async def test_name_contains_ignores_case_and_accents(client, text) -> None:
    bundle = await search(client, **{"name:contains": text, "_count": 100})
    assert "cis-61574554" in ids(bundle) and bundle["total"] == len(ids(bundle))
    assert all("EFFERALGAN" in e["resource"]["code"]["text"].upper() for e in bundle["entry"])


async def test_name_contains_finds_accented_names_from_plain_text(client) -> None:
    bundle = await search(client, **{"name:contains": "codeine", "_count": 100})
    names = [e["resource"]["code"]["text"] for e in bundle["entry"]]
    assert any("CODÉINE" in n for n in names) and any("CODEINE" in n for n in names)


async def test_name_is_a_prefix_search(client) -> None:
    bundle = await search(client, name="dolipr", _count=100)
    found = [e["resource"]["code"]["text"] for e in bundle["entry"]]
    assert found and all(n.startswith("DOLIPRANE") for n in found)


async def test_code_and_name_together_must_both_match(client) -> None:
    assert (await search(client, code="60234100", **{"name:contains": "doliprane"}))["total"] == 1
    assert (await search(client, code="60234100", **{"name:contains": "efferalgan"}))["total"] == 0


async def test_the_medication_of_a_specialite(client) -> None:
    response = await client.get("/fhir/Medication/cis-60904643")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/fhir+json")
    resource = response.json()
    assert resource["resourceType"] == "Medication" and resource["status"] == "active"
    assert resource["code"]["coding"][0] == {"system": mc.CIS, "code": "60904643",
                                             "display": "CODOLIPRANE 500 mg/30 mg, comprimé"}
    assert {c["system"] for c in resource["code"]["coding"][1:]} == {mc.CIP}
    assert [i["itemCodeableConcept"]["coding"][0]["code"] for i in resource["ingredient"]] == ["02202", "74765"]
    assert resource["ingredient"][1]["strength"]["numerator"]["value"] == 30


async def test_a_specialite_no_longer_marketed_is_inactive(client) -> None:
    response = await client.get("/fhir/Medication/cis-67385172")  # AMOXICILLINE BIOGARAN 1 g: non commercialisée
    assert response.json()["status"] == "inactive"


async def test_paging_walks_every_match_once_with_next_and_previous_links(client) -> None:
    first = await search(client, **{"name:contains": "paracetamol", "_count": 50})
    total, seen, page = first["total"], [], first
    assert total > 100
    while True:
        seen += ids(page)
        links = {link["relation"]: link["url"] for link in page["link"]}
        assert links["self"].startswith(f"{BASE}/Medication?name:contains=paracetamol&_count=50&_offset=")
        if "next" not in links:
            break
        page = (await client.get(links["next"].removeprefix(f"{PUBLIC}/eprescription"))).json()
        assert "previous" in {link["relation"] for link in page["link"]}
    assert len(seen) == len(set(seen)) == total


async def test_count_zero_answers_the_total_only(client) -> None:
    bundle = await search(client, **{"name:contains": "paracetamol", "_count": 0})
    assert bundle["total"] > 100 and "entry" not in bundle  # FHIR JSON has no empty arrays


async def test_no_next_link_beyond_the_largest_offset(client) -> None:
    bundle = await search(client, _count=100, _offset=10_000)
    assert bundle["total"] > 10_100 and len(bundle["entry"]) == 100
    assert "next" not in {link["relation"] for link in bundle["link"]}


async def test_searching_without_criteria_pages_the_whole_reference(client) -> None:
    bundle = await search(client, _count=3)
    assert bundle["total"] > 15_000 and len(bundle["entry"]) == 3


BAD = [
    ({"foo": "1"}, 400, "EPR-0501"),
    ({"name:exact": "doliprane"}, 400, "EPR-0501"),
    ({"_sort": "name"}, 400, "EPR-0501"),
    ({"_format": "xml"}, 400, "EPR-0501"),
    ({"code": "x" * 300}, 400, "EPR-0502"),
    ({"code": "http://example.org/codes|60234100"}, 400, "EPR-0502"),
    ({"code": f"{'h' * 300}|60234100"}, 400, "EPR-0502"),
    ({"code": "|60234100"}, 400, "EPR-0502"),
    ({"code": f"{mc.CIS}|6023410A"}, 400, "EPR-0502"),
    ({"code": f"{mc.CIS}|602341"}, 400, "EPR-0502"),
    ({"code": f"{mc.CIP}|1234567890123"}, 400, "EPR-0502"),
    ({"code": "60234100,61574554"}, 400, "EPR-0502"),
    ({"code": ""}, 400, "EPR-0502"),
    ({"code": "éé"}, 400, "EPR-0502"),
    ({"name:contains": ""}, 400, "EPR-0503"),
    ({"name:contains": "   "}, 400, "EPR-0503"),
    ({"name:contains": "a" * 101}, 400, "EPR-0503"),
    ({"name:contains": "dolip\x00rane"}, 400, "EPR-0503"),
    ({"name": "\n"}, 400, "EPR-0503"),
    ({"_count": "abc"}, 400, "EPR-0504"),
    ({"_count": "101"}, 400, "EPR-0504"),
    ({"_count": "-1"}, 400, "EPR-0504"),
    ({"_count": "1.5"}, 400, "EPR-0504"),
    ({"_offset": "10001"}, 400, "EPR-0504"),
    ({"_offset": "9" * 40}, 400, "EPR-0504"),
    ({"_offset": "٣"}, 400, "EPR-0504"),  # an Arabic-Indic digit: str.isdigit, not ASCII
]


@pytest.mark.parametrize(("params", "status", "code"), BAD)
async def test_every_bad_search_input_is_a_precise_4xx(client, params, status, code) -> None:
    response = await client.get("/fhir/Medication", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    (issue,) = response.json()["issue"]
    assert issue["details"]["coding"][0]["code"] == code and issue["expression"]


async def test_a_repeated_parameter_is_refused(client) -> None:
    response = await client.get("/fhir/Medication?code=60234100&code=61574554")
    assert response.status_code == 400 and response.json()["issue"][0]["details"]["coding"][0]["code"] == "EPR-0507"


@pytest.mark.parametrize(("medication_id", "status", "code"), [
    ("cis-12345678", 404, "EPR-0505"),
    ("sms-999", 404, "EPR-0505"),
    ("cis-x", 400, "EPR-0506"),
    ("cip-3400935955838", 400, "EPR-0506"),  # a presentation is no Medication of its own: its CIS is
    ("60234100", 400, "EPR-0506"),
    ("cis-" + "1" * 70, 400, "EPR-0506"),
])
async def test_a_bad_or_unknown_id_is_a_precise_4xx(client, medication_id, status, code) -> None:
    response = await client.get(f"/fhir/Medication/{medication_id}")
    assert response.status_code == status
    assert response.json()["issue"][0]["details"]["coding"][0]["code"] == code


async def test_the_drug_reference_is_public_through_the_gateway_in_any_tenant(tmp_path) -> None:
    async for http in support.sandbox(tmp_path):
        for root in ("/eprescription", "/t/team-a/eprescription"):
            response = await http.get(f"{root}/fhir/Medication", params={"code": f"{mc.SMS}|100000090270"})
            assert response.status_code == 200, response.text
            assert response.json()["entry"][0]["fullUrl"] == f"{support.PUBLIC}{root}/fhir/Medication/sms-100000090270"
        read = await http.get("/eprescription/fhir/Medication/cis-60234100")
        assert read.status_code == 200 and read.json()["id"] == "cis-60234100"
        bad = await http.get("/eprescription/fhir/Medication", params={"_count": "1000"})
        assert bad.status_code == 400 and bad.json()["issue"][0]["details"]["coding"][0]["code"] == "EPR-0504"
