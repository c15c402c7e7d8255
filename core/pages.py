"""Server-rendered pages of the services (login pages, the patient's page): one safe Jinja2 setup.

A service makes one :class:`Pages` over its ``templates/`` directory and its context defaults, then calls
:meth:`Pages.render`. Autoescaping is always on (every value a client or a record sends is data, never
markup), an unknown context key fails instead of rendering blank, and the ``href`` filter turns anything
but an http(s) URL or a path into ``#`` (no ``javascript:`` link). Responses forbid framing (a login page
must not be clickjacked), caching and sniffing; the pages are self-contained (inline CSS, no script unless
a service allows one, no external asset).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

SAFE_URL = re.compile(r"(?:https?://|/(?!/)|\?)", re.IGNORECASE)
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
                               "base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def href(url: object) -> str:
    """``url`` when it is http(s) or a path; "#" otherwise, so a ``javascript:`` URL never becomes a link."""
    text = str(url or "")
    return text if SAFE_URL.match(text) else "#"


class Pages:
    """The templates of one service, rendered with its defaults under the headers above."""

    def __init__(self, templates: Path, defaults: Mapping[str, object]) -> None:
        self.defaults = dict(defaults)
        self.environment = Environment(
            loader=FileSystemLoader(templates),
            autoescape=select_autoescape(["html"], default=True),
            undefined=StrictUndefined,  # a context key the lead forgot fails the test instead of rendering blank
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.environment.filters["href"] = href

    def render(self, template: str, status: int = 200, **context: object) -> HTMLResponse:
        """``template`` rendered with ``context`` (autoescaped), as an HTML response."""
        html = self.environment.get_template(template).render({**self.defaults, **context})
        return HTMLResponse(html, status_code=status, headers=HEADERS)
