"""Per-tenant RS256 signing keys, persisted, rotated, and published while tokens signed with them live.

A tenant gets its key on first use. Rotation makes a new key active and stamps the previous one
``retired_at``; a retired key stays in the JWKS for ``retention`` seconds (the longest token lifetime
plus leeway), so tokens it signed keep verifying until they expire, then it is deleted. Parsed keys are
cached per tenant for a few seconds: importing an RSA private key costs ~40 ms, signing ~0.3 ms.

Generating a key costs ~50 ms of CPU, loading one a database read: both run under the tenant's own lock
(never one lock for every tenant, which queued 100 teams' first logins behind each other) and, from a
route on the event loop, in the thread pool (``await keyring.ready(tenant)`` first), so a tenant's first
token never stalls the requests of the others (bench/projectathon.py).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

from joserfc.jwk import KeySet, RSAKey
from starlette.concurrency import run_in_threadpool

from core.db import Database
from core.oidc.store import OidcStore

ALG = "RS256"
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class TenantKeys:
    active: RSAKey
    published: KeySet  # the active key and the retired ones still in their retention
    jwks: dict  # ``published`` as the public JWKS document
    loaded_at: float


def new_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": ALG}, auto_kid=True)


class KeyRing:
    def __init__(self, db: Database, store: OidcStore, *, retention: float) -> None:
        self.db = db
        self.store = store
        self.retention = retention
        self._cache: dict[str, TenantKeys] = {}
        self._parsed: dict[str, RSAKey] = {}  # kid -> key, so a reload does not re-import
        self._lock = threading.Lock()  # guards _locks only
        self._locks: dict[str, threading.Lock] = {}  # one per tenant

    def _fresh(self, tenant: str) -> TenantKeys | None:
        cached = self._cache.get(tenant)
        if cached is not None and time.monotonic() - cached.loaded_at < CACHE_SECONDS:
            return cached
        return None

    def keys(self, tenant: str) -> TenantKeys:
        cached = self._fresh(tenant)
        if cached is not None:
            return cached
        with self._lock:
            lock = self._locks.setdefault(tenant, threading.Lock())
        with lock:
            return self._fresh(tenant) or self._load(tenant)

    async def ready(self, tenant: str) -> TenantKeys:
        """:meth:`keys` for a route on the event loop: the cached keys, else loaded (or made) in the thread pool."""
        return self._fresh(tenant) or await run_in_threadpool(self.keys, tenant)

    def _load(self, tenant: str) -> TenantKeys:
        now = time.time()
        with self.db.read() as conn:
            rows = self.store.signing_keys(conn, tenant=tenant)
        if not rows or rows[0][3] is not None:  # no key yet, or only retired ones
            self.rotate(tenant)
            with self.db.read() as conn:
                rows = self.store.signing_keys(conn, tenant=tenant)
        live = [r for r in rows if r[3] is None or r[3] > now - self.retention]
        parsed = []
        for kid, private_jwk, _created, _retired in live:
            key = self._parsed.get(kid)
            if key is None:
                key = self._parsed[kid] = RSAKey.import_key(json.loads(private_jwk))
            parsed.append(key)
        published = KeySet(parsed)
        jwks = {"keys": [k.as_dict(private=False) for k in parsed]}
        keys = TenantKeys(active=parsed[0], published=published, jwks=jwks, loaded_at=time.monotonic())
        self._cache[tenant] = keys
        return keys

    def rotate(self, tenant: str) -> str:
        """Make a fresh key active for ``tenant``; returns its kid."""
        key = new_key()
        now = time.time()
        with self.db.write() as conn:
            self.store.add_key(conn, tenant=tenant, kid=key.kid, private_jwk=json.dumps(key.as_dict(private=True)),
                               now=now)
            self.store.prune_keys(conn, tenant=tenant, retired_before=now - self.retention)
        self._parsed[key.kid] = key
        self._cache.pop(tenant, None)
        return key.kid

    def forget(self, tenant: str | None = None) -> None:
        """Drop cached keys (after a tenant is wiped)."""
        if tenant is None:
            self._cache.clear()
        else:
            self._cache.pop(tenant, None)
