"""Tests of the INS teleservice (INSi SOAP, FHIR façade, sandbox admin)."""
