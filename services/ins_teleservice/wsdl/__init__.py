"""The INSi contract served by the sandbox: a WSDL and XSDs written for it, with the same namespaces,
elements, occurrences, messages and actions as the CNAM's DESIR_ICIR_EXP 1.5.0 (digest §1.2)."""
