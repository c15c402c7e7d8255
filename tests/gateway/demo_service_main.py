"""Module-level demo service for split-mode tests: ``uvicorn tests.gateway.demo_service_main:app``."""

from core.settings import ServiceSettings
from tests.gateway.demo_service import SLUG, create_app

app = create_app(ServiceSettings.for_slug(SLUG))
