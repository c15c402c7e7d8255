"""What ``sandbox up`` prints about Pro Santé Connect (banner.py): the demo clients, file clients without secrets."""

from __future__ import annotations

from pathlib import Path

from core.settings import SandboxSettings
from services.pro_sante_connect.banner import banner as psc_banner
from services.pro_sante_connect.settings import ProSanteConnectSettings


def test_the_psc_banner_names_file_clients_without_their_secrets(tmp_path: Path) -> None:
    clients = tmp_path / "clients.yaml"
    clients.write_text("- client_id: vendor-lgc\n  client_secret: do-not-print\n"
                       "  redirect_uris: [https://lgc.example/cb]\n", encoding="utf-8")
    settings = ProSanteConnectSettings.for_slug("pro-sante-connect", SandboxSettings(data_dir=tmp_path),
                                                clients_file=clients)
    shown = psc_banner(settings, "/realm")
    text = repr(shown)
    assert "vendor-lgc" in text and "do-not-print" not in text and "sandbox-practice-secret" in text
