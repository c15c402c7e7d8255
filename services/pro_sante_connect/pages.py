"""Server-rendered pages of Pro Santé Connect: the wallet login page, the e-CPS phone, messages (issue 4).

Jinja2 templates in ``templates/`` with autoescaping always on: every value a client or a directory
record sends (client names, search text, binding messages) is data, never markup. The pages are
self-contained (inline CSS, no script, no external asset) and work without JavaScript; the response
headers forbid framing (a login page must not be clickjacked) and caching.

Templates and their context:
- ``login.html``: ``client_name``, ``request_id``, ``query``, ``professionals`` (DirectoryProfessional),
  ``login_url`` (POST ``request_id``, ``id_nat_ps``, ``method=CARD|MOBILE``), ``search_url`` (GET ``q``,
  ``request_id``), optional ``error`` (banner text) and ``error_code``.
- ``ecps.html``: ``requests`` (:class:`EcpsRequestView`, or dicts with the same keys), ``login_hint``,
  ``filter_url`` (GET ``login_hint``), ``admin_token_required`` (adds a password field ``admin_token``
  and turns the auto-refresh off, so that typing is not lost), ``professional_required`` (no list until
  an idNat_PS is given: the admin token is set and the request does not carry it), ``refresh_seconds``,
  optional ``error`` and ``notice``.
- ``message.html``: ``title``, ``message``, optional ``detail``, ``error_code``, ``link_url``/``link_label``.
URLs given in a context must be http(s) URLs or paths starting with ``/``; anything else renders as ``#``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).parent / "templates"
SAFE_URL = re.compile(r"(?:https?://|/(?!/)|\?)", re.IGNORECASE)
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
                               "base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
DEFAULTS = {
    "error": None, "error_code": None, "notice": None, "detail": None, "link_url": None, "link_label": None,
    "query": "", "login_hint": "", "admin_token_required": False, "refresh_seconds": 5, "professionals": [],
    "requests": [], "professional_required": False,
}
_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default=True),
    undefined=StrictUndefined,  # a context key the lead forgot fails the test instead of rendering blank
    trim_blocks=True,
    lstrip_blocks=True,
)


def href(url: object) -> str:
    """``url`` when it is http(s) or a path; "#" otherwise, so a ``javascript:`` URL never becomes a link."""
    text = str(url or "")
    return text if SAFE_URL.match(text) else "#"


_environment.filters["href"] = href


@dataclass(frozen=True)
class EcpsRequestView:
    """One pending CIBA request as the e-CPS phone shows it."""

    auth_req_id: str
    professional: str  # display name
    id_nat_ps: str
    client_name: str
    binding_message: str
    channel: str  # CARD or MOBILE
    seconds_left: int
    approve_url: str
    deny_url: str


def render(template: str, status: int = 200, **context: object) -> HTMLResponse:
    """``templates/<template>`` rendered with ``context`` (autoescaped), as an HTML response."""
    html = _environment.get_template(template).render({**DEFAULTS, **context})
    return HTMLResponse(html, status_code=status, headers=HEADERS)
