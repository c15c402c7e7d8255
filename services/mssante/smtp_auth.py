"""SMTP AUTH of the MSSanté submission server (spec digest §3.2; issue 15): PLAIN, LOGIN, XOAUTH2, OAUTHBEARER.

Digest §3.2: the current access modes are a Pro Santé Connect access token or a mailbox login/password, and
whether the real operators use XOAUTH2 or OAUTHBEARER (RFC 7628) for the token is unknown, so both are offered:

- ``PLAIN`` (RFC 4616) and ``LOGIN``: the mailbox address (or login) and its password;
- ``XOAUTH2``: ``user=<address>^Aauth=Bearer <token>^A^A``, base64;
- ``OAUTHBEARER``: ``n,a=<address>,^Aauth=Bearer <token>^A^A`` (GS2 header, then key=value pairs), base64.

The decoders here are pure and refuse malformed blobs with a 501; :class:`SaslMechanisms` is mixed into the
aiosmtpd ``SMTP`` protocol (its ``auth_<MECHANISM>`` methods are aiosmtpd's extension point) and hands every
decision to the policy's async ``authenticate``. A failure answers 535 5.7.8 after a short delay; the
``max_auth_failures``-th failure of a connection answers 421 and closes it. On a refused token, both
token mechanisms first send the RFC 7628 §3.2.2 JSON error challenge, as Gmail and Outlook do, and answer
535 once the client has acknowledged it. The AUTH line may be long (a PSC access token is a 1-2 KB JWT):
RFC 4954 §4 allows 12288 octets, and the server raises aiosmtpd's limit for AUTH to that.
"""

from __future__ import annotations

import asyncio
import binascii
import json
import logging
import re
from base64 import b64decode
from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import MISSING, AuthResult

if TYPE_CHECKING:
    from services.mssante.smtp_server import SubmissionPolicy

log = logging.getLogger("services.mssante.smtp")

AUTH_LINE_LIMIT = 12288  # RFC 4954 §4
REPLY_INVALID = "535 5.7.8 Authentication credentials invalid"
REPLY_TEMPORARY = "454 4.7.0 Temporary authentication failure, try again later"
REPLY_TOO_MANY = "421 4.7.0 Too many failed authentication attempts, closing the connection"
_BEARER = re.compile(r"Bearer +(?P<token>[A-Za-z0-9\-._~+/]+=*)\Z", re.IGNORECASE)  # RFC 6750 b64token
_OAUTH_ERROR = json.dumps({"status": "invalid_token", "schemes": "bearer", "scope": "mssante"}).encode()


class SaslSyntaxError(ValueError):
    """A blob that does not follow its mechanism's syntax (answered 501 5.5.2)."""


def decode_initial_response(value: str) -> bytes:
    """The bytes of an RFC 4954 initial response (``=`` is the empty one)."""
    if value == "=":
        return b""
    try:
        return b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise SaslSyntaxError("cannot decode base64") from error


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SaslSyntaxError("not UTF-8") from error


def parse_plain(blob: bytes) -> tuple[str, str]:
    """``authzid NUL authcid NUL passwd`` -> (login, password); an authzid other than the login is refused."""
    parts = blob.split(b"\x00")
    if len(parts) != 3 or not parts[1]:
        raise SaslSyntaxError("expected authzid NUL authcid NUL passwd")
    authzid, login, password = (_text(p) for p in parts)
    if authzid and authzid != login:
        raise SaslSyntaxError("acting for another identity (authzid) is not supported")
    return login, password


def _bearer(pairs: list[bytes]) -> str:
    for pair in pairs:
        key, eq, value = _text(pair).partition("=")
        if eq and key == "auth":
            match = _BEARER.match(value)
            if match is None:
                raise SaslSyntaxError("auth must be 'Bearer <token>'")
            return match["token"]
    raise SaslSyntaxError("no auth=Bearer <token>")


def parse_xoauth2(blob: bytes) -> tuple[str, str]:
    """``user=<login>^Aauth=Bearer <token>^A^A`` -> (login, token)."""
    if not blob.endswith(b"\x01\x01"):
        raise SaslSyntaxError("XOAUTH2 must end with ^A^A")
    fields = blob[:-2].split(b"\x01")
    if not fields[0].startswith(b"user="):
        raise SaslSyntaxError("XOAUTH2 must start with user=")
    return _text(fields[0][5:]), _bearer(fields[1:])


def parse_oauthbearer(blob: bytes) -> tuple[str | None, str]:
    """RFC 7628 §3.1 ``gs2-header ^A kvpairs ^A`` -> (authzid or None, token)."""
    header, sep, rest = blob.partition(b"\x01")
    if not sep or not rest.endswith(b"\x01\x01") and rest != b"\x01":
        raise SaslSyntaxError("OAUTHBEARER must be gs2-header ^A key=value ^A ... ^A")
    flag, comma, tail = _text(header).partition(",")
    if flag not in ("n", "y") or not comma or not tail.endswith(","):
        raise SaslSyntaxError("bad GS2 header (channel binding is not supported)")
    authzid: str | None = None
    attribute = tail[:-1]
    if attribute:
        if not attribute.startswith("a="):
            raise SaslSyntaxError("bad GS2 authzid")
        # RFC 5801 saslname: ',' and '=' travel as =2C and =3D
        authzid = attribute[2:].replace("=2C", ",").replace("=3D", "=")
    return authzid, _bearer(rest[:-2].split(b"\x01"))


