"""The AuditEvent resource type a service declares to keep its traces in the kernel's FHIR store.

Read and search only (an access trace is never changed or deleted). ``patient`` is the R4 parameter
restricted to the entities naming a Patient, so ``patient.identifier=<INS system>|<INS>`` chains to the
service's Patient resources; ``entity-identifier`` (sandbox) finds the patient by INS in a service
without Patient resources; ``agent-identifier`` (sandbox) lists one professional's accesses.
"""

from __future__ import annotations

from core.fhir.declare import ResourceSpec, SearchParam

AUDIT_EVENT = ResourceSpec("AuditEvent", params=(
    SearchParam("date", "date", "AuditEvent.recorded"),
    SearchParam("action", "token", "AuditEvent.action"),
    SearchParam("outcome", "token", "AuditEvent.outcome"),
    SearchParam("type", "token", "AuditEvent.type"),
    SearchParam("subtype", "token", "AuditEvent.subtype"),
    SearchParam("purpose", "token", "AuditEvent.purposeOfEvent"),
    SearchParam("altid", "token", "AuditEvent.agent.altId"),
    SearchParam("agent", "reference", "AuditEvent.agent.who"),
    SearchParam("agent-identifier", "token", "AuditEvent.agent.who.identifier",
                description="sandbox: the identifier (idNat_PS, INS) of an agent"),
    SearchParam("entity", "reference", "AuditEvent.entity.what"),
    SearchParam("entity-identifier", "token", "AuditEvent.entity.what.identifier",
                description="sandbox: the identifier (INS) of an entity"),
    SearchParam("patient", "reference", "AuditEvent.entity.what", targets=("Patient",)),
    SearchParam("site", "token", "AuditEvent.source.site"),
), interactions=frozenset({"read", "search-type"}))
