"""What ``sandbox up`` prints about Pro Santé Connect (:mod:`core.banner`): the realm and the demo clients."""

from __future__ import annotations

from core.banner import Banner
from services.pro_sante_connect.clients import DEMO_CLIENTS, file_clients
from services.pro_sante_connect.settings import ProSanteConnectSettings


def banner(settings: ProSanteConnectSettings, realm: str) -> Banner:
    credentials = []
    for client in DEMO_CLIENTS:  # documented demo clients: their secrets are public
        if client.get("client_secret"):
            credentials.append(("demo client", f"{client['client_id']}, secret {client['client_secret']} "
                                               "(confidential: HTTP Basic or client_secret_post)"))
        else:
            credentials.append(("demo client", f"{client['client_id']} (public: PKCE, no secret)"))
    if settings.clients_file is not None:  # a team's own clients: ids only, their secrets stay in the file
        ids = ", ".join(c.client_id for c in file_clients(settings.clients_file)) or "none"
        credentials.append(("clients file", f"{ids} (from {settings.clients_file}; secrets not shown)"))
    return Banner(
        summary="Pro Santé Connect: OpenID Connect for health professionals (CPS card, e-CPS, CIBA)",
        endpoints=(("issuer", realm), ("discovery", f"{realm}/.well-known/openid-configuration")),
        credentials=tuple(credentials),
    )
