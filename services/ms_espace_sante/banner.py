"""What ``sandbox up`` prints about Mon espace santé / DMP (:mod:`core.banner`): its FHIR base and auth."""

from __future__ import annotations

from core.banner import Banner
from services.ms_espace_sante.settings import FHIR_PATH


def banner() -> Banner:
    return Banner(
        summary="Mon espace santé / DMP: document sharing for professionals (PDSm / IHE MHD, FHIR R4)",
        endpoints=(("FHIR", FHIR_PATH),),
        credentials=(("access token", "a Pro Santé Connect access token of the same tenant "
                                      "(Authorization: Bearer ...)"),),
    )
