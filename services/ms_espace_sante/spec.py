"""The resource types and search parameters Mon espace santé stores in the kernel's FHIR store (digest §4.2).

DocumentReference (fiche), List (submission sets and folders), Binary (the documents' bytes), Patient
(one per DMP, answered by TD02), Consent (the patient's choices), Communication (prevention messages),
Observation and Immunization (a child's growth and vaccinations), Condition (what the patient declares)
and AuditEvent (core/audit: the traces of
every access). Every
parameter is an indexed column (core/fhir/index.py); the ITI-67
and ITI-66 searches run on them. Writes never go through the kernel's generic routes: transactions.py
and publish.py check the PDSm rules first, then call the kernel store on one connection.
"""

from __future__ import annotations

from core.audit import AUDIT_EVENT
from core.fhir.declare import FhirSpec, ResourceSpec, SearchParam
from services.ms_espace_sante import authors

INS_NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
INS_NIA_SYSTEM = "urn:oid:1.2.250.1.213.1.4.9"
MHD_LIST_TYPES = "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes"
IS_ARCHIVED = "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-ext-is-archived"
READ_ONLY = frozenset({"read", "search-type"})
WRITTEN = READ_ONLY | {"create"}  # by ITI-65 / ITI-105 only, through the PDSm rules (no generic create route)

# the contained resources a DocumentReference's authors name, and the Practitioner a contained PractitionerRole
# names (access.author_ids reads the same ones, through authors.py)
_AUTHOR_REFS = "%context.author.reference"
AUTHORS = (f"DocumentReference.contained.where(('#' + id) in ({_AUTHOR_REFS} | %context.contained.where(('#' + id) "
           f"in {_AUTHOR_REFS}).practitioner.reference))")

MHD_EXT = "https://profiles.ihe.net/ITI/MHD/StructureDefinition/"
SOURCES = ("List.contained.where(('#' + id) in (%context.source.reference | %context.contained.where(('#' + id) "
           "in %context.source.reference).practitioner.reference))")

DOCUMENT_REFERENCE = ResourceSpec("DocumentReference", params=(
    SearchParam("patient", "reference", "DocumentReference.subject", targets=("Patient",)),
    SearchParam("subject", "reference", "DocumentReference.subject", targets=("Patient",)),
    SearchParam("status", "token", "DocumentReference.status"),
    SearchParam("identifier", "token", "DocumentReference.masterIdentifier | DocumentReference.identifier"),
    SearchParam("type", "token", "DocumentReference.type"),
    SearchParam("category", "token", "DocumentReference.category"),
    SearchParam("date", "date", "DocumentReference.date"),
    SearchParam("creation", "date", "DocumentReference.content.attachment.creation"),
    SearchParam("period", "date", "DocumentReference.context.period"),
    SearchParam("event", "token", "DocumentReference.context.event"),
    SearchParam("facility", "token", "DocumentReference.context.facilityType"),
    SearchParam("setting", "token", "DocumentReference.context.practiceSetting"),
    SearchParam("security-label", "token", "DocumentReference.securityLabel"),
    SearchParam("format", "token", "DocumentReference.content.format"),
    SearchParam("relatesto", "reference", "DocumentReference.relatesTo.target", targets=("DocumentReference",)),
    SearchParam("relation", "token", "DocumentReference.relatesTo.code"),
    SearchParam("isArchived", "token", f"DocumentReference.extension('{IS_ARCHIVED}').value"),
    SearchParam("period-start", "date", "DocumentReference.context.period.start"),
    SearchParam("period-end", "date", "DocumentReference.context.period.end"),
    # author.given / author.family / author.identifier (routers/search.py rewrites the chain): the authors are
    # contained resources, which the kernel's chaining cannot reach, so their names and ids are indexed here
    # (extracted by authors.py, which gives what the expressions give, ~100x faster)
    SearchParam("author-given", "string", f"{AUTHORS}.name.given", extract=authors.names("author", "given")),
    SearchParam("author-family", "string", f"{AUTHORS}.name.family", extract=authors.names("author", "family")),
    SearchParam("author-identifier", "token", f"DocumentReference.author.identifier | {AUTHORS}.identifier | "
                f"{AUTHORS}.practitioner.identifier", extract=authors.author_identifiers),
), interactions=WRITTEN | {"patch"})  # metadata updates (routers/updates.py)

