"""INS teleservice (INSi) stand-in: SOAP 1.2 per the CNAM WSDL, a FHIR façade, and sandbox admin routes.

See the spec digest §1 (INS and INSi) and §8 (codes); docs/ins-teleservice.md for endpoints and codes.
"""
