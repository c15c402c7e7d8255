"""The MSSanté IMAP4rev1 mailbox server (RFC 3501, IDLE RFC 2177, SASL OAuth RFC 7628; spec digest §3.2).

Digest §3.2: practice software reads its MSSanté mailbox over IMAP4 with STARTTLS (port 143; the sandbox
listens where it is told, 1143 by default in ``sandbox up``), with a mailbox password or a Pro Santé Connect
access token. The protocol is written here on asyncio streams: the one asyncio IMAP server library (pymap)
is alpha, unreleased since 2024 and offers neither XOAUTH2/OAUTHBEARER nor literal or connection caps, and
Twisted's imap4 needs its own reactor. Because it is hand-written it is fuzzed in the tests.

What the server enforces by itself:

- STARTTLS before authentication: ``LOGINDISABLED`` and no ``AUTH=`` until TLS, LOGIN/AUTHENTICATE answer
  ``NO [PRIVACYREQUIRED]`` (RFC 5530); bytes pipelined after STARTTLS close the connection (RFC 3501 §6.2.1);
- LOGIN and AUTHENTICATE PLAIN / XOAUTH2 / OAUTHBEARER with SASL-IR (RFC 4959) or a continuation, decoded by
  :mod:`services.mssante.smtp_auth`; a failure answers ``NO [AUTHENTICATIONFAILED]`` after a delay and the
  ``max_auth_failures``-th closes the connection; a refused token first gets the RFC 7628 §3.2.2 error;
- the state machine of §3 (not authenticated, authenticated, selected, logout): a command of another state
  answers ``BAD`` naming the state; unknown or malformed commands and invalid tags answer ``BAD``;
- ``max_line`` per line (longer: ``* BYE`` and close), ``max_literal`` per literal (``BAD`` before the
  continuation; a ``{n+}`` one closes), at most 16 literals per command, ``max_connections`` (the next client
  gets ``* BYE``), ``idle_timeout`` of inactivity, IDLE included (``* BYE`` autologout, §5.4);
- any exception inside a command answers ``NO [SERVERBUG]`` and the connection carries on.

Mailboxes, messages and flags are the backend's (:class:`ImapBackend`, implemented by the service on its
store). Command syntax and SEARCH are in :mod:`services.mssante.imap_commands`, FETCH items and the
selected-state commands in :mod:`services.mssante.imap_mailbox`, the backend protocol in
:mod:`services.mssante.imap_backend`, one connection in :mod:`services.mssante.imap_session`.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from pathlib import Path

from services.mssante.imap_backend import ImapBackend, ImapMessage, MailboxInfo
from services.mssante.imap_session import ImapSession
from services.mssante.listener import Listener

log = logging.getLogger("services.mssante.imap")
__all__ = ["ImapBackend", "ImapMessage", "ImapServer", "MailboxInfo"]



class ImapServer(Listener):
    """The IMAP4rev1 endpoint (STARTTLS + LOGIN/AUTHENTICATE), serving in the running event loop."""

    protocol_name = "IMAP"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        backend: ImapBackend,
        tls_context: ssl.SSLContext | None = None,
        cert_dir: Path | str | None = None,
        max_connections: int = 100,
        idle_timeout: float = 1800.0,  # RFC 3501 §5.4: at least 30 minutes
        max_line: int = 16384,  # a PSC access token in an AUTHENTICATE line fits
        max_literal: int = 64 * 1024,
        auth_failure_delay: float = 0.5,
        max_auth_failures: int = 3,
        hostname: str = "localhost",
    ) -> None:
        super().__init__(host, port, tls_context=tls_context, cert_dir=cert_dir, max_connections=max_connections,
                         idle_timeout=idle_timeout, auth_failure_delay=auth_failure_delay,
                         max_auth_failures=max_auth_failures, hostname=hostname)
        self.backend = backend
        self.max_line = max_line
        self.max_literal = max_literal
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def connections(self) -> int:
        return len(self._tasks)

    async def _listen(self) -> asyncio.Server:
        return await asyncio.start_server(self._accept, self.host, self.requested_port, limit=self.max_line)

    async def stop(self) -> None:
        """Stop listening and close every open connection."""
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._tasks) >= self.max_connections:
            log.warning("IMAP connection refused: too many connections")
            writer.write(b"* BYE Too many connections, try again later\r\n")
            await _close(writer)
            return
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        try:
            await ImapSession(self, reader, writer).run()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, TimeoutError):
            pass
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("IMAP connection failed")
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            await _close(writer)


async def _close(writer: asyncio.StreamWriter) -> None:
    try:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), 1)
    except (Exception, asyncio.CancelledError):  # the peer is gone already; nothing left to do
        pass
