"""The search forms of the Annuaire Santé v2 guide and IG: name:family, _page links, _total, _count, new parameters."""

from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from core.app import SeedRequest
from core.identifiers import RPPS_SYSTEM
from services.annuaire_sante import nos
from services.annuaire_sante.app import create_app
from services.annuaire_sante.resources import technical_id
from services.annuaire_sante.settings import DEMO_API_KEY, SLUG, AnnuaireSanteSettings
from tests.outcomes import assert_outcome
from tests.services.annuaire_sante.conftest import entries

LEROY = technical_id("Practitioner", "dr-leroy")


def ids(resources: list[dict]) -> list[str]:
    return [r["id"] for r in resources]


def links(bundle: dict) -> dict[str, str]:
    return {link["relation"]: link["url"] for link in bundle["link"]}


def local(url: str) -> str:
    return url.split("/fhir/v2", 1)[1]


async def test_name_family_and_name_given_as_the_v2_guide_writes_them(fhir):
    # practitioner.md §4.3: GET [base]/Practitioner?name:family=MASI&name:given=BRUNO
    assert ids(await entries(fhir, "/Practitioner?name:family=LEROY&name:given=CLAIRE")) == [LEROY]
    assert ids(await entries(fhir, "/Practitioner?name:family=ler&name:given=cla")) == [LEROY]
    assert ids(await entries(fhir, "/Practitioner?name:family:exact=LEROY&name:given:exact=Claire")) == [LEROY]
    assert await entries(fhir, "/Practitioner?name:family=CLAIRE") == []  # the part named, not the whole name
    r = await fhir.post("/Practitioner/_search", content="name:family=leroy&name:given=claire",
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert ids([e["resource"] for e in r.json()["entry"]]) == [LEROY]
    practitioner = {"name:family": "leroy", "name:given": "claire"}
    assert (await fhir.get("/Practitioner", params=practitioner)).json()["total"] == 1


async def test_text_modifier_on_names(fhir):
    assert LEROY in ids(await entries(fhir, "/Practitioner?name:text=claire leroy"))
    assert LEROY in ids(await entries(fhir, "/Practitioner?family:text=LEROY"))
    assert await entries(fhir, "/Practitioner?name:text=eroy") == []


async def test_identifier_of_type_rpps_and_idnps(fhir, population):
    leroy = population.professional("dr-leroy")
    typed = f"{nos.IDENTIFIER_TYPE}|RPPS|{leroy.rpps}"
    assert ids(await entries(fhir, f"/Practitioner?identifier:of-type={quote(typed)}")) == [LEROY]
    national = f"{nos.IDENTIFIER_TYPE}|IDNPS|8{leroy.rpps}"
    assert ids(await entries(fhir, f"/Practitioner?identifier:of-type={quote(national)}")) == [LEROY]
    wrong_type = f"{nos.IDENTIFIER_TYPE}|IDNPS|{leroy.rpps}"  # the RPPS value under the IDNPS type
    assert await entries(fhir, f"/Practitioner?identifier:of-type={quote(wrong_type)}") == []
    assert ids(await entries(fhir, f"/Practitioner?identifier={RPPS_SYSTEM}|{leroy.rpps}")) == [LEROY]


async def test_address_line_searches_the_street_lines(fhir):
    msp = technical_id("Organization", "msp-des-puys")
    found = await entries(fhir, "/Organization?address-line:contains=des puys")
    assert msp in ids(found)
    assert all("des puys" in " ".join(a.get("line", [])).lower() for o in found for a in o.get("address", [])[:1])
    assert msp not in ids(await entries(fhir, "/Organization?address-line=63000"))  # not the postal code
    assert msp in ids(await entries(fhir, "/Organization?address=63000"))


async def test_pharmacy_licence_reads_the_ig_extension(app, fhir):
    pharmacy = (await fhir.get(f"/Organization/{technical_id('Organization', 'pharmacie-du-centre')}")).json()
    licensed = {**pharmacy, "id": "pharmacie-licenciee",
                "extension": [*pharmacy.get("extension", []),
                              {"url": nos.EXT_PHARMACY_LICENCE, "valueString": "63#000123"}]}
    licensed.pop("meta")
    store = app.state.fhir
    with store.db.write() as conn:
        store.api.store.bulk_load(conn, tenant=fhir.tenant, resources=[licensed])
    assert ids(await entries(fhir, "/Organization?pharmacy-licence=63%23000123")) == ["pharmacie-licenciee"]
    assert ids(await entries(fhir, "/Organization?pharmacy-licence:exact=63%23000123")) == ["pharmacie-licenciee"]
    assert await entries(fhir, "/Organization?pharmacy-licence=64") == []
    everyone = (await fhir.get("/Organization?pharmacy-licence:missing=false&_summary=count")).json()
    assert everyone["total"] == 1


async def test_next_links_are_page_cursors_and_walk_every_professional(fhir):
    first = (await fhir.get("/Practitioner?active=true&_count=17")).json()
    total = first["total"]
    assert links(first)["next"].startswith(f"http://sandbox.test/t/{fhir.tenant}/annuaire-sante/fhir/v2/_page?id=")
    seen, bundle = [], first
    while True:
        seen += [e["resource"]["id"] for e in bundle["entry"]]
        if "next" not in links(bundle):
            break
        assert set(parse_qs(urlsplit(links(bundle)["next"]).query)) == {"id"}
        bundle = (await fhir.get(local(links(bundle)["next"]))).json()
    assert len(seen) == len(set(seen)) == total


async def test_page_links_need_the_api_key_and_their_own_tenant(app, fhir):
    next_url = links((await fhir.get("/Practitioner?_count=5")).json())["next"]
    assert_outcome(await fhir.get(local(next_url), headers={"ESANTE-API-KEY": ""}), 401, "AS-0001")
    assert_outcome(await fhir.get(local(next_url), headers={"x-sandbox-tenant": "another-team"}), 400, "FHIR-0023")


@pytest.mark.parametrize("query", ["", "?id=", "?id=garbage", "?id=" + "A" * 20000, "?id=%FF%FE.%00"])
async def test_hostile_page_ids_answer_400_fhir_0023(fhir, query):
    assert_outcome(await fhir.get(f"/_page{query}"), 400, "FHIR-0023")


async def test_total_none_estimate_accurate(fhir):
    every = (await fhir.get("/Practitioner?_total=accurate&_count=1")).json()
    assert every["total"] >= 60
    assert (await fhir.get("/Practitioner?_total=estimate&_count=1")).json()["total"] == every["total"]
    quiet = (await fhir.get("/Practitioner?_total=none&_count=10")).json()
    assert "total" not in quiet and len(quiet["entry"]) == 10 and "next" in links(quiet)
    second = (await fhir.get(local(links(quiet)["next"]))).json()
    assert "total" not in second and len(second["entry"]) == 10
    assert_outcome(await fhir.get("/Practitioner?_total=exact"), 400, "FHIR-0014")


async def test_count_goes_up_to_the_setting_and_is_lowered_above_it(fhir):
    every = (await fhir.get("/Practitioner?_summary=count")).json()["total"]
    big = (await fhir.get("/Practitioner?_count=10000")).json()
    assert len(big["entry"]) == every and "next" not in links(big)
    above = (await fhir.get("/Practitioner?_count=10001")).json()
    assert len(above["entry"]) == every and "_count=10000" in links(above)["self"]
    assert_outcome(await fhir.get("/Practitioner?_count=-1"), 400, "FHIR-0014")
    assert_outcome(await fhir.get("/Practitioner?_count=１０"), 400, "FHIR-0014")


async def test_max_count_setting(monkeypatch, database_url, sandbox_settings):
    monkeypatch.setenv("ANNUAIRE_SANTE_MAX_COUNT", "7")
    settings = AnnuaireSanteSettings.for_slug(SLUG, sandbox_settings, database_url=database_url)
    assert settings.max_count == 7
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        app.state.seed(SeedRequest("small-pages"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox.test/fhir/v2",
                                     headers={"x-sandbox-tenant": "small-pages", "ESANTE-API-KEY": DEMO_API_KEY}) as c:
            body = (await c.get("/Practitioner?_count=50")).json()
            assert len(body["entry"]) == 7 and "_count=7" in links(body)["self"]
    monkeypatch.setenv("ANNUAIRE_SANTE_MAX_COUNT", "0")
    with pytest.raises(ValueError):
        AnnuaireSanteSettings.for_slug(SLUG, sandbox_settings, database_url=database_url)


@pytest.mark.parametrize("query", [
    "Practitioner?name:middle=x", "Practitioner?family:family=x", "Practitioner?identifier:of-type=RPPS",
    "Practitioner?identifier:of-type=a|b", "Organization?pharmacy-licence:not=1", "Organization?address-line:below=x",
    "Practitioner?name:text=", "Practitioner?qualification-code:contains=10",
])
async def test_bad_modifiers_and_values_answer_400_fhir_0014(fhir, query):
    assert_outcome(await fhir.get(f"/{query}"), 400, "FHIR-0014")


async def test_capability_statement_lists_the_new_parameters(fhir):
    metadata = (await fhir.get("/metadata")).json()
    params = {r["type"]: {p["name"] for p in r["searchParam"]} for r in metadata["rest"][0]["resource"]}
    assert {"address-line", "pharmacy-licence"} <= params["Organization"]
    assert {"name", "family", "given"} <= params["Practitioner"]
