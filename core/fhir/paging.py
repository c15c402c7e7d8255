"""Opaque page links: ``{base}/_page?id=<cursor>``, as the Annuaire Santé v2 answers its ``next`` links.

FHIR R4 §3.1.1.6 leaves the form of paging links to the server. A cursor carries the search itself
(parameters, page size, position), the tenant it was issued for and when it expires; it is compressed,
base64url-encoded and signed with HMAC-SHA256 under a key of the service, so a link cannot be altered,
moved to another tenant or service, or replayed after ``SANDBOX_PAGE_TTL`` seconds. Nothing is stored on
the server: any process holding the same ``SANDBOX_PAGE_SECRET`` can serve the next page (without it,
each start draws a random key and the links of an earlier run are refused). The search runs again for
each page against the current data, as with ``_offset``.

The signature is checked before anything else is done with the cursor, so a hostile value never
reaches the decompressor or the JSON parser; the decoded search then goes through the same parser and
limits as a search sent directly.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urlencode

from core.codes import Code
from core.errors import SandboxError

MAX_CURSOR = 65_536  # characters of an ``id``: what a long POST _search compresses to; more is refused unread
MAC_BYTES = 18
VERSION = 1


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def refused(diagnostics: str) -> SandboxError:
    return SandboxError(400, Code.BAD_PAGE_LINK, diagnostics, expression=["id"])


@dataclass(frozen=True)
class PageCursor:
    rtype: str  # "" for a system-level search
    query: list[tuple[str, str]]  # the search parameters, _count included, _offset excluded
    offset: int


class PageLinks:
    """Signs and checks the cursors of one service (``scope``: its FHIR spec name and path)."""

    def __init__(self, scope: str, *, secret: bytes | None, ttl: int) -> None:
        self.key = hmac.new(secret or secrets.token_bytes(32), scope.encode(), hashlib.sha256).digest()
        self.ttl = ttl

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self.key, payload, hashlib.sha256).digest()[:MAC_BYTES]

    def encode(self, cursor: PageCursor, *, tenant: str, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + self.ttl)
        body = {"v": VERSION, "t": tenant, "r": cursor.rtype, "q": cursor.query, "o": cursor.offset, "x": expires}
        payload = zlib.compress(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(), 9)
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def url(self, base: str, cursor: PageCursor, *, tenant: str) -> str:
        return f"{base}/_page?{urlencode({'id': self.encode(cursor, tenant=tenant)})}"

    def decode(self, token: str, *, tenant: str, now: float | None = None) -> PageCursor:
        """The cursor of a page link issued here for ``tenant`` (400 FHIR-0023, or 410 FHIR-0024 once expired)."""
        if len(token) > MAX_CURSOR:
            raise refused(f"The page id is longer than {MAX_CURSOR} characters: it is not a page link of this "
                          "server.")
        encoded, dot, mac = token.partition(".")
        try:
            payload, given = _unb64(encoded), _unb64(mac)
        except (ValueError, UnicodeEncodeError):
            payload, given = b"", b""
        if not dot or not payload or not hmac.compare_digest(given, self._mac(payload)):
            raise refused("The page id is not a page link of this server: it was altered, comes from another "
                          "service, or was issued before a restart (set SANDBOX_PAGE_SECRET to keep links across "
                          "restarts). Run the search again.")
        try:
            body = json.loads(zlib.decompress(payload))
            query = [(str(k), str(v)) for k, v in body["q"]]
            cursor = PageCursor(str(body["r"]), query, int(body["o"]))
            issued_for, expires = str(body["t"]), int(body["x"])
        except (ValueError, KeyError, TypeError, zlib.error):  # signed by us, so only an older format
            raise refused("The page id has a format this server no longer reads. Run the search again.") from None
        if not hmac.compare_digest(issued_for.encode(), tenant.encode()):
            raise refused("The page id was issued for another tenant. Run the search again in this one.")
        if (now if now is not None else time.time()) > expires:
            raise SandboxError(410, Code.PAGE_EXPIRED, f"This page link expired (links last {self.ttl} s, "
                               "SANDBOX_PAGE_TTL). Run the search again.", issue="expired", expression=["id"])
        return cursor
