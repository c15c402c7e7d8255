"""Prevention messages (prevention.py, prevention_runs.py): the patient reads them, the operator runs the rules.

- the patient reads the messages at ``GET /fhir/Communication`` (routers/patient_data.py);
- ``POST /_admin/prevention/run`` (sandbox-only, admin token when set), body ``{"date": "YYYY-MM-DD"}``
  (today when absent): the rules run over every record of the tenant; runs are idempotent;
- ``GET /_admin/prevention/rules``: the rules in force (the shape of MS_ESPACE_SANTE_PREVENTION_RULES_FILE).
"""

from __future__ import annotations

import datetime
import json

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core.admin import check_admin
from core.app import SANDBOX_ONLY
from core.jsonbody import read_model
from core.openapi import outcomes
from services.ms_espace_sante import prevention_runs
from services.ms_espace_sante.deps import Settings, Store
from services.ms_espace_sante.prevention import rules_to_json

router = APIRouter(tags=["prevention"], responses=outcomes(400, 401, 403))


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: datetime.date | None = Field(None, description="The day the rules run for (YYYY-MM-DD); today when absent.")


@router.post("/_admin/prevention/run", tags=[SANDBOX_ONLY])
async def run_rules(request: Request, store: Store, settings: Settings) -> Response:
    """Run the prevention rules over every record of the tenant for a date; answer what was sent."""
    check_admin(request, settings.sandbox)
    empty = request.headers.get("content-length", "0") == "0" and "transfer-encoding" not in request.headers
    body = RunRequest() if empty else await read_model(request, RunRequest, max_bytes=4096, max_depth=4)
    ctx = store.context(request)
    day = body.date or datetime.date.today()

    def write() -> dict:
        with store.db.write() as conn:
            return prevention_runs.run(store, conn, ctx, store.prevention, day)

    return Response(json.dumps(await run_in_threadpool(write), ensure_ascii=False), media_type="application/json")


@router.get("/_admin/prevention/rules", tags=[SANDBOX_ONLY])
async def rules(request: Request, store: Store, settings: Settings) -> Response:
    """The prevention rules in force."""
    check_admin(request, settings.sandbox)
    return Response(rules_to_json(store.prevention), media_type="application/json")
