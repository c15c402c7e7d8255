"""HTTP routes of the INS teleservice: SOAP (``/lps``), FHIR façade (``/fhir``), sandbox admin."""
