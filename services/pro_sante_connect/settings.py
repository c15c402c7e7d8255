"""Settings of the Pro Santé Connect stand-in (env prefix ``PRO_SANTE_CONNECT_``; spec digest §2).

Lifetimes default to the ANS mocks' values (access 120 s, refresh 350 s, CIBA request 120 s): short on
purpose, so relying parties exercise their refresh logic. The real values are not published (§2.5, U).
Access tokens carry no ``aud`` by default, as the real service's (source: issue 10 only); the sandbox's
resource services accept a token without ``aud`` (:class:`core.oidc.verifier.TokenVerifier`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from core.settings import CommaList, ServiceSettings

SLUG = "pro-sante-connect"


class ProSanteConnectSettings(ServiceSettings):
    slug: str = SLUG
    access_token_ttl: int = Field(120, ge=5, le=86_400, description="Access and ID token lifetime, seconds.")
    refresh_token_ttl: int = Field(350, ge=10, le=30 * 86_400, description="Refresh token lifetime, seconds.")
    code_ttl: int = Field(60, ge=5, le=600, description="Authorization code lifetime, seconds.")
    access_token_audience: CommaList = Field(
        default_factory=list,
        description="The 'aud' of access tokens, comma-separated; empty (the default): no 'aud', as real "
        "Pro Santé Connect access tokens. The sandbox's resource services accept tokens without 'aud' or "
        "with 'esante-sandbox'.")
    clients_file: Path | None = Field(None, description="YAML file of extra clients (RFC 7591 metadata), loaded "
                                      "into every tenant at start and when a tenant is created.")
    annuaire_api_key: str = Field("sandbox-demo-key", description="ESANTE-API-KEY used to read the Annuaire Santé.")
    ciba_expires_in: int = Field(120, ge=10, le=3600, description="Lifetime of a CIBA request, seconds.")
    ciba_interval: int = Field(5, ge=1, le=60, description="Minimum polling interval announced for CIBA, seconds.")
    ciba_auto_approve_after: float | None = Field(
        None, ge=0, description="Approve CIBA requests automatically after this many seconds (default for every "
        "tenant; a tenant overrides it with PUT /_admin/ciba). Unset: a person approves on the e-CPS page.")


def psc_settings(settings: ServiceSettings) -> ProSanteConnectSettings:
    """The service's own settings, whatever the caller built (a registry without a settings factory)."""
    if isinstance(settings, ProSanteConnectSettings):
        return settings
    return ProSanteConnectSettings.for_slug(SLUG, settings.sandbox, database_url=settings.database_url,
                                            url=settings.url)
