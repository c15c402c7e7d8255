"""Every FastAPI route of the gateway and of its in-process services, for checks that walk them all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi.routing import APIRoute
from starlette.routing import Mount

from core.settings import SandboxSettings
from gateway.app import create_app
from gateway.proxy import LocalService


def api_routes(routes, where: str = "") -> Iterator[tuple[str, APIRoute]]:  # noqa: ANN001
    """``(label, route)`` for every APIRoute of ``routes``, nested ones too; the label is ``path METHODS``."""
    for route in routes:
        if isinstance(route, Mount):
            yield from api_routes(route.routes, where + route.path)
        elif hasattr(route, "original_router"):  # FastAPI >= 0.165 keeps an included router as one route
            yield from api_routes(route.original_router.routes, where)
        elif isinstance(route, APIRoute):
            yield f"{where}{route.path} {','.join(sorted(route.methods))}", route


def sandbox_apps(data_dir: Path) -> dict[str, object]:
    """The gateway's own app (key ``""``) and each in-process service's app (key ``/{slug}``)."""
    gateway = create_app(SandboxSettings(data_dir=data_dir, public_url="http://sandbox.test"))
    return {"": gateway.api} | {f"/{slug}": service.app for slug, service in gateway.services.items()
                                if isinstance(service, LocalService)}