class SaslMechanisms:
    """The four ``auth_*`` mechanisms, mixed into the aiosmtpd ``SMTP`` subclass of the submission server."""

    policy: SubmissionPolicy
    auth_failure_delay: float
    max_auth_failures: int
    session: Any
    transport: Any
    _handler_coroutine: Any
    AuthLoginUsernameChallenge = "Username:"  # the de facto LOGIN challenges (draft-murchison-sasl-login)
    AuthLoginPasswordChallenge = "Password:"

    if TYPE_CHECKING:  # provided by aiosmtpd's SMTP, which follows this mixin in the MRO

        async def push(self, status: str | bytes) -> None: ...

        async def challenge_auth(self, challenge: str | bytes, encode_to_b64: bool = True) -> Any: ...

    async def _blob(self, args: list[str]) -> bytes | None:
        """The initial response, or the answer to an empty challenge; None once a 501 has been sent."""
        if len(args) > 1:
            try:
                return decode_initial_response(args[1])
            except SaslSyntaxError:
                await self.push("501 5.5.2 Cannot decode base64")
                return None
        answer = await self.challenge_auth("")
        return None if answer is MISSING else answer

    async def _syntax(self, error: SaslSyntaxError) -> AuthResult:
        await self.push(f"501 5.5.2 Malformed authentication data: {error}")
        return AuthResult(success=False, handled=True)

    async def auth_PLAIN(self, _: object, args: list[str]) -> AuthResult:
        blob = await self._blob(args)
        if blob is None:
            return AuthResult(success=False, handled=True)
        try:
            login, password = parse_plain(blob)
        except SaslSyntaxError as error:
            return await self._syntax(error)
        return await self._verify("PLAIN", login, password)

    async def auth_LOGIN(self, _: object, args: list[str]) -> AuthResult:
        if len(args) > 1:
            try:
                raw_login: Any = decode_initial_response(args[1])
            except SaslSyntaxError:
                await self.push("501 5.5.2 Cannot decode base64")
                return AuthResult(success=False, handled=True)
        else:
            raw_login = await self.challenge_auth(self.AuthLoginUsernameChallenge)
        if raw_login is MISSING:
            return AuthResult(success=False, handled=True)
        raw_password = await self.challenge_auth(self.AuthLoginPasswordChallenge)
        if raw_password is MISSING:
            return AuthResult(success=False, handled=True)
        try:
            login, password = _text(raw_login), _text(raw_password)
        except SaslSyntaxError as error:
            return await self._syntax(error)
        return await self._verify("LOGIN", login, password)

    async def auth_XOAUTH2(self, _: object, args: list[str]) -> AuthResult:
        blob = await self._blob(args)
        if blob is None:
            return AuthResult(success=False, handled=True)
        try:
            login, token = parse_xoauth2(blob)
        except SaslSyntaxError as error:
            return await self._syntax(error)
        return await self._verify("XOAUTH2", login, token)

    async def auth_OAUTHBEARER(self, _: object, args: list[str]) -> AuthResult:
        blob = await self._blob(args)
        if blob is None:
            return AuthResult(success=False, handled=True)
        try:
            authzid, token = parse_oauthbearer(blob)
        except SaslSyntaxError as error:
            return await self._syntax(error)
        return await self._verify("OAUTHBEARER", authzid, token)

    async def _verify(self, mechanism: str, login: str | None, secret: str) -> AuthResult:
        try:
            principal = await self.policy.authenticate(mechanism, login, secret)
        except Exception:
            log.exception("%r AUTH %s: the policy failed", self.session.peer, mechanism)
            return AuthResult(success=False, handled=False, message=REPLY_TEMPORARY)
        if principal is not None:
            log.info("%r AUTH %s as %r", self.session.peer, mechanism, login)
            return AuthResult(success=True, auth_data=principal)
        self.session.auth_failures += 1
        log.info("%r AUTH %s failed for %r (%d)", self.session.peer, mechanism, login, self.session.auth_failures)
        await asyncio.sleep(self.auth_failure_delay)  # slows password guessing down
        replied = False
        if mechanism in ("XOAUTH2", "OAUTHBEARER"):
            # RFC 7628 §3.2.3: the client answers the error challenge with ^A (OAUTHBEARER) or nothing (XOAUTH2);
            # a '*' or bad base64 has already been answered 501 by aiosmtpd
            replied = await self.challenge_auth(_OAUTH_ERROR) is MISSING
        if self.session.auth_failures >= self.max_auth_failures:
            await self.push(REPLY_TOO_MANY)
            self._handler_coroutine.cancel()
            self.transport.close()
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=replied, message=None if replied else REPLY_INVALID)
