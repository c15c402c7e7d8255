"""Mon espace santé's store: the kernel's FHIR store (core/fhir) over the DMP's resource types (spec.py).

A thin handle the routes and the transaction code share: the kernel's ``FhirApi`` (create, read, patch,
search, all on a connection the caller opens), the database (one write transaction per request, so a
refused request stores nothing) and the URLs a tenant's resources are known by.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from core.audit import Audit
from core.db import Database
from core.fhir.interactions import FhirApi, FhirContext
from core.fhir.router import FhirService
from core.fhir.store import Stored
from core.oidc.provider import Provider
from services.ms_espace_sante.habilitations import Matrix, default_matrix
from services.ms_espace_sante.prevention import DEFAULT_RULES, Rule
from services.ms_espace_sante.spec import INS_NIR_SYSTEM
from services.ms_espace_sante.valuesets import ValueSets, bundled


@dataclass
class DmpStore:
    fhir: FhirService
    audit: Audit = field(init=False)  # the AuditEvents of every access (core/audit), in this store
    valuesets: ValueSets = field(default_factory=bundled)  # with MS_ESPACE_SANTE_EXTRA_CODES (app.py)
    matrix: Matrix = field(default_factory=default_matrix)  # or MS_ESPACE_SANTE_HABILITATIONS_FILE's (app.py)
    logins: Provider | None = None  # the citizen login (app.py): revoking an app ends its sessions
    prevention: tuple[Rule, ...] = DEFAULT_RULES  # or MS_ESPACE_SANTE_PREVENTION_RULES_FILE's (app.py)
    feeders: frozenset[str] = frozenset()  # MS_ESPACE_SANTE_FEEDER_CLIENTS (app.py): software that may write

    def __post_init__(self) -> None:
        self.audit = Audit(self.fhir.api, self.fhir.db, self.fhir.spec.name)

    @property
    def api(self) -> FhirApi:
        return self.fhir.api

    @property
    def db(self) -> Database:
        return self.fhir.db

    def context(self, request: Request) -> FhirContext:
        """The tenant, its absolute FHIR base and the request's ``Prefer`` (the kernel's context)."""
        return self.fhir.context(request)

    @staticmethod
    def binary_url(ctx: FhirContext, rid: str) -> str:
        """The absolute ITI-68 URL of a stored Binary: what ``content.attachment.url`` carries."""
        return f"{ctx.base}/Binary/{rid}"

    def binary_id(self, ctx: FhirContext, url: str) -> str | None:
        """The Binary id an attachment URL names (absolute under this base, or relative), else None."""
        for prefix in (f"{ctx.base}/Binary/", "Binary/"):
            if url.startswith(prefix) and "/" not in url[len(prefix):]:
                return url[len(prefix):]
        return None

    def patient_by_ins(self, conn, ctx: FhirContext, ins: str, system: str = INS_NIR_SYSTEM) -> Stored | None:
        """The DMP (Patient) of an INS in this tenant, or None: the patient has no record here."""
        found = self.api.find(conn, ctx, "Patient", f"identifier={system}|{ins}")
        return found[0] if found else None

    def counts(self, tenant: str) -> dict[str, int]:
        with self.db.read() as conn:
            return self.api.store.counts(conn, tenant=tenant)
