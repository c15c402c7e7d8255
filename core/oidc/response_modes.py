"""How an authorization response reaches the client: ``response_mode`` (OAuth 2.0 Multiple Response
Type Encoding Practices §2; OAuth 2.0 Form Post Response Mode).

- ``query`` (the default for ``response_type=code``): a 302 to the redirect URI with the parameters in
  its query;
- ``fragment``: a 302 with the parameters in the URI fragment (never sent to the client's server);
- ``form_post``: a page that POSTs the parameters to the redirect URI as
  ``application/x-www-form-urlencoded``. The page is self-contained (no external asset) and CSP-safe:
  its one inline script (submit the form) is allowed by its SHA-256 hash, nothing else may run or load,
  and without JavaScript a button submits it.
Errors after the redirect URI is trusted go back the same way as a success would.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlencode, urlsplit

from starlette.responses import HTMLResponse, RedirectResponse, Response

RESPONSE_MODES = ("query", "fragment", "form_post")
SUBMIT_SCRIPT = "document.forms[0].submit();"
SCRIPT_HASH = base64.b64encode(hashlib.sha256(SUBMIT_SCRIPT.encode()).digest()).decode()
CSP_SAFE = re.compile(r"[A-Za-z0-9.:\[\]_~%+-]+")  # what may appear in a CSP source expression as is


def with_query(uri: str, params: dict) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return uri + ("&" if urlsplit(uri).query else "?") + query


def form_action(uri: str) -> str:
    """The CSP ``form-action`` source for ``uri``: its origin (or scheme), or "" when it cannot be written."""
    parts = urlsplit(uri)
    source = f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"
    return source if CSP_SAFE.fullmatch(source.replace("://", "", 1)) else ""


@dataclass(frozen=True)
class AuthorizationResponse:
    """The parameters of an authorization response (code or error) and the mode that carries them."""

    redirect_uri: str
    params: dict = field(default_factory=dict)
    mode: str = "query"

    @property
    def fields(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.params.items() if v is not None}

    @property
    def location(self) -> str:
        """Where a ``query`` or ``fragment`` response redirects."""
        if self.mode == "fragment":
            return self.redirect_uri + "#" + urlencode(self.fields)
        return with_query(self.redirect_uri, self.fields)

    def to_response(self, status: int = 302) -> Response:
        """The HTTP response: a redirect (``status``, 302 or 303) or, for ``form_post``, the 200 page."""
        if self.mode != "form_post":
            return RedirectResponse(self.location, status_code=status, headers={"Cache-Control": "no-store"})
        inputs = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                         for k, v in self.fields.items())
        page = ("<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Retour vers l'application"
                f"</title></head><body><form method=\"post\" action=\"{escape(self.redirect_uri)}\">{inputs}"
                "<noscript><p>JavaScript est désactivé : continuez vers l'application.</p>"
                "<button type=\"submit\">Continuer</button></noscript></form>"
                f"<script>{SUBMIT_SCRIPT}</script></body></html>")
        csp = f"default-src 'none'; script-src 'sha256-{SCRIPT_HASH}'; frame-ancestors 'none'; base-uri 'none'"
        if source := form_action(self.redirect_uri):
            csp += f"; form-action {source}"
        return HTMLResponse(page, headers={"Content-Security-Policy": csp, "Cache-Control": "no-store",
                                           "Pragma": "no-cache", "Referrer-Policy": "no-referrer",
                                           "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"})
