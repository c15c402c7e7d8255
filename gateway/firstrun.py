"""What ``sandbox up`` prints once the sandbox is ready (issue 10, "The first run").

Every service with its base URL, what it offers and its public demo credentials (each service's
:class:`core.banner.Banner`), the documentation and OpenAPI URLs, the admin API, the data directory,
and whether ``/readyz`` answers 200. The text is printed after the socket listens and ``/readyz`` has
been asked in-process, so "ready" is what a client would see at that moment.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy.engine import make_url

from core.banner import Banner
from gateway.health import version
from gateway.proxy import LocalService, RemoteService, Service

WIDTH = 17  # labels are padded to this, so that URLs line up


def banner_of(service: Service) -> Banner | None:
    state = getattr(service.app, "state", None) if isinstance(service, LocalService) else None
    banner = getattr(state, "banner", None)
    return banner if isinstance(banner, Banner) else None


def item(label: str, value: str, indent: int = 4) -> str:
    return f"{' ' * indent}{label:<{WIDTH}} {value}"


def hidden_password(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only shown, never used
        return "(unreadable URL)"


def text(gateway: Any, *, listening: str, readyz: tuple[int, dict]) -> list[str]:
    """The lines of the first-run text."""
    settings = gateway.state.settings
    base = settings.public_base
    lines = [f"e-santé sandbox {version()}: {base} (listening on {listening})", "",
             f"Services (default tenant; another tenant's: {base}/t/{{tenant}}/{{service}}/...)"]
    for slug, service in gateway.state.services.items():
        root = f"{base}/{slug}"
        lines.append(f"  {slug:<{WIDTH + 2}} {root}")
        banner = banner_of(service)
        if banner is not None:
            lines.append(f"    {banner.summary}")
            lines += [item(label, root + path) for label, path in banner.endpoints]
            lines += [item(label, value) for label, value in banner.credentials]
        if isinstance(service, RemoteService):
            lines.append(item("runs at", f"{service.url} (split mode)"))
        lines.append(item("API docs", f"{root}/docs (OpenAPI: {root}/openapi.json)"))
    token = settings.admin_token is not None
    lines += ["", "Gateway",
              item("API docs", f"{base}/docs (OpenAPI: {base}/openapi.json)", 2),
              item("admin API", f"{base}/_admin/tenants (" + ("needs SANDBOX_ADMIN_TOKEN as a Bearer token)"
                                                           if token else "open: no SANDBOX_ADMIN_TOKEN set)"), 2),
              item("health, metrics", f"{base}/livez {base}/readyz {base}/metrics", 2),
              item("test data", "the personas (docs/personas.md) in every tenant; `sandbox seed` adds more", 2),
              "", f"Data in {Path(settings.data_dir).absolute()} (kept across restarts; `sandbox reset` deletes it)"
              + (f"; gateway database {hidden_password(settings.database_url)}" if settings.database_url else "")]
    status, body = readyz
    if status == 200:
        lines.append(f"Ready: {base}/readyz answers 200. Stop with Ctrl+C.")
    else:
        lines.append(f"Not ready: {base}/readyz answers {status} {json.dumps(body, ensure_ascii=False)}.")
    return lines


async def ask_readyz(gateway: Any) -> tuple[int, dict]:
    """``GET /readyz`` through the gateway itself, in-process."""
    transport = httpx.ASGITransport(app=gateway)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        response = await client.get("/readyz")
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, {"body": response.text[:200]}


class Server(uvicorn.Server):
    """uvicorn's server, calling ``on_ready`` once its sockets listen."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], Awaitable[None]]) -> None:
        super().__init__(config)
        self.on_ready = on_ready

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            await self.on_ready()
