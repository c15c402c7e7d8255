"""Guard for sandbox-only ``/_admin`` routes: when ``SANDBOX_ADMIN_TOKEN`` is set, require it.

:class:`AdminTokenFirst` checks it ahead of routing, so an unauthenticated caller gets 401 whatever its
body or parameters (a route checking the token itself only runs after FastAPI has parsed them).
"""

from __future__ import annotations

import hmac
import re

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from core.codes import Code
from core.errors import SandboxError
from core.settings import SandboxSettings

ADMIN_TOKEN_HEADER = "x-sandbox-admin-token"
ADMIN_PATH = re.compile(r"(?:/t/[^/]+)?/_admin(?:/|$)")  # /_admin/... and the gateway's /t/{tenant}/_admin/...


def presented_admin_token(request: HTTPConnection) -> str | None:
    """The ``X-Sandbox-Admin-Token`` header, else the bearer token: a caller may send the admin token beside
    an ``Authorization`` that is someone's access token (a journey step run by a logged-in actor)."""
    given = request.headers.get(ADMIN_TOKEN_HEADER)
    if given is not None:
        return given
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return None


def check_admin(request: HTTPConnection, settings: SandboxSettings) -> None:
    """Raise 401 ``GW-0006`` unless the request carries the configured admin token."""
    expected = settings.admin_token.get_secret_value() if settings.admin_token else None
    if not expected:
        return
    given = presented_admin_token(request) or ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise SandboxError(
            401,
            Code.ADMIN_TOKEN_REQUIRED,
            "This sandbox-only endpoint needs the admin token: send 'Authorization: Bearer <SANDBOX_ADMIN_TOKEN>'.",
            issue="security",
            headers={"WWW-Authenticate": 'Bearer realm="sandbox-admin"'},
        )


def admin_refusal(scope: Scope, route: str, settings: SandboxSettings) -> SandboxError | None:
    """The 401 for a request to an ``/_admin`` ``route`` without the admin token (None: let it through)."""
    if settings.admin_token is None or not ADMIN_PATH.match(route):
        return None
    try:
        check_admin(HTTPConnection(scope), settings)
    except SandboxError as exc:
        return exc
    return None


class AdminTokenFirst:
    """ASGI middleware: ``/_admin`` requests without the admin token are refused before any body is read."""

    def __init__(self, app: ASGIApp, settings: SandboxSettings) -> None:
        self.app = app
        self.settings = settings  # read at each request: a test may set the token on a running app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.settings.admin_token is not None:
            root, path = scope.get("root_path", ""), scope["path"]
            refusal = admin_refusal(scope, path[len(root):] if root and path.startswith(root) else path, self.settings)
            if refusal is not None:
                await refusal.render()(scope, receive, send)
                return
        await self.app(scope, receive, send)
