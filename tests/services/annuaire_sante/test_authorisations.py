"""Device, HealthcareService and the data-trace searches, as the v2 documentation queries them.

AS-DOC = ansforge/annuaire-sante-fhir-documentation docs/pages/guide/version-2/resources/{device,
healthcare-service,organization}.md; the data-registration-authority parameter is the IG's
input/fsh/SearchParameters/AsDataRegistrationAuthoritySearchParameter.fsh (bases Organization, Practitioner,
PractitionerRole, Device, HealthcareService).
"""

import uuid
from urllib.parse import quote

import pytest

from core.population.generator import professionals
from services.annuaire_sante import nos
from services.annuaire_sante.resources import technical_id
from tests.outcomes import assert_outcome
from tests.services.annuaire_sante.conftest import GENERATED, SEED, entries

CH = technical_id("Organization", "ch-volcans")
SCANNER = technical_id("Device", "ch-volcans", 0)


def ids(resources: list[dict]) -> list[str]:
    return [r["id"] for r in resources]


async def test_device_searches_of_the_documentation(fhir):
    every = await entries(fhir, "/Device?_count=500")
    assert SCANNER in ids(every) and all(r["resourceType"] == "Device" for r in every)
    assert ids(await entries(fhir, "/Device?identifier=63-63-10001")) == [SCANNER]
    assert ids(await entries(fhir, f"/Device?identifier={quote(nos.ARHGOS_SYSTEM)}|63-63-10001")) == [SCANNER]
    assert ids(await entries(fhir, f"/Device?_id={SCANNER}")) == [SCANNER]
    scanners = await entries(fhir, f"/Device?type={quote(nos.EQUIPMENT)}%7C05602&_count=500")
    assert SCANNER in ids(scanners) and all(r["type"]["coding"][0]["code"] == "05602" for r in scanners)
    inactive = await entries(fhir, "/Device?status=inactive&_count=500")
    assert technical_id("Device", "ch-volcans", 2) in ids(inactive) and SCANNER not in ids(inactive)
    assert SCANNER in ids(await entries(fhir, "/Device?manufacturer:contains=siemens&_count=500"))
    assert ids(await entries(fhir, f"/Device?organization={CH}&status=active")) == [
        SCANNER, technical_id("Device", "ch-volcans", 1)]
    assert await entries(fhir, "/Device?model=SOMATOM") == []  # modelNumber is 0..0 in as-dp-device
    included = await entries(fhir, f"/Device?_id={SCANNER}&_include=Device:organization", mode="include")
    assert ids(included) == [CH]


async def test_healthcare_service_searches_of_the_documentation(fhir):
    surgery = technical_id("HealthcareService", "ch-volcans", 2)
    assert ids(await entries(fhir, "/HealthcareService?identifier=63-63-20003")) == [surgery]
    ambulatory = await entries(fhir, f"/HealthcareService?characteristic={quote(nos.FORM)}%7C07&_count=500")
    assert surgery in ids(ambulatory)
    assert all(r["characteristic"][0]["coding"][0]["code"] == "07" for r in ambulatory)
    assert surgery in ids(await entries(fhir, f"/HealthcareService?service-type={quote(nos.ACTIVITY)}|02&_count=500"))
    assert surgery in ids(await entries(fhir, "/HealthcareService?service-category=00&active=true&_count=500"))
    profile = quote(nos.PROFILES["HealthcareService"][0])
    assert surgery in ids(await entries(fhir, f"/HealthcareService?_profile={profile}&_count=500"))
    assert len(await entries(fhir, f"/HealthcareService?organization={CH}")) == 3
    assert await entries(fhir, "/HealthcareService?active=false") == []


async def test_social_equipment_is_found_by_profile_and_type_of_activity(fhir):
    ehpad = technical_id("HealthcareService", "ehpad-des-volcans", 0)
    social = quote(nos.SOCIAL_EQUIPMENT_PROFILE)
    assert ids(await entries(fhir, f"/HealthcareService?_profile={social}")) == [ehpad]
    # AS-DOC healthcare-service.md §4.3: characteristic=TRE_R209-TypeActivite|11 (hébergement complet internat)
    assert ehpad in ids(await entries(fhir, f"/HealthcareService?characteristic={quote(nos.ACTIVITY_TYPE)}%7C11"))
    assert ehpad in ids(await entries(fhir, f"/HealthcareService?service-type={quote(nos.SOCIAL_ACTIVITY)}|924"))
    activity = quote(nos.PROFILES["HealthcareService"][0])
    assert ehpad not in ids(await entries(fhir, f"/HealthcareService?_profile={activity}&_count=500"))


async def test_organization_revincludes_its_devices_and_healthcare_services(fhir):
    # AS-DOC organization.md §4.1: Organization?_revinclude=Device:organization / HealthcareService:organization
    r = await fhir.get(f"/Organization?_id={CH}&_revinclude=Device:organization"
                       "&_revinclude=HealthcareService:organization")
    assert r.status_code == 200, r.text
    body = r.json()
    matched = [e["resource"]["id"] for e in body["entry"] if e["search"]["mode"] == "match"]
    included = {(e["resource"]["resourceType"], e["resource"]["id"]) for e in body["entry"]
                if e["search"]["mode"] == "include"}
    assert matched == [CH] and body["total"] == 1
    assert included == {*(("Device", technical_id("Device", "ch-volcans", i)) for i in (0, 1)),
                        *(("HealthcareService", technical_id("HealthcareService", "ch-volcans", i)) for i in range(3))}
    # the retired scanner keeps no owner (an inactive Device shows only its ARHGOS number), so it is not included
    only_devices = await entries(fhir, f"/Organization?_id={CH}&_revinclude=Device:organization", mode="include")
    assert {r["resourceType"] for r in only_devices} == {"Device"}


