"""The resource types and search parameters the ordonnance numérique stores (digest §5.2, §5.3).

A prescription is no resource of its own (FR ePrescription IG): its lines are ``MedicationRequest``s
sharing one ``groupIdentifier``, the prescription number (numbers.py). A dispensing is a FR Core
``MedicationDispense`` whose ``authorizingPrescription`` names one line. Patients are named by their INS
(a logical ``subject.identifier``: the service keeps no Patient resources). Writes never go through the
kernel's generic routes: prescribing.py and dispensing.py apply the rules, then call the kernel store on
one connection. AuditEvents (core/audit) trace every consultation.
"""

from __future__ import annotations

from core.audit import AUDIT_EVENT
from core.fhir.declare import FhirSpec, ResourceSpec, SearchParam

INS_NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
INS_NIA_SYSTEM = "urn:oid:1.2.250.1.213.1.4.9"
ID_NAT_PS = "urn:oid:1.2.250.1.71.4.2.1"  # idNat_PS of the prescriber and the pharmacist
SANDBOX_EXT = "https://sandbox.esante.local/fhir/StructureDefinition"
NUMBER_EXT = f"{SANDBOX_EXT}/eprescription-number"  # on a MedicationDispense: the prescription it executes
READ_ONLY = frozenset({"read", "search-type"})
WRITTEN = READ_ONLY | {"create"}  # by prescribing.py and dispensing.py only (no generic create route)

MEDICATION_REQUEST = ResourceSpec("MedicationRequest", params=(
    SearchParam("group-identifier", "token", "MedicationRequest.groupIdentifier"),
    SearchParam("patient-identifier", "token", "MedicationRequest.subject.identifier"),
    SearchParam("requester-identifier", "token", "MedicationRequest.requester.identifier"),
    SearchParam("status", "token", "MedicationRequest.status"),
    SearchParam("intent", "token", "MedicationRequest.intent"),
    SearchParam("authoredon", "date", "MedicationRequest.authoredOn"),
    SearchParam("code", "token", "MedicationRequest.medication.as(CodeableConcept)"),
), interactions=WRITTEN)

MEDICATION_DISPENSE = ResourceSpec("MedicationDispense", params=(
    SearchParam("prescription", "reference", "MedicationDispense.authorizingPrescription",
                targets=("MedicationRequest",)),
    SearchParam("prescription-number", "token", f"MedicationDispense.extension('{NUMBER_EXT}').value"),
    SearchParam("patient-identifier", "token", "MedicationDispense.subject.identifier"),
    SearchParam("performer-identifier", "token", "MedicationDispense.performer.actor.identifier"),
    SearchParam("status", "token", "MedicationDispense.status"),
    SearchParam("whenhandedover", "date", "MedicationDispense.whenHandedOver"),
), interactions=WRITTEN)


# the drug reference: its own tables (drug_reference.py), declared here for the CapabilityStatement only
MEDICATION = ResourceSpec("Medication", params=(
    SearchParam("code", "token", "Medication.code"),
    SearchParam("name", "string", "Medication.code.text"),
), interactions=READ_ONLY)


def epr_spec() -> FhirSpec:
    return FhirSpec(resources=[MEDICATION_REQUEST, MEDICATION_DISPENSE, MEDICATION, AUDIT_EVENT], name="eprescription")
