"""Bundles assembled from stored JSON fragments (DESIGN.md "Hot path": no model round-trip on reads)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from core.fhir.search import SearchRequest, SearchResult
from core.fhir.store import Stored, now

SUBSETTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}
ALWAYS_KEPT = ("resourceType", "id", "meta")
PageUrl = Callable[[int], str]  # offset -> the URL of the page starting there


def subset(body: str, elements: list[str]) -> str:
    """Keep only ``elements`` (plus id and meta) and tag the resource SUBSETTED."""
    resource = json.loads(body)
    kept = {k: v for k, v in resource.items() if k in ALWAYS_KEPT or k in elements}
    meta = kept.setdefault("meta", {})
    meta["tag"] = [*meta.get("tag", []), SUBSETTED]
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":"))


def _entry(base: str, stored: Stored, mode: str, elements: list[str] | None) -> str:
    body = subset(stored.body, elements) if elements else stored.body
    full_url = json.dumps(f"{base}/{stored.rtype}/{stored.rid}")
    return f'{{"fullUrl":{full_url},"resource":{body},"search":{{"mode":"{mode}"}}}}'


def _link(relation: str, url: str) -> dict:
    return {"relation": relation, "url": url}


def searchset(base: str, req: SearchRequest, result: SearchResult, *, page_url: PageUrl | None = None,
              self_url: str | None = None) -> str:
    """A ``searchset`` Bundle with ``total`` (unless ``_total=none``), self/next/previous links and entries.

    ``page_url(offset)`` makes the next and previous links (the query with ``_offset`` by default);
    ``self_url`` replaces the self link (the ``_page`` link a page was reached by).
    """
    def offset_url(offset: int) -> str:
        query = req.link_query()
        if offset:
            query.append(("_offset", str(offset)))
        return f"{base}/{req.rtype}?{urlencode(query)}" if req.rtype else f"{base}?{urlencode(query)}"

    other = page_url or offset_url
    links = [_link("self", self_url or offset_url(req.offset))]
    if not req.summary_count and result.more:
        links.append(_link("next", other(req.offset + req.count)))
    if not req.summary_count and req.offset > 0:
        links.append(_link("previous", other(max(req.offset - req.count, 0))))
    entries = [_entry(base, s, "match", req.elements) for s in result.matches]
    entries += [_entry(base, s, "include", None) for s in result.included]
    head = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": now()[0]},
        "type": "searchset",
        **({"total": result.total} if result.total is not None else {}),
        "link": links,
    }
    prefix = json.dumps(head, ensure_ascii=False)[:-1]
    return prefix + (',"entry":[' + ",".join(entries) + "]}" if entries else "}")


def history(base: str, rtype: str, rid: str, total: int, versions: list[tuple[Stored, str]]) -> str:
    """An instance ``history`` Bundle, newest version first."""
    entries = []
    for stored, method in versions:
        url = rtype if method == "POST" else f"{rtype}/{rid}"
        request = json.dumps({"method": method, "url": url})
        status = {"POST": "201 Created", "DELETE": "204 No Content"}.get(method, "200 OK")
        response = json.dumps({"status": status, "etag": stored.etag, "lastModified": stored.last_updated})
        full_url = json.dumps(f"{base}/{rtype}/{rid}/_history/{stored.version}")
        resource = f',"resource":{stored.body}' if stored.body else ""
        entries.append(f'{{"fullUrl":{full_url}{resource},"request":{request},"response":{response}}}')
    head = {"resourceType": "Bundle", "id": str(uuid.uuid4()), "meta": {"lastUpdated": now()[0]},
            "type": "history", "total": total,
            "link": [_link("self", f"{base}/{rtype}/{rid}/_history")]}
    prefix = json.dumps(head, ensure_ascii=False)[:-1]
    return prefix + (',"entry":[' + ",".join(entries) + "]}" if entries else "}")
