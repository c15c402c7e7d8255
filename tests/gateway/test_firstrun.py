"""The first-run text (gateway/firstrun.py) and each service's banner, built in-process."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from core.settings import SandboxSettings
from gateway import firstrun, listen
from gateway.app import create_app
from gateway.registry import DEFAULT_SERVICES, ServiceSpec
from services.annuaire_sante.banner import banner as annuaire_banner
from services.annuaire_sante.settings import AnnuaireSanteSettings
from services.ins_teleservice.banner import banner as insi_banner
from services.ins_teleservice.settings import InsTeleserviceSettings
from services.pro_sante_connect.banner import banner as psc_banner
from services.pro_sante_connect.settings import ProSanteConnectSettings
from tests.gateway.demo_service import SPEC as DEMO_SERVICE

READY = (200, {"status": "ok"})


async def test_the_text_lists_every_service_under_the_public_url_and_says_ready(tmp_path: Path,
                                                                                start_gateway) -> None:
    async with start_gateway(services=[DEMO_SERVICE, *DEFAULT_SERVICES]) as client:
        gateway = client.gateway
        readyz = await firstrun.ask_readyz(gateway)
        lines = firstrun.text(gateway, listening="127.0.0.1:1", readyz=readyz)
    assert readyz[0] == 200
    text = "\n".join(lines)
    for slug in ("demo-service", "ins-teleservice", "annuaire-sante", "pro-sante-connect"):
        assert f"  {slug} " in text and f"http://sandbox.test/{slug}/docs" in text
    assert lines[-1] == "Ready: http://sandbox.test/readyz answers 200. Stop with Ctrl+C."


def test_a_service_without_banner_or_in_split_mode_still_gets_its_urls(tmp_path: Path, monkeypatch) -> None:
    remote = ServiceSpec("remote-service", DEMO_SERVICE.factory)
    settings = SandboxSettings(data_dir=tmp_path, public_url="http://sb.example")
    monkeypatch.setenv("REMOTE_SERVICE_URL", "http://10.0.0.9:9001")
    gateway = create_app(settings, [DEMO_SERVICE, remote])
    text = "\n".join(firstrun.text(gateway, listening="x", readyz=READY))
    assert "  demo-service" in text and "http://sb.example/demo-service/docs" in text
    assert "runs at           http://10.0.0.9:9001 (split mode)" in text


def test_not_ready_says_what_readyz_answers_and_secrets_stay_hidden(tmp_path: Path) -> None:
    settings = SandboxSettings(data_dir=tmp_path, admin_token=SecretStr("t0ken"),
                               database_url="postgresql://sandbox:pa55word@db.example/gateway")
    gateway = create_app(settings, [DEMO_SERVICE])
    lines = firstrun.text(gateway, listening="x", readyz=(503, {"status": "unavailable", "database": False}))
    text = "\n".join(lines)
    assert lines[-1].startswith("Not ready: http://127.0.0.1:8080/readyz answers 503 {\"status\": \"unavailable\"")
    assert "needs SANDBOX_ADMIN_TOKEN" in text and "t0ken" not in text
    assert "postgresql://sandbox:***@db.example/gateway" in text and "pa55word" not in text


def test_the_insi_banner_shows_the_accepted_idams_and_the_certificate_check(tmp_path: Path) -> None:
    sandbox = SandboxSettings(data_dir=tmp_path, public_url="http://sb.example")
    any_idam = insi_banner(InsTeleserviceSettings.for_slug("ins-teleservice", sandbox, approved_idams=["*"]))
    assert dict(any_idam.credentials)["accepted IDAMs"].startswith("any ('*')")
    assert "http://sb.example/ins-teleservice/_admin/software" in dict(any_idam.credentials)["accepted IDAMs"]
    checked = insi_banner(InsTeleserviceSettings.for_slug("ins-teleservice", sandbox, cert_cn_check=True))
    assert "INSI-AUTO, INSI-MANU (header x-ssl-client-cn)" in dict(checked.credentials)["certificate CNs"]


def test_the_annuaire_banner_shows_the_demo_key_only(tmp_path: Path) -> None:
    sandbox = SandboxSettings(data_dir=tmp_path)
    own = annuaire_banner(AnnuaireSanteSettings.for_slug("annuaire-sante", sandbox, api_keys=["k1", "k2"]), "/f")
    assert own.credentials == (("API keys", "2 more from ANNUAIRE_SANTE_API_KEYS (not shown)"),)
    assert own.endpoints == (("FHIR", "/f"),)


def test_the_psc_banner_names_file_clients_without_their_secrets(tmp_path: Path) -> None:
    clients = tmp_path / "clients.yaml"
    clients.write_text("- client_id: vendor-lgc\n  client_secret: do-not-print\n"
                       "  redirect_uris: [https://lgc.example/cb]\n", encoding="utf-8")
    settings = ProSanteConnectSettings.for_slug("pro-sante-connect", SandboxSettings(data_dir=tmp_path),
                                                clients_file=clients)
    shown = psc_banner(settings, "/realm")
    text = repr(shown)
    assert "vendor-lgc" in text and "do-not-print" not in text and "sandbox-practice-secret" in text


def test_default_public_url_of_any_address_and_ipv6(tmp_path: Path) -> None:
    assert listen.default_public_url("0.0.0.0", 8080) == "http://127.0.0.1:8080"
    assert listen.default_public_url("::1", 9000) == "http://[::1]:9000"
    assert listen.default_public_url("sandbox.local", 80) == "http://sandbox.local:80"
