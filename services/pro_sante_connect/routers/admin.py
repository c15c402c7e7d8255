"""Sandbox-only administration of a tenant's realm: clients (core/oidc/admin.py), key rotation, CIBA.

Guarded by ``SANDBOX_ADMIN_TOKEN`` when it is set.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from core.admin import check_admin
from core.jsonbody import read_model
from core.oidc.admin import ClientAdmin, client_admin_router
from core.oidc.endpoints import json_response
from core.oidc.provider import Provider
from services.pro_sante_connect.clients import parse
from services.pro_sante_connect.codes import PscCode
from services.pro_sante_connect.deps import CibaFlow, OidcProvider, Tenant

router = APIRouter(prefix="/_admin", tags=["sandbox-only"])


def _provider(request: Request) -> Provider:
    return request.app.state.provider


router.include_router(client_admin_router(ClientAdmin(provider_of=_provider, parse=parse,
                                                     unknown_code=PscCode.UNKNOWN_CLIENT,
                                                     exists_code=PscCode.CLIENT_EXISTS), prefix=""))


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
