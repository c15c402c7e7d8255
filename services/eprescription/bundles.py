"""The Bundles the ordonnance numérique answers: the prescription's transaction-response, a prescription's
lines or dispensings as a ``searchset``, a cancellation's lines as a ``collection``."""

from __future__ import annotations

import json
import uuid

from core.fhir.interactions import FhirContext, FhirResult
from core.fhir.store import now


def transaction_response(results: list[FhirResult]) -> dict:
    """One entry per line: the stored line and its 201 (location, etag, lastModified)."""
    entries = []
    for result in results:
        assert result.stored is not None
        entries.append({"fullUrl": result.headers["Location"].split("/_history/")[0],
                        "resource": json.loads(result.stored.body),
                        "response": {"status": "201 Created", "location": result.headers["Location"],
                                     "etag": result.headers["ETag"], "lastModified": result.stored.last_updated}})
    return {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "transaction-response", "entry": entries}


def of_resources(ctx: FhirContext, resources: list[dict], *, kind: str = "searchset",
                 self_url: str | None = None) -> dict:
    """A Bundle of ``resources`` (already as the caller may see them), with ``total`` for a searchset."""
    bundle: dict = {"resourceType": "Bundle", "id": str(uuid.uuid4()), "meta": {"lastUpdated": now()[0]},
                    "type": kind}
    if kind == "searchset":
        bundle["total"] = len(resources)
        if self_url:
            bundle["link"] = [{"relation": "self", "url": self_url}]
    bundle["entry"] = [{"fullUrl": f"{ctx.base}/{r['resourceType']}/{r['id']}", "resource": r,
                        **({"search": {"mode": "match"}} if kind == "searchset" else {})} for r in resources]
    return bundle


def dumps(bundle: dict) -> str:
    return json.dumps(bundle, ensure_ascii=False)
