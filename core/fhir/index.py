"""Extraction of search-index values from a resource, and the normalisations searches rely on.

Values come from each parameter's FHIRPath expression (compiled once: a plain-Python walker for simple
paths, fhirpathpy otherwise, see :mod:`core.fhir.fhirpath`); the data type is recognised from the shape
of what it returns (Identifier, CodeableConcept, Period...).

Token parameters get two derived index entries under ``<name>:text`` (the string table: CodeableConcept.text,
Coding.display, Identifier.type text and displays, for the ``:text`` modifier) and ``<name>:of-type`` (the
token table, system ``<type system>|<type code>`` and code the Identifier's value, for ``:of-type``); a colon
never appears in a declared name, so they cannot collide.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

from core.fhir.declare import FhirSpec, SearchParam
from core.fhir.fhirpath import evaluator

NEG_INF, POS_INF = -1e15, 1e15
DATE_RE = re.compile(
    r"(?P<y>[0-9]{4})(?:-(?P<m>[0-9]{2})(?:-(?P<d>[0-9]{2})"
    r"(?:T(?P<H>[0-9]{2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?P<f>\.[0-9]+)?)?(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?"
)
STRING_PARTS = ("text", "family", "given", "prefix", "suffix", "line", "city", "district", "state",
                "postalCode", "country")


@lru_cache(maxsize=65536)  # names, civilities and cities repeat across a population
def normalize(text: str) -> str:
    """Case- and accent-insensitive form used by string search ("Hélène" -> "helene")."""
    if text.isascii():
        return " ".join(text.lower().split())[:500]
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())[:500]


def date_range(value: str) -> tuple[float, float] | None:
    """The [low, high) range in epoch seconds covered by a FHIR date/dateTime/instant, or None."""
    m = DATE_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    if not m:
        return None
    g = m.groupdict()
    try:
        tz = UTC
        if g["tz"] and g["tz"] != "Z":
            sign = 1 if g["tz"][0] == "+" else -1
            hours, minutes = int(g["tz"][1:3]), int(g["tz"][4:6])
            tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
        start = datetime(int(g["y"]), int(g["m"] or 1), int(g["d"] or 1),
                         int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0), tzinfo=tz)
        if g["f"]:
            start = start.replace(microsecond=int(float(g["f"]) * 1_000_000))
    except ValueError:
        return None
    if g["f"]:  # the width of the last digit given: .25 covers 10 ms
        end = start + timedelta(seconds=10.0 ** -min(len(g["f"]) - 1, 6))
    elif g["S"]:
        end = start + timedelta(seconds=1)
    elif g["M"]:
        end = start + timedelta(minutes=1)
    elif g["d"]:
        end = start + timedelta(days=1)
    elif g["m"]:
        month = start.month % 12 + 1
        end = start.replace(year=start.year + (start.month == 12), month=month)
    else:
        end = start.replace(year=start.year + 1)
    return start.timestamp(), end.timestamp()


def _tokens(value) -> list[tuple[str | None, str]]:
    if isinstance(value, bool):
        return [(None, "true" if value else "false")]
    if isinstance(value, (str, int, float)):
        return [(None, str(value))]
    if not isinstance(value, dict):
        return []
    if "coding" in value or ("text" in value and "code" not in value and "value" not in value):
        return [t for coding in value.get("coding", []) for t in _tokens(coding)]
    if "value" in value and isinstance(value["value"], str):  # Identifier, ContactPoint
        system = value.get("system")
        uri = isinstance(system, str) and (":" in system or "/" in system)  # ContactPoint has "phone"...
        return [(system if uri else None, value["value"])]
    if "code" in value:  # Coding, Quantity
        return [(value.get("system"), str(value["code"]))]
    return []


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        out: list[str] = []
        for part in STRING_PARTS:
            item = value.get(part)
            out += item if isinstance(item, list) else [item] if isinstance(item, str) else []
        return out
    return []


def _dates(value) -> list[tuple[float, float]]:
    if isinstance(value, str):
        rng = date_range(value)
        return [rng] if rng else []
    if isinstance(value, dict) and ("start" in value or "end" in value):  # Period
        low = date_range(value["start"])[0] if date_range(value.get("start", "")) else NEG_INF
        high = date_range(value["end"])[1] if date_range(value.get("end", "")) else POS_INF
        return [(low, high)]
    return []


def parse_reference(reference: str) -> tuple[str | None, str | None]:
    """``Patient/1`` (or ``.../Patient/1/_history/2``) -> ("Patient", "1"); other forms -> (None, None)."""
    parts = reference.split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) >= 2 and parts[-2][:1].isupper() and parts[-2].isalpha() and parts[-1]:
        return parts[-2], parts[-1]
    return None, None


def _references(value, base_urls: tuple[str, ...]) -> list[tuple[str | None, str | None, str | None]]:
    if not isinstance(value, dict) or not isinstance(value.get("reference"), str):
        return []
    ref = value["reference"]
    local = ref
    for base in base_urls:
        if ref.startswith(base + "/"):
            local = ref[len(base) + 1:]
    if "://" in local or local.startswith("urn:") or local.startswith("#"):
        return [(None, None, ref)]
    rtype, rid = parse_reference(local)
    return [(rtype, rid, None)] if rtype else [(None, None, ref)]


def _texts(value) -> list[str]:
    """Text attached to a coded value: CodeableConcept.text, Coding.display, an Identifier's type text."""
    if not isinstance(value, dict):
        return []
    out: list[str] = []
    if isinstance(value.get("value"), str):  # Identifier (or ContactPoint, which has no type)
        return _texts(value.get("type"))
    for key in ("text", "display"):
        if isinstance(value.get(key), str):
            out.append(value[key])
    codings = value.get("coding")
    if isinstance(codings, list):
        out += [c["display"] for c in codings if isinstance(c, dict) and isinstance(c.get("display"), str)]
    return out


