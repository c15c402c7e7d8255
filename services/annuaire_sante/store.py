"""Queries of the directory beyond the FHIR API: walking a tenant's records for the extraction files.

Records are read in chunks in id order (keyset pagination), with their situations and structures, from
the kernel's FHIR tables; each chunk uses its own short read, so a long download never holds the
database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select

from core.fhir.router import FhirService

CHUNK = 500


@dataclass
class Professional:
    """A Practitioner with its PractitionerRoles and the structures they point to (parsed JSON)."""

    practitioner: dict
    roles: list[dict]


@dataclass
class DirectoryStore:
    fhir: FhirService
    organizations: dict[str, dict | None] = field(default_factory=dict)  # per walk; id -> Organization

    def _chunks(self, tenant: str, rtype: str) -> Iterator[list[tuple[str, dict]]]:
        res = self.fhir.tables.res
        last = ""
        while True:
            with self.fhir.db.read() as conn:
                rows = conn.execute(
                    select(res.c.rid, res.c.body).where(
                        res.c.tenant == tenant, res.c.rtype == rtype, res.c.deleted.is_(False), res.c.rid > last)
                    .order_by(res.c.rid).limit(CHUNK)).all()
            if not rows:
                return
            last = rows[-1].rid
            yield [(r.rid, json.loads(r.body)) for r in rows]

    def professionals(self, *, tenant: str) -> Iterator[Professional]:
        """Every Practitioner of the tenant with its situations, in id order."""
        ref = self.fhir.tables.ref
        store = self.fhir.api.store
        for chunk in self._chunks(tenant, "Practitioner"):
            ids = [rid for rid, _ in chunk]
            with self.fhir.db.read() as conn:
                role_ids = conn.execute(select(ref.c.rid).where(
                    ref.c.tenant == tenant, ref.c.rtype == "PractitionerRole", ref.c.param == "practitioner",
                    ref.c.target_type == "Practitioner", ref.c.target_id.in_(ids))).scalars().all()
                roles = [json.loads(s.body) for s in store.many(
                    conn, tenant=tenant, keys=[("PractitionerRole", rid) for rid in sorted(role_ids)])]
            by_practitioner: dict[str, list[dict]] = {}
            for role in roles:
                target = role.get("practitioner", {}).get("reference", "").rpartition("/")[2]
                by_practitioner.setdefault(target, []).append(role)
            self._load_organizations(tenant, roles)
            for rid, practitioner in chunk:
                yield Professional(practitioner, by_practitioner.get(rid, []))

    def structures(self, *, tenant: str) -> Iterator[dict]:
        """Every Organization of the tenant, in id order."""
        for chunk in self._chunks(tenant, "Organization"):
            for rid, organization in chunk:
                self.organizations[rid] = organization
            self._load_organizations(tenant, [o for _, o in chunk])
            yield from (o for _, o in chunk)

    def organization(self, reference: dict | None) -> dict | None:
        """The Organization a reference points to, when it was loaded with its chunk."""
        rid = (reference or {}).get("reference", "").rpartition("/")[2]
        return self.organizations.get(rid)

    def _load_organizations(self, tenant: str, resources: list[dict]) -> None:
        """Load the organisations (and their parent EJ) that ``resources`` point to, with a bounded cache."""
        wanted = {ref.get("reference", "").rpartition("/")[2] for r in resources
                  for ref in (r.get("organization"), r.get("partOf")) if isinstance(ref, dict)}
        if len(self.organizations) > 50_000:
            self.organizations.clear()
        for _ in range(2):  # the structures, then the legal entities they are part of
            missing = sorted(rid for rid in wanted if rid and rid not in self.organizations)
            if not missing:
                return
            with self.fhir.db.read() as conn:
                found = {s.rid: json.loads(s.body) for s in self.fhir.api.store.many(
                    conn, tenant=tenant, keys=[("Organization", rid) for rid in missing])}
            self.organizations.update({rid: found.get(rid) for rid in missing})
            wanted = {o["partOf"]["reference"].rpartition("/")[2] for o in found.values() if "partOf" in o}
