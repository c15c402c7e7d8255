"""Mon espace santé / DMP for professionals: document sharing (PDSm / IHE MHD) over the FHIR kernel."""
