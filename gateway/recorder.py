"""The exchange recorder: every request/response crossing the gateway, per tenant, secrets masked.

The hot path fills a :class:`gateway.dispatch.Exchange` (raw headers, the first ``record_body_bytes`` of
each body) and, when the response ends, appends an entry of plain values, secrets masked, to a buffer. A
background task writes the buffer in batches, at least every ``FLUSH_SECONDS`` and as soon as
``BATCH_SIZE`` entries wait; under load a batch is appended to a journal as one blob, which becomes
exchange rows when traffic is light. Reads write everything first, so they see every exchange. A crash
(``kill -9``) loses what the buffer holds: the exchanges of the last ``FLUSH_SECONDS`` plus those of a
write in flight. In durable mode (``SANDBOX_RECORD_DURABLE``) :meth:`Recorder.persist` appends each
exchange to the journal before the last byte of its response is sent; exchanges finishing together share
one commit.

Stored data never stops recording nor reading: a row the database refuses is dropped with one log line
naming its id and the rest of its batch is written; a journal batch that cannot be replayed is moved to
``gateway_exchange_quarantine`` with one log line; a record that cannot be read in full is shown with
what can be, and ``unreadable`` naming the rest.

Recording must cost little next to the request it records (a FHIR read takes ~100 µs): a row holds the
columns the API filters and lists on, plus the masked headers and kept bodies in one ``marshal`` blob
that is decoded only when an exchange is read in full. Ids are time-ordered UUIDs (version 7), so the
indexes grow at their right edge.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import marshal
import math
import random
import time
from datetime import UTC, datetime
from typing import Any

from core.db import Database
from core.masking import (
    actor_of,
    encode_body,
    headers_dict,
    mask_body,
    mask_query,
    mask_raw,
    mask_url_headers,
)
from gateway import store
from gateway.dispatch import Exchange

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
        x.request_size, chunks[0] if len(chunks) == 1 else b"".join(chunks), x.response_size, x.fault,
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


def text(value: str | None) -> str | None:
    """A text column's value as every database stores it: no NUL, no lone surrogate."""
    if value is None or (value.isascii() and "\x00" not in value):
        return value
    return value.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


def to_row(entry: tuple, exchange_id: str | None = None) -> tuple:
    """The stored row (:data:`store.INSERT_COLUMNS` order) of an entry, secrets masked."""
    (tenant, request_id, service, method, path, query, status, duration, started, actor,
     request_headers, response_headers, request_body, request_size, response_body, response_size) = entry[:16]
    fault = entry[16] if len(entry) > 16 else None  # journal entries of an older version have no fault
    # bodies and URLs are masked here, in the background writer, not on the request path
    request_headers, response_headers = mask_url_headers(list(request_headers)), mask_url_headers(
        list(response_headers))
    detail = marshal.dumps((DETAIL_FORMAT, tuple(request_headers), tuple(response_headers),
                            mask_body(request_headers, request_body), request_size,
                            mask_body(response_headers, response_body), response_size))
    return (exchange_id or new_id(started), tenant, request_id, service, method, text(path),
            text(mask_query(query).decode("latin-1")), status, duration * 1000, text(actor), started, detail, fault)


def to_rows(entries: list) -> list[tuple]:
    """The rows of ``entries``; an entry that cannot become one is dropped with one log line."""
    rows = []
    for entry in entries:
        exchange_id = None
        try:
            exchange_id = new_id(entry[8])
            rows.append(to_row(entry, exchange_id))
        except Exception as exc:  # noqa: BLE001 - one bad entry must not cost its batch
            logger.error("Recorded exchange %s cannot be stored and is dropped: %s",
                         exchange_id or "(no id: not an exchange entry)", brief(exc))
    return rows


