"""Server-rendered pages of Pro Santé Connect: the wallet login page, the e-CPS phone, messages (issue 4).

Jinja2 templates in ``templates/``, rendered by core/pages.py (autoescaping always on: client names, search
text and binding messages are data, never markup; framing and caching forbidden). The pages are
self-contained (inline CSS, no script, no external asset) and work without JavaScript.

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

from dataclasses import dataclass
from pathlib import Path

from starlette.responses import HTMLResponse

from core.pages import Pages

TEMPLATES = Path(__file__).parent / "templates"
DEFAULTS = {
    "error": None, "error_code": None, "notice": None, "detail": None, "link_url": None, "link_label": None,
    "query": "", "login_hint": "", "admin_token_required": False, "refresh_seconds": 5, "professionals": [],
    "requests": [], "professional_required": False,
}
_pages = Pages(TEMPLATES, DEFAULTS)


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
    """``templates/<template>`` rendered with ``context`` (core/pages.py: autoescaped, safe headers)."""
    return _pages.render(template, status, **context)
