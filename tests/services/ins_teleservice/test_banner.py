"""What ``sandbox up`` prints about INSi (banner.py): the accepted IDAMs, the certificate check."""

from __future__ import annotations

from pathlib import Path

from core.settings import SandboxSettings
from services.ins_teleservice.banner import banner as insi_banner
from services.ins_teleservice.settings import InsTeleserviceSettings


def test_the_insi_banner_shows_the_accepted_idams_and_the_certificate_check(tmp_path: Path) -> None:
    sandbox = SandboxSettings(data_dir=tmp_path, public_url="http://sb.example")
    any_idam = insi_banner(InsTeleserviceSettings.for_slug("ins-teleservice", sandbox, approved_idams=["*"]))
    assert dict(any_idam.credentials)["accepted IDAMs"].startswith("any ('*')")
    assert "http://sb.example/ins-teleservice/_admin/software" in dict(any_idam.credentials)["accepted IDAMs"]
    checked = insi_banner(InsTeleserviceSettings.for_slug("ins-teleservice", sandbox, cert_cn_check=True))
    assert "INSI-AUTO, INSI-MANU (header x-ssl-client-cn)" in dict(checked.credentials)["certificate CNs"]
