"""Sandbox-only registration of the software allowed to call INSi in a tenant (issue 10 §1): a team adds its
product's real IDAM (``POST``), lists what the tenant accepts (``GET``) and removes it (``DELETE``), with no
restart. The IDAMs of ``INS_TELESERVICE_APPROVED_IDAMS`` are accepted in every tenant and listed with
``origin: setting``. Registrations live in the INSi database; a tenant reset or delete removes them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import Row
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from core.admin import check_admin
from core.app import SANDBOX_ONLY
from core.errors import SandboxError
from core.jsonbody import read_json
from core.openapi import body, model_schema, outcomes
from services.ins_teleservice import software, store
from services.ins_teleservice.codes import InsCode
from services.ins_teleservice.deps import Db, Settings, Tenant
from services.ins_teleservice.settings import InsTeleserviceSettings

router = APIRouter(prefix="/_admin/software", tags=[SANDBOX_ONLY], responses=outcomes(400, 401, 403))
JSON_TYPES = frozenset({"application/json"})


def not_found(idam: str) -> SandboxError:
    return SandboxError(404, InsCode.SOFTWARE_NOT_FOUND, f"No software with IDAM {idam[:64]!r} is registered in "
                        "this tenant.", issue="not-found", expression=["idam"])


def from_setting(settings: InsTeleserviceSettings, idam: str) -> bool:
    return idam in settings.approved_idams


@router.post("", status_code=201, openapi_extra=body(model_schema(software.SoftwareIn), ["application/json"]),
             responses=outcomes(409, 413, 415))
async def register(request: Request, settings: Settings, db: Db, tenant: Tenant) -> Response:
    """Register a software's IDAM: INSi then accepts it in ContexteLPS/LPS/IDAM in this tenant (sandbox-only)."""
    check_admin(request, settings.sandbox)
    document, _ = await read_json(request, max_bytes=settings.max_request_bytes,
                                  max_depth=settings.sandbox.max_json_depth, allowed=JSON_TYPES)
    data = software.parse(document)
    if from_setting(settings, data.idam):
        raise SandboxError(409, InsCode.SOFTWARE_EXISTS, f"IDAM {data.idam!r} is already accepted in every tenant "
                           f"(setting {software.SETTING}).", issue="duplicate", expression=["idam"])
    values = software.registration(data.idam, data.name)

    def write() -> Row:
        with db.write() as conn:
            if store.count_software(conn, tenant=tenant) >= software.MAX_PER_TENANT:
                raise SandboxError(409, InsCode.SOFTWARE_LIMIT, f"This tenant already registered "
                                   f"{software.MAX_PER_TENANT} IDAMs: remove one first.", issue="business-rule",
                                   expression=["idam"])
            try:
                store.insert_software(conn, tenant=tenant, **values)
            except store.DuplicateSoftware:
                raise SandboxError(409, InsCode.SOFTWARE_EXISTS, f"IDAM {data.idam!r} is already registered in "
                                   "this tenant.", issue="duplicate", expression=["idam"]) from None
            return store.get_software(conn, tenant=tenant, idam=data.idam)

    row = await run_in_threadpool(write)
    location = f"{settings.base_url(tenant)}/_admin/software/{data.idam}"
    return JSONResponse(software.to_json(row), status_code=201, headers={"Location": location})


@router.get("")
def list_software(request: Request, settings: Settings, db: Db, tenant: Tenant) -> dict:
    """The IDAMs INSi accepts in this tenant: the setting's (every tenant), then the registered ones (sandbox-only)."""
    check_admin(request, settings.sandbox)
    with db.read() as conn:
        rows = store.list_software(conn, tenant=tenant)
    shown = [software.to_json(idam=i) for i in settings.approved_idams] + [software.to_json(r) for r in rows]
    return {"total": len(shown), "software": shown}


@router.get("/{idam}")
def get_software(idam: str, request: Request, settings: Settings, db: Db, tenant: Tenant) -> dict:
    """One IDAM INSi accepts in this tenant (sandbox-only)."""
    check_admin(request, settings.sandbox)
    if from_setting(settings, idam):
        return software.to_json(idam=idam)
    with db.read() as conn:
        row = store.get_software(conn, tenant=tenant, idam=idam)
    if row is None:
        raise not_found(idam)
    return software.to_json(row)


@router.delete("/{idam}", status_code=204, responses=outcomes(404, 409))
def remove_software(idam: str, request: Request, settings: Settings, db: Db, tenant: Tenant) -> Response:
    """Stop accepting a registered IDAM in this tenant (sandbox-only); the setting's IDAMs stay accepted."""
    check_admin(request, settings.sandbox)
    if from_setting(settings, idam):
        raise SandboxError(409, InsCode.SOFTWARE_FROM_SETTING, f"IDAM {idam!r} comes from the setting "
                           f"{software.SETTING}: change the setting to stop accepting it.", issue="business-rule",
                           expression=["idam"])
    with db.write() as conn:
        found = store.delete_software(conn, tenant=tenant, idam=idam)
    if not found:
        raise not_found(idam)
    return Response(status_code=204)
