"""The ``CapabilityStatement`` served at ``/metadata``, generated from what the service declared."""

from __future__ import annotations

from core.fhir.declare import FhirSpec

INTERACTION_CODES = {
    "read": "read", "vread": "vread", "update": "update", "patch": "patch", "delete": "delete",
    "history-instance": "history-instance", "create": "create", "search-type": "search-type",
}


def capability_statement(spec: FhirSpec, base: str, *, title: str, software_version: str) -> dict:
    resources = []
    for res in spec.resources:
        entry: dict = {
            "type": res.type,
            "interaction": [{"code": INTERACTION_CODES[i]} for i in sorted(res.interactions)],
            "versioning": "versioned-update" if res.require_if_match else "versioned",
            "readHistory": "vread" in res.interactions,
            "updateCreate": "update" in res.interactions,
            "conditionalCreate": "create" in res.interactions,
            "conditionalUpdate": False,
            "conditionalDelete": "not-supported",
            "searchParam": [
                {"name": "_id", "type": "token"},
                {"name": "_lastUpdated", "type": "date"},
                *[{"name": p.name, "type": p.type, **({"documentation": p.description} if p.description else {})}
                  for p in res.params],
            ],
        }
        if res.profile:
            entry["profile"] = res.profile
        refs = [p for p in res.params if p.type == "reference"]
        if refs:
            entry["searchInclude"] = ["*", *[f"{res.type}:{p.name}" for p in refs]]
        revs = [f"{other.type}:{p.name}" for other in spec.resources for p in other.params
                if p.type == "reference" and (not p.targets or res.type in p.targets)]
        if revs:
            entry["searchRevInclude"] = revs
        resources.append(entry)
    system = [{"code": "batch"}, *([{"code": "transaction"}] if spec.transactions else []), {"code": "search-system"}]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-01-01",
        "publisher": "e-santé sandbox",
        "kind": "instance",
        "software": {"name": title, "version": software_version},
        "implementation": {"description": title, "url": base},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "patchFormat": ["application/json-patch+json", "application/fhir+json"],
        "rest": [{"mode": "server", "resource": resources, "interaction": system}],
    }
