"""An independent FHIR client library (fhirpy) reads the directory through the gateway over real HTTP."""

from collections.abc import Iterator

import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import AuthorizationError, ResourceNotFound

from core.identifiers import RPPS_SYSTEM
from gateway.registry import ServiceSpec
from services.annuaire_sante.resources import technical_id
from services.annuaire_sante.settings import DEMO_API_KEY
from tests.e2e.conftest import serve_gateway

ANNUAIRE = ServiceSpec("annuaire-sante", "services.annuaire_sante.app:create_app",
                       "services.annuaire_sante.settings:AnnuaireSanteSettings")


@pytest.fixture
def gateway_url(tmp_path) -> Iterator[str]:
    with serve_gateway(tmp_path, [ANNUAIRE]) as base:
        yield base


@pytest.fixture
def client(gateway_url) -> SyncFHIRClient:
    return SyncFHIRClient(f"{gateway_url}/t/team-fhirpy/annuaire-sante/fhir/v2",
                          extra_headers={"ESANTE-API-KEY": DEMO_API_KEY})


def test_fhirpy_finds_a_professional_by_rpps_with_situations_and_structures(client):
    found = client.resources("Practitioner").search(identifier=f"{RPPS_SYSTEM}|99799000015").fetch()
    assert [p.id for p in found] == [technical_id("Practitioner", "dr-leroy")]
    leroy = found[0]
    assert leroy["name"][0]["family"] == "LEROY" and leroy.get_by_path(["identifier", 0, "value"]) == "899799000015"
    bundle = (client.resources("PractitionerRole").search(practitioner=leroy.id)
              .include("PractitionerRole", "organization").fetch_raw())
    kinds = sorted(e["resource"]["resourceType"] for e in bundle["entry"])
    assert kinds == ["Organization", "PractitionerRole"]
    assert client.reference("Practitioner", leroy.id).to_resource()["active"] is True


def test_fhirpy_pages_through_every_structure_and_sees_errors(client):
    structures = client.resources("Organization").search(active="true").limit(4).fetch_all()
    assert len(structures) == len({s.id for s in structures}) >= 6
    with pytest.raises(ResourceNotFound):
        client.reference("Practitioner", "003-99999-1").to_resource()


def test_fhirpy_without_the_api_key_is_refused(gateway_url):
    anonymous = SyncFHIRClient(f"{gateway_url}/t/team-fhirpy/annuaire-sante/fhir/v2")
    with pytest.raises(AuthorizationError):
        anonymous.resources("Practitioner").search(family="leroy").fetch()


def test_fhirpy_searches_name_family_and_walks_the_page_links(client):
    found = client.resources("Practitioner").search(**{"name:family": "leroy", "name:given": "claire"}).fetch()
    assert [p.id for p in found] == [technical_id("Practitioner", "dr-leroy")]
    search = client.resources("Practitioner").search(active="true").limit(3)
    first = search.fetch_raw()
    next_link = next(link["url"] for link in first["link"] if link["relation"] == "next")
    assert "/t/team-fhirpy/annuaire-sante/fhir/v2/_page?id=" in next_link
    everyone = search.fetch_all()  # fhirpy follows each next link as given
    assert len(everyone) == len({p.id for p in everyone}) == first["total"] > 3
