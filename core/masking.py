"""What the recorder may keep of an exchange: secrets masked, actor guessed, bodies made printable.

Headers: ``Authorization`` and ``Proxy-Authorization`` keep their scheme (``Bearer ***``); ``Cookie``,
``Set-Cookie``, ``ESANTE-API-KEY``, ``X-Sandbox-Admin-Token`` and any header whose name contains
``secret``, ``token``, ``password`` or ``api-key`` become ``***`` (on the request path, :func:`mask_raw`).

URLs: the recorded query string, the ``Location`` and ``Content-Location`` of responses (the wallet's
redirect carries the authorization ``code``; an implicit one carries tokens in its fragment) and the
``Referer`` of requests lose the values of :data:`SECRET_FIELDS` in their query and fragment.

Bodies: the shape is sniffed from the bytes, not taken from the declared content type: a JSON value
(first byte ``{`` or ``[``) or a form (``name=value&...``, or declared as one) has the values of its
:data:`SECRET_FIELDS` masked, wherever they nest; in a FHIR body (one naming a ``resourceType``) ``code``
is a coding and is kept. A JWT keeps its header and claims (the evidence) but loses its signature, so
what is recorded can no longer be used. In any body, a URL or query quoted in it (a FHIR Bundle's self
link, an echoed query, an HTML link) loses its secret values as URLs do. A body nothing was masked in is
kept byte for byte.

Hostile bodies cost little: a body without a secret hint (:data:`HINTS`), or JSON in which no secret
field appears as a member name (``"code":``, found by a linear scan), is kept as is and never parsed.
JSON that has one is parsed only when it nests at most :data:`MAX_DEPTH` levels (measured first, without
recursion, by the kernel's :func:`core.jsonbody.nesting_depth_over`); JSON nested deeper, cut at the
record limit or malformed is recorded as ``***`` whole.
Nothing here raises, whatever the body (depth, size, encoding, declared type): should masking fail
anyway, the body is recorded as ``***``. Bodies are masked in the background writer, not on the request
path; only header masking runs there.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from core.jsonbody import nesting_depth_over
from core.secret_names import FHIR_KEPT, SECRET_FIELDS

SECRET_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "esante-api-key", "x-sandbox-admin-token",
})
SECRET_WORDS = ("secret", "token", "password", "api-key", "apikey")
CREDENTIALS = frozenset({"authorization", "proxy-authorization"})
URL_HEADERS = frozenset({b"location", b"content-location", b"referer"})
ACTOR_CLAIMS = ("SubjectNameID", "ins", "preferred_username", "sub", "client_id")
MASK = b"***"
HINTS = (b"secret", b"token", b"code", b"assertion", b"password")
MAX_DEPTH = 64  # OAuth bodies nest 2 or 3 levels, FHIR resources ~15

Headers = list[tuple[bytes, bytes]]
_SECRET: dict[bytes, bool] = {}  # raw header name -> secret?; bounded, see is_secret_name

_NAMES = b"|".join(sorted((name.encode() for name in SECRET_FIELDS), key=len, reverse=True))
# name=value in a query, a fragment or a form: the name starts the text or follows ? & or #
_PAIR = re.compile(rb"(?<![^?&#])(" + _NAMES + rb")=([^&#\s]*+)")
# the same in a URL quoted in a body (a FHIR Bundle's self link, an echoed query, an HTML link)
_QUOTED_PAIR = re.compile(rb"(?<![^?&#\"'])(" + _NAMES + rb")=([^&#\s\"'<>]*+)")
_NAME_EQ = tuple(name.encode() + b"=" for name in sorted(SECRET_FIELDS))  # what any match contains
# a secret member name in JSON: "name" then a colon
_MEMBER = re.compile(rb'"(' + _NAMES + rb')"\s*+:')
_FORM = re.compile(rb"[\w.~%*+-]++=?[^\s&]*+(?:&[\w.~%*+-]*+=?[^\s&]*+)*+")


def is_secret(name: str) -> bool:
    name = name.lower()
    return name in SECRET_HEADERS or any(word in name for word in SECRET_WORDS)


def is_secret_name(raw_name: bytes) -> bool:
    secret = _SECRET.get(raw_name)
    if secret is None:
        secret = is_secret(raw_name.decode("latin-1"))
        if len(_SECRET) < 4096:
            _SECRET[raw_name] = secret
    return secret


def mask_raw(headers: Headers) -> tuple[Headers, bytes | None]:
    """``headers`` with secret values masked (the same list when there is none) and the Authorization."""
    for name, _ in headers:
        if _SECRET.get(name) is not False and is_secret_name(name):
            break
    else:
        return headers, None
    masked, authorization = [], None
    for name, value in headers:
        if is_secret_name(name):
            if name.lower() == b"authorization":
                authorization = value
            scheme, sep, _ = value.partition(b" ")
            value = scheme + b" " + MASK if sep and name.lower().decode("latin-1") in CREDENTIALS else MASK
        masked.append((name, value))
    return masked, authorization


def headers_dict(headers: Headers) -> dict[str, str]:
    """Raw headers as a dict of lower-case names; repeated names are joined by ``, ``."""
    out: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def mask_headers(headers: Headers) -> dict[str, str]:
    return headers_dict(mask_raw(headers)[0])


def _b64decode(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def actor_of(authorization: str | None) -> str | None:
    """Who made the request, read without verification: a JWT claim or the Basic user name."""
    if not authorization:
        return None
    scheme, _, credentials = authorization.partition(" ")
    credentials = credentials.strip()
    try:
        if scheme.lower() == "bearer" and credentials.count(".") == 2:
            claims = json.loads(_b64decode(credentials.split(".")[1]))
            if isinstance(claims, dict):
                for claim in ACTOR_CLAIMS:
                    value = claims.get(claim)
                    if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                        return str(value)[:255]
        elif scheme.lower() == "basic":
            user = base64.b64decode(credentials, validate=True).decode("utf-8").partition(":")[0]
            return user[:255] or None
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        return None
    return None


def encode_body(data: bytes, truncated: bool) -> tuple[str | None, bool]:
    """``(text, is_base64)``: UTF-8 text when possible, else base64."""
    if not data:
        return None, False
    # A cut at the limit may split a multi-byte character: drop up to 3 trailing bytes before giving up.
    for cut in range(4 if truncated else 1):
        try:
            return data[: len(data) - cut].decode("utf-8"), False
        except UnicodeDecodeError:
            continue
    return base64.b64encode(data).decode("ascii"), True


def masked_value(value: str) -> str:
    """``***``, or for a JWT its header and claims with the signature replaced by ``***``."""
    parts = value.split(".")
    return f"{parts[0]}.{parts[1]}.***" if len(parts) == 3 and parts[0] and parts[1] else "***"


def _masked_pair(match: re.Match[bytes]) -> bytes:
    value = match.group(2)
    return match.group(1) + b"=" + (masked_value(value.decode("latin-1")).encode("latin-1") if value else b"")


def mask_pairs(data: bytes, pattern: re.Pattern[bytes] = _PAIR) -> bytes:
    """``name=value`` pairs of a query, a fragment or a form with the values of secret fields masked.

    The patterns only match where a secret name is followed by ``=``: without such a substring (found by
    plain searches) the text is returned unscanned. The scan of a 9.5 KB searchset by the quoted pattern,
    its lookbehind tried at every byte, took 0.32 ms of the background writer, holding the GIL the request
    threads wait for."""
    return pattern.sub(_masked_pair, data) if any(name in data for name in _NAME_EQ) else data


def mask_url(url: bytes) -> bytes:
    """A URL whose query and fragment lose the values of secret fields; the path is kept."""
    cut = min((i for i in (url.find(b"?"), url.find(b"#")) if i >= 0), default=-1)
    return url if cut < 0 else url[:cut] + mask_pairs(url[cut:])


def mask_query(query: bytes) -> bytes:
    """The recorded query string with the values of secret fields masked (never raises)."""
    try:
        return mask_pairs(query) if any(hint in query for hint in HINTS) else query
    except Exception:  # noqa: BLE001 - recording must go on: keep nothing rather than a secret
        return MASK


def mask_url_headers(headers: Headers) -> Headers:
    """``Location``, ``Content-Location`` and ``Referer`` values with secret query and fragment values masked."""
    if not any(name.lower() in URL_HEADERS for name, _ in headers):
        return headers
    try:
        return [(name, mask_url(value) if name.lower() in URL_HEADERS else value) for name, value in headers]
    except Exception:  # noqa: BLE001
        return [(name, MASK if name.lower() in URL_HEADERS else value) for name, value in headers]


class TooDeep(Exception):
    """A JSON value nested deeper than :data:`MAX_DEPTH`."""


def mask_json(value: object, secret: frozenset[str] = SECRET_FIELDS, depth: int = 0) -> object:
    """``value`` with its ``secret`` members masked; :class:`TooDeep` past :data:`MAX_DEPTH` levels."""
    if depth > MAX_DEPTH:
        raise TooDeep
    if isinstance(value, dict):
        return {k: masked_value(v) if k in secret and isinstance(v, str) else mask_json(v, secret, depth + 1)
                for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v, secret, depth + 1) for v in value]
    return value


def _mask_json_body(body: bytes) -> bytes:
    """A JSON body with its secret members masked: parsed only when one appears, within :data:`MAX_DEPTH`."""
    secret = SECRET_FIELDS - FHIR_KEPT if b'"resourceType"' in body else SECRET_FIELDS
    if not any(match.group(1).decode() in secret for match in _MEMBER.finditer(body)):
        return body  # no secret member: kept as is, never parsed
    if nesting_depth_over(body, MAX_DEPTH):
        return MASK
    try:
        value = json.loads(body)
        masked = mask_json(value, secret)
    except (ValueError, RecursionError, TooDeep):  # cut at the record limit, malformed, not UTF-8
        return MASK
    if masked == value:
        return body
    return json.dumps(masked, ensure_ascii=False).encode("utf-8", "surrogatepass")


def content_type(headers: Headers) -> bytes:
    return next((v for n, v in headers if n.lower() == b"content-type"), b"").split(b";")[0].strip().lower()


def mask_body(headers: Headers, body: bytes) -> bytes:
    """``body`` with OAuth secrets masked, its shape sniffed (see the module docstring); never raises."""
    try:
        if not body or not any(hint in body for hint in HINTS):
            return body
        start = body[:64].lstrip()[:1]
        kind = content_type(headers)
        if start not in (b"{", b"[") and (kind == b"application/x-www-form-urlencoded"
                                          or _FORM.fullmatch(body.strip())):
            return mask_pairs(body)
        if start in (b"{", b"[") or kind.endswith(b"json"):
            body = _mask_json_body(body)  # declared JSON that does not start like JSON is unreadable
        return mask_pairs(body, _QUOTED_PAIR)  # URLs quoted in JSON strings, text or markup
    except Exception:  # noqa: BLE001 - recording must go on: keep nothing rather than a secret
        return MASK
