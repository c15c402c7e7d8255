"""The reference population shared by every service, seed and test (DESIGN.md "Personas").

``model`` holds the plain data types, ``personas`` the named, always-seeded people and structures,
``generator`` the seeded generator of large populations. Services turn these into their own rows or
FHIR resources; nothing here knows about a service.
"""
