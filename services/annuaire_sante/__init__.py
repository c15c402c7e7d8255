"""Annuaire Santé stand-in (slug ``annuaire-sante``): RPPS / FINESS / MSSanté directory, FHIR read-only."""
