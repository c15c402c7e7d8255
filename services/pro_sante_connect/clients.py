"""The clients every tenant starts with: three documented demo clients, plus those of the clients file.

Demo clients (docs/pro-sante-connect.md):
- ``sandbox-practice-software``: confidential practice software (secret ``sandbox-practice-secret``,
  registered ``client_secret_basic``; like any client with a secret it may also use ``client_secret_post``,
  as in Keycloak), with authorization code, refresh, client credentials and CIBA;
- ``sandbox-spa``: a public single-page app (no secret, PKCE required), authorization code and refresh;
- ``sandbox-eprescription``: the ordonnance numérique as a national service (secret
  ``sandbox-eprescription-secret``, ``client_secret_basic``), client credentials only and so no redirect URI:
  it feeds Mon espace santé server to server, with no user (``MS_ESPACE_SANTE_FEEDER_CLIENTS``).
Their redirect URIs are the usual local development ones; declare your own through
``POST /pro-sante-connect/_admin/clients`` or ``PRO_SANTE_CONNECT_CLIENTS_FILE``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from core.errors import OAuthError
from core.oidc.clients import CIBA_GRANT, Client, parse_client

SCOPES = ("openid", "scope_all", "rpps", "identity", "eidas1", "profile", "email", "offline_access")
DEFAULT_SCOPE = ("openid", "scope_all")
DEMO_CLIENTS = (
    {
        "client_id": "sandbox-practice-software", "client_name": "Logiciel de cabinet (démo)",
        "client_secret": "sandbox-practice-secret", "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token", "client_credentials", CIBA_GRANT],
        "redirect_uris": ["http://localhost:3000/callback", "http://127.0.0.1:3000/callback",
                          "http://localhost:8000/callback", "http://127.0.0.1:8000/callback"],
        "post_logout_redirect_uris": ["http://localhost:3000/", "http://127.0.0.1:3000/", "http://localhost:8000/",
                                      "http://127.0.0.1:8000/"],
        "scope": " ".join(SCOPES),
    },
    {
        "client_id": "sandbox-spa", "client_name": "Application web monopage (démo)",
        "token_endpoint_auth_method": "none", "grant_types": ["authorization_code", "refresh_token"],
        "redirect_uris": ["http://localhost:5173/callback", "http://127.0.0.1:5173/callback"],
        "post_logout_redirect_uris": ["http://localhost:5173/", "http://127.0.0.1:5173/"],
        "scope": " ".join(SCOPES),
    },
    {
        "client_id": "sandbox-eprescription", "client_name": "Ordonnance numérique (service national, démo)",
        "client_secret": "sandbox-eprescription-secret", "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["client_credentials"], "scope": " ".join(SCOPES),
    },
)


def parse(meta: object) -> Client:
    return parse_client(meta, supported_scopes=SCOPES, default_scope=DEFAULT_SCOPE)


def file_clients(path: Path | None) -> list[Client]:
    """The clients of a YAML file (a list of RFC 7591 metadata, or ``clients:`` holding one); checked at start."""
    if path is None:
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"PRO_SANTE_CONNECT_CLIENTS_FILE {path}: cannot read it ({exc}).") from None
    entries = data.get("clients") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise ValueError(f"PRO_SANTE_CONNECT_CLIENTS_FILE {path}: expected a list of clients (or 'clients: [...]').")
    clients = []
    for index, entry in enumerate(entries):
        try:
            clients.append(parse(entry))
        except OAuthError as exc:
            raise ValueError(f"PRO_SANTE_CONNECT_CLIENTS_FILE {path}, client #{index + 1}: {exc.code}: "
                             f"{exc.diagnostics}") from None
    return clients


def startup_clients(path: Path | None) -> list[Client]:
    return [parse(meta) for meta in DEMO_CLIENTS] + file_clients(path)
