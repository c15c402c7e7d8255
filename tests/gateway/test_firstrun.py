"""The first-run text (gateway/firstrun.py), built in-process (each service's banner: its test_banner.py)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from core.settings import SandboxSettings
from gateway import firstrun, listen
from gateway.app import create_app
from gateway.registry import DEFAULT_SERVICES, ServiceSpec
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


def test_default_public_url_of_any_address_and_ipv6(tmp_path: Path) -> None:
    assert listen.default_public_url("0.0.0.0", 8080) == "http://127.0.0.1:8080"
    assert listen.default_public_url("::1", 9000) == "http://[::1]:9000"
    assert listen.default_public_url("sandbox.local", 80) == "http://sandbox.local:80"
