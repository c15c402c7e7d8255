"""Tenants: isolated copies of every service's data (DESIGN.md "URL map", core/tenancy.py).

A tenant is created by the admin API, or on first use (``/t/{tenant}/...``) unless an admin token is set
(``SANDBOX_AUTO_TENANTS``), up to ``SANDBOX_MAX_TENANTS``; creating one seeds it on every service. A small
in-memory set of known tenants keeps first-use checks off the database.

Reset and delete first prepare (the recorder writes what it holds, every service dry-runs the action),
then act on each service in turn, each in one transaction of its own, and only then drop the recorded
exchanges (and the tenant's row); docs/gateway.md ("Reset and delete are all or nothing") states what
holds when a service fails half-way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from core.codes import Code
from core.db import Database
from core.errors import SandboxError
from core.settings import DEFAULT_TENANT, SandboxSettings
from core.tenancy import check_tenant
from gateway import store
from gateway.fault_rules import FaultRules
from gateway.proxy import Service
from gateway.recorder import Recorder

logger = logging.getLogger(__name__)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def not_created(name: str) -> SandboxError:
    """404 ``GW-0008``: tenants are created through the admin API only (an admin token is set)."""
    return SandboxError(
        404, Code.TENANT_NOT_CREATED,
        f"Tenant {name!r} does not exist, and tenants are not created on first use here: create it with "
        f"POST /_admin/tenants {{\"name\": \"{name}\"}} and the admin token (Authorization: Bearer ...).",
        issue="not-found",
    )


def held(response: httpx.Response) -> dict[str, int]:
    """What a service's seed answer says the tenant holds, by kind (``{}`` from a service that does not say)."""
    try:
        answer = response.json()
        counts = answer.get("total") or answer.get("seeded") or {}
        return {str(kind): int(count) for kind, count in counts.items()}
    except (ValueError, AttributeError, TypeError):
        return {}


