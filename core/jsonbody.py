"""The one reader of client JSON: request bodies read with a size limit, parsed with a depth limit.

``json.loads`` recurses once per nested array or object, so a small body nested 100,000 deep raises
``RecursionError`` (a 500) and one nested 900 deep parses but breaks whatever walks it next (validation,
masking, ``json.dumps``). :func:`loads` measures the nesting first, with a linear scan of the bytes that
never recurses, and refuses the body before ``json.loads`` sees it. It also refuses what RFC 8259 or
FHIR forbid and Python's parser accepts: bytes that are not UTF-8 (UTF-16/32 are guessed otherwise),
``NaN``/``Infinity``, repeated member names (which the parser would resolve silently, last one wins) and
escaped lone surrogates (which cannot be encoded again). Every error is a :class:`SandboxError`
(``FHIR-0001``, ``FHIR-0021``, ``HTTP-0413``, ``HTTP-0415``); routes of another protocol convert it
(``OAuthError`` for OAuth routes). :func:`loads` alone also serves JSON that arrives inside something
else (JWT parts, a Binary's data).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import accumulate
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from core.codes import Code
from core.digits import ascii_digits
from core.errors import SandboxError

DEFAULT_MAX_DEPTH = 100  # FHIR resources rarely nest deeper than ~15; JWT headers and claims use this too
JSON_TYPES = frozenset({"application/fhir+json", "application/json"})
PLAIN_JSON = frozenset({"application/json"})
ModelT = TypeVar("ModelT", bound=BaseModel)

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_NOT_STRUCTURE = bytes(range(256)).translate(None, b'"[]{}')
_SQUARE = bytes.maketrans(b"{}", b"[]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_QUICK_PASSES = 16


class TooLarge(Exception):
    """The body is over the limit."""


class JsonError(SandboxError, ValueError):
    """Client JSON refused: a 400 OperationOutcome, and a ``ValueError`` for code that expects one."""


def malformed(message: str) -> JsonError:
    return JsonError(400, Code.MALFORMED_JSON, message)


def nesting_depth_over(raw: bytes, limit: int) -> bool:
    """True when the arrays and objects of ``raw`` nest deeper than ``limit``; linear, never recursive.

    Brackets inside strings do not count. Each pass of ``replace`` removes the innermost pairs, so the depth
    of a balanced document drops by exactly one per pass; past a few passes the rest is a running sum.
    """
    if b"\\" in raw:
        raw = _ESCAPE.sub(b"", raw)  # an escaped quote must not end a string
    brackets = b"".join(raw.translate(None, _NOT_STRUCTURE).split(b'"')[::2]).translate(_SQUARE)
    run = b"[" * (limit + 1)
    for _ in range(_QUICK_PASSES):
        if not brackets:
            return False
        if run in brackets:
            return True
        brackets = brackets.replace(b"[]", b"")
        limit -= 1
    rest = max(accumulate(1 if char == 0x5B else -1 for char in brackets), default=0)
    return rest > limit


def _unique_members(pairs: list[tuple[str, object]]) -> dict:
    members = dict(pairs)
    if len(members) != len(pairs):
        seen: set[str] = set()
        repeated = next(name for name, _ in pairs if name in seen or seen.add(name))
        raise malformed(f"The member {repeated[:80]!r} appears twice in one object; send each member once.")
    return members


def _no_constant(name: str) -> object:
    raise malformed(f"{name} is not a JSON number; send a number or null.")


def _encodable(value: object) -> bool:
    """False when a string somewhere holds a lone surrogate (only walked when the text escapes one)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack += item.keys()
            stack += item.values()
        elif isinstance(item, list):
            stack += item
    return True


def loads(raw: bytes | str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> object:
    """The JSON value of ``raw``, or 400 ``FHIR-0021`` (nested over ``max_depth``) / ``FHIR-0001`` (not JSON)."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if nesting_depth_over(data, max_depth):
        raise JsonError(400, Code.JSON_TOO_DEEP, f"The JSON nests arrays and objects more than {max_depth} "
                           "levels deep; flatten it.", issue="too-costly")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise malformed(f"The body is not UTF-8 (byte {exc.start}); JSON travels in UTF-8.") from None
    try:
        value = json.loads(text, object_pairs_hook=_unique_members, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # no RecursionError below the depth limit: belt and braces
        raise malformed(f"The body is not valid JSON: {exc}.") from None
    if _SURROGATE_ESCAPE.search(text) and not _encodable(value):
        raise malformed("A string escapes a lone UTF-16 surrogate (\\uD800-\\uDFFF without its pair).")
    return value


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body, or :class:`TooLarge` as soon as the announced or received size passes ``limit``."""
    announced = request.headers.get("content-length", "")
    if ascii_digits(announced) and int(announced) > limit:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_json(request: Request, *, max_bytes: int, max_depth: int = DEFAULT_MAX_DEPTH,
                    allowed: frozenset[str] | set[str] = JSON_TYPES) -> tuple[object, str]:
    """The JSON body and its media type: 415 for another type, 413 past ``max_bytes``, 400 as :func:`loads`."""
    media = media_type(request)
    if media not in allowed:
        raise SandboxError(415, Code.UNSUPPORTED_MEDIA_TYPE, f"Content-Type {media or '(none)'!r} is not accepted "
                           f"here; send {' or '.join(sorted(allowed))}.", issue="not-supported",
                           expression=["Content-Type"])
    try:
        raw = await read_limited(request, max_bytes)
    except TooLarge:
        raise SandboxError(413, Code.BODY_TOO_LARGE, f"The request body is larger than the {max_bytes} bytes "
                           "accepted.", issue="too-costly") from None
    if not raw.strip():
        raise malformed("The request body is empty; a JSON document was expected.")
    return loads(raw, max_depth=max_depth), media


async def read_model(request: Request, model: type[ModelT], *, max_bytes: int, max_depth: int = DEFAULT_MAX_DEPTH,
                     allowed: frozenset[str] = PLAIN_JSON) -> ModelT:
    """A JSON body validated by ``model``: as :func:`read_json`, then 400 ``HTTP-0400`` naming the field.

    Routes take this instead of a FastAPI body parameter, whose ``request.json()`` has no depth limit.
    """
    value, _ = await read_json(request, max_bytes=max_bytes, max_depth=max_depth, allowed=allowed)
    return validated(model, value, lambda message, where: SandboxError(400, Code.BAD_PARAMETER, message,
                                                                      expression=[where]))


def validated(model: type[ModelT], value: object, error: Callable[[str, str], SandboxError]) -> ModelT:
    """``value`` validated by ``model``, or ``error(message, where)`` raised for its first problem, where is the
    dotted path of the member at fault (``body`` for the whole value) and message starts with it."""
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise error(f"{where}: {first['msg']}", where) from None
