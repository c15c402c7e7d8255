"""Module-level app for ``uvicorn gateway.main:app`` (settings from the environment)."""

from core.settings import SandboxSettings
from gateway.app import create_app

app = create_app(SandboxSettings())
