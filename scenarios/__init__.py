"""Scenario engine and the library of patient journeys (to come; DESIGN.md "Scenarios")."""
