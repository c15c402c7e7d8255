"""Digits and integers read from client input: ASCII digits only, integers bounded (issue 9 items 4-5).

Python's ``str.isdigit()``, ``int()`` and the regex ``\\d`` accept every Unicode decimal digit (full-width
``１９８５``, Arabic-Indic ``١٩٨٥``, even superscripts for ``isdigit``): such a value passes a check, then never
equals the ASCII value stored, or ``int()`` fails later with a 500. Every check of a client's digits goes
through :func:`ascii_digits` (regular expressions use ``[0-9]``), every integer through :func:`bounded_int`,
whose :data:`MAX_INT` keeps it inside any database integer (SQLite and PostgreSQL ``BIGINT`` stop at 2^63 - 1).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

MAX_INT = 2**31 - 1  # the largest integer a query parameter may carry (_offset, offset, _count, seed ...)
INTEGER = re.compile(r"-?[0-9]{1,19}")


def ascii_digits(value: object, length: int | None = None) -> bool:
    """True when ``value`` is a non-empty string of ASCII digits 0-9 (exactly ``length`` of them when given)."""
    return (isinstance(value, str) and value.isascii() and value.isdigit()
            and (length is None or len(value) == length))


def bounded_int(value: str, *, minimum: int = 0, maximum: int = MAX_INT) -> int:
    """The integer ``value`` writes in ASCII digits, within [minimum, maximum]; ValueError saying why otherwise."""
    if not isinstance(value, str) or not INTEGER.fullmatch(value):
        raise ValueError(f"must be an integer written with the digits 0-9, not {str(value)[:40]!r}")
    number = int(value)
    if not minimum <= number <= maximum:
        raise ValueError(f"must be between {minimum} and {maximum}, not {value}")
    return number


def _ascii_int(value: object) -> object:
    if isinstance(value, str):
        if not INTEGER.fullmatch(value):
            raise ValueError("must be an integer written with the digits 0-9")
        return int(value)
    return value


# A FastAPI query parameter holding an integer: ASCII digits only (no '+', '_', '1.0', spaces); bound it
# with ``Query(ge=..., le=MAX_INT)``.
AsciiInt = Annotated[int, BeforeValidator(_ascii_int)]