LIST = ResourceSpec("List", params=(
    SearchParam("patient", "reference", "List.subject", targets=("Patient",)),
    SearchParam("subject", "reference", "List.subject", targets=("Patient",)),
    SearchParam("code", "token", "List.code"),
    SearchParam("status", "token", "List.status"),
    SearchParam("identifier", "token", "List.identifier"),
    SearchParam("date", "date", "List.date"),
    SearchParam("title", "string", "List.title"),
    SearchParam("item", "reference", "List.entry.item", targets=("DocumentReference", "List")),
    SearchParam("designationType", "token", f"List.extension('{MHD_EXT}ihe-designationType').value"),
    SearchParam("sourceId", "token", f"List.extension('{MHD_EXT}ihe-sourceId').value"),
    SearchParam("isArchived", "token", f"List.extension('{IS_ARCHIVED}').value"),
    # source.given / source.family (routers/search.py rewrites the chain), as author.* above
    SearchParam("source-given", "string", f"{SOURCES}.name.given", extract=authors.names("source", "given")),
    SearchParam("source-family", "string", f"{SOURCES}.name.family", extract=authors.names("source", "family")),
), interactions=WRITTEN)

BINARY = ResourceSpec("Binary", interactions=frozenset({"read", "create"}))

PATIENT = ResourceSpec("Patient", params=(
    SearchParam("identifier", "token", "Patient.identifier"),
    SearchParam("active", "token", "Patient.active"),
), interactions=READ_ONLY)


# the patient's consents (routers/consents.py): blocking, oppositions, temporary accesses; revoked, never deleted
CONSENT = ResourceSpec("Consent", params=(
    SearchParam("patient", "reference", "Consent.patient", targets=("Patient",)),
    SearchParam("status", "token", "Consent.status"),
    SearchParam("action", "token", "Consent.provision.type"),
    SearchParam("actor", "token", "Consent.provision.actor.reference.identifier"),
    SearchParam("purpose", "token", "Consent.provision.purpose"),
    SearchParam("period", "date", "Consent.provision.period"),
), interactions=READ_ONLY | {"create"})


# the prevention messages (prevention_runs.py), the patient's to read (routers/prevention.py)
COMMUNICATION = ResourceSpec("Communication", params=(
    SearchParam("patient", "reference", "Communication.subject", targets=("Patient",)),
    SearchParam("identifier", "token", "Communication.identifier"),
    SearchParam("sent", "date", "Communication.sent"),
    SearchParam("topic", "token", "Communication.topic"),
    SearchParam("category", "token", "Communication.category"),
), interactions=READ_ONLY | {"create"})


# a child's growth and vaccinations (seed.py), the patient's to read (routers/patient_data.py)
OBSERVATION = ResourceSpec("Observation", params=(
    SearchParam("patient", "reference", "Observation.subject", targets=("Patient",)),
    SearchParam("code", "token", "Observation.code"),
    SearchParam("date", "date", "Observation.effective"),
), interactions=READ_ONLY)
IMMUNIZATION = ResourceSpec("Immunization", params=(
    SearchParam("patient", "reference", "Immunization.patient", targets=("Patient",)),
    SearchParam("vaccine-code", "token", "Immunization.vaccineCode"),
    SearchParam("date", "date", "Immunization.occurrence"),
), interactions=READ_ONLY)

# the conditions a patient declares (routers/patient_data.py), which prevention rules look at
CONDITION = ResourceSpec("Condition", params=(
    SearchParam("patient", "reference", "Condition.subject", targets=("Patient",)),
    SearchParam("code", "token", "Condition.code"),
    SearchParam("clinical-status", "token", "Condition.clinicalStatus"),
), interactions=READ_ONLY | {"create"})


def dmp_spec() -> FhirSpec:
    return FhirSpec(resources=[DOCUMENT_REFERENCE, LIST, BINARY, PATIENT, CONSENT, COMMUNICATION, OBSERVATION,
                               IMMUNIZATION, CONDITION, AUDIT_EVENT],
                    name="ms-espace-sante")
