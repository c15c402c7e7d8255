"""The code systems a prescribed medication is coded in (digest §5.2, FR ePrescription IG ``aliases.fsh``).

One place for the URIs the prescription lines, the dispensings and the drug reference share. Medicabase's
real URI is not published (the IG uses a placeholder): the sandbox takes the IG's, and says so in
docs/eprescription.md.
"""

from __future__ import annotations

ANSM = "http://data.esante.gouv.fr/ansm/medicament"
UCD = f"{ANSM}/UCD"
CIS = f"{ANSM}/SpecialitePharmaceutique"
CIP = f"{ANSM}/Presentation"  # CIP13
SMS = f"{ANSM}/codeSMS"
SUBSTANCE = f"{ANSM}/substance"
MEDICABASE = "http://BogusSystemMedicabase.com"  # the IG's placeholder (the real URI is not published)
EDQM = "http://standardterms.edqm.eu"
UCUM = "http://unitsofmeasure.org"

# what each system is called in errors and docs
NAMES = {UCD: "UCD", CIS: "CIS", CIP: "CIP13", SMS: "SMS substance", SUBSTANCE: "ANSM substance",
         MEDICABASE: "Medicabase"}
PRESCRIBABLE = tuple(NAMES)  # the systems a line's medicationCodeableConcept may use
