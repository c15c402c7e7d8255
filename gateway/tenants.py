"""Tenants: isolated copies of every service's data (DESIGN.md "URL map", core/tenancy.py).

A tenant is created on first use (``/t/{tenant}/...``) or by the admin API; creating one seeds it on
every service. A small in-memory set of known tenants keeps first-use checks off the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from core.codes import Code
from core.db import Database
from core.errors import SandboxError
from core.settings import DEFAULT_TENANT, SandboxSettings
from core.tenancy import check_tenant
from gateway import store
from gateway.proxy import Service
from gateway.recorder import Recorder


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Tenants:
    """Create, list, reset and delete tenants across the gateway and every service."""

    def __init__(
        self, db: Database, services: Sequence[Service], recorder: Recorder, settings: SandboxSettings,
    ) -> None:
        self.db = db
        self.services = list(services)
        self.recorder = recorder
        self.settings = settings
        self.known: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}

    def describe(self, row: dict[str, Any]) -> dict[str, Any]:
        """A tenant as the admin API shows it, with the base URL of each service for it."""
        prefix = "" if row["name"] == DEFAULT_TENANT else f"/t/{row['name']}"
        base = self.settings.public_base + prefix
        return {**row, "services": {svc.slug: f"{base}/{svc.slug}" for svc in self.services}}

    async def load(self) -> None:
        """Make sure the default tenant exists and fill the cache of known tenants."""
        rows = await asyncio.to_thread(self._load)
        self.known = {row["name"] for row in rows}

    def _load(self) -> list[dict[str, Any]]:
        with self.db.write() as conn:
            if store.get_tenant(conn, name=DEFAULT_TENANT) is None:
                store.insert_tenant(conn, name=DEFAULT_TENANT, created_at=now_iso())
            return store.list_tenants(conn)

    async def ensure(self, name: str) -> None:
        """Create ``name`` (and seed it everywhere) unless it exists; the first-use path."""
        async with self._lock(name):
            if name in self.known:
                return
            if await self._get(name) is None:
                await self._insert(name)
            self.known.add(name)

    async def create(self, name: str) -> dict[str, Any]:
        check_tenant(name)
        async with self._lock(name):
            if await self._get(name) is not None:
                raise SandboxError(
                    409, Code.TENANT_EXISTS, f"Tenant {name!r} already exists.", issue="duplicate"
                )
            row = await self._insert(name)
            self.known.add(name)
            return row

    async def list(self) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self._read, store.list_tenants)

    async def require(self, name: str) -> dict[str, Any]:
        """The tenant's row; 400 ``GW-0001`` for a bad name, 404 ``GW-0002`` when it does not exist."""
        row = await self._get(check_tenant(name))
        if row is None:
            raise SandboxError(
                404, Code.UNKNOWN_TENANT, f"Tenant {name!r} does not exist.", issue="not-found"
            )
        return row

    async def reset(self, name: str) -> dict[str, Any]:
        """Wipe the tenant on every service, seed it again and forget its recorded exchanges."""
        row = await self.require(name)
        async with self._lock(name):
            await self._on_services("DELETE", f"/_admin/tenants/{name}")
            await self._on_services("POST", f"/_admin/tenants/{name}/seed")
            await self.recorder.drop_tenant(name)
        return row

    async def delete(self, name: str) -> None:
        """Wipe the tenant on every service, forget its exchanges and remove it; never the default."""
        if name == DEFAULT_TENANT:
            raise SandboxError(
                409, Code.PROTECTED_TENANT, "The default tenant cannot be deleted; reset it instead.",
                issue="business-rule",
            )
        await self.require(name)
        async with self._lock(name):
            await self._on_services("DELETE", f"/_admin/tenants/{name}")
            await self.recorder.drop_tenant(name)
            await asyncio.to_thread(self._write, store.delete_tenant, name=name)
            self.known.discard(name)
        self._locks.pop(name, None)

    def _lock(self, name: str) -> asyncio.Lock:
        return self._locks.setdefault(name, asyncio.Lock())

    async def _insert(self, name: str) -> dict[str, Any]:
        # Seed first: if a service cannot be seeded the tenant is not recorded, and the next use retries.
        await self._on_services("POST", f"/_admin/tenants/{name}/seed")
        return await asyncio.to_thread(self._write, store.insert_tenant, name=name, created_at=now_iso())

    async def _on_services(self, method: str, path: str) -> None:
        responses = await asyncio.gather(*(svc.admin(method, path) for svc in self.services))
        for svc, response in zip(self.services, responses, strict=True):
            if response.status_code >= 400:
                raise SandboxError(
                    502, Code.SERVICE_UNAVAILABLE,
                    f"Service {svc.slug!r} answered {response.status_code} to {method} {path}.",
                    issue="transient",
                )

    async def _get(self, name: str) -> dict[str, Any] | None:
        return await asyncio.to_thread(self._read, store.get_tenant, name=name)

    def _read(self, query: Any, **kwargs: Any) -> Any:
        with self.db.read() as conn:
            return query(conn, **kwargs)

    def _write(self, query: Any, **kwargs: Any) -> Any:
        with self.db.write() as conn:
            return query(conn, **kwargs)
