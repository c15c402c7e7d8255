"""The MSSanté SMTP submission server (spec digest §3.2 and §3.7 item 1; issue 15 "Transport").

Built on aiosmtpd (the maintained successor of the stdlib's smtpd), run in the caller's event loop with
:class:`SubmissionServer` (``await start()`` / ``await stop()``; port 0 picks a free port, read ``.port``).
What the server enforces by itself, as the real operators do on port 587:

- STARTTLS before anything but EHLO/NOOP/QUIT (530 5.7.0), with a self-signed certificate made at start
  when no ``tls_context`` is given (:mod:`services.mssante.certificates`); AUTH is advertised only over TLS;
- AUTH before MAIL (530 5.7.0): PLAIN, LOGIN, XOAUTH2, OAUTHBEARER (:mod:`services.mssante.smtp_auth`);
  failures 535 5.7.8 after a delay, the connection closed with 421 at the ``max_auth_failures``-th;
- SIZE advertised; a bigger ``MAIL FROM ... SIZE=`` or DATA answers 552 5.3.4, and DATA past the limit is
  read and thrown away line by line (aiosmtpd), never buffered; at most ``max_recipients`` per message;
- ``max_connections``: the next client gets 421 4.7.0 and is closed; an idle client (``idle_timeout``,
  which also bounds one DATA transfer) is disconnected; command and line lengths are aiosmtpd's (512 and
  1001 octets, RFC 5321 §4.5.3.1), AUTH lines up to 12288 (RFC 4954 §4); 8BITMIME and SMTPUTF8 offered;
- a STARTTLS followed by pipelined bytes is refused (554 5.5.1, RFC 3207 §4.2) and a handshake cut short
  frees its slot: aiosmtpd 1.4 would otherwise stall, then run the buffered bytes as plaintext commands;
- any exception inside a command is logged and answered 451 4.3.0 (the server keeps serving).

Everything about mailboxes is the policy's (:class:`SubmissionPolicy`, implemented by the service): who
authenticates, which sender a principal owns (553/550), which recipient is in the trust space (550 5.1.1),
and the delivery of the exact DATA bytes into the store (451 on a temporary failure).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from aiosmtpd.smtp import SMTP, Envelope, Session, TLSSetupException

from services.mssante.listener import Listener
from services.mssante.smtp_auth import AUTH_LINE_LIMIT, SaslMechanisms

log = logging.getLogger("services.mssante.smtp")

IDENT = "ESMTP e-sante sandbox MSSante submission"
REPLY_INTERNAL = "451 4.3.0 Internal error, try again later"
# aiosmtpd's own replies that lack the RFC 3463 enhanced code the brief and vendors' logs expect
_REWRITES = {
    "552 Error: Too much mail data": "552 5.3.4 Message too big for system (limit {limit} bytes)",
    "552 Error: message size exceeds fixed maximum message size": "552 5.3.4 Declared size over the limit "
    "({limit} bytes)",
    "530 Must issue a STARTTLS command first": "530 5.7.0 Must issue a STARTTLS command first",
}


class Principal(Protocol):
    """Who an authenticated session is; opaque to the server except for the mailboxes it owns."""

    @property
    def mailboxes(self) -> frozenset[str]: ...


@dataclass(frozen=True)
class Refusal:
    """An SMTP refusal: ``code`` 4xx/5xx, ``text`` starting with the enhanced code (``5.1.1 ...``)."""

    code: int
    text: str

    def reply(self) -> str:
        code = self.code if 400 <= self.code <= 599 else 451
        text = " ".join(self.text.split())  # no CR/LF smuggling into the reply
        return f"{code} {text.encode('utf-8', 'backslashreplace').decode('utf-8')}"


class SubmissionPolicy(Protocol):
    """The decisions the server asks of the service (mailboxes, trust space, store)."""

    async def authenticate(self, mechanism: str, login: str | None, secret: str) -> Principal | None:
        """The principal for a password (PLAIN, LOGIN) or an access token (XOAUTH2, OAUTHBEARER), or None."""
        ...

    async def check_sender(self, principal: Principal, address: str) -> Refusal | None:
        """None if the principal may send as ``address`` (it owns that mailbox)."""
        ...

    async def check_recipient(self, principal: Principal, address: str) -> Refusal | None:
        """None if ``address`` is a mailbox of the trust space."""
        ...

    async def deliver(self, principal: Principal, mail_from: str, rcpt_tos: list[str], raw: bytes) -> Refusal | None:
        """Store the message (the exact DATA bytes, dot-unstuffed); None once it is safely stored."""
        ...


class _Session(Session):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self.auth_failures = 0
        self._login_data: Any = None

    @property  # type: ignore[override]
    def login_data(self) -> Any:  # aiosmtpd's deprecated property logs a warning on every AUTH
        return self._login_data

    @login_data.setter
    def login_data(self, value: Any) -> None:
        self._login_data = value


class _PolicyHandler:
    """aiosmtpd hooks that put the policy's answers on the wire."""

    def __init__(self, policy: SubmissionPolicy, max_recipients: int) -> None:
        self.policy = policy
        self.max_recipients = max_recipients

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        refusal = await self.policy.check_sender(session.auth_data, address)
        if refusal is not None:
            return refusal.reply()
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 Sender OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= self.max_recipients:
            return f"452 4.5.3 Too many recipients (at most {self.max_recipients} per message)"
        refusal = await self.policy.check_recipient(session.auth_data, address)
        if refusal is not None:
            return refusal.reply()
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 Recipient OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert envelope.mail_from is not None and envelope.original_content is not None
        refusal = await self.policy.deliver(
            session.auth_data, envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
        )
        if refusal is not None:
            return refusal.reply()
        return "250 2.0.0 Message accepted for delivery"

    async def handle_exception(self, error: Exception) -> str:
        if isinstance(error, TLSSetupException):
            log.info("STARTTLS handshake failed: %r", error.__cause__)
        else:
            log.exception("SMTP command failed")
        return REPLY_INTERNAL


