"""A fake Pro Santé Connect for verifier tests: per-tenant RS256 keys, a JWKS at the real path, a signer.

The fake issuer is an ASGI app mounted on a :class:`Peers` as its in-process gateway, so the verifier
fetches ``/t/{tenant}/pro-sante-connect/auth/realms/esante-wallet/protocol/openid-connect/certs``
exactly as it would through the sandbox gateway.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.responses import JSONResponse, Response

from core.oidc.verifier import JWKS_PATH, PSC_REALM, PSC_SLUG
from core.settings import DEFAULT_TENANT

PUBLIC = "http://sandbox.test"
TENANT = "acme"


def issuer_of(tenant: str) -> str:
    prefix = "" if tenant == DEFAULT_TENANT else f"/t/{tenant}"
    return f"{PUBLIC}{prefix}/{PSC_SLUG}{PSC_REALM}"


def rsa_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


class Clock:
    """A settable clock shared by the tokens and the verifier."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


class FakeIssuer:
    """Publishes ``published[tenant]`` at the JWKS path; ``status`` other than 200 simulates an outage."""

    def __init__(self, keys: dict[str, RSAKey], clock: Clock) -> None:
        self.keys = keys
        self.clock = clock
        self.published: dict[str, list[str]] = {DEFAULT_TENANT: ["default-1"], TENANT: ["acme-1"]}
        self.fetches = 0
        self.status = 200
        self.app = FastAPI()
        self.app.add_api_route("/{path:path}", self.jwks, methods=["GET"])

    async def jwks(self, path: str) -> Response:
        tenant = path.split("/")[1] if path.startswith("t/") else DEFAULT_TENANT
        if not path.endswith(f"{PSC_SLUG}{PSC_REALM}{JWKS_PATH}"):
            return JSONResponse({"error": "not found"}, status_code=404)
        self.fetches += 1
        if self.status != 200:
            return JSONResponse({"error": "down"}, status_code=self.status)
        keys = [self.keys[kid].as_dict(private=False) for kid in self.published.get(tenant, [])]
        return JSONResponse({"keys": keys})

    def sign(self, kid: str = "acme-1", tenant: str = TENANT, header: dict | None = None, **claims: Any) -> str:
        """An access token of ``tenant`` signed with ``kid``; ``claims`` override the defaults (None drops)."""
        now = int(self.clock())
        body = {"iss": issuer_of(tenant), "aud": ["esante-sandbox"], "exp": now + 120, "iat": now,
                "jti": "j-1", "typ": "Bearer", "azp": "practice-software", "scope": "openid scope_all"}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode({"alg": "RS256", "kid": kid, **(header or {})}, body, self.keys[kid])


def practitioner_claims() -> dict[str, Any]:
    activity = {
        "codeModeExercice": "L", "codeSecteurDactivite": "SA07", "codeRole": "FON-01", "codeGenreActivite": "GENR01",
        "numeroSiretSite": "12345678200010", "numeroSirenSite": "123456782", "numeroFinessSite": "",
        "numeroFinessetablissementJuridique": "", "identifiantTechniqueDeLaStructure": "R10100000000001",
        "raisonSocialeSite": "CABINET DR LEROY", "enseigneCommercialeSite": "", "codePostal": "75011",
    }
    return {
        "sub": "f:550dc1c8:ANS20231122", "SubjectNameID": "810100000001", "preferred_username": "810100000001",
        "given_name": "CLAIRE", "family_name": "LEROY", "acr": "eidas1", "amr": ["pwd"], "idp": "PSC",
        "SubjectRole": ["10^1.2.250.1.213.1.1.5.5"],
        "SubjectRefPro": {"codeCivilite": "MME", "exercices": [{
            "codeProfession": "10", "codeCategorieProfessionnelle": "C", "nomDexercice": "LEROY",
            "prenomDexercice": "CLAIRE", "codeTypeSavoirFaire": "S", "codeSavoirFaire": "SM54",
            "activities": [activity],
        }]},
        "SubjectOrganization": "CABINET DR LEROY", "SubjectOrganizationID": "R10100000000001",
    }


def system_claims(client_id: str = "lab-robot") -> dict[str, Any]:
    return {"sub": f"service-account-{client_id}", "azp": client_id, "clientId": client_id, "scope": "openid"}
