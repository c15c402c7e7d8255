"""Errors are raised anywhere and rendered once, at the edge, in the wire format of the route.

- :class:`SandboxError` renders a FHIR ``OperationOutcome`` (DESIGN.md "Errors") with a stable sandbox
  code in ``details.coding``; tests assert that code, never the prose.
- :class:`OAuthError` renders an RFC 6749 section 5.2 JSON error (Pro Santé Connect, token checks).
- :class:`SoapFault` renders a SOAP 1.2 Fault (INSi), with the siram/desir code as subcode.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from xml.sax.saxutils import escape

from starlette.responses import Response

FHIR_JSON = "application/fhir+json"
SANDBOX_CODE_SYSTEM = "https://sandbox.esante.local/fhir/CodeSystem/sandbox-error"


class SandboxError(Exception):
    """An error with an HTTP status, a FHIR issue type and a stable sandbox code (e.g. ``FHIR-0003``)."""

    def __init__(
        self,
        status: int,
        code: str,
        diagnostics: str,
        *,
        issue: str = "invalid",
        expression: Sequence[str] | None = None,
        severity: str = "error",
        headers: dict[str, str] | None = None,
        cause: SandboxError | None = None,
    ) -> None:
        super().__init__(diagnostics)
        self.cause = cause  # its issues follow this error's own (e.g. the failing entry of a transaction)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics
        self.issue = issue
        self.expression = list(expression or [])
        self.severity = severity
        self.headers = headers or {}

    def issues(self) -> list[dict]:
        own = [self.make_issue(self.diagnostics, self.expression)]
        return own + self.cause.issues() if self.cause else own

    def make_issue(self, diagnostics: str, expression: Sequence[str] | None = None) -> dict:
        issue = {
            "severity": self.severity,
            "code": self.issue,
            "details": {"coding": [{"system": SANDBOX_CODE_SYSTEM, "code": str(self.code)}]},
            "diagnostics": diagnostics,
        }
        if expression:
            issue["expression"] = list(expression)
        return issue

    def outcome(self) -> dict:
        return operation_outcome(self.issues())

    def render(self) -> Response:
        return Response(
            json.dumps(self.outcome(), ensure_ascii=False),
            status_code=self.status,
            media_type=FHIR_JSON,
            headers=self.headers,
        )


def operation_outcome(issues: list[dict]) -> dict:
    return {"resourceType": "OperationOutcome", "issue": issues}


class OAuthError(SandboxError):
    """RFC 6749 error: ``{"error": ..., "error_description": ...}``."""

    def __init__(self, error: str, description: str, *, status: int = 400, headers: dict | None = None):
        super().__init__(status, error, description, issue="security", headers=headers)

    def render(self) -> Response:
        body = {"error": self.code, "error_description": self.diagnostics}
        return Response(
            json.dumps(body), status_code=self.status, media_type="application/json",
            headers={"Cache-Control": "no-store", **self.headers},
        )


class SoapFault(SandboxError):
    """SOAP 1.2 Fault: ``Code/Value`` is ``Sender`` or ``Receiver``, the real code goes in ``Subcode``.

    ``value`` overrides ``Code/Value`` (``soap:VersionMismatch``, ``soap:MustUnderstand``); ``subsubcode``
    nests a second Subcode (WS-Addressing faults use two levels); ``detail`` and ``header`` are XML
    fragments placed in ``soap:Detail`` and ``soap:Header``; ``namespaces`` declares the prefixes they
    (or the subcode QNames) use on the envelope.
    """

    def __init__(
        self,
        subcode: str,
        reason: str,
        *,
        sender: bool = True,
        status: int | None = None,
        value: str | None = None,
        subsubcode: str = "",
        detail: str = "",
        header: str = "",
        namespaces: dict[str, str] | None = None,
    ):
        super().__init__(status or (400 if sender else 500), subcode, reason, issue="processing")
        self.sender = sender
        self.value = value or ("soap:Sender" if sender else "soap:Receiver")
        self.subsubcode = subsubcode
        self.detail = detail
        self.header = header
        self.namespaces = namespaces or {}

    def render(self) -> Response:
        declared = "".join(f' xmlns:{p}="{escape(uri)}"' for p, uri in self.namespaces.items())
        subcode = ""
        for level in reversed([c for c in (self.code, self.subsubcode) if c]):
            subcode = f"<soap:Subcode><soap:Value>{escape(level)}</soap:Value>{subcode}</soap:Subcode>"
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"{declared}>'
            + (f"<soap:Header>{self.header}</soap:Header>" if self.header else "")
            + f"<soap:Body><soap:Fault><soap:Code><soap:Value>{self.value}</soap:Value>{subcode}</soap:Code>"
            f'<soap:Reason><soap:Text xml:lang="fr">{escape(self.diagnostics)}</soap:Text></soap:Reason>'
            + (f"<soap:Detail>{self.detail}</soap:Detail>" if self.detail else "")
            + "</soap:Fault></soap:Body></soap:Envelope>"
        )
        return Response(body, status_code=self.status, media_type="application/soap+xml; charset=utf-8")
