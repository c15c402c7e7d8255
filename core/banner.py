"""What a service tells a person when the sandbox starts (``sandbox up``; issue 10, "The first run").

A service gives its :class:`Banner` to :func:`core.app.create_service_app`, which keeps it on
``app.state.banner``; the gateway prints every banner under the service's public base URL once the
sandbox is ready. The banner is built from the service's settings, so it shows what this run accepts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Banner:
    """One service's first-run text.

    ``endpoints`` are ``(label, path)`` pairs, the path under the service's base URL (``/fhir/v2``);
    ``credentials`` are ``(label, value)`` pairs of public demo credentials only: a value a team set
    itself (its own API key, a client secret from its clients file) is never put here.
    """

    summary: str
    endpoints: tuple[tuple[str, str], ...] = ()
    credentials: tuple[tuple[str, str], ...] = ()
