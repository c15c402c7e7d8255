"""Hot-path pieces of the gateway's ASGI layer: request ids, service headers, request bodies, exchanges."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Awaitable, Callable

from starlette.types import Message, Receive, Send

from core.tenancy import TENANT_HEADER
from gateway.proxy import BodyTooLarge

REQUEST_ID = b"x-request-id"
REQUEST_ID_RE = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
# Set by the gateway only: whatever a client sends under these names is dropped.
GATEWAY_SET = frozenset({
    TENANT_HEADER.encode(), REQUEST_ID, b"x-forwarded-proto", b"x-forwarded-host", b"x-forwarded-prefix",
})
# Client-certificate headers (INSi's CN check reads X-SSL-Client-CN): only a TLS terminator may set them, from
# the certificate it verified. They pass from the addresses in SANDBOX_TRUSTED_PROXIES and are dropped from
# anyone else, so a client cannot pass a certificate check by sending them.
CLIENT_CERT = frozenset({
    b"x-ssl-client-cn", b"x-ssl-client-dn", b"x-ssl-client-s-dn", b"x-ssl-client-i-dn", b"x-ssl-client-verify",
    b"x-ssl-client-cert", b"x-ssl-client-serial", b"x-client-cert", b"x-client-verify", b"x-forwarded-client-cert",
    b"ssl-client-cert", b"ssl-client-verify",
})
UNTRUSTED_DROP = GATEWAY_SET | CLIENT_CERT
TENANT_KEY = TENANT_HEADER.encode()
_FIXED: dict[tuple[str, str, str], list[tuple[bytes, bytes]]] = {}  # headers set per scheme, prefix, tenant


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's ``X-Request-ID`` when it is well formed, else a fresh one."""
    for name, value in headers:
        if name == REQUEST_ID:
            if REQUEST_ID_RE.fullmatch(value):
                return value.decode("ascii")
            break
    return f"{random.getrandbits(128):032x}"  # os.urandom is a syscall, slow in some VMs


def service_headers(
    scope: dict, tenant: str, request_id: str, prefix: str, *, trusted: bool = False,
) -> tuple[list[tuple[bytes, bytes]], int | None]:
    """The headers a service sees (tenant, request id, ``X-Forwarded-*``) and the announced body size.

    The size is the Content-Length, ``None`` when unknown (chunked or malformed), 0 when no body comes.
    Client-certificate headers are kept only when the caller is a ``trusted`` TLS terminator.
    """
    headers: list[tuple[bytes, bytes]] = []
    forwarded_for = host = None
    length: int | None = 0
    dropped = GATEWAY_SET if trusted else UNTRUSTED_DROP
    for name, value in scope["headers"]:
        if name in dropped:
            continue
        if name == b"x-forwarded-for":
            forwarded_for = value
            continue
        if name == b"host":
            host = value
        elif name == b"content-length":
            length = int(value) if value.isdigit() else None
        elif name == b"transfer-encoding":
            length = None
        headers.append((name, value))
    client = scope.get("client")
    if client:
        ip = str(client[0]).encode()
        forwarded_for = forwarded_for + b", " + ip if forwarded_for else ip
    if forwarded_for:
        headers.append((b"x-forwarded-for", forwarded_for))
    if host:
        headers.append((b"x-forwarded-host", host))
    key = (scope.get("scheme", "http"), prefix, tenant)
    fixed = _FIXED.get(key)
    if fixed is None:
        fixed = [(b"x-forwarded-proto", key[0].encode()), (b"x-forwarded-prefix", prefix.encode()),
                 (TENANT_KEY, tenant.encode())]
        if len(_FIXED) < 4096:
            _FIXED[key] = fixed
    headers += fixed
    headers.append((REQUEST_ID, request_id.encode()))
    return headers, length


def announced_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The request's Content-Length; ``None`` when unknown (chunked or malformed), 0 when no body comes."""
    length: int | None = 0
    for name, value in headers:
        if name == b"content-length":
            length = int(value) if value.isdigit() else None
        elif name == b"transfer-encoding":
            return None
    return length


def replaying(body: bytes, receive: Receive) -> Receive:
    """``receive`` that gives ``body`` (already read) once, then waits on the client as before."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:  # after the body, the app only waits for the client to go away
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body, or :class:`BodyTooLarge` as soon as it goes over ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class Exchange:
    """One exchange in flight: the ``send`` the service calls, and what the recorder will keep of it.

    As ``send`` it echoes ``X-Request-ID`` and keeps the status, the headers and the first ``limit``
    bytes of the response; it is a plain callable returning the wrapped ``send``'s awaitable, so no
    coroutine is added per message. With ``durable`` set (``SANDBOX_RECORD_DURABLE``), the message that
    completes the response (the last one, or the one reaching its ``Content-Length``) is held until
    ``durable(self)`` has journaled the exchange; ``recorded`` then says whether it was.
    """

    __slots__ = (
        "send", "request_id", "limit", "status", "tenant", "service", "method", "path", "query",
        "request_headers", "started", "duration", "request_body", "request_size", "response_headers",
        "response_chunks", "response_kept", "response_size", "durable", "clock", "expected", "recorded", "fault",
    )

    def __init__(
        self, send: Send, scope: dict, request_id: str, tenant: str, service: str | None, started: float,
        limit: int,
    ) -> None:
        self.send = send
        self.request_id = request_id
        self.limit = limit
        self.status = 0
        self.tenant = tenant
        self.service = service
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.query: bytes = scope["query_string"]
        self.request_headers: list[tuple[bytes, bytes]] = scope["headers"]  # the client's, untouched
        self.started = started  # time.time() at the start
        self.duration = 0.0  # seconds, set when the exchange ends
        self.request_body = b""
        self.request_size = 0
        self.response_headers: list[tuple[bytes, bytes]] = []
        self.response_chunks: list[bytes] = []
        self.response_kept = 0
        self.response_size = 0
        self.durable: Callable[[Exchange], Awaitable[bool]] | None = None
        self.clock = 0.0  # time.perf_counter() at the start, for the duration of a durable exchange
        self.expected: int | None = None  # the response's Content-Length, in durable mode
        self.recorded = False
        self.fault: str | None = None  # the JSON of the fault rule applied to this exchange (gateway/faults.py)

    def __call__(self, message: Message) -> Awaitable[None]:
        kind = message["type"]
        if kind == "http.response.start":
            headers = message.get("headers") or []
            for name, _ in headers:
                if name == REQUEST_ID:  # the service echoed the id it was given
                    break
            else:
                headers = [*headers, (REQUEST_ID, self.request_id.encode())]
                message = {**message, "headers": headers}
            self.status = message["status"]
            self.response_headers = headers
            if self.durable is not None:
                self.expected = content_length(headers)
        elif kind == "http.response.body":
            body = message.get("body", b"")
            if body:
                self.response_size += len(body)
                room = self.limit - self.response_kept
                if room > 0:
                    piece = body if len(body) <= room else body[:room]
                    self.response_chunks.append(piece)
                    self.response_kept += len(piece)
            if self.durable is not None and (
                not message.get("more_body", False)
                or (self.expected is not None and self.response_size >= self.expected)
            ):
                return self._journal_then_send(message)
        return self.send(message)

    async def _journal_then_send(self, message: Message) -> None:
        """Durable mode: journal the exchange, then let the message that completes the response go."""
        durable, self.durable = self.durable, None
        self.duration = time.perf_counter() - self.clock
        self.recorded = await durable(self)
        await self.send(message)


def content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """A response's Content-Length; ``None`` when absent (chunked) or malformed."""
    for name, value in headers:
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else None
    return None
