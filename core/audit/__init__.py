"""FHIR ``AuditEvent``s of accesses to patient data, for every service (DESIGN.md "Audit").

A service adds :data:`AUDIT_EVENT` to its ``FhirSpec`` resources, builds an :class:`Audit` over its
``FhirApi`` and database, and calls ``await audit.record(ctx, principal, access)`` (or
:meth:`Audit.write` on the request's own write connection, so a rejected request leaves no trace of a
write that did not happen). The events' shape: events.py and docs/ms-espace-sante.md "Traces (AuditEvent)".
"""

from core.audit.events import Access, PatientRef, audit_event
from core.audit.recorder import Audit
from core.audit.spec import AUDIT_EVENT

__all__ = ["AUDIT_EVENT", "Access", "Audit", "PatientRef", "audit_event"]
