"""Module-level app for split mode: ``uvicorn tests.kernel_app.main:app`` (settings from the env)."""

from core.settings import ServiceSettings
from tests.kernel_app.app import SLUG, create_app

app = create_app(ServiceSettings.for_slug(SLUG))
