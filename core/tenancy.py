"""Tenants: isolated copies of every service's data, named ``[a-z0-9-]{1,40}``.

The gateway resolves the tenant from the URL (``/t/{tenant}/...``) and passes it to services in the
``X-Sandbox-Tenant`` header (it strips any such header a client sends).
"""

from __future__ import annotations

import re

from starlette.requests import Request

from core.codes import Code
from core.errors import SandboxError
from core.settings import DEFAULT_TENANT

TENANT_HEADER = "x-sandbox-tenant"
TENANT_RE = re.compile(r"[a-z0-9-]{1,40}")


def check_tenant(name: str) -> str:
    if not TENANT_RE.fullmatch(name):
        raise SandboxError(
            400,
            Code.BAD_TENANT,
            f"Tenant name {name[:60]!r} is invalid: use 1 to 40 characters among a-z, 0-9 and '-'.",
            expression=["tenant"],
        )
    return name


def request_tenant(request: Request) -> str:
    """The tenant of a request reaching a service (default tenant when called directly)."""
    return check_tenant(request.headers.get(TENANT_HEADER) or DEFAULT_TENANT)


async def tenant_dependency(request: Request) -> str:
    """``request_tenant`` for ``Depends``: async, because FastAPI runs a sync dependency in the thread pool."""
    return request_tenant(request)
