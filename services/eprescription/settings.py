"""Settings of the ordonnance numérique (env prefix ``EPRESCRIPTION_``), on top of the kernel's.

The national API is not public (digest §5.1): who may prescribe and dispense, the feed to Mon espace santé
and the drug reference are the sandbox's choices, each a setting (docs/eprescription.md "Settings").
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from core.settings import CommaList, ServiceSettings

SLUG = "eprescription"
FHIR_PATH = "/fhir"
MES_SLUG = "ms-espace-sante"
PSC_SLUG = "pro-sante-connect"


class EprescriptionSettings(ServiceSettings):
    slug: str = SLUG
    prescriber_professions: CommaList = Field(
        default_factory=lambda: ["10", "40", "50"],
        description="TRE_G15 professions that may prescribe medicines (10 médecin, 40 chirurgien-dentiste, "
                    "50 sage-femme), comma-separated. The national list is not published (digest §5.1): widen it "
                    "(60 infirmier, 70 masseur-kinésithérapeute...) for the lines the roadmap adds next.")
    dispenser_professions: CommaList = Field(
        default_factory=lambda: ["21"],
        description="TRE_G15 professions that scan and dispense (21 pharmacien), comma-separated.")
    max_lines: int = Field(50, ge=1, le=500, description="Most MedicationRequest lines in one prescription.")
    max_request_bytes: int = Field(1024 * 1024, ge=1024, le=64 * 1024 * 1024,
                                   description="Largest request body accepted by the FHIR routes (413 beyond).")
    bdpm_dir: Path | None = Field(
        None, description="A directory holding the official BDPM files (CIS_bdpm.txt, CIS_CIP_bdpm.txt, "
                          "CIS_COMPO_bdpm.txt, optionally CIS_GENER_bdpm.txt), loaded into the drug reference at "
                          "start when it holds no BDPM yet (or run `sandbox load-bdpm DIR`).")
    feed_client_id: str = Field("sandbox-eprescription", description="Pro Santé Connect client (client_credentials) "
                                "the service feeds Mon espace santé with.")
    feed_client_secret: str = Field("sandbox-eprescription-secret", description="Its secret.")
    feed_retry_seconds: float = Field(2.0, ge=0.05, le=3600, description="How often pending feeds to Mon espace "
                                      "santé are retried, seconds.")
    feed_max_attempts: int = Field(1000, ge=1, le=1_000_000, description="Attempts after which a feed is given up "
                                   "(state 'failed', listed for an organiser to retry by hand).")


def epr_settings(settings: ServiceSettings) -> EprescriptionSettings:
    """The service's own settings, whatever the caller built (a registry without a settings factory)."""
    if isinstance(settings, EprescriptionSettings):
        return settings
    return EprescriptionSettings.for_slug(SLUG, settings.sandbox, database_url=settings.database_url,
                                          url=settings.url)
