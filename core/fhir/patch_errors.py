"""The errors of a PATCH that cannot be read (400) or cannot apply (422), both ``FHIR-0015`` (core/fhir/patch.py)."""

from __future__ import annotations

from core.codes import Code
from core.errors import SandboxError


def bad(diagnostics: str, expression: list[str] | None = None, issue: str = "invalid") -> SandboxError:
    return SandboxError(400, Code.BAD_PATCH, diagnostics, issue=issue, expression=expression)


def cannot(diagnostics: str, expression: list[str] | None = None) -> SandboxError:
    return SandboxError(422, Code.BAD_PATCH, diagnostics, issue="processing", expression=expression)


def short(text: object, limit: int = 200) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


