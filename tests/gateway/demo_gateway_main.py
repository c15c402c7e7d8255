"""The gateway over the demo service, for live-server tests (``uvicorn --factory`` target)."""

from core.settings import SandboxSettings
from gateway.app import Gateway, create_app
from tests.gateway.demo_service import SPEC


def app() -> Gateway:
    """Settings from ``SANDBOX_*`` (data directory, durable recording ...)."""
    return create_app(SandboxSettings(), [SPEC])
