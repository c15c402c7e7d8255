"""A second demo service whose tenant admin routes can be made to fail: for all-or-nothing reset and delete.

``app.state.failing`` is None (healthy) or a :class:`Failure`: which admin call fails, whether its dry run
fails too, and how (a 500 answer, or an exception raised out of the app).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from core.settings import ServiceSettings
from gateway.registry import ServiceSpec
from tests.gateway import demo_service

SLUG = "flaky-service"
SPEC = ServiceSpec(slug=SLUG, factory="tests.gateway.flaky_service:create_app")


@dataclass
class Failure:
    method: str  # "POST" (reset) or "DELETE"
    dry_run_too: bool = True  # False: the dry run passes and the real call fails (a service dying half-way)
    raises: bool = False  # True: raise out of the app instead of answering 500


class FailTenantAdmin:
    """Fails the tenant reset / wipe routes as ``app.state.failing`` says."""

    def __init__(self, app: ASGIApp, state) -> None:  # noqa: ANN001 - the FastAPI app's state
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        failure: Failure | None = getattr(self.state, "failing", None)
        if scope["type"] == "http" and failure is not None and self._matches(scope, failure):
            self.state.failed_calls += 1
            if failure.raises:
                raise RuntimeError("the flaky service fell over")
            await JSONResponse({"error": "flaky"}, status_code=500)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _matches(scope: Scope, failure: Failure) -> bool:
        path, method = scope["path"], scope["method"]
        if method != failure.method or not path.startswith("/_admin/tenants/"):
            return False
        if method == "POST" and not path.endswith("/reset"):
            return False
        return failure.dry_run_too or b"dry_run=true" not in scope["query_string"]


def create_app(settings: ServiceSettings) -> FastAPI:
    app = demo_service.create_app(settings)
    app.state.failing = None
    app.state.failed_calls = 0
    app.add_middleware(FailTenantAdmin, state=app.state)
    return app