class _SubmissionSMTP(SaslMechanisms, SMTP):
    """aiosmtpd's protocol with the sandbox's AUTH, replies and connection accounting."""

    def __init__(self, owner: SubmissionServer, **kwargs: Any) -> None:
        super().__init__(owner._handler, **kwargs)
        self.owner = owner
        self.policy = owner.policy
        self.auth_failure_delay = owner.auth_failure_delay
        self.max_auth_failures = owner.max_auth_failures
        # per instance: aiosmtpd's class-level dict is shared (and grown by every EHLO) across connections
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit, AUTH=AUTH_LINE_LIMIT)

    def _create_session(self) -> Session:
        return _Session(self.loop)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first = self.transport is None
        super().connection_made(transport)
        if first:
            # Command lines stay capped by command_size_limits and DATA lines by line_length_limit; the
            # reader's own limit is raised so that an AUTH line with a JWT fits (RFC 4954 §4).
            self._reader._limit = AUTH_LINE_LIMIT  # type: ignore[attr-defined]

    def connection_lost(self, error: Exception | None) -> None:
        self.owner._connections.discard(self)
        super().connection_lost(error)

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        try:
            return super()._getaddr(arg)
        except Exception:  # the stdlib parser raises IndexError on e.g. "a@" (aiosmtpd expects HeaderParseError)
            return None, None  # answered "553 5.1.3 Error: malformed address"

    async def smtp_AUTH(self, arg: str) -> None:
        # SASL mechanism names are case-insensitive (RFC 4422 §3.1); aiosmtpd matches them exactly
        if arg:
            mechanism, sep, rest = arg.strip().partition(" ")
            arg = mechanism.upper() + sep + rest
        await super().smtp_AUTH(arg)

    async def smtp_STARTTLS(self, arg: str) -> None:
        # RFC 3207 §4.2: STARTTLS ends a pipelined group. Bytes already buffered would never reach the TLS
        # handshake (it stalls till the idle timeout) and aiosmtpd would then run them as plaintext commands.
        if not arg and self._reader._buffer:  # type: ignore[attr-defined]
            await self.push("554 5.5.1 Error: command pipelining after STARTTLS, closing the connection")
            assert self._handler_coroutine is not None and self.transport is not None
            self._handler_coroutine.cancel()
            self.transport.close()
            return
        await super().smtp_STARTTLS(arg)
        if self._tls_protocol is not None and self.session is not None and self.session.ssl is None:
            # The connection closed mid-handshake (e.g. the idle timeout of a client that never sent its
            # ClientHello): asyncio's SSL layer then wakes the waiter without an error and never tells this
            # protocol, which would wait forever and hold a connection slot.
            log.info("%r closed during the STARTTLS handshake", self.session.peer)
            self._abandon()

    def _abandon(self) -> None:
        self.owner._connections.discard(self)
        if self._timeout_handle is not None:
            self._timeout_handle.cancel()
        if self._original_transport is not None:
            self._original_transport.close()
        self.transport = None
        assert self._handler_coroutine is not None
        self._handler_coroutine.cancel()

    async def push(self, status: str | bytes) -> None:
        if isinstance(status, str):
            if status in _REWRITES:
                status = _REWRITES[status].format(limit=self.data_size_limit)
            # aiosmtpd echoes arguments (VRFY, unknown commands) that may hold undecodable bytes (surrogates)
            status = status.encode("utf-8", "backslashreplace")
        await super().push(status)


