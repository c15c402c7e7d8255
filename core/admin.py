"""Guard for sandbox-only ``/_admin`` routes: when ``SANDBOX_ADMIN_TOKEN`` is set, require it."""

from __future__ import annotations

import hmac

from starlette.requests import Request

from core.codes import Code
from core.errors import SandboxError
from core.settings import SandboxSettings

ADMIN_TOKEN_HEADER = "x-sandbox-admin-token"


def presented_admin_token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.headers.get(ADMIN_TOKEN_HEADER)


def check_admin(request: Request, settings: SandboxSettings) -> None:
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
