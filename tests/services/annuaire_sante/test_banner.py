"""What ``sandbox up`` prints about the Annuaire Santé (banner.py): the demo key only."""

from __future__ import annotations

from pathlib import Path

from core.settings import SandboxSettings
from services.annuaire_sante.banner import banner as annuaire_banner
from services.annuaire_sante.settings import AnnuaireSanteSettings


def test_the_annuaire_banner_shows_the_demo_key_only(tmp_path: Path) -> None:
    sandbox = SandboxSettings(data_dir=tmp_path)
    own = annuaire_banner(AnnuaireSanteSettings.for_slug("annuaire-sante", sandbox, api_keys=["k1", "k2"]), "/f")
    assert own.credentials == (("API keys", "2 more from ANNUAIRE_SANTE_API_KEYS (not shown)"),)
    assert own.endpoints == (("FHIR", "/f"),)


def test_the_default_banner_gives_the_demo_key_header(tmp_path: Path) -> None:
    shown = annuaire_banner(AnnuaireSanteSettings.for_slug("annuaire-sante", SandboxSettings(data_dir=tmp_path)), "/f")
    assert shown.credentials == (("demo API key", "ESANTE-API-KEY: sandbox-demo-key"),)