class Tenants:
    """Create, list, reset and delete tenants across the gateway and every service."""

    def __init__(
        self, db: Database, services: Sequence[Service], recorder: Recorder, settings: SandboxSettings,
        *, faults: FaultRules | None = None,
    ) -> None:
        self.db = db
        self.services = list(services)
        self.recorder = recorder
        self.settings = settings
        self.faults = faults
        self.known: set[str] = set()
        self._creating: set[str] = set()  # names being created, counted against SANDBOX_MAX_TENANTS
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
        if name in self.known:
            return
        if not self.settings.creates_tenants_on_first_use:
            if await self._get(name) is None:  # it may come from `sandbox seed --tenant` while this runs
                raise not_created(name)
            self.known.add(name)
            return
        self._check_room(name)  # before the lock: a flood of new names must not leave a lock each
        async with self._lock(name):
            if name in self.known:
                return
            self._check_room(name)
            self._creating.add(name)
            try:
                if await self._get(name) is None:
                    await self._insert(name)
                self.known.add(name)
            finally:
                self._creating.discard(name)

    async def create(self, name: str) -> dict[str, Any]:
        check_tenant(name)
        async with self._lock(name):
            if await self._get(name) is not None:
                raise SandboxError(
                    409, Code.TENANT_EXISTS, f"Tenant {name!r} already exists.", issue="duplicate"
                )
            self._check_room(name)
            self._creating.add(name)
            try:
                row = await self._insert(name)
            finally:
                self._creating.discard(name)
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
        """Wipe the tenant on every service, seed it again and forget its recorded exchanges (see docs/gateway.md)."""
        row = await self.require(name)
        async with self._lock(name):
            path = f"/_admin/tenants/{name}/reset"
            await self._prepare(name, "reset", "POST", path)
            await self._commit(name, "reset", "POST", path, undo=False)
            if self.faults is not None:
                self.faults.clear(name)
            try:
                await self.recorder.drop_tenant(name)
            except Exception as exc:  # noqa: BLE001 - the services are reset: say what is left to do
                logger.exception("Tenant %r reset on every service, its exchanges not dropped", name)
                raise self._partial(name, "reset", done=self.services, failed=("gateway", str(exc)), rest=[]) from exc
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
            path = f"/_admin/tenants/{name}"
            await self._prepare(name, "delete", "DELETE", path)
            await self._commit(name, "delete", "DELETE", path, undo=True)
            try:
                await self.recorder.drop_tenant(name)
                await asyncio.to_thread(self._write, store.delete_tenant, name=name)
            except Exception as exc:  # noqa: BLE001 - keep the tenant usable: seed it again everywhere
                logger.exception("Tenant %r wiped on every service, not removed from the gateway", name)
                await self._reseed(name, self.services)
                raise self._partial(name, "delete", done=self.services, failed=("gateway", str(exc)), rest=[]) from exc
            self.known.discard(name)
            if self.faults is not None:
                self.faults.clear(name)
        self._locks.pop(name, None)

    def _check_room(self, name: str) -> None:
        """409 ``GW-0009`` when creating ``name`` would go over ``SANDBOX_MAX_TENANTS``."""
        if name in self.known or name in self._creating:
            return
        limit = self.settings.max_tenants
        if len(self.known) + len(self._creating) >= limit:
            raise SandboxError(
                409, Code.TENANT_LIMIT,
                f"This sandbox already holds its {limit} tenants (SANDBOX_MAX_TENANTS): delete one with "
                "DELETE /_admin/tenants/{name} or raise the limit.", issue="too-costly",
            )

    def _lock(self, name: str) -> asyncio.Lock:
        return self._locks.setdefault(name, asyncio.Lock())

    async def _insert(self, name: str) -> dict[str, Any]:
        """Seed the tenant everywhere, then record it; the row carries what each service now holds."""
        # Seed first: if a service cannot be seeded the tenant is not recorded, and the next use retries.
        responses = await self._on_services("POST", f"/_admin/tenants/{name}/seed")
        row = await asyncio.to_thread(self._write, store.insert_tenant, name=name, created_at=now_iso())
        return {**row, "seeded": {svc.slug: held(response) for svc, response in zip(self.services, responses,
                                                                                    strict=True)}}

    async def _on_services(self, method: str, path: str) -> list[httpx.Response]:
        responses = await asyncio.gather(*(svc.admin(method, path) for svc in self.services))
        for svc, response in zip(self.services, responses, strict=True):
            if response.status_code >= 400:
                raise SandboxError(
                    502, Code.SERVICE_UNAVAILABLE,
                    f"Service {svc.slug!r} answered {response.status_code} to {method} {path}.",
                    issue="transient",
                )
        return list(responses)

    async def _prepare(self, name: str, action: str, method: str, path: str) -> None:
        """Change nothing, or raise 503 ``GW-0010``: the recorder writes what it holds and every service
        does the work in a transaction it rolls back (a dry run), so a service that is down, refuses the
        token or fails to seed stops the action before any data is touched."""
        try:
            await self.recorder.flush()
        except Exception as exc:  # noqa: BLE001 - the gateway's own store failing is a precondition too
            logger.exception("Tenant %r not %s: the recorder could not write", name, action)
            failures = [("gateway", f"its recorder could not write ({exc})")]
        else:
            outcomes = await asyncio.gather(*(self._call(svc, method, path + "?dry_run=true") for svc in self.services))
            failures = [(svc.slug, why) for svc, why in zip(self.services, outcomes, strict=True) if why]
        if failures:
            raise SandboxError(
                503, Code.TENANT_UNCHANGED,
                f"Tenant {name!r} was not {action}: nothing was changed. "
                + "; ".join(f"{where}: {why}" for where, why in failures) + ".",
                issue="transient",
            )

    async def _commit(self, name: str, action: str, method: str, path: str, *, undo: bool) -> None:
        """Do the action on each service in turn (each in one transaction of its own), stopping at the first
        failure with 502 ``GW-0011``; after a failed delete, the services already wiped are seeded again."""
        for index, svc in enumerate(self.services):
            why = await self._call(svc, method, path)
            if why is not None:
                done = self.services[:index]
                if undo:
                    await self._reseed(name, done)
                raise self._partial(name, action, done=done, failed=(svc.slug, why), rest=self.services[index + 1:])

    async def _reseed(self, name: str, services: Sequence[Service]) -> None:
        for svc in services:
            if why := await self._call(svc, "POST", f"/_admin/tenants/{name}/seed"):
                logger.error("Tenant %r could not be seeded again on %r: %s", name, svc.slug, why)

    async def _call(self, svc: Service, method: str, path: str) -> str | None:
        """None when the service did it, else why not (a status, or the error raised)."""
        try:
            response = await svc.admin(method, path)
        except SandboxError as exc:
            return exc.diagnostics
        except Exception as exc:  # noqa: BLE001 - an in-process service that raises is a failure like any other
            logger.exception("Service %r failed on %s %s", svc.slug, method, path)
            return f"failed ({type(exc).__name__})"
        return None if response.status_code < 300 else f"answered {response.status_code}"

    @staticmethod
    def _partial(
        name: str, action: str, *, done: Sequence[Service], failed: tuple[str, str], rest: Sequence[Service],
    ) -> SandboxError:
        """502 ``GW-0011``: then one issue per service, ``information`` when done and ``error`` when not."""
        where, why = failed
        done_names = ", ".join(svc.slug for svc in done) or "none"
        rest_names = ", ".join([where, *(svc.slug for svc in rest)])
        kept = ("each service holds a fresh seed or its previous data, the recorded exchanges are kept"
                if action == "reset" else "the tenant is kept, seeded again where it was wiped")
        cause = None
        for slug, note, severity in reversed([
            *((svc.slug, f"{action} done", "information") for svc in done),
            (where, f"{action} not done: {why}", "error"),
            *((svc.slug, f"{action} not done", "error") for svc in rest),
        ]):
            cause = SandboxError(502, Code.TENANT_PARTIAL, f"{slug}: {note}", issue="incomplete",
                                 severity=severity, cause=cause)
        return SandboxError(
            502, Code.TENANT_PARTIAL,
            f"The {action} of tenant {name!r} is incomplete: done on {done_names}; not done on {rest_names} "
            f"({where}: {why}). The tenant stays usable ({kept}): send the {action} again.",
            issue="incomplete", cause=cause,
        )

    async def _get(self, name: str) -> dict[str, Any] | None:
        return await asyncio.to_thread(self._read, store.get_tenant, name=name)

    def _read(self, query: Any, **kwargs: Any) -> Any:
        with self.db.read() as conn:
            return query(conn, **kwargs)

    def _write(self, query: Any, **kwargs: Any) -> Any:
        with self.db.write() as conn:
            return query(conn, **kwargs)
