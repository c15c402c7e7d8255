"""Settings of Mon espace santé / DMP (env prefix ``MS_ESPACE_SANTE_``), on top of the kernel's."""

from __future__ import annotations

from pydantic import Field

from core.settings import ServiceSettings

SLUG = "ms-espace-sante"
FHIR_PATH = "/fhir"


class MsEspaceSanteSettings(ServiceSettings):
    slug: str = SLUG
    max_document_bytes: int = Field(
        5 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024,
        description="Largest document (decoded bytes of one Binary or attachment.data) accepted; 413 MES-0007 "
                    "beyond. The request body may be up to 4/3 of it plus 1 MiB of metadata, and the gateway "
                    "caps every body at SANDBOX_MAX_BODY_BYTES (10 MiB): raise both for larger documents.")

    @property
    def max_request_bytes(self) -> int:
        """Largest ITI-65/ITI-105 body: one base64 document at the limit, plus room for the metadata."""
        return (self.max_document_bytes + 2) // 3 * 4 + 1024 * 1024


def mes_settings(settings: ServiceSettings) -> MsEspaceSanteSettings:
    """The service's own settings, whatever the caller built (a registry without a settings factory)."""
    if isinstance(settings, MsEspaceSanteSettings):
        return settings
    return MsEspaceSanteSettings.for_slug(SLUG, settings.sandbox, database_url=settings.database_url,
                                          url=settings.url)