def _of_types(value) -> list[tuple[str, str]]:
    """(``type system|type code``, value) of an Identifier, once per coding of its type."""
    if not isinstance(value, dict) or not isinstance(value.get("value"), str) or not isinstance(
            value.get("type"), dict) or not isinstance(value["type"].get("coding"), list):
        return []
    return [(f"{c.get('system') or ''}|{c['code']}", value["value"]) for c in value["type"]["coding"]
            if isinstance(c, dict) and isinstance(c.get("code"), str) and isinstance(c.get("system") or "", str)]


def text_param(name: str) -> str:
    return f"{name}:text"


def of_type_param(name: str) -> str:
    return f"{name}:of-type"


def values_of(param: SearchParam, resource: dict) -> list:
    """What ``param`` finds in ``resource``: its ``extract`` when it declares one, else its FHIRPath."""
    return param.extract(resource) if param.extract is not None else evaluator(param.expression)(resource)


def extract(param: SearchParam, resource: dict, base_urls: tuple[str, ...] = ()) -> list[tuple]:
    """Index rows (without owner columns) of one parameter for one resource."""
    return _rows(param, values_of(param, resource), base_urls)


def _rows(param: SearchParam, values: list, base_urls: tuple[str, ...]) -> list[tuple]:
    rows: list[tuple] = []
    for value in values:
        if param.type == "token":
            rows += _tokens(value)
        elif param.type == "uri":
            rows += [(None, value)] if isinstance(value, str) else []
        elif param.type == "string":
            rows += [(normalize(s), s[:500]) for s in _strings(value) if s.strip()]
        elif param.type == "date":
            rows += _dates(value)
        elif param.type == "reference":
            refs = _references(value, base_urls)
            rows += [r for r in refs if not param.targets or r[0] is None or r[0] in param.targets]
    return list(dict.fromkeys(rows))


INDEX_COLUMNS = {
    "token": ("tenant", "rtype", "rid", "param", "system", "code"),
    "string": ("tenant", "rtype", "rid", "param", "norm", "exact"),
    "date": ("tenant", "rtype", "rid", "param", "low", "high"),
    "ref": ("tenant", "rtype", "rid", "param", "target_type", "target_id", "url"),
}


def index_rows(spec: FhirSpec, tenant: str, resource: dict, rid: str,
               base_urls: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """The rows of each index table for one resource, in :data:`INDEX_COLUMNS` order."""
    rtype = resource["resourceType"]
    rows: dict[str, list[tuple]] = {"token": [], "string": [], "date": [], "ref": []}
    declared = spec.by_type.get(rtype)
    if declared is None:
        return rows
    for param in declared.params:
        name = param.name
        values = values_of(param, resource)
        for value in _rows(param, values, base_urls):
            if param.type in ("token", "uri"):
                rows["token"].append((tenant, rtype, rid, name, value[0], str(value[1])[:500]))
            elif param.type == "string":
                rows["string"].append((tenant, rtype, rid, name, value[0], value[1]))
            elif param.type == "date":
                rows["date"].append((tenant, rtype, rid, name, value[0], value[1]))
            else:
                rows["ref"].append((tenant, rtype, rid, name, value[0], value[1], value[2] and value[2][:500]))
        if param.type == "token":
            texts = dict.fromkeys(t for v in values for t in _texts(v) if t.strip())
            rows["string"] += [(tenant, rtype, rid, text_param(name), normalize(t), t[:500]) for t in texts]
            typed = dict.fromkeys(pair for v in values for pair in _of_types(v))
            rows["token"] += [(tenant, rtype, rid, of_type_param(name), s[:500], v[:500]) for s, v in typed]
    return rows
