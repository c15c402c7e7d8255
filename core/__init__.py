"""Shared kernel of the e-santé sandbox: settings, app factory helpers, database, errors, FHIR store."""
