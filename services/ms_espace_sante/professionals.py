"""Who a consent names: the professional of an idNat_PS, asked of the Annuaire Santé through the peer client.

A patient blocks or lets in a professional by idNat_PS (``8`` + RPPS for RPPS professionals); the service
checks that the Annuaire Santé publishes that professional before storing the consent (422 MES-0307
otherwise; 502 MES-0311 when the Annuaire cannot be asked). The API key is
``MS_ESPACE_SANTE_ANNUAIRE_API_KEY`` (the sandbox's demo key by default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from core.errors import SandboxError
from core.identifiers import IDNAT_PS_OID
from core.peers import PeerClient
from services.ms_espace_sante.codes import MesCode

ANNUAIRE = "annuaire-sante"
API_KEY_HEADER = "ESANTE-API-KEY"
ID_NAT_PS = re.compile(r"[0-9A-Za-z]{2,30}")  # 8 + RPPS, or another idNat_PS (0 + ADELI, 3 + FINESS + ...)


@dataclass(frozen=True)
class Professional:
    id_nat_ps: str
    name: str  # as the Annuaire publishes it: "Paul LEROY"


async def find(client: PeerClient, api_key: str, id_nat_ps: str, where: str) -> Professional:
    """The professional of ``id_nat_ps``; 422 MES-0307 naming ``where`` when the Annuaire has none."""
    if not ID_NAT_PS.fullmatch(id_nat_ps):
        raise unknown(id_nat_ps, where)
    try:
        response = await client.get("/fhir/v2/Practitioner", params=[
            ("identifier", f"{IDNAT_PS_OID}|{id_nat_ps}"), ("_count", "1")], headers={API_KEY_HEADER: api_key})
        bundle = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        raise unavailable(f"{type(exc).__name__}") from exc
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise unavailable(f"HTTP {response.status_code}")
    found = [e.get("resource") for e in bundle.get("entry") or () if isinstance(e, dict)]
    practitioner = next((r for r in found if isinstance(r, dict) and r.get("resourceType") == "Practitioner"), None)
    if practitioner is None:
        raise unknown(id_nat_ps, where)
    name = next(iter(practitioner.get("name") or ()), {})
    return Professional(id_nat_ps, " ".join([*(name.get("given") or ()), name.get("family") or ""]).strip())


def unknown(id_nat_ps: str, where: str) -> SandboxError:
    return SandboxError(422, MesCode.UNKNOWN_PROFESSIONAL, f"No professional of the Annuaire Santé has the "
                        f"idNat_PS {id_nat_ps[:40]!r}: name a professional by {IDNAT_PS_OID}|<idNat_PS> (8 + "
                        "RPPS for an RPPS professional).", issue="business-rule", expression=[where])


def unavailable(why: str) -> SandboxError:
    return SandboxError(502, MesCode.DIRECTORY_UNAVAILABLE, f"The Annuaire Santé could not be asked who the "
                        f"consent names ({why}): make sure annuaire-sante runs for this sandbox, then retry.",
                        issue="transient")
