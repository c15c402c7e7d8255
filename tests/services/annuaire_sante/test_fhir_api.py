"""The directory's FHIR API answers the searches vendors send to the Annuaire Santé v2 (spec digest §6.1)."""

from urllib.parse import quote

from core.identifiers import FINESS_SYSTEM, IDNAT_PS_OID, RPPS_SYSTEM
from services.annuaire_sante import nos
from services.annuaire_sante.resources import technical_id
from tests.services.annuaire_sante.conftest import GENERATED, entries


def ids(resources: list[dict]) -> list[str]:
    return [r["id"] for r in resources]


async def test_identifier_search_with_system_without_and_as_idnat_ps(fhir, population):
    leroy = population.professional("dr-leroy")
    expected = [technical_id("Practitioner", leroy.id)]
    assert ids(await entries(fhir, f"/Practitioner?identifier={RPPS_SYSTEM}|{leroy.rpps}")) == expected
    assert ids(await entries(fhir, f"/Practitioner?identifier={IDNAT_PS_OID}|8{leroy.rpps}")) == expected
    assert ids(await entries(fhir, f"/Practitioner?identifier={leroy.rpps},8{leroy.rpps}")) == expected
    assert await entries(fhir, f"/Practitioner?identifier={IDNAT_PS_OID}|{leroy.rpps}") == []


async def test_identifier_type_and_qualification_code(fhir):
    every = (await fhir.get("/Practitioner?_summary=count")).json()["total"]
    assert (await fhir.get("/Practitioner?identifier-type=RPPS&_summary=count")).json()["total"] == every
    pharmacists = await entries(fhir, f"/Practitioner?qualification-code={quote(nos.PROFESSION)}|21&_count=500")
    assert pharmacists and all(
        any(c["code"] == "21" for q in p["qualification"] for c in q["code"]["coding"]) for p in pharmacists)
    gps = await entries(fhir, "/Practitioner?qualification-code=SM54&_count=500")
    assert technical_id("Practitioner", "dr-leroy") in ids(gps)


async def test_name_family_given_with_modifiers(fhir):
    leroy = technical_id("Practitioner", "dr-leroy")
    assert leroy in ids(await entries(fhir, "/Practitioner?family=ler&given=claire"))
    assert ids(await entries(fhir, "/Practitioner?family:exact=LEROY&given:exact=Claire")) == [leroy]
    assert await entries(fhir, "/Practitioner?family:exact=leroy&given=claire") == []
    assert leroy in ids(await entries(fhir, "/Practitioner?name:contains=eroy"))
    assert leroy in ids(await entries(fhir, "/Practitioner?name=DR&given=claire"))  # suffix = civilité d'exercice


async def test_active_and_deactivated_records(fhir):
    faure = technical_id("Practitioner", "dr-faure")
    closed = await entries(fhir, "/Practitioner?active=false&_count=500")
    assert faure in ids(closed)
    record = next(p for p in closed if p["id"] == faure)
    assert set(record) == {"resourceType", "id", "meta", "language", "identifier", "name", "active"}
    assert faure not in ids(await entries(fhir, "/Practitioner?active=true&_count=500"))


async def test_mailbox_search_with_contains_exact_and_type(fhir):
    leroy = technical_id("Practitioner", "dr-leroy")
    assert ids(await entries(fhir, "/Practitioner?mailbox-mss=claire.leroy@medecin.mssante.fr")) == [leroy]
    assert ids(await entries(fhir, "/Practitioner?mailbox-mss:exact=claire.leroy@medecin.mssante.fr")) == [leroy]
    assert ids(await entries(fhir, "/Practitioner?mailbox-mss:contains=leroy@medecin")) == [leroy]
    roles = await entries(fhir, "/PractitionerRole?mailbox-mss=dr.leroy@msp-des-puys.mssante.fr")
    assert roles[0]["practitioner"]["reference"] == f"Practitioner/{leroy}"
    organizations = await entries(fhir, "/Organization?mailbox-mss-type=APP&name:contains=volcans")
    assert sorted(ids(organizations)) == sorted(technical_id("Organization", o)
                                               for o in ("ch-volcans", "pharmacie-des-volcans"))
    assert await entries(fhir, "/Organization?mailbox-mss=0473001000") == []  # a phone is not a mailbox
    assert len(await entries(fhir, f"/Practitioner?mailbox-mss-type={quote(nos.MAILBOX_TYPE)}|PER&_count=3")) == 3


async def test_smartcard_and_information_system(fhir):
    leroy = technical_id("Practitioner", "dr-leroy")
    assert ids(await entries(fhir, "/Practitioner?number-smartcard=3199000003")) == [leroy]
    assert leroy in ids(await entries(fhir, "/Practitioner?type-smartcard=CPS&_count=500"))
    finess = await entries(fhir, "/Organization?data-information-system=FINESS&_count=500")
    assert finess and all(any(i["system"] == FINESS_SYSTEM for i in o["identifier"]) for o in finess)


async def test_practitioner_role_references_and_role_codes(fhir):
    leroy = technical_id("Practitioner", "dr-leroy")
    msp = technical_id("Organization", "msp-des-puys")
    roles = await entries(fhir, f"/PractitionerRole?practitioner={leroy}")
    assert [r["organization"]["reference"] for r in roles] == [f"Organization/{msp}"]
    assert leroy in [r["practitioner"]["reference"].split("/")[1]
                     for r in await entries(fhir, f"/PractitionerRole?organization=Organization/{msp}")]
    liberal = await entries(fhir, f"/PractitionerRole?role={quote(nos.MODE)}|L&_count=500")
    assert liberal and all(any(c["coding"][0]["code"] == "L" for c in r["code"]) for r in liberal)
    assert await entries(fhir, f"/PractitionerRole?identifier={RPPS_SYSTEM}|1000000103") == roles


