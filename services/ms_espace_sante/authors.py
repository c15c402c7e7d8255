"""Who wrote a document or a list: the plain-Python index extraction of the ``author-*`` / ``source-*`` parameters.

Their FHIRPath (spec.py ``AUTHORS``, ``SOURCES``: the contained resources the authors name, and the
Practitioner a named contained PractitionerRole names) is a ``where`` over ``%context``, which the kernel's
compiled walker does not take: fhirpathpy ran it in ~2 ms an expression, two thirds of an ITI-65 write.
These functions give the values that FHIRPath gives (the same index rows: tests/services/ms_espace_sante/
test_authors.py compares them on generated documents and the conformance examples); the expressions stay the
parameters' definitions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable


def _refs(value: object) -> list[str]:
    """The ``reference`` strings of a Reference or of a list of them."""
    items = value if isinstance(value, list) else [value]
    return [r["reference"] for r in items if isinstance(r, dict) and isinstance(r.get("reference"), str)]


def _named(resource: dict, element: str) -> list[dict]:
    """The contained resources ``resource.<element>`` names (``#id``), and those a named one's ``practitioner``
    names, in ``contained`` order."""
    contained = [r for r in resource.get("contained") or () if isinstance(r, dict)]
    refs = set(_refs(resource.get(element)))
    roles = {ref for r in contained if f"#{r.get('id')}" in refs for ref in _refs(r.get("practitioner"))}
    return [r for r in contained if isinstance(r.get("id"), str) and f"#{r['id']}" in refs | roles]


def _list_of(value: object) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def names(element: str, part: str) -> Callable[[dict], list]:
    """``<named>.name.<part>``: every given or family name of the named contained resources."""
    def values(resource: dict) -> list:
        return [v for r in _named(resource, element) for n in _list_of(r.get("name")) if isinstance(n, dict)
                for v in _list_of(n.get(part))]
    return values


def _distinct(found: Iterable[object]) -> list:
    return list({json.dumps(i, sort_keys=True): i for i in found}.values())


def author_identifiers(resource: dict) -> list:
    """``DocumentReference.author.identifier | <named>.identifier | <named>.practitioner.identifier``."""
    named = _named(resource, "author")
    found: list = [a["identifier"] for a in _list_of(resource.get("author")) if isinstance(a, dict)
                   and a.get("identifier") is not None]
    found += [i for r in named for i in _list_of(r.get("identifier"))]
    found += [p["identifier"] for r in named for p in _list_of(r.get("practitioner"))
              if isinstance(p, dict) and p.get("identifier") is not None]
    return _distinct(found)
