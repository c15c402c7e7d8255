"""Sandbox-only: the feeds to Mon espace santé of a tenant, and a retry by hand (feeds.py).

``GET /_admin/feeds?state=pending|delivered|refused|failed&prescription=<number>`` lists them;
``POST /_admin/feeds/retry`` (optionally ``?id=<feed>``) makes them due and attempts them at once. Guarded
by ``SANDBOX_ADMIN_TOKEN`` when set, like every ``_admin`` route.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from core.admin import check_admin
from core.app import SANDBOX_ONLY
from core.errors import SandboxError
from core.openapi import outcomes
from services.eprescription import feeds, numbers
from services.eprescription.codes import EprCode
from services.eprescription.deps import Settings, Store
from services.eprescription.feed_store import PENDING, STATES

router = APIRouter(prefix="/_admin/feeds", tags=[SANDBOX_ONLY], responses=outcomes(400, 401, 404))
State = Annotated[str | None, Query(description="pending, delivered, refused or failed.", max_length=12)]
Number = Annotated[str | None, Query(description="A prescription number.", max_length=40)]
FeedId = Annotated[str | None, Query(description="One feed's id (else every one not delivered).", max_length=36,
                                     pattern="^[0-9a-f-]{36}$")]


@router.get("")
async def list_feeds(request: Request, store: Store, settings: Settings, state: State = None,
                     prescription: Number = None) -> JSONResponse:
    """The tenant's feeds to Mon espace santé, oldest first (sandbox-only, admin token)."""
    check_admin(request, settings.sandbox)
    if state is not None and state not in STATES:
        raise SandboxError(400, EprCode.BAD_VALUE, f"state is one of {', '.join(STATES)}.", issue="value",
                           expression=["state"])
    number = numbers.canonical(prescription, where="prescription") if prescription else None
    ctx = store.context(request)
    with store.db.read() as conn:
        listed = store.feeds.listed(conn, tenant=ctx.tenant, state=state, number=number, limit=1000)
    return JSONResponse({"feeds": [f.public() for f in listed]})


@router.post("/retry")
async def retry_feeds(request: Request, store: Store, settings: Settings, id: FeedId = None) -> JSONResponse:  # noqa: A002
    """Attempt the tenant's feeds not yet delivered now (or one of them); answers them as they now stand."""
    check_admin(request, settings.sandbox)
    ctx = store.context(request)

    def requeue() -> int:
        with store.db.write() as conn:
            return store.feeds.requeue(conn, tenant=ctx.tenant, fid=id)

    if not await run_in_threadpool(requeue) and id:
        raise SandboxError(404, EprCode.UNKNOWN_FEED, f"No feed {id} waiting in this tenant.", issue="not-found")
    with store.db.read() as conn:
        ids = [f.id for f in store.feeds.listed(conn, tenant=ctx.tenant, state=PENDING, limit=1000)
               if id is None or f.id == id]
    done = await feeds.deliver_ids(request.app, ctx.tenant, ids)
    return JSONResponse({"feeds": [f.public() for f in done]})
