"""Assertions (``expect``) and captures (``capture``) of scenario steps, on live or recorded exchanges.

Public API (docs/scenarios.md "Assertions and captures"):

- :class:`Expect`, :class:`Capture` — pydantic models of the blocks, embedded by the step models.
- ``validate_expect(data) -> list[tuple[tuple[str | int, ...], str]]`` and
  ``validate_capture(data) -> list[tuple[tuple[str | int, ...], str]]`` — shape *and* expression syntax
  of a raw block (the dict read from YAML), before anything runs. Each item is ``(path, message)``, the
  path relative to the block (``("fhirpath", 1)``, ``("json", "$.access_token", "regex")``) so the loader
  can turn it into a line number. ``${...}`` templates are allowed in expressions.
- :class:`Response` — a neutral message (status, headers, body bytes, content type); built from httpx
  (``Response.from_httpx``) or from a recorded exchange of ``/_admin/exchanges/{id}``
  (``Response.from_recorded(exchange, part="response" | "request")``).
- ``check(expect, response) -> list[Failure]`` — empty when every assertion holds; never raises on
  what the body holds.
- ``extract(capture, response) -> dict[str, str]`` — raises :class:`CaptureError` (its ``failures``)
  when a capture finds nothing and has no ``default``.
"""

from scenarios.expect.check import CaptureError, Failure, check, extract
from scenarios.expect.models import Capture, CaptureSpec, Expect, Match
from scenarios.expect.response import BodyError, Response
from scenarios.expect.validate import validate_capture, validate_expect

__all__ = [
    "BodyError", "Capture", "CaptureError", "CaptureSpec", "Expect", "Failure", "Match", "Response", "check",
    "extract", "validate_capture", "validate_expect",
]
