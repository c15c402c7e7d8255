"""The PDSm FHIR API of Mon espace santé (digest §4.2): thin routes, each behind a Pro Santé Connect token.

The kernel's generic FHIR routes are not installed: a write goes through the PDSm rules of
transactions.py / publish.py, a read through retrieval.py; ``/metadata`` is the only public route.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from starlette.responses import Response

from core.errors import FHIR_JSON
from core.fhir.capability import capability_statement
from core.fhir.router import software_version
from core.openapi import outcomes
from services.ms_espace_sante.deps import Store
from services.ms_espace_sante.settings import FHIR_PATH

router = APIRouter(prefix=FHIR_PATH, tags=["FHIR"], responses=outcomes(400, 401, 403, 404, 413, 415))


@router.get("/metadata")
async def metadata(request: Request, store: Store) -> Response:
    """CapabilityStatement: the resource types and search parameters served here."""
    ctx = store.context(request)
    body = capability_statement(store.fhir.spec, ctx.base, title="Mon espace santé / DMP (sandbox)",
                                software_version=software_version())
    return Response(json.dumps(body), media_type=FHIR_JSON)
