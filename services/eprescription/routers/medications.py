"""The drug reference over FHIR: ``GET /fhir/Medication`` (search) and ``GET /fhir/Medication/{id}`` (read).

Public, like the BDPM it stands for (docs/eprescription.md "Drug reference"). The search takes ``code``
(``[system|]code`` of CIS, CIP13, UCD, SMS, ANSM substance or Medicabase), ``name`` (starts with) and
``name:contains``, both case- and accent-insensitive, ``_count`` (0-100, default 20) and ``_offset``
(0-10,000). Every other parameter, a repeated one or an ill-formed value is a 400 naming it (EPR-05xx).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from core.errors import FHIR_JSON, SandboxError
from core.openapi import outcomes
from core.tenancy import request_tenant
from services.eprescription import medication_codes as mc
from services.eprescription.codes import EprCode
from services.eprescription.deps import Settings, Store
from services.eprescription.medication_resource import medication, searchset
from services.eprescription.settings import FHIR_PATH

router = APIRouter(prefix=FHIR_PATH, tags=["Drug reference"])

DEFAULT_COUNT, MAX_COUNT, MAX_OFFSET = 20, 100, 10_000
MAX_NAME, MAX_SYSTEM = 100, 200
SEARCH = ("code", "name", "name:contains", "_count", "_offset")
IGNORED = {"_format": {"json", "application/json", "application/fhir+json"}, "_pretty": {"true", "false"},
           "_total": {"none", "estimate", "accurate"}}
CODE_SHAPES = {  # what a code of each system looks like (digest §5.2: CIS 8 digits, CIP13 34009..., UCD13)
    mc.CIS: (re.compile(r"\d{8}"), "8 digits"),
    mc.CIP: (re.compile(r"34009\d{8}"), "13 digits starting 34009"),
    mc.UCD: (re.compile(r"\d{13}"), "13 digits"),
    mc.SMS: (re.compile(r"\d{1,15}"), "up to 15 digits"),
    mc.SUBSTANCE: (re.compile(r"\d{1,12}"), "up to 12 digits"),
    mc.MEDICABASE: (re.compile(r"[A-Za-z0-9]{1,20}"), "up to 20 letters and digits"),
}
ANY_CODE = re.compile(r"[A-Za-z0-9]{1,20}")
SEARCH_PARAMETERS = {"parameters": [  # the query is parsed by hand (hostile input): described for OpenAPI
    {"name": "code", "in": "query", "schema": {"type": "string", "maxLength": 240},
     "description": "[system|]code: CIS, CIP13, UCD, SMS, ANSM substance or Medicabase."},
    {"name": "name", "in": "query", "schema": {"type": "string", "maxLength": MAX_NAME},
     "description": "Names starting with it, case and accents aside."},
    {"name": "name:contains", "in": "query", "schema": {"type": "string", "maxLength": MAX_NAME},
     "description": "Names holding it, case and accents aside."},
    {"name": "_count", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": MAX_COUNT}},
    {"name": "_offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}},
]}
MEDICATION_ID = re.compile(r"cis-\d{8}|ucd-\d{13}|sms-\d{1,15}|substance-\d{1,12}|medicabase-[A-Za-z0-9]{1,20}")


def _error(code: EprCode, diagnostics: str, where: str, status: int = 400, issue: str = "invalid") -> SandboxError:
    return SandboxError(status, code, diagnostics, issue=issue, expression=[where])


def _code(value: str) -> tuple[str | None, str]:
    system, bar, code = value.rpartition("|") if "|" in value else (None, "", value)
    if system is not None and len(system) > MAX_SYSTEM:
        raise _error(EprCode.BAD_CODE, f"The system of code= is {len(system)} characters long: no code system "
                     f"the reference holds has a URI over {MAX_SYSTEM}.", "code")
    if system == "":
        raise _error(EprCode.BAD_CODE, "code=|value asks for a code without a system: every code of the drug "
                     "reference has one; give system|code, or the code alone.", "code")
    if system is not None and system not in CODE_SHAPES:
        known = ", ".join(f"{mc.NAMES[s]} {s}" for s in CODE_SHAPES)
        raise _error(EprCode.BAD_CODE, f"{system[:80]!r} is no code system of the drug reference: use one of "
                     f"{known}.", "code")
    shape, said = CODE_SHAPES[system] if system is not None else (ANY_CODE, "up to 20 letters and digits")
    if "," in code:
        raise _error(EprCode.BAD_CODE, "code= takes one code per search here (no comma-separated list).", "code")
    if not shape.fullmatch(code):
        name = mc.NAMES[system] if system is not None else "A"
        raise _error(EprCode.BAD_CODE, f"{name} code{'s are' if system is None else ' is'} {said}; "
                     f"{code[:40]!r} is not.", "code")
    return system, code


def _integer(params: dict[str, str], key: str, default: int, high: int) -> int:
    raw = params.get(key)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6) or int(raw) > high:
        raise _error(EprCode.BAD_PAGING, f"{key} is a whole number from 0 to {high:,}; {raw[:20]!r} is not"
                     + (" (narrow the search rather than page this far)." if key == "_offset" else "."), key)
    return int(raw)


def _name(params: dict[str, str], key: str) -> str | None:
    raw = params.get(key)
    if raw is None:
        return None
    if not raw.strip() or len(raw) > MAX_NAME or not raw.isprintable():
        raise _error(EprCode.BAD_NAME, f"{key} is 1 to {MAX_NAME} printable characters, not blank; the value "
                     f"given has {len(raw)}.", key)
    return raw


def _params(request: Request) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in IGNORED:
            if value not in IGNORED[key]:
                raise _error(EprCode.UNKNOWN_PARAMETER, f"{key}={value[:40]!r} is not taken: "
                             f"{' or '.join(sorted(IGNORED[key]))}.", key)
            continue
        if key not in SEARCH:
            raise _error(EprCode.UNKNOWN_PARAMETER, f"The Medication search takes {', '.join(SEARCH)}; not "
                         f"{key[:40]!r}.", key[:60], issue="not-supported")
        if key in params:
            raise _error(EprCode.REPEATED_PARAMETER, f"{key} is given twice: give it once.", key)
        params[key] = value
    return params


def _fhir(body: dict) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), media_type=FHIR_JSON)


@router.get("/Medication", openapi_extra=SEARCH_PARAMETERS, responses=outcomes(400))
def search_medications(request: Request, store: Store, settings: Settings) -> Response:
    """Search the drug reference by code (``[system|]code``) or name (``name``, ``name:contains``); public."""
    params = _params(request)
    system, code = _code(params["code"]) if "code" in params else (None, None)
    contains, starts = _name(params, "name:contains"), _name(params, "name")
    count = _integer(params, "_count", DEFAULT_COUNT, MAX_COUNT)
    offset = _integer(params, "_offset", 0, MAX_OFFSET)
    with store.drugs.db.read() as conn:
        total, page = store.drugs.search(conn, code=code, system=system, name_contains=contains,
                                         name_starts=starts, count=count, offset=offset)
    base = settings.base_url(request_tenant(request)) + FHIR_PATH

    def url(at: int) -> str:
        query = {k: v for k, v in params.items() if k not in ("_count", "_offset")}
        return f"{base}/Medication?{urlencode({**query, '_count': count, '_offset': at}, safe=':/')}"

    more = count and offset + count < total and offset + count <= MAX_OFFSET
    return _fhir(searchset(total, page, base=base, self_url=url(offset), next_url=url(offset + count) if more else None,
                           previous_url=url(max(0, offset - count)) if offset and count else None))


@router.get("/Medication/{medication_id}", responses=outcomes(400, 404))
def read_medication(medication_id: str, request: Request, store: Store, settings: Settings) -> Response:
    """Read one Medication of the drug reference (``cis-60234100``, ``sms-100000090270``...); public."""
    if not MEDICATION_ID.fullmatch(medication_id):
        raise _error(EprCode.BAD_MEDICATION_ID, f"{medication_id[:40]!r} is no Medication id of the drug reference: "
                     "they read cis-<CIS>, ucd-<UCD>, sms-<SMS>, substance-<ANSM code> or medicabase-<code>.", "id")
    with store.drugs.db.read() as conn:
        found = store.drugs.read(conn, medication_id)
    if found is None:
        raise _error(EprCode.UNKNOWN_MEDICATION_ID, f"The drug reference holds no Medication {medication_id}: "
                     "search /fhir/Medication?name:contains=... or ?code=...", "id", 404, "not-found")
    return _fhir(medication(found, settings.base_url(request_tenant(request)) + FHIR_PATH))
