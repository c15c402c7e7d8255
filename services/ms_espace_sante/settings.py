"""Settings of Mon espace santé / DMP (env prefix ``MS_ESPACE_SANTE_``), on top of the kernel's."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from core.settings import CommaList, ServiceSettings
from services.ms_espace_sante.habilitations import load_matrix
from services.ms_espace_sante.prevention import load_rules
from services.ms_espace_sante.valuesets import parse_extra_codes

SLUG = "ms-espace-sante"
FHIR_PATH = "/fhir"


class MsEspaceSanteSettings(ServiceSettings):
    slug: str = SLUG
    max_document_bytes: int = Field(
        5 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024,
        description="Largest document (decoded bytes of one Binary or attachment.data) accepted; 413 MES-0007 "
                    "beyond. The request body may be up to 4/3 of it plus 1 MiB of metadata, and the gateway "
                    "caps every body at SANDBOX_MAX_BODY_BYTES (10 MiB): raise both for larger documents.")
    extra_codes: str | None = Field(
        None, description="Codes the bundled value sets lack, inline JSON or @<path> of a JSON file: "
                          '{"<value set>": [{"system": ..., "code": ..., "display"?: ...}]} (valuesets/).')
    habilitations_file: Path | None = Field(
        None, description="A JSON habilitation matrix replacing the default one (habilitations.matrix_to_json "
                          "prints the default as a starting point).")

    annuaire_api_key: str = Field("sandbox-demo-key", description="ESANTE-API-KEY used to read the Annuaire "
                                  "Santé (who a patient's consent names).")
    citizen_access_token_ttl: int = Field(600, ge=5, le=86_400, description="Lifetime of the citizen login's "
                                          "access and ID tokens, seconds (the real values are not published).")
    citizen_refresh_token_ttl: int = Field(1800, ge=10, le=30 * 86_400, description="Lifetime of the citizen "
                                           "login's refresh tokens, seconds.")
    citizen_code_ttl: int = Field(60, ge=5, le=600, description="Lifetime of the citizen login's authorization "
                                  "codes, seconds.")

    feeder_clients: CommaList = Field(
        default_factory=lambda: ["sandbox-eprescription"],
        description="Pro Santé Connect client_credentials clients that are national services feeding records "
                    "server to server, with no user (e.g. the ordonnance numérique): their software tokens may "
                    "write (ITI-65, ITI-105), comma-separated; any other software token gets 403 MES-0210.")

    prevention_rules_file: Path | None = Field(
        None, description="A JSON list of prevention rules replacing the default ones (prevention.rules_to_json "
                          "prints the default as a starting point).")

    @field_validator("prevention_rules_file")
    @classmethod
    def _prevention(cls, value: Path | None) -> Path | None:
        if value is not None:
            try:
                load_rules(value)
            except (OSError, ValueError, TypeError) as exc:
                raise ValueError(f"MS_ESPACE_SANTE_PREVENTION_RULES_FILE {str(value)!r} is not a list of prevention "
                                 f"rules ({exc}): fix the file (docs/ms-espace-sante.md) or unset the "
                                 "variable.") from None
        return value

    @field_validator("extra_codes")
    @classmethod
    def _extra_codes(cls, value: str | None) -> str | None:
        parse_extra_codes(value)  # ValueError naming what is wrong: the service does not start
        return value

    @field_validator("habilitations_file")
    @classmethod
    def _habilitations(cls, value: Path | None) -> Path | None:
        if value is not None:
            try:
                load_matrix(value)
            except (OSError, ValueError) as exc:
                raise ValueError(f"MS_ESPACE_SANTE_HABILITATIONS_FILE {str(value)!r} is not a habilitation matrix "
                                 f"({exc}): fix the file (a JSON list of rows, docs/ms-espace-sante.md) or unset "
                                 "the variable for the default matrix.") from None
        return value

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
