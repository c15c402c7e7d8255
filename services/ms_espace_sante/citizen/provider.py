"""The citizen OpenID provider's configuration, its demo client, and what a patient's login establishes.

The real Mon espace santé login (identifier, password and a one-time code, or FranceConnect) publishes no
OpenID interface for third parties; the sandbox gives one on the kernel's engine so that patient apps and
journeys log a patient in as a professional's software logs in through Pro Santé Connect (unconfirmed
shape: docs/ms-espace-sante.md says so). Scopes (sandbox names, unconfirmed):

- ``mes.documents.read``: list, read and retrieve the patient's documents and traces;
- ``mes.documents.write``: add the patient's own documents, change what the patient controls (masking,
  consents);
- ``openid``, ``profile``, ``offline_access`` as usual.

Only the authorization code (PKCE S256 required of public clients) and refresh grants: a citizen has no
client credentials and no CIBA. Access tokens carry ``ins`` (the 15-character INS of the record, NIR
based), ``given_name`` and ``family_name``; core/oidc/principals.py makes them a ``Patient``.
"""

from __future__ import annotations

import time
import uuid

from core.oidc.clients import Client, bad, parse_client
from core.oidc.provider import ProviderConfig
from core.oidc.store import Login
from services.ms_espace_sante.access import READ_SCOPE, WRITE_SCOPE
from services.ms_espace_sante.records import ins_of

REALM = "/citizen"
AUTHORIZATION_PATH = "/citizen/auth"
DISCOVERY = ("/.well-known/openid-configuration",)
READ, WRITE = READ_SCOPE, WRITE_SCOPE
SCOPES = ("openid", "profile", "offline_access", READ, WRITE)
DEFAULT_SCOPE = ("openid", "profile", READ, WRITE)
GRANTS = ("authorization_code", "refresh_token")
ACCESS_CLAIMS = ("ins", "given_name", "family_name")
ID_CLAIMS = ("ins", "given_name", "family_name", "birthdate", "gender")
CLAIMS = ("sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "at_hash", "azp",
          *ID_CLAIMS)
AMR = ("pwd", "otp")  # identifier + password + one-time code (RFC 8176 values; the real ones are not published)
ACR = "eidas1"
SUBJECT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://sandbox.esante.local/ms-espace-sante/citizen")
DEMO_APP = "sandbox-patient-app"  # Mon espace santé's own app (consents.FIRST_PARTY_APPS)
PAGE_CLIENT = "mes-web"  # the patient's page (routers/page.py), first party too
CATALOGUE_APP = "sandbox-catalogue-app"
DEMO_CLIENTS = (
    {
        "client_id": DEMO_APP, "client_name": "Application patient (démo)", "token_endpoint_auth_method": "none",
        "grant_types": list(GRANTS), "scope": " ".join(SCOPES),
        "redirect_uris": ["http://localhost:5173/callback", "http://127.0.0.1:5173/callback",
                          "http://localhost:3000/callback", "http://127.0.0.1:3000/callback"],
        "post_logout_redirect_uris": ["http://localhost:5173/", "http://127.0.0.1:5173/"],
    },
    {  # a catalogue app: the patient authorises it on the consent screen (citizen/routes.py)
        "client_id": CATALOGUE_APP, "client_name": "Application du catalogue (démo)",
        "token_endpoint_auth_method": "none", "grant_types": list(GRANTS), "scope": " ".join(SCOPES),
        "redirect_uris": ["http://localhost:5174/callback", "http://127.0.0.1:5174/callback"],
    },
)


def provider_config(*, access_ttl: int, refresh_ttl: int, code_ttl: int) -> ProviderConfig:
    return ProviderConfig(
        realm_path=REALM, authorization_path=AUTHORIZATION_PATH, scopes=SCOPES, default_scope=DEFAULT_SCOPE,
        access_ttl=access_ttl, refresh_ttl=refresh_ttl, code_ttl=code_ttl, acr=ACR, access_claims=ACCESS_CLAIMS,
        id_claims=ID_CLAIMS, claims_supported=CLAIMS, grant_types=GRANTS,
    )


def parse(meta: object) -> Client:
    """A citizen client from RFC 7591 metadata (the body Pro Santé Connect's admin route takes)."""
    client = parse_client(meta, supported_scopes=SCOPES, default_scope=DEFAULT_SCOPE)
    if extra := [g for g in client.grant_types if g not in GRANTS]:
        raise bad("grant_types", f"{' '.join(extra)} is not for citizens: the citizen login issues tokens by "
                  f"{' and '.join(GRANTS)} only.")
    return client


def demo_clients(base_url: str) -> list[Client]:
    """The demo clients, and the page's own client whose redirect URI is under ``base_url`` (the tenant's)."""
    page = {"client_id": PAGE_CLIENT, "client_name": "Mon espace santé", "token_endpoint_auth_method": "none",
            "grant_types": list(GRANTS), "scope": " ".join(SCOPES), "redirect_uris": [f"{base_url}/espace/callback"]}
    return [parse(meta) for meta in (*DEMO_CLIENTS, page)]


def subject(ins: str) -> str:
    """The patient's ``sub``: stable across logins and tenants, not the INS itself."""
    return str(uuid.uuid5(SUBJECT_NAMESPACE, ins))


def login_of(record: dict, *, at: float | None = None) -> Login:
    """The login of the patient whose DMP Patient is ``record`` (INS, name, birth date, gender)."""
    ins = ins_of(record)
    name = next(iter(record.get("name") or ()), {})
    given = [g for g in name.get("given") or () if isinstance(g, str)]
    claims = {"ins": ins, "given_name": given[0] if given else None, "family_name": name.get("family"),
              "birthdate": record.get("birthDate"), "gender": record.get("gender"),
              "preferred_username": ins}
    return Login(subject=subject(ins), claims={k: v for k, v in claims.items() if v}, amr=AMR, acr=ACR,
                 auth_time=int(at if at is not None else time.time()), method="PASSWORD_OTP")
