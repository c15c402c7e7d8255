"""Per-tenant signing keys: one tenant making its key never holds up another, nor the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading

from core.oidc import keys as keys_module
from core.oidc.keys import KeyRing, new_key

REAL_NEW_KEY = new_key


class MemoryStore:
    """The three store calls the key ring makes, in memory."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[str, str, float, float | None]]] = {}

    def signing_keys(self, conn, *, tenant):  # noqa: ANN001, ANN201
        return list(self.rows.get(tenant, []))

    def add_key(self, conn, *, tenant, kid, private_jwk, now):  # noqa: ANN001, ANN201
        self.rows.setdefault(tenant, []).insert(0, (kid, private_jwk, now, None))

    def prune_keys(self, conn, *, tenant, retired_before):  # noqa: ANN001, ANN201
        pass


class NoDatabase:
    read = write = staticmethod(contextlib.nullcontext)


def slow_for(tenant_started: threading.Event, release: threading.Event):  # noqa: ANN201
    """A new_key that blocks the first call until released (the ~50 ms of RSA work, made long)."""
    calls = []

    def make():  # noqa: ANN202
        calls.append(1)
        if len(calls) == 1:
            tenant_started.set()
            assert release.wait(10)
        return REAL_NEW_KEY()
    return make


def test_a_tenant_making_its_key_does_not_hold_up_another_tenant(monkeypatch):
    started, release = threading.Event(), threading.Event()
    monkeypatch.setattr(keys_module, "new_key", slow_for(started, release))
    ring = KeyRing(NoDatabase(), MemoryStore(), retention=60)
    first = threading.Thread(target=ring.keys, args=("team-a",))
    first.start()
    assert started.wait(10)
    found = {}
    second = threading.Thread(target=lambda: found.setdefault("team-b", ring.keys("team-b")))
    second.start()
    second.join(5)  # team-a is still making its key meanwhile
    finished = not second.is_alive()
    release.set()
    first.join(10)
    second.join(10)
    assert finished, "team-b waited for team-a's key"
    assert ring.keys("team-a").active.kid != found["team-b"].active.kid


async def test_ready_makes_the_key_off_the_event_loop(monkeypatch):
    started, release = threading.Event(), threading.Event()
    monkeypatch.setattr(keys_module, "new_key", slow_for(started, release))
    ring = KeyRing(NoDatabase(), MemoryStore(), retention=60)
    task = asyncio.create_task(ring.ready("team-a"))
    ticks = 0
    while not started.is_set() or ticks < 5:  # the loop keeps turning while the key is being made
        await asyncio.sleep(0.01)
        ticks += 1
    assert not task.done()
    release.set()
    keys = await task
    assert keys is await ring.ready("team-a")  # cached: no thread hop
