"""What the SMTP submission and IMAP endpoints share (digest §3.2: both over STARTTLS): the bound port, the
TLS context (a given one, or the cached self-signed certificate of ``cert_dir``, certificates.py), the
connection and authentication limits, and start / stop as an async context manager. Each server says how it
listens (:meth:`Listener._listen`), counts its connections and closes them (:meth:`Listener.stop`)."""

from __future__ import annotations

import asyncio
import logging
import ssl
from pathlib import Path
from typing import Self

from services.mssante.certificates import TlsFiles, ensure_self_signed

log = logging.getLogger("services.mssante")


class Listener:
    protocol_name = "a server"  # what the start-up log line calls it

    def __init__(self, host: str, port: int, *, tls_context: ssl.SSLContext | None, cert_dir: Path | str | None,
                 max_connections: int, idle_timeout: float, auth_failure_delay: float, max_auth_failures: int,
                 hostname: str) -> None:
        if tls_context is None and cert_dir is None:
            raise ValueError("give a tls_context, or a cert_dir where the self-signed certificate is kept")
        self.host, self.requested_port = host, port
        self.tls_context = tls_context
        self.cert_dir = Path(cert_dir) if cert_dir is not None else None
        self.certificate: TlsFiles | None = None  # the generated pair, for clients to trust
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.auth_failure_delay = auth_failure_delay
        self.max_auth_failures = max_auth_failures
        self.hostname = hostname
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked)."""
        if self._server is None:
            raise RuntimeError("the server is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def connections(self) -> int:
        """The number of open client connections."""
        raise NotImplementedError

    async def _listen(self) -> asyncio.Server:
        raise NotImplementedError

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("the server is already started")
        if self.tls_context is None:
            assert self.cert_dir is not None
            self.certificate = await asyncio.to_thread(ensure_self_signed, self.cert_dir)
            self.tls_context = self.certificate.server_context()
        self._server = await self._listen()
        log.info("MSSanté %s listening on %s:%d", self.protocol_name, self.host, self.port)

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