def brief(exc: BaseException) -> str:
    """An exception on one line: its type and the start of its message."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message[:200]}" if message else type(exc).__name__


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="microseconds")


DETAIL_FIELDS = (
    "request_headers", "response_headers", "request_body", "request_body_truncated", "request_body_base64",
    "request_size", "response_body", "response_body_truncated", "response_body_base64", "response_size",
)


def detail_of(detail: bytes) -> dict[str, Any]:
    """The headers and bodies of a detail blob (raises on a damaged one)."""
    _, request_headers, response_headers, request_body, request_size, response_body, response_size = (
        marshal.loads(detail)
    )
    request_text, request_b64 = encode_body(request_body, request_size > len(request_body))
    response_text, response_b64 = encode_body(response_body, response_size > len(response_body))
    return {
        "request_headers": headers_dict(request_headers),
        "response_headers": headers_dict(response_headers),
        "request_body": request_text,
        "request_body_truncated": request_size > len(request_body),
        "request_body_base64": request_b64,
        "request_size": int(request_size),
        "response_body": response_text,
        "response_body_truncated": response_size > len(response_body),
        "response_body_base64": response_b64,
        "response_size": int(response_size),
    }


def present(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row in the API's shape: ``started_at`` in ISO UTC and, for a full record, the detail.

    What cannot be read (a damaged detail blob, a column holding something else) is ``null`` and named
    in ``unreadable``: stored data never makes the API fail.
    """
    unreadable = []
    for name, value in row.items():
        if isinstance(value, bytes | memoryview) and name != "detail":
            row[name] = bytes(value).decode("utf-8", "replace")
            unreadable.append(name)
    started, duration = row.pop("started"), row["duration_ms"]
    try:
        row["started_at"] = iso(started)
    except (TypeError, ValueError, OverflowError, OSError):
        row["started_at"] = None
        unreadable.append("started_at")
    if isinstance(duration, int | float) and math.isfinite(duration):
        row["duration_ms"] = round(duration, 3)
    else:
        row["duration_ms"] = None
        unreadable.append("duration_ms")
    fault = row.get("fault")
    if isinstance(fault, str):
        try:
            row["fault"] = json.loads(fault)
        except ValueError:
            row["fault"] = None
            unreadable.append("fault")
    if "detail" in row:
        detail = row.pop("detail")
        try:
            row.update(detail_of(bytes(detail)))
        except Exception:  # noqa: BLE001 - a damaged blob: show the summary, flag the rest
            row.update(dict.fromkeys(DETAIL_FIELDS))
            unreadable.append("detail")
    if unreadable:
        row["unreadable"] = unreadable
    return row


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
        self._durable: list[tuple[tuple, asyncio.Future]] = []  # entries waiting for the next commit
        self._committer: asyncio.Task | None = None
        self._durable_count = 0  # exchanges journaled by persist since the last flush: the load it saw

    def add(self, exchange: Exchange) -> None:
        self.buffer.append(to_entry(exchange, self.body_limit))
        if len(self.buffer) >= BATCH_SIZE:
            self._wake.set()

    async def persist(self, exchange: Exchange) -> bool:
        """Append the exchange to the journal now (durable mode); False when it could not be written.

        Exchanges that end while a commit is in flight wait for the next one, together (a group commit).
        """
        future = asyncio.get_running_loop().create_future()
        self._durable.append((to_entry(exchange, self.body_limit), future))
        if self._committer is None:
            self._committer = asyncio.create_task(self._commit_durable(), name="gateway-recorder-durable")
        return await future

    async def _commit_durable(self) -> None:
        try:
            while self._durable:
                group, self._durable = self._durable, []
                try:
                    await asyncio.to_thread(self._append, marshal.dumps([entry for entry, _ in group]))
                    self.journal += 1
                    self._durable_count += len(group)
                    written = True
                except Exception:  # noqa: BLE001 - the exchanges go to the buffer instead
                    logger.exception("Could not journal %d exchanges in durable mode.", len(group))
                    written = False
                for _, future in group:
                    if not future.done():
                        future.set_result(written)
        finally:
            self._committer = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-recorder")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._committer is not None:
            await self._committer
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
        load, self._durable_count = len(entries) + self._durable_count, 0
        # Under load a batch goes to the journal as one blob: a row insert costs about as much as the
        # request it records. Rows are made and inserted when traffic is light, or before a read.
        if not drain and load >= HEAVY_BATCH:
            if entries:
                await asyncio.to_thread(self._append, marshal.dumps(entries))
                self.journal += 1
        elif entries or self.journal:
            pending = self.journal  # durable commits may add batches meanwhile: they stay counted
            await asyncio.to_thread(self._store, entries, pending > 0)
            self.journal = max(0, self.journal - pending)

    def _append(self, blob: bytes) -> None:
        with self.db.write() as conn:
            store.append_batch(conn, blob=blob)

    def _store(self, entries: list[tuple], drain: bool) -> None:
        with self.db.write() as conn:
            if drain:
                entries = self._replay(conn) + entries
            for exchange_id, exc in store.insert_exchanges_each(conn, rows=to_rows(entries)):
                logger.error("Recorded exchange %s was refused by the database and is dropped: %s",
                             exchange_id, brief(exc))

    def _replay(self, conn: Any) -> list:
        """The entries of every journal batch; one that cannot be read is moved to the quarantine."""
        entries: list = []
        for seq, blob in store.take_batches(conn):
            try:
                batch = marshal.loads(blob)
                if not isinstance(batch, list):
                    raise TypeError(f"a journal batch is a list of entries, not {type(batch).__name__}")
            except Exception as exc:  # noqa: BLE001 - set aside, never replayed again
                logger.error("Journal batch %s cannot be replayed and is set aside in %s: %s",
                             seq, store.exchange_quarantine.name, brief(exc))
                store.quarantine_batch(conn, seq=seq, blob=blob, reason=brief(exc), at=time.time())
                continue
            entries += batch
        return entries

    async def drop_tenant(self, tenant: str) -> None:
        """Forget every exchange of ``tenant``, including the ones not written yet."""
        async with self._lock:
            await self._flush_quietly()
            await asyncio.to_thread(self._delete, tenant)

    def _delete(self, tenant: str) -> None:
        with self.db.write() as conn:
            store.delete_exchanges(conn, tenant=tenant)

    async def _flush_quietly(self) -> None:
        """Write what is pending before a read or a delete, which go on should the write fail."""
        try:
            await self._flush_locked(drain=True)
        except Exception:  # noqa: BLE001 - stored data must not make reads or deletes fail
            logger.exception("Could not write recorded exchanges before reading them.")

    async def list(self, **filters: Any) -> list[dict[str, Any]]:
        """Summaries, newest first; ``since`` is an epoch timestamp."""
        async with self._lock:
            await self._flush_quietly()
        rows = await asyncio.to_thread(self._read, store.list_exchanges, filters)
        return [present(row) for row in rows]

    async def get(self, exchange_id: str, *, tenant: str | None) -> dict[str, Any] | None:
        async with self._lock:
            await self._flush_quietly()
        kwargs = {"exchange_id": exchange_id, "tenant": tenant}
        row = await asyncio.to_thread(self._read, store.get_exchange, kwargs)
        return None if row is None else present(row)

    def _read(self, query: Any, kwargs: dict[str, Any]) -> Any:
        with self.db.read() as conn:
            return query(conn, **kwargs)
