"""The FHIR façade of INSi (base ``/fhir``): ``Patient/$match``, ``Patient/$ins-verify``, ``Patient/{id}``
and ``metadata`` (digest §1.5, §1.7 item 5). Answers are ``application/fhir+json``."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from starlette.responses import Response

from core.errors import FHIR_JSON
from core.fhir.router import software_version
from core.jsonbody import JSON_TYPES, read_json
from core.openapi import PARAMETERS, body, outcomes
from services.ins_teleservice import facade
from services.ins_teleservice.deps import Db, Settings, Tenant
from services.ins_teleservice.fhir_out import capability

router = APIRouter(prefix="/fhir", tags=["FHIR façade"])


def fhir(resource: dict) -> Response:
    return Response(json.dumps(resource, ensure_ascii=False), media_type=FHIR_JSON)


@router.get("/metadata")
async def metadata(settings: Settings, tenant: Tenant) -> Response:
    """CapabilityStatement: Patient read, $match and $ins-verify."""
    return fhir(capability(settings.base_url(tenant) + "/fhir", version=software_version()))


@router.post("/Patient/$match", openapi_extra=body(PARAMETERS), responses=outcomes(400, 413, 415, 422))
async def match(request: Request, settings: Settings, db: Db, tenant: Tenant) -> Response:
    """INSi traits search as the FHIR MPI $match: a searchset of fr-core-patient-ins Patients + the CR."""
    document, _ = await read_json(request, max_bytes=settings.max_request_bytes,
                                  max_depth=settings.sandbox.max_json_depth, allowed=JSON_TYPES)
    with db.read() as conn:
        bundle = facade.match(conn, tenant=tenant, base=settings.base_url(tenant) + "/fhir", body=document)
    return fhir(bundle)


@router.post("/Patient/$ins-verify", openapi_extra=body(PARAMETERS), responses=outcomes(400, 413, 415, 422))
async def ins_verify(request: Request, settings: Settings, db: Db, tenant: Tenant) -> Response:
    """Check an INS against the traits INSi holds: result match/mismatch and the status of each trait."""
    document, _ = await read_json(request, max_bytes=settings.max_request_bytes,
                                  max_depth=settings.sandbox.max_json_depth, allowed=JSON_TYPES)
    with db.read() as conn:
        return fhir(facade.ins_verify(conn, tenant=tenant, body=document))


@router.get("/Patient/{pid}")
async def read_patient(pid: str, db: Db, tenant: Tenant) -> Response:
    """An identity INSi holds, as a fr-core-patient-ins Patient (the fullUrl of $match entries)."""
    with db.read() as conn:
        return fhir(facade.read(conn, tenant=tenant, pid=pid))
