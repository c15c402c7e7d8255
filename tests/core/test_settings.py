"""Settings: per-slug env prefixes and public URLs per tenant."""

from core.settings import SandboxSettings, ServiceSettings, env_prefix


def test_service_settings_read_their_slug_prefix(monkeypatch, tmp_path):
    monkeypatch.setenv("INS_TELESERVICE_DATABASE_URL", "postgresql://x/y")
    settings = ServiceSettings.for_slug("ins-teleservice", SandboxSettings(data_dir=tmp_path))
    assert env_prefix("ins-teleservice") == "INS_TELESERVICE_"
    assert settings.resolved_database_url == "postgresql://x/y"
    assert ServiceSettings.for_slug("mssante", SandboxSettings(data_dir=tmp_path)).resolved_database_url == (
        f"sqlite:///{tmp_path.as_posix()}/mssante.db")


def test_base_url_adds_tenant_prefix(monkeypatch):
    monkeypatch.setenv("SANDBOX_PUBLIC_URL", "https://sandbox.example/")
    settings = ServiceSettings.for_slug("mssante")
    assert settings.base_url() == "https://sandbox.example/mssante"
    assert settings.base_url("team-a") == "https://sandbox.example/t/team-a/mssante"
