"""What ``sandbox up`` prints about INSi (:mod:`core.banner`): its endpoints and the IDAMs it accepts."""

from __future__ import annotations

from core.banner import Banner
from services.ins_teleservice.settings import InsTeleserviceSettings


def banner(settings: InsTeleserviceSettings) -> Banner:
    idams = "any ('*')" if "*" in settings.approved_idams else ", ".join(settings.approved_idams) or "none"
    credentials = [("accepted IDAMs", f"{idams} (in ContexteLPS/LPS/IDAM; a tenant registers its own with "
                                      f"POST {settings.base_url()}/_admin/software)")]
    if settings.cert_cn_check:
        credentials.append(("certificate CNs", f"{', '.join(settings.allowed_cert_cns)} "
                                               f"(header {settings.cert_cn_header})"))
    return Banner(
        summary="INSi (CNAM): retrieve and verify a patient's INS",
        endpoints=(("SOAP 1.2", "/lps"), ("WSDL", "/lps?wsdl"), ("FHIR façade", "/fhir")),
        credentials=tuple(credentials),
    )
