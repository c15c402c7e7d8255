"""Settings of the INS teleservice (env prefix ``INS_TELESERVICE_``), on top of the kernel's.

List values accept JSON (``["A","B"]``) or a comma-separated string (``A,B``).
"""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from core.settings import ServiceSettings

SLUG = "ins-teleservice"
# Software approval numbers (IDAM) the sandbox accepts out of the box; real ones are issued by the CNDA.
DEMO_IDAMS = ("SANDBOX-IDAM-DEMO", "SANDBOX-IDAM-CI")
StrList = Annotated[list[str], NoDecode]


class InsTeleserviceSettings(ServiceSettings):
    """INSi behaviour that a vendor may need to tune; defaults match the real service where it is known."""

    approved_idams: StrList = Field(
        default_factory=lambda: list(DEMO_IDAMS),
        description="IDAM values accepted in ContexteLPS/LPS/IDAM in every tenant; '*' accepts any. A tenant adds its "
                    "own through POST /_admin/software. Unknown -> siram_100/desir_550.",
    )
    cert_cn_check: bool = Field(
        False, description="Check the client certificate CN forwarded by a TLS terminator (DESIR_560 when wrong).",
    )
    cert_cn_header: str = Field("x-ssl-client-cn", description="Header carrying the client certificate CN.")
    allowed_cert_cns: StrList = Field(
        default_factory=lambda: ["INSI-AUTO", "INSI-MANU"], description="Certificate CNs INSi accepts.",
    )
    fault_http_status: int = Field(
        500, ge=400, le=599,
        description="HTTP status of SOAP faults (the real service answers 500; SOAP 1.2 suggests 400 for Sender).",
    )
    accept_lunar_dates: bool = Field(
        True, description="Accept birth dates with an unknown day or month written 00 (dates 'lunaires').",
    )
    max_request_bytes: int = Field(256 * 1024, ge=1024, description="Largest SOAP/FHIR request body accepted.")

    @field_validator("approved_idams", "allowed_cert_cns", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    def idam_approved(self, idam: str) -> bool:
        return "*" in self.approved_idams or idam in self.approved_idams
