"""The exchange recorder: every request/response crossing the gateway, per tenant, secrets masked.

The hot path fills a :class:`gateway.dispatch.Exchange` (raw headers, the first ``record_body_bytes`` of
each body) and, when the response ends, appends an entry of plain values, secrets masked, to a buffer. A
background task writes the buffer in batches, at least every ``FLUSH_SECONDS`` and as soon as
``BATCH_SIZE`` entries wait; under load a batch is appended to a journal as one blob, which becomes
exchange rows when traffic is light. Reads write everything first, so they see every exchange.

Recording must cost little next to the request it records (a FHIR read takes ~100 µs): a row holds the
columns the API filters and lists on, plus the masked headers and kept bodies in one ``marshal`` blob
that is decoded only when an exchange is read in full. Ids are time-ordered UUIDs (version 7), so the
indexes grow at their right edge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import marshal
import random
from datetime import UTC, datetime
from typing import Any

from core.db import Database
from gateway import store
from gateway.dispatch import Exchange
from gateway.masking import actor_of, encode_body, headers_dict, mask_body, mask_raw

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5
BATCH_SIZE = 200  # rows that wake the writer before FLUSH_SECONDS
HEAVY_BATCH = 50  # rows per flush from which batches go to the journal (about 100 requests/s)
DETAIL_FORMAT = 1  # first item of every detail blob, should its layout ever change


def to_entry(exchange: Exchange, limit: int) -> tuple:
    """What is kept of an exchange, secrets masked: plain values only (the garbage collector untracks
    them, and a batch marshals in one call)."""
    x = exchange
    request_headers, authorization = mask_raw(x.request_headers)
    chunks = x.response_chunks
    return (
        x.tenant, x.request_id, x.service, x.method, x.path, x.query, x.status, x.duration, x.started,
        actor_of(authorization.decode("latin-1")) if authorization else None,
        tuple(request_headers), tuple(mask_raw(x.response_headers)[0]), x.request_body[:limit],
        x.request_size, chunks[0] if len(chunks) == 1 else b"".join(chunks), x.response_size,
    )


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}
# Random hex digits drawn 512 ids at a time, and the hex prefix of the last millisecond seen.
_ids = {"pool": "", "at": 0, "ms": -1, "prefix": ""}


def new_id(started: float) -> str:
    """A version-7 UUID (RFC 9562: 48-bit Unix milliseconds, then random bits) as 32 hex digits."""
    ids = _ids
    pool, at = ids["pool"], ids["at"]
    if at + 19 > len(pool):
        pool, at = f"{random.getrandbits(19 * 4 * 512):0{19 * 512}x}", 0
        ids["pool"] = pool
    ids["at"] = at + 19
    ms = int(started * 1000)
    if ms != ids["ms"]:
        ids["ms"], ids["prefix"] = ms, f"{ms:012x}7"
    return ids["prefix"] + pool[at:at + 3] + _VARIANT[pool[at + 3]] + pool[at + 4:at + 19]


def to_row(entry: tuple) -> tuple:
    """The stored row (:data:`store.INSERT_COLUMNS` order) of an entry."""
    (tenant, request_id, service, method, path, query, status, duration, started, actor,
     request_headers, response_headers, request_body, request_size, response_body, response_size) = entry
    # bodies are masked here, in the background writer, not on the request path
    detail = marshal.dumps((DETAIL_FORMAT, request_headers, response_headers, mask_body(request_headers, request_body),
                            request_size, mask_body(response_headers, response_body), response_size))
    return (new_id(started), tenant, request_id, service, method, path, query.decode("latin-1"), status,
            duration * 1000, actor, started, detail)


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="microseconds")


def present(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row in the API's shape: ``started_at`` in ISO UTC and, for a full record, the detail."""
    row["started_at"] = iso(row.pop("started"))
    row["duration_ms"] = round(row["duration_ms"], 3)
    detail = row.pop("detail", None)
    if detail is None:
        return row
    _, request_headers, response_headers, request_body, request_size, response_body, response_size = (
        marshal.loads(detail)
    )
    request_text, request_b64 = encode_body(request_body, request_size > len(request_body))
    response_text, response_b64 = encode_body(response_body, response_size > len(response_body))
    return {
        **row,
        "request_headers": headers_dict(request_headers),
        "response_headers": headers_dict(response_headers),
        "request_body": request_text,
        "request_body_truncated": request_size > len(request_body),
        "request_body_base64": request_b64,
        "request_size": request_size,
        "response_body": response_text,
        "response_body_truncated": response_size > len(response_body),
        "response_body_base64": response_b64,
        "response_size": response_size,
    }


class Recorder:
    """Buffers exchange entries and writes them to the gateway database in batches."""

    def __init__(self, db: Database, *, body_limit: int) -> None:
        self.db = db
        self.body_limit = body_limit
        self.buffer: list[tuple] = []
        self.journal = 1  # batches waiting in the journal; a previous run may have left some
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task | None = None

    def add(self, exchange: Exchange) -> None:
        self.buffer.append(to_entry(exchange, self.body_limit))
        if len(self.buffer) >= BATCH_SIZE:
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-recorder")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
            self._wake.clear()
            try:
                async with self._lock:
                    await self._flush_locked(drain=False)
            except Exception:  # noqa: BLE001 - a failed batch must not stop recording
                logger.exception("Could not write recorded exchanges; the batch is dropped.")

    async def flush(self) -> None:
        """Write everything recorded so far as exchange rows (reads call it first)."""
        async with self._lock:
            await self._flush_locked(drain=True)

    async def _flush_locked(self, *, drain: bool) -> None:
        entries, self.buffer = self.buffer, []
        # Under load a batch goes to the journal as one blob: a row insert costs about as much as the
        # request it records. Rows are made and inserted when traffic is light, or before a read.
        if not drain and len(entries) >= HEAVY_BATCH:
            await asyncio.to_thread(self._append, marshal.dumps(entries))
            self.journal += 1
        elif entries or self.journal:
            await asyncio.to_thread(self._store, entries, self.journal > 0)
            self.journal = 0

    def _append(self, blob: bytes) -> None:
        with self.db.write() as conn:
            store.append_batch(conn, blob=blob)

    def _store(self, entries: list[tuple], drain: bool) -> None:
        with self.db.write() as conn:
            if drain:
                journal = [entry for blob in store.take_batches(conn) for entry in marshal.loads(blob)]
                entries = journal + entries
            store.insert_exchanges(conn, rows=[to_row(entry) for entry in entries])

    async def drop_tenant(self, tenant: str) -> None:
        """Forget every exchange of ``tenant``, including the ones not written yet."""
        async with self._lock:
            await self._flush_locked(drain=True)
            await asyncio.to_thread(self._delete, tenant)

    def _delete(self, tenant: str) -> None:
        with self.db.write() as conn:
            store.delete_exchanges(conn, tenant=tenant)

    async def list(self, **filters: Any) -> list[dict[str, Any]]:
        """Summaries, newest first; ``since`` is an epoch timestamp."""
        await self.flush()
        rows = await asyncio.to_thread(self._read, store.list_exchanges, filters)
        return [present(row) for row in rows]

    async def get(self, exchange_id: str, *, tenant: str | None) -> dict[str, Any] | None:
        await self.flush()
        kwargs = {"exchange_id": exchange_id, "tenant": tenant}
        row = await asyncio.to_thread(self._read, store.get_exchange, kwargs)
        return None if row is None else present(row)

    def _read(self, query: Any, kwargs: dict[str, Any]) -> Any:
        with self.db.read() as conn:
            return query(conn, **kwargs)
