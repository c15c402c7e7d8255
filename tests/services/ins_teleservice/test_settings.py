"""Settings of the INS teleservice come from ``INS_TELESERVICE_*`` keys; lists accept CSV or JSON."""

from __future__ import annotations

from services.ins_teleservice.settings import DEMO_IDAMS, SLUG, InsTeleserviceSettings


def test_defaults_are_the_documented_demo_values(monkeypatch):
    for key in ("APPROVED_IDAMS", "CERT_CN_CHECK", "FAULT_HTTP_STATUS"):
        monkeypatch.delenv(f"INS_TELESERVICE_{key}", raising=False)
    settings = InsTeleserviceSettings.for_slug(SLUG)
    assert settings.approved_idams == list(DEMO_IDAMS) and not settings.cert_cn_check
    assert settings.allowed_cert_cns == ["INSI-AUTO", "INSI-MANU"] and settings.fault_http_status == 500


def test_environment_lists_accept_csv_and_json(monkeypatch):
    monkeypatch.setenv("INS_TELESERVICE_APPROVED_IDAMS", "LPS-1, LPS-2")
    monkeypatch.setenv("INS_TELESERVICE_ALLOWED_CERT_CNS", '["INSI-AUTO"]')
    monkeypatch.setenv("INS_TELESERVICE_CERT_CN_CHECK", "true")
    settings = InsTeleserviceSettings.for_slug(SLUG)
    assert settings.approved_idams == ["LPS-1", "LPS-2"] and settings.allowed_cert_cns == ["INSI-AUTO"]
    assert settings.cert_cn_check and settings.idam_approved("LPS-2") and not settings.idam_approved("LPS-3")
