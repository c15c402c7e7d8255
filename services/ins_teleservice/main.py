"""Module-level app for split mode: ``uvicorn services.ins_teleservice.main:app`` (settings from the env)."""

from services.ins_teleservice.app import create_app
from services.ins_teleservice.settings import SLUG, InsTeleserviceSettings

app = create_app(InsTeleserviceSettings.for_slug(SLUG))
