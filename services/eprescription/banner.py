"""What ``sandbox up`` prints about the ordonnance numérique (:mod:`core.banner`): its FHIR base and auth."""

from __future__ import annotations

from core.banner import Banner
from services.eprescription.settings import FHIR_PATH


def banner() -> Banner:
    return Banner(
        summary="Ordonnance numérique: prescribe, scan, dispense, cancel (FR ePrescription, FHIR R4)",
        endpoints=(("FHIR", FHIR_PATH), ("printable prescription", "/prescriptions/{number}")),
        credentials=(("access token", "a Pro Santé Connect access token (prescriber, pharmacist) or a Mon espace "
                                      "santé citizen token (patient) of the same tenant"),),
    )
