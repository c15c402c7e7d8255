"""The HTTP routes of Mon espace santé: the PDSm FHIR API (ITI-65, ITI-105, ITI-68, TD02)."""
