"""Sandbox-only client administration of a realm (RFC 7591 metadata), shared by every OpenID provider.

``POST /_admin/clients`` declares a client (client_id and client_secret generated when absent), ``GET``
lists them or reads one, ``DELETE`` removes one. Pro Santé Connect and the Mon espace santé citizen login
mount the same routes (:func:`client_admin_router`) with their own scopes (``parse``) and error codes, so a
vendor declares a client to either with the same body. Guarded by ``SANDBOX_ADMIN_TOKEN`` when it is set;
a client's answer echoes its credentials: this is a sandbox, and the vendor declaring a client needs them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import Response

from core.admin import check_admin
from core.errors import OAuthError, SandboxError
from core.jsonbody import PLAIN_JSON, read_json
from core.oidc.clients import Client
from core.oidc.endpoints import json_response
from core.oidc.provider import Provider
from core.openapi import body, outcomes
from core.tenancy import request_tenant

STRINGS = {"type": "array", "items": {"type": "string"}}
CLIENT_METADATA = body({"type": "object", "properties": {  # RFC 7591 client metadata
    "client_id": {"type": "string"}, "client_secret": {"type": "string"}, "client_name": {"type": "string"},
    "redirect_uris": STRINGS, "post_logout_redirect_uris": STRINGS, "grant_types": STRINGS, "scope": {"type": "string"},
    "token_endpoint_auth_method": {"enum": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]},
    "jwks": {"type": "object"}, "userinfo_signed_response_alg": {"type": "string"},
}}, ["application/json"])


@dataclass(frozen=True)
class ClientAdmin:
    """What differs between providers: how metadata becomes a client, and the service's two error codes."""

    provider_of: Callable[[Request], Provider]
    parse: Callable[[object], Client]
    unknown_code: str  # 404: no client with that id in this tenant
    exists_code: str  # 409: a client with that id is already declared


async def client_metadata(request: Request, provider: Provider) -> object:
    """The body, read by the kernel's JSON reader; RFC 7591 ``invalid_client_metadata`` when it is not JSON."""
    limits = provider.settings.sandbox
    try:
        value, _ = await read_json(request, max_bytes=limits.max_body_bytes, max_depth=limits.max_json_depth,
                                   allowed=PLAIN_JSON)
    except SandboxError as exc:
        raise OAuthError("invalid_client_metadata", exc.diagnostics, status=exc.status) from None
    return value


def client_admin_router(admin: ClientAdmin, prefix: str = "/_admin", tags: tuple[str, ...] = ("sandbox-only",)
                        ) -> APIRouter:
    """The four client routes under ``prefix``."""
    router = APIRouter(prefix=prefix, tags=list(tags))

    def unknown(client_id: str) -> SandboxError:
        return SandboxError(404, admin.unknown_code, f"No client {client_id[:80]!r} in this tenant.",
                            issue="not-found", expression=["client_id"])

    @router.post("/clients", status_code=201, openapi_extra=CLIENT_METADATA, responses=outcomes(400, 401, 403, 409))
    async def create_client(request: Request) -> Response:
        """Declare a client from RFC 7591 metadata; client_id and client_secret are generated when absent."""
        provider = admin.provider_of(request)
        check_admin(request, provider.settings.sandbox)
        client = admin.parse(await client_metadata(request, provider))
        tenant = request_tenant(request)
        stored = await provider.in_write(lambda conn: provider.store.put_client(
            conn, tenant=tenant, client=client, now=time.time(), replace=False))
        if not stored:
            raise SandboxError(409, admin.exists_code, f"Client {client.client_id!r} already exists in this "
                               "tenant: DELETE it first, or choose another client_id.", issue="duplicate",
                               expression=["client_id"])
        return json_response(client.metadata(), status=201)

    @router.get("/clients")
    def list_clients(request: Request) -> Response:
        """Every client of the tenant, with its credentials."""
        provider = admin.provider_of(request)
        check_admin(request, provider.settings.sandbox)
        with provider.db.read() as conn:
            clients = provider.store.clients(conn, tenant=request_tenant(request))
        return json_response({"clients": [c.metadata() for c in clients]})

    @router.get("/clients/{client_id}")
    def read_client(request: Request, client_id: str) -> Response:
        """One client, with its credentials."""
        provider = admin.provider_of(request)
        check_admin(request, provider.settings.sandbox)
        with provider.db.read() as conn:
            client = provider.store.client(conn, tenant=request_tenant(request), client_id=client_id)
        if client is None:
            raise unknown(client_id)
        return json_response(client.metadata())

    @router.delete("/clients/{client_id}", status_code=204)
    def delete_client(request: Request, client_id: str) -> Response:
        """Remove a client; its tokens stop being refreshed."""
        provider = admin.provider_of(request)
        check_admin(request, provider.settings.sandbox)
        with provider.db.write() as conn:
            if not provider.store.delete_client(conn, tenant=request_tenant(request), client_id=client_id):
                raise unknown(client_id)
        return Response(status_code=204)

    return router
