"""Module-level app for split mode: ``uvicorn services.annuaire_sante.main:app`` (settings from the env)."""

from services.annuaire_sante.app import create_app
from services.annuaire_sante.settings import SLUG, AnnuaireSanteSettings

app = create_app(AnnuaireSanteSettings.for_slug(SLUG))
