"""The message an assertion reads: a live response, or one side of an exchange the gateway recorded.

Bodies come from services and from vendors' software, so they are hostile: at most :data:`MAX_BODY`
bytes are parsed, JSON through :func:`core.jsonbody.loads` (nesting, duplicate members, encoding) and
XML through a parser that resolves no entity, reads no DTD and touches no network; a document that
declares a DTD is refused, as SOAP 1.2 forbids it (part 1 §5) and every XML bomb needs one.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.jsonbody import loads

MAX_BODY = 8 * 1024 * 1024  # bytes of a body parsed for an assertion
_MISSING = object()


class BodyError(ValueError):
    """The body cannot be read as the assertion needs (a sentence for a person)."""


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


@dataclass
class Response:
    """Status, headers (lower-case names), body bytes and media type of one message."""

    status: int
    headers: Mapping[str, str]
    body: bytes = b""
    content_type: str = ""
    truncated: bool = False  # the recorder kept only the start of the body
    _parsed: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.headers = {str(name).lower(): str(value) for name, value in self.headers.items()}
        if not self.content_type:
            self.content_type = media_type(self.headers.get("content-type", ""))
        else:
            self.content_type = media_type(self.content_type)

    @classmethod
    def from_httpx(cls, response: Any) -> Response:
        """From an ``httpx.Response`` whose body has been read."""
        headers: dict[str, str] = {}
        for name, value in response.headers.multi_items():
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return cls(status=response.status_code, headers=headers, body=response.content)

    @classmethod
    def from_recorded(cls, exchange: Mapping[str, Any], *, part: str = "response") -> Response:
        """One side (``response`` or ``request``) of an exchange of ``/_admin/exchanges/{id}``.

        ``status`` is the exchange's status on both sides; the body is the recorded one, secrets masked,
        decoded from base64 when the recorder kept it so.
        """
        if part not in ("response", "request"):
            raise ValueError(f"part is 'response' or 'request', not {part!r}")
        text = exchange.get(f"{part}_body")
        if text is None:
            body = b""
        elif exchange.get(f"{part}_body_base64"):
            try:
                body = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError(f"the recorded {part} body is marked base64 but is not") from None
        else:
            body = str(text).encode("utf-8", "surrogatepass")
        status = exchange.get("status")
        return cls(status=status if isinstance(status, int) else 0,
                   headers=dict(exchange.get(f"{part}_headers") or {}), body=body,
                   truncated=bool(exchange.get(f"{part}_body_truncated")))

    # -- parsed views, each computed once -------------------------------------------------------------

    def _bounded(self) -> bytes:
        if len(self.body) > MAX_BODY:
            raise BodyError(f"the body is {len(self.body)} bytes, more than the {MAX_BODY} parsed for assertions")
        if self.truncated:
            raise BodyError("the gateway recorded only the start of this body (SANDBOX_RECORD_BODY_BYTES), "
                            "too little to parse")
        return self.body

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The JSON value of the body, or :class:`BodyError`."""
        cached = self._parsed.get("json", _MISSING)
        if cached is _MISSING:
            try:
                raw = self._bounded()
                if not raw.strip():
                    raise BodyError("the body is empty, not JSON")
                cached = loads(raw)
            except BodyError as exc:
                cached = exc
            except ValueError as exc:  # core.jsonbody's JsonError
                cached = BodyError(f"the body is not JSON: {str(exc).rstrip('.')}")
            self._parsed["json"] = cached
        if isinstance(cached, BodyError):
            raise cached
        return cached

    def xml(self) -> Any:
        """The XML document (an lxml element tree) of the body, or :class:`BodyError`."""
        cached = self._parsed.get("xml", _MISSING)
        if cached is _MISSING:
            from scenarios.expect.xpath import parse_xml

            try:
                cached = parse_xml(self._bounded())
            except BodyError as exc:
                cached = exc
            self._parsed["xml"] = cached
        if isinstance(cached, BodyError):
            raise cached
        return cached
