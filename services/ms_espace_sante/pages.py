"""Server-rendered pages of Mon espace santé: the citizen login (persona picker), the consent screen of a
catalogue app, and their messages.

Jinja2 templates in ``templates/``, rendered by core/pages.py (autoescaped: names and client names are data,
never markup; framing and caching forbidden). Self-contained pages (inline CSS, no script, no external
asset) that work without JavaScript.

Templates and their context:
- ``login.html``: ``client_name``, ``request_id``, ``patients`` (:class:`PatientChoice`), ``login_url``
  (POST ``request_id`` and ``ins``), optional ``error`` and ``error_code``.
- ``consent.html``: ``client_name``, ``patient_name``, ``scopes`` (labels), ``request_id``, ``ins``,
  ``consent_url`` (POST ``request_id``, ``ins``, ``decision=approve|deny``).
- ``espace.html`` (the patient's page, routers/page.py): patient_page.view's keys, ``csrf``, ``action_url``
  (POST ``csrf``, ``action``, ``value``, ...), ``logout_url``, optional ``notice`` and ``error``.
- ``message.html``: ``title``, ``message``, optional ``detail``, ``error_code``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from starlette.responses import HTMLResponse

from core.pages import Pages

DEFAULTS = {"error": None, "error_code": None, "detail": None, "patients": [], "notice": None}
_pages = Pages(Path(__file__).parent / "templates", DEFAULTS)


@dataclass(frozen=True)
class PatientChoice:
    """One patient the login page offers (a persona whose record exists in the tenant)."""

    ins: str
    display_name: str
    birth_date: str
    note: str = ""


def render(template: str, status: int = 200, **context: object) -> HTMLResponse:
    """``templates/<template>`` rendered with ``context``, as an HTML response."""
    return _pages.render(template, status, **context)


def message(title: str, text: str, status: int, *, detail: str | None = None,
            error_code: str | None = None) -> HTMLResponse:
    return render("message.html", status=status, title=title, message=text, detail=detail, error_code=error_code)
