"""``sandbox seed`` without a running sandbox: each service built in-process seeds the tenant, then the gateway
database records it (gateway/cli.py's ``seed`` command drives it and draws the progress bar).

Each service's seeder is called directly with one :class:`core.app.SeedRequest`; a service without one is
seeded through its admin route. Errors name the service and the fix, in one line (:func:`one_line`, which
``sandbox up``'s start-up errors use too).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from core.app import SeedRequest
from core.db import Database
from core.settings import DEFAULT_TENANT, SandboxSettings
from gateway import datadir, store
from gateway.registry import ServiceSpec
from gateway.tenants import now_iso


def one_line(exc: BaseException) -> str:
    """The cause of ``exc`` in one line: a driver's own message, a setting's name and problem."""
    errors_of = getattr(exc, "errors", None)
    if callable(errors_of) and hasattr(exc, "title"):  # a pydantic ValidationError: name the setting
        first = (errors_of() or [{}])[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return f"{exc.title} setting {where!r}: {first.get('msg', exc)} (got {first.get('input')!r})"
    cause = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0] if text else ''}".rstrip(": ")


class SeedError(RuntimeError):
    """A service failed to seed; the message names the service and what to do."""


Counted = tuple[dict[str, int], dict[str, int] | None]  # (added by this run, held by the tenant now) by kind


async def seed_services(
    settings: SandboxSettings,
    specs: Sequence[ServiceSpec],
    tenant: str,
    on_seeded: Callable[[str], None] | None = None,
    *,
    patients: int = 0,
    professionals: int = 0,
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Counted]:
    """Seed ``tenant`` on each service (built in-process, lifespan run) and register it with the gateway.

    Each service's seeder is called directly with one :class:`SeedRequest` (same counts and seed for all,
    so the services agree on the generated people); ``progress(slug, done, total)`` relays its reports.
    A service without a seeder gets the admin seed route instead. Answers, by service, what the seed
    added and what the tenant holds (None when the service cannot count it).
    """
    datadir.mark(settings.data_dir)
    counted: dict[str, Counted] = {}
    for spec in specs:
        relay = functools.partial(progress, spec.slug) if progress else None
        request = SeedRequest(tenant, patients=patients, professionals=professionals, seed=seed, progress=relay)
        try:
            app = spec.build_app(spec.build_settings(settings))
            async with app.router.lifespan_context(app):
                counted[spec.slug] = await _seed_one(settings, spec.slug, app, request)
        except Exception as exc:
            raise SeedError(
                f"Seeding {spec.slug} (tenant {tenant!r}) failed: {one_line(exc)}. Fix the cause and run "
                "`sandbox seed` again, or start from empty data with `sandbox reset --yes`."
            ) from exc
        if on_seeded:
            on_seeded(spec.slug)
    try:
        _register(settings, tenant)
    except Exception as exc:
        raise SeedError(
            f"Tenant {tenant!r} is seeded on every service but could not be registered in the gateway database: "
            f"{one_line(exc)}. Fix the cause and run `sandbox seed` again, or start from empty data with "
            "`sandbox reset --yes`."
        ) from exc
    return counted


def _register(settings: SandboxSettings, tenant: str) -> None:
    """Record the tenant (and the default one) in the gateway database, so the gateway serves it."""
    url = settings.database_url or settings.sqlite_url("gateway")
    db = Database(url, prefix="gateway", metadata=store.metadata)
    try:
        db.create_all()
        with db.write() as conn:
            for name in dict.fromkeys((DEFAULT_TENANT, tenant)):
                if store.get_tenant(conn, name=name) is None:
                    store.insert_tenant(conn, name=name, created_at=now_iso())
    finally:
        db.dispose()


async def _seed_one(settings: SandboxSettings, slug: str, app: Any, request: SeedRequest) -> Counted:
    seeder = getattr(app.state, "seed", None)
    if seeder is None:
        return await _seed_over_http(settings, slug, app, request)
    # A seeder is synchronous and may run for a minute: off the loop, like a route would be.
    added = dict(await asyncio.to_thread(seeder, request) or {})
    census = getattr(app.state, "census", None)
    return added, (dict(await asyncio.to_thread(census, request.tenant)) if census is not None else None)


async def _seed_over_http(settings: SandboxSettings, slug: str, app: object, request: SeedRequest) -> Counted:
    """Seed through the service's admin route (no progress reports), for apps not built by core.app."""
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    headers = {"x-sandbox-admin-token": token} if token else {}
    params = {"patients": request.patients, "professionals": request.professionals, "seed": request.seed}
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{slug}") as client:
        response = await client.post(f"/_admin/tenants/{request.tenant}/seed", headers=headers, params=params)
    if response.status_code >= 400:
        raise RuntimeError(f"{response.status_code} {response.text[:200]}")
    try:
        answer = response.json()
        return dict(answer.get("seeded") or {}), answer.get("total")
    except (ValueError, AttributeError):  # an older service answering 204
        return {}, None
