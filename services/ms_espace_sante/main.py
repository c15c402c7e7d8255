"""Module-level app for split mode: ``uvicorn services.ms_espace_sante.main:app`` (settings from the env)."""

from services.ms_espace_sante.app import create_app
from services.ms_espace_sante.settings import SLUG, MsEspaceSanteSettings

app = create_app(MsEspaceSanteSettings.for_slug(SLUG))