async def test_generated_hospitals_have_devices_and_services(fhir):
    generated = [r for r in await entries(fhir, "/Device?_count=500") if r["id"].startswith("002-1")]
    assert generated, "the 60 generated professionals bring at least one hospital with its equipment"
    owner = generated[0]["owner"]["reference"].rpartition("/")[2]
    assert owner.startswith("001-1")
    assert (await fhir.get(f"/Organization/{owner}")).status_code == 200


@pytest.mark.parametrize("rtype, authority, member", [
    ("Practitioner", "CNOM", technical_id("Practitioner", "dr-leroy")),
    ("Practitioner", "CNOP", technical_id("Practitioner", "pharmacien-girard")),
    ("PractitionerRole", "CNOP", technical_id("PractitionerRole", "pharmacien-girard", 0)),
    ("Organization", "ARS", CH),
    ("Organization", "CNOM", technical_id("Organization", "cabinet-specialiste")),
    ("Device", "ARS", SCANNER),
    ("HealthcareService", "ARS", technical_id("HealthcareService", "ch-volcans", 0)),
])
async def test_data_registration_authority_on_every_type(fhir, rtype, authority, member):
    found = await entries(fhir, f"/{rtype}?data-registration-authority={authority}&_count=1000")
    assert member in ids(found)
    with_system = await entries(fhir, f"/{rtype}?data-registration-authority={quote(nos.AUTHORITY)}|{authority}"
                                      "&_count=1000")
    assert ids(with_system) == ids(found)
    other = "CNOSF" if authority != "CNOSF" else "CNOM"
    assert member not in ids(await entries(fhir, f"/{rtype}?data-registration-authority={other}&_count=1000"))


async def test_data_registration_authority_combines_with_other_parameters(fhir):
    r = await fhir.get("/Practitioner?data-registration-authority=CNOP&family=girard&_total=accurate")
    assert [e["resource"]["id"] for e in r.json()["entry"]] == [technical_id("Practitioner", "pharmacien-girard")]
    assert (await fhir.get("/Practitioner?data-registration-authority:not=CNOM&family=leroy")).json()["total"] == 0


async def test_rpps_rang_identifier_search(fhir):
    cabinet = technical_id("Organization", "cabinet-specialiste")
    assert ids(await entries(fhir, f"/Organization?identifier={quote(nos.RPPS_RANG_SYSTEM)}|99700218896001")) == [
        cabinet]
    assert cabinet in ids(await entries(fhir, "/Organization?identifier-type=RPPSRG&_count=500"))


async def test_address_and_type_searches_see_the_new_content(fhir):
    assert CH in ids(await entries(fhir, "/Organization?address-city=CLERMONT-FERRAND&_count=500"))
    assert CH in ids(await entries(fhir, f"/Organization?type={quote(nos.APE)}|86.10Z&_count=500"))


@pytest.mark.parametrize("query, code", [
    ("/Device?active=true", "FHIR-0013"),  # Device has status, not active
    ("/Device?mailbox-mss=x", "FHIR-0013"),
    ("/Device?status:contains=act", "FHIR-0014"),
    ("/Device?_include=Device:owner", "FHIR-0014"),
    ("/Device?_count=x", "FHIR-0014"),
    ("/HealthcareService?status=active", "FHIR-0013"),
    ("/HealthcareService?characteristic:below=07", "FHIR-0014"),
    ("/HealthcareService?_revinclude=Device:organization", "FHIR-0014"),
    ("/Organization?_revinclude=Device:owner", "FHIR-0014"),
    ("/Organization?_revinclude=Device", "FHIR-0014"),
    ("/Practitioner?data-registration-authority:contains=CN", "FHIR-0014"),
    ("/Practitioner?data-registration-authority:exact=CNOM", "FHIR-0014"),
])
async def test_bad_device_and_healthcare_service_searches_return_400(fhir, query, code):
    assert_outcome(await fhir.get(query), 400, code)


@pytest.mark.parametrize("path", ["/Device/002-00001-0", "/HealthcareService/nope", "/Device/" + "9" * 70])
async def test_unknown_device_or_service_returns_404(fhir, path):
    r = await fhir.get(path)
    assert r.status_code in (400, 404) and r.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("method, path, rtype", [
    ("POST", "/Device", "Device"), ("PUT", f"/Device/{SCANNER}", "Device"),
    ("DELETE", f"/Device/{SCANNER}", "Device"), ("POST", "/HealthcareService", "HealthcareService"),
])
async def test_writes_on_the_new_types_return_405(fhir, method, path, rtype):
    assert_outcome(await fhir.request(method, path, json={"resourceType": rtype}), 405, "HTTP-0405")
    assert (await fhir.get(f"/Device/{SCANNER}")).json()["status"] == "active"


async def test_seed_route_counts_devices_and_healthcare_services(service, population):
    # RULES "Shared decision": the seed answers its counts by resource type, the new types included
    organizations, _ = professionals(SEED, GENERATED)
    every = [*population.organizations, *organizations]
    name = f"t-{uuid.uuid4().hex[:12]}"
    response = await service.post(f"/_admin/tenants/{name}/seed", params={"professionals": GENERATED, "seed": SEED})
    assert response.status_code == 200, response.text
    seeded = response.json()["seeded"]
    assert seeded["Device"] == sum(len(o.equipment) for o in every) >= 3
    assert seeded["HealthcareService"] == sum(len(o.activities) + len(o.social) for o in every) >= 4
    again = (await service.post(f"/_admin/tenants/{name}/seed", params={"professionals": GENERATED, "seed": SEED}))
    assert again.json()["seeded"]["Device"] == 0 and again.json()["total"]["Device"] == seeded["Device"]