async def test_organization_address_type_partof_and_include(fhir):
    eg, ej = technical_id("Organization", "ch-volcans"), technical_id("Organization", "ch-volcans-ej")
    ehpad = technical_id("Organization", "ehpad-des-volcans")  # the hospital's other site
    assert eg in ids(await entries(fhir, "/Organization?address-city=clermont&address-postalcode=63&_count=500"))
    assert eg in ids(await entries(fhir, "/Organization?address:contains=volcans"))
    assert eg in ids(await entries(fhir, "/Organization?address=12 boulevard&_count=500"))
    assert ids(await entries(fhir, f"/Organization?identifier={FINESS_SYSTEM}|638000026")) == [eg]
    assert ids(await entries(fhir, "/Organization?identifier=1638000026")) == [eg]
    assert sorted(ids(await entries(fhir, f"/Organization?partof={ej}"))) == sorted([eg, ehpad])
    legal = await entries(fhir, "/Organization?type=LEGAL-ENTITY&_count=500")
    assert ej in ids(legal) and eg not in ids(legal)
    included = await entries(fhir, f"/Organization?_id={eg}&_include=Organization:partof", mode="include")
    assert ids(included) == [ej]
    children = await entries(fhir, f"/Organization?_id={ej}&_revinclude=Organization:partof", mode="include")
    assert sorted(ids(children)) == sorted([eg, ehpad])


async def test_revinclude_and_include_between_practitioners_roles_and_structures(fhir):
    leroy = technical_id("Practitioner", "dr-leroy")
    body = (await fhir.get(f"/Practitioner?_id={leroy}&_revinclude=PractitionerRole:practitioner")).json()
    assert [(e["resource"]["resourceType"], e["search"]["mode"]) for e in body["entry"]] == [
        ("Practitioner", "match"), ("PractitionerRole", "include")]
    expected = {"PractitionerRole:organization": {"Organization"}, "PractitionerRole:practitioner": {"Practitioner"},
                "*": {"Organization", "Practitioner"}, "PractitionerRole:*": {"Organization", "Practitioner"}}
    for include, types in expected.items():
        body = (await fhir.get(f"/PractitionerRole?practitioner={leroy}&_include={include}")).json()
        assert {e["resource"]["resourceType"] for e in body["entry"] if e["search"]["mode"] == "include"} == types


async def test_default_page_is_50_with_next_links_and_total(fhir):
    body = (await fhir.get("/Practitioner")).json()
    assert body["total"] >= GENERATED and len(body["entry"]) == 50
    links = {link["relation"]: link["url"] for link in body["link"]}
    assert links["self"].startswith(f"http://sandbox.test/t/{fhir.tenant}/annuaire-sante/fhir/v2/Practitioner?")
    assert links["next"].startswith(f"http://sandbox.test/t/{fhir.tenant}/annuaire-sante/fhir/v2/_page?id=")
    second = (await fhir.get("/_page?" + links["next"].split("?", 1)[1])).json()
    assert len(second["entry"]) == body["total"] - 50 and not set(ids([e["resource"] for e in second["entry"]])) & set(
        ids([e["resource"] for e in body["entry"]]))


async def test_elements_system_search_and_post_search(fhir):
    body = (await fhir.get("?_type=Practitioner,PractitionerRole&mailbox-mss:contains=ch-volcans"
                           "&_elements=identifier,telecom")).json()
    assert body["total"] == len(body["entry"]) >= 2
    for entry in body["entry"]:
        assert set(entry["resource"]) <= {"resourceType", "id", "meta", "identifier", "telecom"}
        assert entry["resource"]["meta"]["tag"][0]["code"] == "SUBSETTED"
    r = await fhir.post("/Practitioner/_search", content="family=leroy&given=claire",
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert ids([e["resource"] for e in r.json()["entry"]]) == [technical_id("Practitioner", "dr-leroy")]


async def test_read_last_updated_and_metadata(fhir):
    leroy = technical_id("Practitioner", "dr-leroy")
    r = await fhir.get(f"/Practitioner/{leroy}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/fhir+json"
    assert r.json()["meta"]["versionId"] == "1"
    assert leroy in ids(await entries(fhir, "/Practitioner?_lastUpdated=ge2020-01-01&family=leroy"))
    capability = (await fhir.get("/metadata")).json()
    by_type = {r["type"]: r for r in capability["rest"][0]["resource"]}
    assert set(by_type) == {"Practitioner", "PractitionerRole", "Organization", "Device", "HealthcareService"}
    assert "Device:organization" in by_type["Organization"]["searchRevInclude"]
    assert "HealthcareService:organization" in by_type["Organization"]["searchRevInclude"]
    for resource in by_type.values():
        assert "data-registration-authority" in {p["name"] for p in resource["searchParam"]}
    assert {i["code"] for i in by_type["Practitioner"]["interaction"]} == {"read", "search-type"}
    assert {"mailbox-mss", "qualification-code", "number-smartcard"} <= {
        p["name"] for p in by_type["Practitioner"]["searchParam"]}
    assert by_type["Organization"]["profile"].endswith("/as-dp-organization")
