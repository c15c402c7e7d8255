"""Settings of the Annuaire Santé stand-in (env prefix ``ANNUAIRE_SANTE_``; spec digest §6.1, §6.4).

The real API wants a key from the ANS Gravitee portal in ``ESANTE-API-KEY`` and allows 17 calls per
second per application; here the keys are listed in settings (a documented demo key by default) and the
rate limit is off unless set.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.settings import CommaList, ServiceSettings
from services.annuaire_sante import nos
from services.annuaire_sante.resources import BuildOptions

SLUG = "annuaire-sante"
DEMO_API_KEY = "sandbox-demo-key"


class AnnuaireSanteSettings(ServiceSettings):
    slug: str = SLUG
    api_keys: CommaList = Field(
        default_factory=lambda: [DEMO_API_KEY],
        description="Accepted ESANTE-API-KEY values, comma-separated (ANNUAIRE_SANTE_API_KEYS=key1,key2).",
    )
    rate_limit: float = Field(0, ge=0, description="Calls per second allowed per key (the real API: 17); 0 = off.")
    max_count: int = Field(
        10_000, ge=1, le=100_000, description="Largest page a search answers (_count above it is lowered to it, "
        "as FHIR allows); the v2 documentation shows _count=10000.")
    liste_rouge: Literal["hide", "flag"] = Field(
        "hide", description="Mailboxes on the liste rouge: 'hide' them as the open data does, or publish every "
        "mailbox with a listeRouge flag. Applies to what is seeded afterwards.")
    mailbox_type_system: str = Field(
        nos.MAILBOX_TYPE, description="Code system of the mailbox type (PER/ORG/APP/CAB): TRE_R257-TypeBAL by "
        "default; the MSS IG's search examples use TRE_R256-TypeMessagerie. Applies to what is seeded afterwards.")

    @property
    def build_options(self) -> BuildOptions:
        return BuildOptions(liste_rouge=self.liste_rouge, mailbox_type_system=self.mailbox_type_system)


def annuaire_settings(settings: ServiceSettings) -> AnnuaireSanteSettings:
    """The service's own settings, whatever the caller built (a registry without a settings factory)."""
    if isinstance(settings, AnnuaireSanteSettings):
        return settings
    return AnnuaireSanteSettings.for_slug(SLUG, settings.sandbox, database_url=settings.database_url,
                                          url=settings.url)
