"""What the recorder may keep of an exchange: secrets masked, actor guessed, bodies made printable.

Secrets are masked before anything is stored: ``Authorization`` and ``Proxy-Authorization`` keep their
scheme (``Bearer ***``); ``Cookie``, ``Set-Cookie``, ``ESANTE-API-KEY``, ``X-Sandbox-Admin-Token`` and any
header whose name contains ``secret``, ``token``, ``password`` or ``api-key`` become ``***``.
OAuth bodies (forms and ``application/json``) get the same care: client secrets, assertions, codes,
verifiers and tokens are masked; a JWT keeps its header and claims (the evidence) but loses its
signature, so what is recorded can no longer be used.
"""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import parse_qsl, urlencode

SECRET_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "esante-api-key", "x-sandbox-admin-token",
})
SECRET_WORDS = ("secret", "token", "password", "api-key", "apikey")
CREDENTIALS = frozenset({"authorization", "proxy-authorization"})
ACTOR_CLAIMS = ("SubjectNameID", "preferred_username", "sub", "client_id")
MASK = b"***"
SECRET_FIELDS = frozenset({
    "client_secret", "client_assertion", "code", "code_verifier", "access_token", "refresh_token", "id_token",
    "token", "password", "admin_token",
})
HINTS = (b"secret", b"token", b"code", b"assertion", b"password")

Headers = list[tuple[bytes, bytes]]
_SECRET: dict[bytes, bool] = {}  # raw header name -> secret?; bounded, see is_secret_name


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
    except (ValueError, binascii.Error, UnicodeDecodeError):
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


def mask_json(value: object) -> object:
    if isinstance(value, dict):
        return {k: masked_value(v) if k in SECRET_FIELDS and isinstance(v, str) else mask_json(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v) for v in value]
    return value


def mask_body(headers: Headers, body: bytes) -> bytes:
    """``body`` with OAuth secrets masked when it is a form or plain JSON (FHIR and XML bodies pass as is)."""
    if not body or not any(hint in body for hint in HINTS):
        return body
    kind = next((v for n, v in headers if n.lower() == b"content-type"), b"").split(b";")[0].strip().lower()
    try:
        if kind == b"application/x-www-form-urlencoded":
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            return urlencode([(k, masked_value(v) if k in SECRET_FIELDS else v) for k, v in pairs],
                             safe="*").encode()
        if kind == b"application/json":
            return json.dumps(mask_json(json.loads(body)), ensure_ascii=False).encode()
    except (ValueError, UnicodeDecodeError):  # truncated or malformed: keep nothing rather than a secret
        return MASK
    return body
