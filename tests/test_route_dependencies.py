"""No route of the sandbox resolves a dependency in the thread pool (issue 9, item 7).

FastAPI runs a sync ``def`` dependency through the thread pool: a hop to a worker thread and back to the
event loop for every request, three per INSi SOAP search before this check, which under 50 concurrent
clients queued SOAP searches ~7x longer than Annuaire searches. Dependencies here only read
``request.app.state`` or a header: they are ``async def``.
"""

from __future__ import annotations

import inspect

from gateway.registry import DEFAULT_SERVICES
from tests.routes import api_routes, sandbox_apps


def is_async(call) -> bool:  # noqa: ANN001
    """A coroutine function, or an instance whose ``__call__`` is one (FastAPI's security schemes)."""
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(type(call).__call__)


def dependencies(routes, where: str) -> dict[str, bool]:  # noqa: ANN001
    """``route: dependency`` -> whether it is async, for every dependency (nested ones too) of ``routes``."""
    found = {}
    for label, route in api_routes(routes, where):
        stack = list(route.dependant.dependencies)
        while stack:
            dependency = stack.pop()
            stack += dependency.dependencies
            name = getattr(dependency.call, "__qualname__", type(dependency.call).__name__)
            found[f"{label}: {name}"] = is_async(dependency.call)
    return found


def test_every_route_dependency_of_the_gateway_and_its_services_is_async(tmp_path):
    apps = sandbox_apps(tmp_path)
    assert sorted(apps) == sorted(["", *(f"/{spec.slug}" for spec in DEFAULT_SERVICES)])
    found = {k: v for where, app in apps.items() for k, v in dependencies(app.routes, where).items()}
    assert len(found) > 40  # the walk reaches the services' routes, not only the gateway's
    assert [name for name, is_async_call in found.items() if not is_async_call] == []


def test_the_check_sees_a_sync_dependency():
    from fastapi import Depends, FastAPI

    def sync_one() -> int:
        return 1

    app = FastAPI()

    @app.get("/x")
    async def route(value: int = Depends(sync_one)) -> int:
        return value

    assert dependencies(app.routes, "") == {"/x GET: test_the_check_sees_a_sync_dependency.<locals>.sync_one": False}
