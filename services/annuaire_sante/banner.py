"""What ``sandbox up`` prints about the Annuaire Santé (:mod:`core.banner`): its FHIR base and the demo key."""

from __future__ import annotations

from core.banner import Banner
from services.annuaire_sante.settings import DEMO_API_KEY, AnnuaireSanteSettings


def banner(settings: AnnuaireSanteSettings, fhir_path: str) -> Banner:
    own = [key for key in settings.api_keys if key != DEMO_API_KEY]
    credentials = []
    if DEMO_API_KEY in settings.api_keys:
        credentials.append(("demo API key", f"ESANTE-API-KEY: {DEMO_API_KEY}"))
    if own:  # keys a team set itself are secrets: counted, never shown
        credentials.append(("API keys", f"{len(own)} more from ANNUAIRE_SANTE_API_KEYS (not shown)"))
    return Banner(
        summary="Annuaire Santé: the directory of professionals and structures (FHIR R4, read-only)",
        endpoints=(("FHIR", fhir_path),),
        credentials=tuple(credentials),
    )
