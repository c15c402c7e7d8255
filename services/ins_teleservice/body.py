"""Request bodies read with a size limit, so an oversized upload is refused before it is buffered whole."""

from __future__ import annotations

import json

from starlette.requests import Request

from core.codes import Code
from core.errors import SandboxError


class TooLarge(Exception):
    """The body is over the limit."""


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body, or :class:`TooLarge` as soon as the announced or received size passes ``limit``."""
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > limit:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json_limited(request: Request, limit: int, *, allowed: frozenset[str]) -> object:
    """A JSON body: 415 for another media type, 413 past ``limit``, 400 ``FHIR-0001`` when not JSON."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in allowed:
        raise SandboxError(415, Code.UNSUPPORTED_MEDIA_TYPE, f"Content-Type {media or '(none)'!r} is not accepted "
                           f"here; send {' or '.join(sorted(allowed))}.", issue="not-supported",
                           expression=["Content-Type"])
    try:
        raw = await read_limited(request, limit)
    except TooLarge:
        raise SandboxError(413, Code.BODY_TOO_LARGE, f"The request body is larger than the {limit} bytes "
                           "accepted.", issue="too-costly") from None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SandboxError(400, Code.MALFORMED_JSON, f"The body is not valid JSON: {exc}.") from None
