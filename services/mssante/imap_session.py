"""One IMAP connection (RFC 3501, RFC 2177 IDLE, RFC 7628 OAUTHBEARER): reading commands with their literals,
the state machine, STARTTLS, LOGIN and AUTHENTICATE; the mailbox commands come from
:mod:`services.mssante.imap_mailbox`."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import ssl
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from services.mssante.imap_commands import Atom, ImapSyntaxError, Token, is_valid_tag, text, tokenize
from services.mssante.imap_mailbox import MailboxCommands, No
from services.mssante.smtp_auth import (
    SaslSyntaxError,
    decode_initial_response,
    parse_oauthbearer,
    parse_plain,
    parse_xoauth2,
)
from services.mssante.smtp_server import Principal

if TYPE_CHECKING:
    from services.mssante.imap_server import ImapServer

log = logging.getLogger("services.mssante.imap")


MAX_LITERALS = 16
_LITERAL_AT_END = re.compile(rb"\{(\d{1,10})(\+?)\}\r?\n\Z")


class LineTooLong(Exception):
    """A line over ``max_line``: the stream cannot be resynchronised."""


class CommandRefused(Exception):
    """A command refused while it was being read (oversize literal): ``tag BAD text``."""

    def __init__(self, tag: bytes, text: str, *, close: bool = False) -> None:
        super().__init__(text)
        self.tag, self.text, self.close = tag, text, close


async def read_command(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, max_line: int,
                       max_literal: int, timeout: float) -> bytes:
    """One complete command, literals inlined after their ``{n}CRLF`` (continuations sent as needed)."""
    buffer = bytearray()
    literals = 0
    while True:
        buffer += await read_line(reader, max_line=max_line, timeout=timeout)
        match = _LITERAL_AT_END.search(buffer)
        if match is None:
            return bytes(buffer)
        tag = bytes(buffer.split(b" ", 1)[0])
        size, non_sync = int(match[1]), bool(match[2])
        literals += 1
        if not is_valid_tag(tag):
            raise CommandRefused(b"*", "Invalid tag", close=non_sync)
        if size > max_literal:
            raise CommandRefused(tag, f"Literal too large (limit {max_literal} octets)", close=non_sync)
        if literals > MAX_LITERALS:
            raise CommandRefused(tag, f"Too many literals (limit {MAX_LITERALS})", close=non_sync)
        if not non_sync:
            writer.write(b"+ Ready for literal data\r\n")
            await writer.drain()
        buffer += await asyncio.wait_for(reader.readexactly(size), timeout)


async def read_line(reader: asyncio.StreamReader, *, max_line: int, timeout: float) -> bytes:
    try:
        line = await asyncio.wait_for(reader.readuntil(b"\n"), timeout)
    except asyncio.LimitOverrunError as error:
        raise LineTooLong from error
    except asyncio.IncompleteReadError as error:
        if error.partial:
            raise ConnectionError("connection closed in the middle of a line") from error
        raise
    if len(line) > max_line:
        raise LineTooLong
    return line


NOT_AUTHENTICATED, AUTHENTICATED, SELECTED, LOGOUT = "not authenticated", "authenticated", "selected", "logout"
ANY = (NOT_AUTHENTICATED, AUTHENTICATED, SELECTED)
MAILBOX_STATES = (AUTHENTICATED, SELECTED)
_OAUTH_ERROR = base64.b64encode(json.dumps({"status": "invalid_token", "schemes": "bearer",
                                            "scope": "mssante"}).encode()).decode()


class ImapSession(MailboxCommands):
    """One client connection: the RFC 3501 §3 state machine and the connection-level commands."""

    def __init__(self, server: ImapServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server, self.backend = server, server.backend
        self.reader, self.writer = reader, writer
        self.state = NOT_AUTHENTICATED
        self.tls = False
        self.principal: Principal | None = None
        self.mailbox: str | None = None
        self.read_only = False
        self.uids: list[int] = []
        self.auth_failures = 0
        self._command_name = ""
        self.peer = writer.get_extra_info("peername")
        self.handlers: dict[str, tuple[tuple[str, ...], Callable[[str, list[Token], bool], Awaitable[None]]]] = {
            "CAPABILITY": (ANY, self.cmd_capability), "NOOP": (ANY, self.cmd_noop),
            "LOGOUT": (ANY, self.cmd_logout), "STARTTLS": ((NOT_AUTHENTICATED,), self.cmd_starttls),
            "LOGIN": ((NOT_AUTHENTICATED,), self.cmd_login),
            "AUTHENTICATE": ((NOT_AUTHENTICATED,), self.cmd_authenticate),
            "IDLE": (MAILBOX_STATES, self.cmd_idle),
            **{name: (MAILBOX_STATES, handler) for name, handler in self.mailbox_handlers().items()},
            **{name: ((SELECTED,), handler) for name, handler in self.selected_handlers().items()},
        }

    def capabilities(self) -> str:
        caps = ["IMAP4rev1", "SASL-IR", "IDLE", "UNSELECT"]
        if self.state == NOT_AUTHENTICATED:
            caps += ["AUTH=PLAIN", "AUTH=XOAUTH2", "AUTH=OAUTHBEARER"] if self.tls else ["STARTTLS", "LOGINDISABLED"]
        return " ".join(caps)

    async def send(self, line: str | bytes) -> None:
        data = line if isinstance(line, bytes) else line.encode("utf-8", "backslashreplace")
        self.writer.write(data + b"\r\n")
        await self.writer.drain()

    async def run(self) -> None:
        server = self.server
        await self.send(f"* OK [CAPABILITY {self.capabilities()}] {server.hostname} e-sante sandbox MSSante "
                        "IMAP4rev1 ready")
        while self.state != LOGOUT:
            try:
                raw = await read_command(self.reader, self.writer, max_line=server.max_line,
                                         max_literal=server.max_literal, timeout=server.idle_timeout)
                await self.execute(raw)
            except LineTooLong:
                await self.send(f"* BYE Line too long (limit {server.max_line} octets)")
                return
            except CommandRefused as refused:
                await self.send(refused.tag + b" BAD " + refused.text.encode())
                if refused.close:
                    await self.send("* BYE Cannot skip a non-synchronizing literal, closing the connection")
                    return
            except TimeoutError:
                await self.send("* BYE Autologout: idle for too long")
                return

    async def execute(self, raw: bytes) -> None:
        line = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1] if raw.endswith(b"\n") else raw
        tag, _, rest = line.partition(b" ")
        if not line.strip():
            await self.send("* BAD Empty command line")
            return
        if not is_valid_tag(tag):
            await self.send("* BAD Invalid tag")
            return
        label = tag.decode("ascii")
        try:
            tokens = tokenize(rest)
            if not tokens or not isinstance(tokens[0], Atom):
                raise ImapSyntaxError("Missing command name")
            name, args, uid = tokens[0].upper(), tokens[1:], False
            if name == "UID":
                if not args or not isinstance(args[0], Atom) or args[0].upper() not in ("FETCH", "STORE", "SEARCH"):
                    raise ImapSyntaxError("UID must be followed by FETCH, STORE or SEARCH")
                name, args, uid = f"{args[0].upper()}", args[1:], True
            if name not in self.handlers:
                raise ImapSyntaxError(f"Unknown command {name[:40]}")
            states, handler = self.handlers[name]
            self._command_name = name
            if self.state not in states:
                raise ImapSyntaxError(f"{name} is not valid in the {self.state} state")
            await handler(label, args, uid)
        except ImapSyntaxError as error:
            await self.send(f"{label} BAD {_one_line(str(error))}")
        except No as refusal:
            await self.send(f"{label} NO {_one_line(str(refusal))}")
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError, LineTooLong, ssl.SSLError):
            raise
        except Exception:
            log.exception("%r IMAP command failed: %r", self.peer, raw[:200])
            await self.send(f"{label} NO [SERVERBUG] Internal error, try again later")

    async def cmd_capability(self, tag: str, args: list[Token], uid: bool) -> None:
        _no_arguments(args)
        await self.send(f"* CAPABILITY {self.capabilities()}")
        await self.send(f"{tag} OK CAPABILITY completed")

    async def cmd_noop(self, tag: str, args: list[Token], uid: bool) -> None:
        _no_arguments(args)
        if self.state == SELECTED:
            await self.sync()
        await self.send(f"{tag} OK NOOP completed")

    async def cmd_logout(self, tag: str, args: list[Token], uid: bool) -> None:
        _no_arguments(args)
        await self.send("* BYE Logging out")
        await self.send(f"{tag} OK LOGOUT completed")
        self.state = LOGOUT

    async def cmd_starttls(self, tag: str, args: list[Token], uid: bool) -> None:
        _no_arguments(args)
        if self.tls:
            raise ImapSyntaxError("TLS is already active")
        if self.reader._buffer:  # type: ignore[attr-defined]  # RFC 3501 §6.2.1: nothing may follow STARTTLS
            await self.send(f"{tag} BAD Command pipelined after STARTTLS, closing the connection")
            self.state = LOGOUT
            return
        await self.send(f"{tag} OK Begin TLS negotiation now")
        assert self.server.tls_context is not None
        await asyncio.wait_for(self.writer.start_tls(self.server.tls_context), self.server.idle_timeout)
        self.tls = True

    def _require_tls(self) -> None:
        if not self.tls:
            raise No("[PRIVACYREQUIRED] Authentication is disabled until STARTTLS")

    async def cmd_login(self, tag: str, args: list[Token], uid: bool) -> None:
        self._require_tls()
        if len(args) != 2:
            raise ImapSyntaxError("LOGIN needs a user name and a password")
        await self.verify(tag, "LOGIN", text(args[0], "user name"), text(args[1], "password"))

    async def cmd_authenticate(self, tag: str, args: list[Token], uid: bool) -> None:
        self._require_tls()
        if not 1 <= len(args) <= 2 or not isinstance(args[0], Atom):
            raise ImapSyntaxError("AUTHENTICATE needs a mechanism and an optional initial response")
        mechanism = args[0].upper()
        if mechanism not in ("PLAIN", "XOAUTH2", "OAUTHBEARER"):
            raise No(f"Unsupported authentication mechanism {mechanism[:40]}")
        try:
            if len(args) == 2:  # RFC 4959 SASL-IR
                blob = decode_initial_response(text(args[1], "initial response"))
            else:
                await self.send("+ ")
                answer = (await self._read_sasl_line()).strip()
                if answer == b"*":
                    raise ImapSyntaxError("AUTHENTICATE cancelled")
                blob = decode_initial_response(answer.decode("ascii", "replace")) if answer else b""
            if mechanism == "PLAIN":
                login, secret = parse_plain(blob)
                await self.verify(tag, "PLAIN", login, secret)
            elif mechanism == "XOAUTH2":
                login, secret = parse_xoauth2(blob)
                await self.verify(tag, "XOAUTH2", login, secret)
            else:
                authzid, secret = parse_oauthbearer(blob)
                await self.verify(tag, "OAUTHBEARER", authzid, secret)
        except SaslSyntaxError as error:
            raise ImapSyntaxError(f"Malformed authentication data: {error}") from error

    async def _read_sasl_line(self) -> bytes:
        return await read_line(self.reader, max_line=self.server.max_line, timeout=self.server.idle_timeout)

    async def verify(self, tag: str, mechanism: str, login: str | None, secret: str) -> None:
        try:
            principal = await self.backend.authenticate(mechanism, login, secret)
        except Exception:
            log.exception("%r IMAP %s: the backend failed", self.peer, mechanism)
            raise No("[UNAVAILABLE] Temporary authentication failure, try again later") from None
        if principal is not None:
            log.info("%r IMAP %s as %r", self.peer, mechanism, login)
            self.principal, self.state = principal, AUTHENTICATED
            await self.send(f"{tag} OK [CAPABILITY {self.capabilities()}] Logged in")
            return
        self.auth_failures += 1
        log.info("%r IMAP %s failed for %r (%d)", self.peer, mechanism, login, self.auth_failures)
        await asyncio.sleep(self.server.auth_failure_delay)  # slows password guessing down
        if mechanism in ("XOAUTH2", "OAUTHBEARER"):  # RFC 7628 §3.2.2: the error, then the client's ^A
            await self.send(f"+ {_OAUTH_ERROR}")
            await self._read_sasl_line()
        await self.send(f"{tag} NO [AUTHENTICATIONFAILED] Authentication failed")
        if self.auth_failures >= self.server.max_auth_failures:
            await self.send("* BYE Too many failed authentication attempts")
            self.state = LOGOUT

    async def cmd_idle(self, tag: str, args: list[Token], uid: bool) -> None:
        """RFC 2177: ``+ idling``, pushes ``EXISTS``/``EXPUNGE`` as the backend signals changes, ends on DONE."""
        _no_arguments(args)
        loop = asyncio.get_running_loop()
        changed = asyncio.Event()

        def notify() -> None:
            try:
                loop.call_soon_threadsafe(changed.set)
            except RuntimeError:  # the loop is closed: nobody is idling any more
                pass

        unsubscribe = None
        if self.state == SELECTED:
            assert self.principal is not None and self.mailbox is not None
            unsubscribe = self.backend.watch(self.principal, self.mailbox, notify)
        await self.send("+ idling")
        done = asyncio.create_task(self._read_sasl_line())
        try:
            if self.state == SELECTED:
                await self.sync()
            while True:
                waiter = asyncio.create_task(changed.wait())
                finished, _ = await asyncio.wait({done, waiter}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                if done in finished:
                    break
                changed.clear()
                await self.sync()
            line = done.result()
        finally:
            done.cancel()
            if unsubscribe is not None:
                unsubscribe()
        if line.strip().upper() != b"DONE":
            raise ImapSyntaxError("IDLE ends with DONE")
        await self.send(f"{tag} OK IDLE terminated")


def _no_arguments(args: list[Token]) -> None:
    if args:
        raise ImapSyntaxError("This command takes no arguments")


def _one_line(value: str) -> str:
    return " ".join(value.split())[:300]
