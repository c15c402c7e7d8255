"""The shape of a request step's ``expect`` and ``capture`` blocks (docs/scenarios.md "Assertions and captures").

A scenario file is semi-trusted: the models refuse unknown keys, and :func:`scenarios.expect.validate_expect`
checks every expression's syntax and size before anything runs. A value may hold ``${...}`` templates,
rendered by the runner before the block is evaluated.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator, model_validator

MAX_EXPRESSION = 2000  # characters of one FHIRPath / JSONPath / XPath expression or regex
MAX_ASSERTIONS = 200  # assertions of one kind in one block
STATUS_RE = re.compile(r"^[1-5](?:\d\d|xx)$")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
Scalar = str | int | float | bool | None
_UNSET = object()


class Match(BaseModel):
    """What the values a path selects must be; several keys must all hold.

    A plain value instead of a mapping means ``{equals: value}`` (``{glob: value}`` for a header).
    ``equals``, ``glob``, ``regex`` and ``contains`` pass when at least one selected value matches.
    """

    model_config = ConfigDict(extra="forbid")

    exists: bool | None = Field(default=None, description="true: at least one value; false: none.")
    count: int | None = Field(default=None, ge=0, description="Exactly this many values.")
    equals: Any = Field(default=_UNSET, description="A value equal to this (JSON types count: 1 is not \"1\").")
    glob: str | None = Field(default=None, max_length=MAX_EXPRESSION,
                             description="A value matching this shell pattern (*, ?, [..]).")
    regex: str | None = Field(default=None, max_length=MAX_EXPRESSION,
                              description="A value in which this regular expression is found (re.search).")
    contains: str | None = Field(default=None, max_length=MAX_EXPRESSION, description="A value holding this text.")

    @model_validator(mode="after")
    def _not_empty(self) -> Match:
        if self.exists is None and self.count is None and not self.has_equals and (
                self.glob is None and self.regex is None and self.contains is None):
            raise ValueError("a match needs one of exists, count, equals, glob, regex, contains")
        if self.exists is False and (self.has_equals or self.glob or self.regex or self.contains or self.count):
            raise ValueError("exists: false cannot be combined with a value to match")
        return self

    @property
    def has_equals(self) -> bool:
        return self.equals is not _UNSET

    @classmethod
    def of(cls, value: Any, *, shorthand: str = "equals") -> Match:
        """A :class:`Match` from a mapping, or from a plain value meaning ``{shorthand: value}``."""
        if isinstance(value, Match):
            return value
        if isinstance(value, dict):
            return cls.model_validate(value)
        return cls.model_validate({shorthand: value})


MatchSpec = Match | Scalar | list[Any]


def _bounded(items: list[str] | dict[str, Any], kind: str) -> list[str] | dict[str, Any]:
    if len(items) > MAX_ASSERTIONS:
        raise ValueError(f"at most {MAX_ASSERTIONS} {kind} assertions in one block")
    return items


class Expect(BaseModel):
    """What a response (or a recorded exchange) must show; every assertion present must hold.

    ``fhirpath`` and ``xpath`` take a list of boolean expressions (each must be true) or a mapping of
    expression to :class:`Match`; ``json`` takes a mapping of JSONPath (RFC 9535) to :class:`Match`.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    status: int | str | list[int | str] | None = Field(
        default=None, description="A code (200), a class (\"2xx\") or a list of them.")
    headers: dict[str, MatchSpec] | None = Field(
        default=None, description="Header name to a shell pattern on its value (case-insensitive), or a match.")
    fhirpath: list[str] | dict[str, MatchSpec] | None = Field(
        default=None, description="FHIRPath on the JSON body: boolean expressions that must be true, "
                                  "or expression to match.")
    json_: dict[str, MatchSpec] | None = Field(
        default=None, alias="json", description="JSONPath (RFC 9535, from $) on the JSON body to match.")
    xpath: list[str] | dict[str, MatchSpec] | None = Field(
        default=None, description="XPath 1.0 on the XML body: boolean expressions, or expression to match; "
                                  "names without a prefix match any namespace.")
    body_contains: str | list[str] | None = Field(default=None, description="Text the body must hold.")
    body_not_contains: str | list[str] | None = Field(default=None, description="Text the body must not hold.")

    @field_validator("fhirpath", "xpath", mode="before")
    @classmethod
    def _one_expression(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("status")
    @classmethod
    def _status(cls, value: Any) -> Any:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, bool) or (isinstance(item, int) and not 100 <= item <= 599) or (
                    isinstance(item, str) and not STATUS_RE.match(item)):
                raise ValueError(f"status {item!r} is not a code (200), a class (\"2xx\") or a list of them")
        return value

    @field_validator("headers", "fhirpath", "json_", "xpath")
    @classmethod
    def _bounded(cls, value: Any, info: Any) -> Any:
        return value if value is None else _bounded(value, info.field_name.rstrip("_"))

    @field_validator("headers")
    @classmethod
    def _header_names(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        for name in value or {}:
            if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
                raise ValueError(f"{name!r} is not a header name")
        return value


class CaptureSpec(BaseModel):
    """Where one captured value comes from: exactly one source; ``regex`` keeps a part of it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    fhirpath: str | None = Field(default=None, max_length=MAX_EXPRESSION, description="FHIRPath; the first value.")
    json_: str | None = Field(default=None, alias="json", max_length=MAX_EXPRESSION,
                              description="JSONPath (RFC 9535); the first value.")
    xpath: str | None = Field(default=None, max_length=MAX_EXPRESSION, description="XPath 1.0; the first value.")
    header: str | None = Field(default=None, max_length=200, description="A response header's value.")
    body: bool | None = Field(default=None, description="true: the whole body as text.")
    regex: str | None = Field(default=None, max_length=MAX_EXPRESSION,
                              description="Keep the regex's first group (or its whole match) of the value.")
    default: str | None = Field(default=None, description="The value when the source finds nothing (else the "
                                                          "capture fails).")

    @model_validator(mode="after")
    def _one_source(self) -> CaptureSpec:
        sources = [name for name in ("fhirpath", "json_", "xpath", "header", "body") if getattr(self, name)]
        if len(sources) != 1:
            raise ValueError("a capture takes exactly one of fhirpath, json, xpath, header, body")
        return self

    @property
    def source(self) -> tuple[str, str]:
        """``(kind, expression)``: kind is fhirpath, json, xpath, header or body."""
        for name in ("fhirpath", "json_", "xpath", "header"):
            value = getattr(self, name)
            if value:
                return name.rstrip("_"), value
        return "body", ""


class Capture(RootModel[dict[str, CaptureSpec]]):
    """Values to keep for later steps, by name (``${name}`` in their templates)."""

    @field_validator("root")
    @classmethod
    def _names(cls, value: dict[str, CaptureSpec]) -> dict[str, CaptureSpec]:
        for name in value:
            if not NAME_RE.match(name):
                raise ValueError(f"capture name {name!r}: letters, digits, '_' and '-', starting with a letter or '_'")
        return _bounded(value, "capture")  # type: ignore[return-value]
