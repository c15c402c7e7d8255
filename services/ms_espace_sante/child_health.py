"""What a child persona's record shows (roadmap 1-3, the child health record): growth and vaccinations.

Seeded for every patient persona under 18 with a record (seed.py): the growth measurements (LOINC 29463-7
body weight, 8302-2 body height) at the ages already reached, and the vaccinations of the French
calendar's first years (hexavalent and pneumococcal at 2, 4 and 11 months, MMR at 12 and 16 months, the
boosters at 6 and 11 years), dated from the birth date. The values are fictitious, typical of a child of
that age; the vaccine codes are the sandbox's (``vaccineCode.text`` names the vaccine).
"""

from __future__ import annotations

from datetime import date

from core.population.model import Patient

VACCINES = "https://sandbox.esante.local/fhir/CodeSystem/vaccine"
LOINC = "http://loinc.org"
GROWTH = ((0, 3.4, 50), (12, 9.6, 76), (24, 12.2, 88), (72, 20.5, 116), (144, 40.0, 150))  # months, kg, cm
SCHEDULE = (("hexavalent", "DTCaP-Hib-HepB (hexavalent)", (2, 4, 11)),
            ("pneumocoque", "Pneumocoque conjugué", (2, 4, 11)),
            ("ror", "Rougeole, oreillons, rubéole (ROR)", (12, 16)),
            ("dtcap-6", "DTCaP, rappel de 6 ans", (72,)),
            ("dtcap-11", "dTcaP, rappel de 11 ans", (132,)))


def at_months(born: date, months: int) -> date:
    year, month = divmod(born.month - 1 + months, 12)
    return date(born.year + year, month + 1, min(born.day, 28))


def resources(patient: Patient, reference: str, today: date) -> list[dict]:
    """The Observations and Immunizations of a minor persona's record (none for an adult)."""
    born = date.fromisoformat(patient.birth_date)
    if (today.year - born.year - ((today.month, today.day) < (born.month, born.day))) >= 18:
        return []
    rid = reference.split("/", 1)[1]
    found: list[dict] = []
    for months, kg, cm in GROWTH:
        when = at_months(born, months)
        if when > today:
            continue
        for code, display, value, unit in (("29463-7", "Body weight", kg, "kg"), ("8302-2", "Body height", cm, "cm")):
            found.append({"resourceType": "Observation", "id": f"{rid}-{code}-{months}m", "status": "final",
                          "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                                              "observation-category", "code": "vital-signs"}]}],
                          "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                          "subject": {"reference": reference}, "effectiveDateTime": when.isoformat(),
                          "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                                            "code": unit}})
    for code, name, ages in SCHEDULE:
        for dose, months in enumerate(ages, start=1):
            when = at_months(born, months)
            if when <= today:
                found.append({"resourceType": "Immunization", "id": f"{rid}-{code}-{dose}", "status": "completed",
                              "vaccineCode": {"coding": [{"system": VACCINES, "code": code}], "text": name},
                              "patient": {"reference": reference}, "occurrenceDateTime": when.isoformat(),
                              "protocolApplied": [{"doseNumberPositiveInt": dose}]})
    return found
