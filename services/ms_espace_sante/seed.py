"""Seeding a tenant: one DMP (a Patient) per persona with a NIR-based INS (DESIGN.md "Personas").

The real DMP exists for everyone covered by the Assurance Maladie; here a persona's record is a Patient
carrying the INS and the persona's traits (INSi confirms them on every feed; the LPS must not display
traits coming from the DMP: digest §4.5), active, attached to Mon espace santé, with its médecin
traitant. Patients without an INS or with a NIA (provisional) get no record, so feeding one is refused.
Loaded through the kernel's bulk loader, skipping what the tenant holds.
"""

from __future__ import annotations

from datetime import date

from core.app import Census, Counts, Seeder, SeedRequest
from core.oidc.provider import Provider
from core.population.model import Patient
from core.population.personas import personas
from services.ms_espace_sante import child_health
from services.ms_espace_sante.access import PatientConsents
from services.ms_espace_sante.citizen.provider import demo_clients
from services.ms_espace_sante.records import consent_extensions
from services.ms_espace_sante.spec import INS_NIR_SYSTEM
from services.ms_espace_sante.store import DmpStore

DMP_EXT = "https://interop.esante.gouv.fr/ig/fhir/dmp/StructureDefinition"
ATTACHED_TO_MES = f"{DMP_EXT}/dmp-rattachement-mes"


def dmp_patient(patient: Patient) -> dict | None:
    """The DMP Patient of a persona, or None when it has no NIR-based INS."""
    if patient.ins is None or patient.ins.is_nia:
        return None
    consents = PatientConsents(ins=patient.ins.value, medecin_traitant=patient.medecin_traitant,
                               representatives=frozenset(representative_ins(patient)))
    return {
        "resourceType": "Patient", "id": f"dmp-{patient.id}",
        "extension": [{"url": ATTACHED_TO_MES, "valueBoolean": True}, *consent_extensions(consents)],
        "identifier": [{"system": INS_NIR_SYSTEM, "value": patient.ins.value}],
        "active": True,
        # the traits the DMP was opened with: what INSi confirms on every feed (ins_check.confirm_ins)
        "name": [{"use": "official", "family": patient.birth_name, "given": list(patient.first_names)}],
        "gender": {"M": "male", "F": "female"}[patient.sex],
        "birthDate": patient.birth_date,
    }


def representative_ins(patient: Patient) -> list[str]:
    """The INS of a minor persona's legal representatives (patient personas with an INS)."""
    by_id = {p.id: p for p in personas().patients}
    return [by_id[r].ins.value for r in patient.legal_representatives if r in by_id and by_id[r].ins]


def make_seeder(store: DmpStore, logins: Provider) -> Seeder:
    def seed(request: SeedRequest) -> Counts:
        """Load the personas' DMPs (a minor's with growth and vaccinations) and the citizen login's clients;
        answer how many of each were added."""
        added: dict[str, int] = {}
        records = [r for r in map(dmp_patient, personas().patients) if r is not None]
        records += [r for p in personas().patients if dmp_patient(p) is not None
                    for r in child_health.resources(p, f"Patient/dmp-{p.id}", date.today())]
        with store.db.write() as conn:
            store.api.store.bulk_load(conn, tenant=request.tenant, resources=records, skip_existing=True,
                                      tally=added)
            present = {c.client_id for c in logins.store.clients(conn, tenant=request.tenant)}
            clients = demo_clients(logins.settings.base_url(request.tenant))
            for client in clients:
                logins.store.put_client(conn, tenant=request.tenant, client=client, now=0.0, replace=True)
        return {**added, "citizen clients": sum(c.client_id not in present for c in clients)}

    return seed


def make_census(store: DmpStore, logins: Provider) -> Census:
    def census(tenant: str) -> Counts:
        """How many resources of each type, and citizen login clients, the tenant holds now."""
        with logins.db.read() as conn:
            clients = len(logins.store.clients(conn, tenant=tenant))
        return {**store.counts(tenant), "citizen clients": clients}

    return census
