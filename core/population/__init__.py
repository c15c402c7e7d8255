"""The reference population shared by every service, seed and test (DESIGN.md "Personas").

``model`` holds the plain data types, ``personas`` the named, always-seeded people and structures,
``generator`` the seeded generator of large populations (patients there, professionals and structures in
``workforce``/``structures``), ``geography`` the COG tables and checks (data in ``places``), ``names`` the
name tables. Services turn these into their own rows or FHIR resources; nothing here knows about a service.
"""
