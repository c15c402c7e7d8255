"""The ``../shared`` directory beside the checkout (official specs, conformance examples): read by tests only.

Locally a test needing it is skipped when it is absent; in CI (``CI`` set) it fails, as the PostgreSQL
and browser tests do, so that a missing directory can never turn contract checks into silent skips.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ENV = "SANDBOX_SHARED_DIR"
CHECKOUT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """``$SANDBOX_SHARED_DIR``, or ``shared`` next to the checkout."""
    return Path(os.environ.get(ENV) or CHECKOUT.parent / "shared")


def shared_path(*parts: str) -> Path:
    """A path under the shared directory; skips the test locally, fails it in CI, when it does not exist."""
    path = shared_dir().joinpath(*parts)
    if path.exists():
        return path
    message = f"{path} not found: tests read the official material from ../shared beside the checkout (or ${ENV})"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must provide it, these tests may not be skipped there")
    pytest.skip(message)