class _Refuse(asyncio.Protocol):
    """What a client beyond ``max_connections`` talks to: one 421 line, then the close."""

    def __init__(self, hostname: str) -> None:
        self.hostname = hostname

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        log.warning("SMTP connection refused: too many connections")
        transport.write(f"421 4.7.0 {self.hostname} Too many connections, try again later\r\n".encode())
        transport.close()


class SubmissionServer(Listener):
    """The SMTP submission endpoint (STARTTLS + AUTH), serving in the running event loop."""

    protocol_name = "SMTP submission"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        policy: SubmissionPolicy,
        tls_context: ssl.SSLContext | None = None,
        cert_dir: Path | str | None = None,
        max_message_bytes: int = 10 * 1024 * 1024,
        max_connections: int = 100,
        max_recipients: int = 100,
        idle_timeout: float = 300.0,
        auth_failure_delay: float = 0.5,
        max_auth_failures: int = 3,
        hostname: str = "localhost",
    ) -> None:
        super().__init__(host, port, tls_context=tls_context, cert_dir=cert_dir, max_connections=max_connections,
                         idle_timeout=idle_timeout, auth_failure_delay=auth_failure_delay,
                         max_auth_failures=max_auth_failures, hostname=hostname)
        self.policy = policy
        self.max_message_bytes = max_message_bytes
        self._handler = _PolicyHandler(policy, max_recipients)
        self._connections: set[_SubmissionSMTP] = set()

    @property
    def connections(self) -> int:
        return len(self._connections)

    async def _listen(self) -> asyncio.Server:
        return await asyncio.get_running_loop().create_server(self._protocol, self.host, self.requested_port)

    async def stop(self) -> None:
        """Stop listening and close every open connection."""
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close()
        tasks = [c._handler_coroutine for c in self._connections if c._handler_coroutine is not None]
        for connection in list(self._connections):
            if connection.transport is not None:
                connection.transport.close()
        await server.wait_closed()
        if tasks:
            await asyncio.wait(tasks, timeout=5)

    def _protocol(self) -> asyncio.Protocol:
        if len(self._connections) >= self.max_connections:
            return _Refuse(self.hostname)
        connection = _SubmissionSMTP(
            self,
            data_size_limit=self.max_message_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=self.hostname,
            ident=IDENT,
            tls_context=self.tls_context,
            require_starttls=True,
            timeout=self.idle_timeout,
            auth_required=True,
            auth_require_tls=True,
            loop=asyncio.get_running_loop(),
        )
        self._connections.add(connection)
        return connection
