"""Module-level app for split mode: ``uvicorn services.eprescription.main:app`` (settings from the env)."""

from services.eprescription.app import create_app
from services.eprescription.settings import SLUG, EprescriptionSettings

app = create_app(EprescriptionSettings.for_slug(SLUG))
