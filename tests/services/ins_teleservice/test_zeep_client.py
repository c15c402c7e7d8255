"""An independent SOAP client (zeep) loads the served WSDL over HTTP from a live sandbox (gateway + INSi,
uvicorn on a loopback port) and calls both operations with the INSi headers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from zeep import Client
from zeep.exceptions import Fault

from gateway.registry import ServiceSpec
from tests.e2e.conftest import serve_gateway

INSI = ServiceSpec("ins-teleservice", "services.ins_teleservice.app:create_app",
                   "services.ins_teleservice.settings:InsTeleserviceSettings")


@pytest.fixture(scope="module")
def live_insi(tmp_path_factory) -> Iterator[str]:
    with serve_gateway(tmp_path_factory.mktemp("insi"), [INSI]) as base:
        yield base


@pytest.fixture(scope="module")
def client(live_insi) -> Client:
    return Client(f"{live_insi}/t/team-zeep/ins-teleservice/lps?wsdl")


def headers(client: Client, idam: str = "SANDBOX-IDAM-DEMO") -> list:
    now, rid = datetime.now(UTC), str(uuid.uuid4())
    lps = client.get_element("{urn:siram:lps:ctxlps}ContexteLPS")
    bam = client.get_element("{urn:siram:bam:ctxbam}ContexteBAM")
    message_id = client.get_element("{http://www.w3.org/2005/08/addressing}MessageID")
    return [
        lps(Id=rid, Temps=now, Emetteur="zeep-test", Nature="CTXLPS", Version="01_00",
            LPS={"IDAM": {"_value_1": idam, "R": "4"}, "Version": "1.0", "Instance": rid, "Nom": "urn:lps:zeep:1.0"}),
        bam(Id=rid, Temps=now, Emetteur="zeep-test", COUVERTURE={}, Version="01_02"),
        message_id(f"uuid:{rid}"),
    ]


def test_zeep_sees_the_sandbox_endpoint(client, live_insi):
    assert client.service._binding_options["address"] == f"{live_insi}/t/team-zeep/ins-teleservice/lps"


def test_zeep_traits_search_finds_adrun_zoe(client):
    result = client.service.rechercherInsAvecTraitsIdentite(
        NomNaissance="ADRUN", Prenom=["ZOE"], Sexe="F", DateNaissance="1975-12-31", _soapheaders=headers(client))
    assert (result.CR.CodeCR, result.CR.LibelleCR) == ("00", "OK")
    assert result.INDIVIDU.INSACTIF.IdIndividu.NumIdentifiant == "2751263220749"
    assert result.INDIVIDU.INSACTIF.OID == "1.2.250.1.213.1.4.8"
    assert result.INDIVIDU.TIQ.ListePrenom == "ZOE"


def test_zeep_traits_search_never_finds_houilles(client):
    result = client.service.rechercherInsAvecTraitsIdentite(
        NomNaissance="HOUILLES", Prenom=["PIERRE", "PAUL", "JACQUES"], Sexe="M", DateNaissance="1993-01-27",
        _soapheaders=headers(client))
    assert result.CR.CodeCR == "01" and result.INDIVIDU is None


def test_zeep_gets_cr_02_for_de_vinci_leonardo(client):
    """The qualification service answers CR 02 (several identities) to this query (issue 10)."""
    result = client.service.rechercherInsAvecTraitsIdentite(
        NomNaissance="DE VINCI", Prenom=["LEONARDO"], Sexe="M", DateNaissance="2014-02-01",
        _soapheaders=headers(client))
    assert (result.CR.CodeCR, result.CR.LibelleCR, result.INDIVIDU) == ("02", "Plusieurs identites trouvees", None)


def test_zeep_vitale_search(client):
    result = client.service.rechercherInsAvecCarteVitale(
        MatriculeIndividu={"NumIdentifiant": "1090763220834", "Cle": "89"}, DateNaissance="2009-07-14",
        _soapheaders=headers(client))
    assert result.CR.CodeCR == "00"
    assert [h.IdIndividu.NumIdentifiant for h in result.INDIVIDU.INSHISTO] == ["2090763220834", "2090663220123"]
    assert str(result.INDIVIDU.INSHISTO[0].DateDeb) == "2019-03-01"


def test_zeep_gets_a_fault_for_a_fake_idam(client):
    with pytest.raises(Fault) as raised:
        client.service.rechercherInsAvecTraitsIdentite(
            NomNaissance="ADRUN", Prenom=["ZOE"], Sexe="F", DateNaissance="1975-12-31",
            _soapheaders=headers(client, idam="FAKE-IDAM"))
    fault = raised.value
    assert fault.code == "soap:Sender"
    assert [q.localname for q in fault.subcodes] == ["siram_100"]
    erreur = fault.detail.find("{urn:siram}Erreur")
    assert erreur.get("code") == "desir_550" and erreur.get("messageID").startswith("uuid:")


def test_zeep_is_accepted_with_an_idam_registered_without_restart(client, live_insi):
    """A vendor's real IDAM: refused, registered through the tenant admin API, then accepted by the same server."""
    idam = "ZEEP1TNF51DK"
    with pytest.raises(Fault):
        client.service.rechercherInsAvecTraitsIdentite(
            NomNaissance="ADRUN", Prenom=["ZOE"], Sexe="F", DateNaissance="1975-12-31",
            _soapheaders=headers(client, idam=idam))
    response = httpx.post(f"{live_insi}/t/team-zeep/ins-teleservice/_admin/software",
                          json={"idam": idam, "name": "zeep test"})
    assert response.status_code == 201, response.text
    result = client.service.rechercherInsAvecTraitsIdentite(
        NomNaissance="ADRUN", Prenom=["ZOE"], Sexe="F", DateNaissance="1975-12-31",
        _soapheaders=headers(client, idam=idam))
    assert result.CR.CodeCR == "00"


def test_the_recorded_fault_keeps_the_sandbox_help(client, live_insi):
    with pytest.raises(Fault):
        client.service.rechercherInsAvecTraitsIdentite(
            NomNaissance="ADRUN", Prenom=["ZOE"], Sexe="F", DateNaissance="1975-12-31",
            _soapheaders=headers(client, idam="RECORDED-FAKE"))
    listed = httpx.get(f"{live_insi}/t/team-zeep/_admin/exchanges",
                       params={"service": "ins-teleservice", "status": "5xx"}).json()["exchanges"]
    record = httpx.get(f"{live_insi}/_admin/exchanges/{listed[0]['id']}").json()
    advice = record["response_headers"]["x-sandbox-help"]
    assert "'RECORDED-FAKE'" in advice and "/t/team-zeep/ins-teleservice/_admin/software" in advice
    assert "RECORDED-FAKE" not in record["response_body"]  # the SOAP text is the real service's
