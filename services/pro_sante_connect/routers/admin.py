"""Sandbox-only administration of a tenant's realm: clients (RFC 7591 metadata), key rotation, CIBA.

Guarded by ``SANDBOX_ADMIN_TOKEN`` when it is set. A client's answer echoes its credentials: this is
a sandbox, and the vendor declaring a client needs them.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from core.admin import check_admin
from core.errors import OAuthError, SandboxError
from core.jsonbody import PLAIN_JSON, read_json, read_model
from core.oidc.endpoints import json_response
from core.openapi import body, outcomes
from services.pro_sante_connect.clients import parse
from services.pro_sante_connect.codes import PscCode
from services.pro_sante_connect.deps import CibaFlow, OidcProvider, Tenant

router = APIRouter(prefix="/_admin", tags=["sandbox-only"])

STRINGS = {"type": "array", "items": {"type": "string"}}
CLIENT_METADATA = body({"type": "object", "properties": {  # RFC 7591 client metadata
    "client_id": {"type": "string"}, "client_secret": {"type": "string"}, "client_name": {"type": "string"},
    "redirect_uris": STRINGS, "post_logout_redirect_uris": STRINGS, "grant_types": STRINGS, "scope": {"type": "string"},
    "token_endpoint_auth_method": {"enum": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]},
    "jwks": {"type": "object"}, "userinfo_signed_response_alg": {"type": "string"},
}}, ["application/json"])


async def client_metadata(request: Request, provider: OidcProvider) -> object:
    """The body, read by the kernel's JSON reader; RFC 7591 ``invalid_client_metadata`` when it is not JSON."""
    limits = provider.settings.sandbox
    try:
        value, _ = await read_json(request, max_bytes=limits.max_body_bytes, max_depth=limits.max_json_depth,
                                   allowed=PLAIN_JSON)
    except SandboxError as exc:
        raise OAuthError("invalid_client_metadata", exc.diagnostics, status=exc.status) from None
    return value


ClientMetadata = Annotated[object, Depends(client_metadata)]


def unknown_client(client_id: str) -> SandboxError:
    return SandboxError(404, PscCode.UNKNOWN_CLIENT, f"No client {client_id[:80]!r} in this tenant.",
                        issue="not-found", expression=["client_id"])


@router.post("/clients", status_code=201, openapi_extra=CLIENT_METADATA, responses=outcomes(400, 401, 403, 409))
def create_client(request: Request, tenant: Tenant, provider: OidcProvider,
                  metadata: ClientMetadata) -> Response:
    """Declare a client from RFC 7591 metadata; client_id and client_secret are generated when absent."""
    check_admin(request, provider.settings.sandbox)
    client = parse(metadata)
    with provider.db.write() as conn:
        if not provider.store.put_client(conn, tenant=tenant, client=client, now=time.time(), replace=False):
            raise SandboxError(409, PscCode.CLIENT_EXISTS, f"Client {client.client_id!r} already exists in this "
                               "tenant: DELETE it first, or choose another client_id.", issue="duplicate",
                               expression=["client_id"])
    return json_response(client.metadata(), status=201)


@router.get("/clients")
def list_clients(request: Request, tenant: Tenant, provider: OidcProvider) -> Response:
    """Every client of the tenant, with its credentials."""
    check_admin(request, provider.settings.sandbox)
    with provider.db.read() as conn:
        clients = provider.store.clients(conn, tenant=tenant)
    return json_response({"clients": [c.metadata() for c in clients]})


@router.get("/clients/{client_id}")
def read_client(request: Request, client_id: str, tenant: Tenant, provider: OidcProvider) -> Response:
    """One client, with its credentials."""
    check_admin(request, provider.settings.sandbox)
    with provider.db.read() as conn:
        client = provider.store.client(conn, tenant=tenant, client_id=client_id)
    if client is None:
        raise unknown_client(client_id)
    return json_response(client.metadata())


@router.delete("/clients/{client_id}", status_code=204)
def delete_client(request: Request, client_id: str, tenant: Tenant, provider: OidcProvider) -> Response:
    """Remove a client; its tokens stop being refreshed."""
    check_admin(request, provider.settings.sandbox)
    with provider.db.write() as conn:
        if not provider.store.delete_client(conn, tenant=tenant, client_id=client_id):
            raise unknown_client(client_id)
    return Response(status_code=204)


@router.post("/keys/rotate")
def rotate_keys(request: Request, tenant: Tenant, provider: OidcProvider) -> Response:
    """Make a new signing key active; the previous one stays published until its tokens expire."""
    check_admin(request, provider.settings.sandbox)
    kid = provider.keys.rotate(tenant)
    published = [k["kid"] for k in provider.keys.keys(tenant).jwks["keys"]]
    return json_response({"active": kid, "published": published})


class CibaSettings(BaseModel):
    auto_approve_after: float | None = Field(
        None, ge=0, le=3600, description="Seconds after which CIBA requests are approved without a person; null: off.")


async def ciba_body(request: Request, provider: OidcProvider) -> CibaSettings:
    limits = provider.settings.sandbox
    return await read_model(request, CibaSettings, max_bytes=limits.max_body_bytes, max_depth=limits.max_json_depth)


CibaBody = Annotated[CibaSettings, Depends(ciba_body)]
CIBA_SETTINGS_BODY = {"requestBody": {"required": True, "content": {  # read by core.jsonbody, not by FastAPI
    "application/json": {"schema": CibaSettings.model_json_schema()}}}}


@router.get("/ciba")
def read_ciba_settings(request: Request, tenant: Tenant, provider: OidcProvider, ciba: CibaFlow) -> CibaSettings:
    """The tenant's CIBA settings."""
    check_admin(request, provider.settings.sandbox)
    with provider.db.read() as conn:
        return CibaSettings(auto_approve_after=ciba.auto_approve_after(conn, tenant=tenant))


@router.put("/ciba", openapi_extra=CIBA_SETTINGS_BODY)
def write_ciba_settings(request: Request, body: CibaBody, tenant: Tenant, provider: OidcProvider,
                        ciba: CibaFlow) -> CibaSettings:
    """Approve this tenant's CIBA requests automatically after a delay (scripted suites), or not."""
    check_admin(request, provider.settings.sandbox)
    with provider.db.write() as conn:
        ciba.set_auto_approve_after(conn, tenant=tenant, seconds=body.auto_approve_after)
    return body
