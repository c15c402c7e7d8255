"""Sandbox-only management of the identities INSi knows, per tenant: a vendor loads its own test patients
(``POST``), lists them (``GET``) and removes them (``DELETE``). Guarded by ``SANDBOX_ADMIN_TOKEN`` when set."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from core.admin import check_admin
from core.app import SANDBOX_ONLY
from core.digits import MAX_INT, AsciiInt
from core.errors import SandboxError
from core.jsonbody import read_json
from core.openapi import body, model_schema, outcomes
from services.ins_teleservice import store
from services.ins_teleservice.admin_input import IdentityIn, parse, to_identity, to_json
from services.ins_teleservice.codes import InsCode
from services.ins_teleservice.deps import Db, Settings, Tenant

router = APIRouter(prefix="/_admin/identities", tags=[SANDBOX_ONLY], responses=outcomes(400, 401, 403))
JSON_TYPES = frozenset({"application/json"})


def not_found(pid: str) -> SandboxError:
    return SandboxError(404, InsCode.IDENTITY_NOT_FOUND, f"No identity {pid[:64]!r} in this tenant.",
                        issue="not-found", expression=["id"])


@router.post("", status_code=201, openapi_extra=body(model_schema(IdentityIn), ["application/json"]),
             responses=outcomes(409, 413, 415))
async def add_identity(request: Request, settings: Settings, db: Db, tenant: Tenant) -> Response:
    """Add a test identity (traits + INS) that INSi will then find in this tenant (sandbox-only)."""
    check_admin(request, settings.sandbox)
    document, _ = await read_json(request, max_bytes=settings.max_request_bytes,
                                  max_depth=settings.sandbox.max_json_depth, allowed=JSON_TYPES)
    data = parse(document)
    person = to_identity(data, lunar=settings.accept_lunar_dates)

    def write() -> None:
        with db.write() as conn:
            store.insert_identity(conn, tenant=tenant, person=person)

    try:
        await run_in_threadpool(write)
    except store.DuplicateIdentity:
        raise SandboxError(409, InsCode.IDENTITY_EXISTS, f"An identity with id {person.pid!r} or INS "
                           f"{person.ins_value} already exists in this tenant.", issue="duplicate",
                           expression=["id", "ins"]) from None
    location = f"{settings.base_url(tenant)}/_admin/identities/{person.pid}"
    return JSONResponse(to_json(person), status_code=201, headers={"Location": location})


@router.get("")
def list_identities(request: Request, settings: Settings, db: Db, tenant: Tenant,
                    limit: Annotated[AsciiInt, Query(ge=1, le=1000)] = 100,
                    offset: Annotated[AsciiInt, Query(ge=0, le=MAX_INT)] = 0,
                    origin: Annotated[str | None, Query(pattern="^(persona|generated|admin)$")] = None) -> dict:
    """The identities INSi knows in this tenant, by id (sandbox-only)."""
    check_admin(request, settings.sandbox)
    with db.read() as conn:
        total, people = store.list_identities(conn, tenant=tenant, limit=limit, offset=offset, origin=origin)
    return {"total": total, "identities": [to_json(p) for p in people]}


@router.get("/{pid}")
def get_identity(pid: str, request: Request, settings: Settings, db: Db, tenant: Tenant) -> dict:
    """One identity of this tenant (sandbox-only)."""
    check_admin(request, settings.sandbox)
    with db.read() as conn:
        person = store.get_identity(conn, tenant=tenant, pid=pid)
    if person is None:
        raise not_found(pid)
    return to_json(person)


@router.delete("/{pid}", status_code=204)
def remove_identity(pid: str, request: Request, settings: Settings, db: Db, tenant: Tenant) -> Response:
    """Remove an identity (and its former INS) from this tenant (sandbox-only)."""
    check_admin(request, settings.sandbox)
    with db.write() as conn:
        found = store.delete_identity(conn, tenant=tenant, pid=pid)
    if not found:
        raise not_found(pid)
    return Response(status_code=204)
