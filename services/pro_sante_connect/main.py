"""Module-level app for split mode: ``uvicorn services.pro_sante_connect.main:app`` (settings from the env)."""

from services.pro_sante_connect.app import create_app
from services.pro_sante_connect.settings import SLUG, ProSanteConnectSettings

app = create_app(ProSanteConnectSettings.for_slug(SLUG))
