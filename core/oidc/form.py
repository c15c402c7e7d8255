"""Reading ``application/x-www-form-urlencoded`` bodies the way RFC 6749 wants them read.

Each parameter may appear once (§3.1, §3.2); a repeated one is ``invalid_request``. Parsing is done here
with the standard library: the token endpoint is hot and needs nothing multipart.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from core.errors import OAuthError

FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024


def parse_form(raw: bytes | str) -> dict[str, str]:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=200)
    except ValueError:
        raise OAuthError("invalid_request", "The body has too many parameters.") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise OAuthError("invalid_request", f"Parameter {name!r} is repeated; send each parameter once.")
        form[name] = value
    return {k: v for k, v in form.items() if v != ""}  # RFC 6749 §3.1: empty values count as omitted


async def read_form(request: Request) -> dict[str, str]:
    """The request's form parameters, or ``invalid_request`` naming the fix."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != FORM:
        raise OAuthError("invalid_request", f"Send the parameters as {FORM} (got {kind or 'no content type'}).")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise OAuthError("invalid_request", f"The form is larger than {MAX_FORM_BYTES} bytes.", status=413)
    return parse_form(body)


def require(form: dict[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise OAuthError("invalid_request", f"Missing parameter {name!r}.")
    return value
