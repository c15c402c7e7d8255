"""What a professional's authentication establishes: the :class:`~core.oidc.store.Login` of a session.

``sub`` follows Keycloak's federated-user shape seen in PSC tokens (``f:<provider id>:<user id>``), with
the idNat_PS as user id so that it is stable across logins and tenants. ``amr`` uses RFC 8176 values:
smart card + PIN for the CPS card, a software key + PIN for the e-CPS app. PSC's own ``amr`` values are
not published (unconfirmed; docs/pro-sante-connect.md says so).
"""

from __future__ import annotations

import time
import uuid
from typing import Literal

from core.oidc.store import Login
from services.pro_sante_connect.claims import userinfo_claims
from services.pro_sante_connect.directory import DirectoryProfessional

Method = Literal["CARD", "MOBILE"]
METHODS: tuple[Method, ...] = ("CARD", "MOBILE")
AMR: dict[str, tuple[str, ...]] = {"CARD": ("sc", "pin"), "MOBILE": ("swk", "pin")}
ACR = "eidas1"
SUBJECT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://sandbox.esante.local/pro-sante-connect")


def subject(id_nat_ps: str) -> str:
    return f"f:{SUBJECT_NAMESPACE}:{id_nat_ps}"


def login_of(pro: DirectoryProfessional, method: Method, *, at: float | None = None) -> Login:
    return Login(subject=subject(pro.id_nat_ps), claims=userinfo_claims(pro, method),
                 auth_time=int(at if at is not None else time.time()), amr=AMR[method], acr=ACR, method=method)


def refusal(pro: DirectoryProfessional | None, method: str) -> str | None:
    """Why this professional cannot log in this way, or None when they can."""
    if pro is None:
        return "Aucun professionnel de l'Annuaire Santé ne porte cet identifiant (idNat_PS ou RPPS)."
    if not pro.active:
        return f"{pro.display_name} n'exerce plus : son inscription au RPPS est close."
    if method not in METHODS:
        return "Le moyen d'authentification doit être CARD (carte CPS) ou MOBILE (e-CPS)."
    if method == "CARD" and not pro.has_cps_card:
        return f"{pro.display_name} n'a pas de carte CPS valide : utilisez l'e-CPS."
    return None
