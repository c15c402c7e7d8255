"""Applying fault rules on the proxy path (issue 11, "Fault injection"; rules in gateway/fault_rules.py).

For a request to a service, the gateway asks its tenant's rules for one that matches (a dictionary lookup
when the tenant has none). A ``latency_ms`` sleeps first; then ``status`` answers the error in the form the
service declares in gateway/registry.py (``fhir``: an OperationOutcome coded ``GW-0014``; ``oauth``: RFC 6749
JSON, ``temporarily_unavailable`` for 502-504; ``soap``: a SOAP 1.2 Fault, ``Sender`` for 4xx and
``Receiver`` for 5xx, subcode ``soap:GW-0014``), ``expire_tokens`` answers 401 with the RFC 6750
``invalid_token`` challenge (an OperationOutcome coded ``AUTH-0004`` or the OAuth JSON error), and ``drop``
closes the connection without a response. Those three never call the service; a latency-only rule calls it
after the delay.
"""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import Receive, Scope, Send

from core.codes import Code
from core.errors import OAuthError, SandboxError, SoapFault
from gateway.fault_rules import Rule

OAUTH_ERRORS = {400: "invalid_request", 401: "invalid_client", 403: "access_denied", 500: "server_error",
                502: "temporarily_unavailable", 503: "temporarily_unavailable", 504: "temporarily_unavailable"}
EXPIRED = "The access token expired (fault injected by the sandbox)."


class ConnectionDropped(httpx.RemoteProtocolError):
    """A ``drop`` rule in-process: what an httpx client sees when a server closes without answering."""


def has_bearer(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"authorization":
            return value[:7].lower() == b"bearer "
    return False


def injected(rule: Rule, status: int, slug: str) -> str:
    return (f"Fault injected by the sandbox (rule {rule.id} of this tenant): {slug} answers {status}. "
            "List the rules at /_admin/faults; clear them with DELETE /_admin/faults.")


def error_answer(rule: Rule, form: str, slug: str) -> SandboxError:
    """The error a ``status`` rule answers, in the service's own form."""
    status = rule.spec.status
    assert status is not None
    diagnostics = injected(rule, status, slug)
    if form == "oauth":
        error = OAUTH_ERRORS.get(status, "server_error" if status >= 500 else "invalid_request")
        return OAuthError(error, diagnostics, status=status)
    if form == "soap":
        return SoapFault(f"soap:{Code.FAULT_INJECTED}", diagnostics, sender=status < 500, status=status)
    return SandboxError(status, Code.FAULT_INJECTED, diagnostics,
                        issue="transient" if status >= 500 else "processing")


def expired_answer(form: str) -> SandboxError:
    """401 as a service answers an expired token: RFC 6750 challenge, then the service's body."""
    challenge = {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{EXPIRED}"'}
    if form == "oauth":
        return OAuthError("invalid_token", EXPIRED, status=401, headers=challenge)
    return SandboxError(401, Code.TOKEN_EXPIRED, EXPIRED, issue="security", headers=challenge)


async def discard_body(receive: Receive) -> None:
    """Read the request body to its end, keeping nothing."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


def served_by_uvicorn(send: Send) -> bool:
    return (getattr(send, "__module__", None) or "").startswith("uvicorn.")


async def apply(rule: Rule, form: str, slug: str, scope: Scope, receive: Receive, send: Send,
                server_send: Send) -> str | None:
    """Apply ``rule`` before the service; None: call the service now, ``"answered"``, or the drop reason.

    A dropped connection: under uvicorn the ASGI app returns a value instead of ``None``, and uvicorn then
    closes the connection without a response (its ``run_asgi``); in-process (httpx's ASGITransport, the
    peers of the services) :class:`ConnectionDropped` is raised to the client.
    """
    spec = rule.spec
    if spec.latency_ms:
        await asyncio.sleep(spec.latency_ms / 1000)
    if spec.status is not None:
        await error_answer(rule, form, slug).render()(scope, receive, send)
        return "answered"
    if spec.expire_tokens:
        await expired_answer(form).render()(scope, receive, send)
        return "answered"
    if spec.drop:
        reason = f"connection dropped by fault rule {rule.id} (sandbox fault injection)"
        if served_by_uvicorn(server_send):
            await discard_body(receive)  # closing on unread bytes would send a reset, not a plain close
            return reason
        raise ConnectionDropped(f"Server disconnected without sending a response ({reason}).")
    return None
