"""Sandbox-only view of the access traces, for journeys, organisers and teachers.

``GET /ms-espace-sante/_admin/AuditEvent?<search>`` answers the AuditEvents of the tenant with the
kernel's search (the parameters of core/audit/spec: ``patient.identifier``, ``purpose``, ``action``,
``agent-identifier``, ``date``, ``_sort``, ``_count``...). The real service shows them to the patient only
(professionals get 403 MES-0208 on ``/fhir/AuditEvent``); the sandbox lets its operator check that an
access was traced with its mode. Guarded by ``SANDBOX_ADMIN_TOKEN`` when set, like every ``_admin`` route.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from core.admin import check_admin
from core.app import SANDBOX_ONLY
from core.fhir.router import respond
from core.openapi import outcomes
from services.ms_espace_sante.deps import Settings, Store

router = APIRouter(prefix="/_admin", tags=[SANDBOX_ONLY], responses=outcomes(400, 401))


@router.get("/AuditEvent")
async def audit_events(request: Request, store: Store, settings: Settings) -> Response:
    """The tenant's access traces, searched like ``/fhir/AuditEvent`` (sandbox-only, admin token)."""
    check_admin(request, settings.sandbox)
    ctx = store.context(request)
    with store.db.read() as conn:
        return respond(store.api.search(conn, ctx, "AuditEvent", request.query_params.multi_items(),
                                        self_url=str(request.url)))
