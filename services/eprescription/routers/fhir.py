"""The ordonnance numérique's FHIR API (digest §5.4): prescribe, scan and follow up; thin routes.

``POST /fhir`` prescribes (prescribing.py); ``GET /fhir/MedicationRequest?group-identifier=<number>`` is
the scan of a pharmacist and the follow-up of the prescriber (views.py), without a number the patient's
own prescriptions, or the ones a prescriber wrote for a patient; ``GET /fhir/MedicationDispense`` the
dispensings of a prescription or of the patient. Dispensing is routers/dispensing.py, cancelling
routers/prescriptions.py, the drug reference routers/medications.py.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core.audit import Access, PatientRef
from core.errors import FHIR_JSON, SandboxError
from core.fhir.router import read_json, respond
from core.oidc.principals import Patient, Practitioner
from core.openapi import BUNDLE, body, outcomes
from services.eprescription import bundles, feeds, lines, numbers, prescribing, roles, views
from services.eprescription.codes import EprCode
from services.eprescription.deps import Caller, Settings, Store
from services.eprescription.settings import FHIR_PATH
from services.eprescription.spec import ID_NAT_PS, INS_NIR_SYSTEM

router = APIRouter(prefix=FHIR_PATH, tags=["FHIR"], responses=outcomes(400, 401, 403, 404, 409, 413, 415, 422))
LINE_ID = Path(description="A line's id (<number>-001 ...).", max_length=64, pattern="^[A-Za-z0-9.-]{1,64}$")
OWN_PARAMS = {"status", "authoredon", "code", "_count", "_sort", "_offset", "_page", "_total"}


async def read_body(request: Request, settings) -> object:  # noqa: ANN001 - the service's settings
    return (await read_json(request, settings.sandbox, max_bytes=settings.max_request_bytes))[0]


@router.get("/metadata")
async def capability(request: Request, store: Store) -> Response:
    """CapabilityStatement: the resource types and search parameters served here."""
    return store.fhir.capability(request)


@router.post("", openapi_extra=body(BUNDLE))
@router.post("/", include_in_schema=False)
async def prescribe(request: Request, user: Caller, store: Store, settings: Settings) -> Response:
    """Prescribe: a transaction of MedicationRequest lines for one patient; answers the lines and their number."""
    pro = roles.prescriber(user, settings)
    ctx = store.context(request)
    document = await read_body(request, settings)

    def write():  # noqa: ANN202
        with store.db.write() as conn:
            parsed = prescribing.parse(store, conn, document, pro, max_lines=settings.max_lines)
            number = numbers.new_number()
            results = prescribing.write(store, conn, ctx, prescribing.stamp(parsed, pro, number))
            stored = [json.loads(r.stored.body) for r in results]
            fid = store.feeds.add(conn, tenant=ctx.tenant, number=number, kind="prescription",
                                  payload=feeds.document("prescription", number, stored, stored[0]["requester"]))
            store.audit.write(conn, ctx, pro, Access("C", "prescribe", subtype_system=views.EVENTS,
                                                     patient=PatientRef(ins=parsed.ins),
                                                     entities=tuple(f"MedicationRequest/{r.stored.rid}"
                                                                    for r in results)))
            return results, fid

    results, fid = await run_in_threadpool(write)
    await feeds.deliver_ids(request.app, ctx.tenant, [fid])
    return Response(bundles.dumps(bundles.transaction_response(results)), media_type=FHIR_JSON)


def _only(params: list[tuple[str, str]], allowed: set[str], why: str) -> None:
    for name, _ in params:
        if name.split(":")[0] not in allowed:
            raise SandboxError(400, EprCode.SEARCH_FORBIDDEN, f"Search parameter {name[:60]!r} is not taken here: "
                               f"{why}", issue="not-supported", expression=[name[:60]])


def _masked_search(result, hide: set[str]) -> Response:  # noqa: ANN001 - a FhirResult
    """A searchset whose lines of patients in ``hide`` (INS) are shown masked (views.masked)."""
    if not hide or not result.body:
        return respond(result)
    bundle = json.loads(result.body)
    for entry in bundle.get("entry", ()):
        if lines.patient_ins(entry.get("resource", {})) in hide:
            entry["resource"] = views.masked(entry["resource"])
    result.body = bundles.dumps(bundle)
    return respond(result)


@router.get("/MedicationRequest")
async def search_lines(request: Request, user: Caller, store: Store, settings: Settings) -> Response:
    """The scan (group-identifier=<number>), the prescriber's follow-up, or the patient's own prescriptions."""
    ctx = store.context(request)
    params = request.query_params.multi_items()
    numbers_given = [v for k, v in params if k == "group-identifier"]
    if numbers_given:
        _only(params, {"group-identifier"}, "a prescription is read by its number alone.")
        if len(numbers_given) > 1:
            raise SandboxError(400, EprCode.SEARCH_FORBIDDEN, "One group-identifier (one prescription) at a time.",
                               issue="not-supported", expression=["group-identifier"])
        raw = numbers_given[0].rpartition("|")[2]
        prescription = views.load(store, ctx, user, raw, settings)
        if isinstance(user, Practitioner):
            await store.audit.record(ctx, user, views.trace(prescription))
        return Response(bundles.dumps(bundles.of_resources(ctx, prescription.lines, self_url=str(request.url))),
                        media_type=FHIR_JSON)
    if isinstance(user, Patient):
        _only(params, OWN_PARAMS, "a patient lists their own prescriptions (status, authoredon, code, _count).")
        forced = [("patient-identifier", f"{INS_NIR_SYSTEM}|{user.ins.upper()}")]
        with store.db.read() as conn:
            return respond(store.api.search(conn, ctx, "MedicationRequest", [*forced, *params],
                                            self_url=str(request.url)))
    if roles.is_dispenser(user, settings):
        raise SandboxError(400, EprCode.SEARCH_FORBIDDEN, "A pharmacist reads a prescription by its number: "
                           "group-identifier=<number> (scanned or typed).", issue="required",
                           expression=["group-identifier"])
    patients = [v for k, v in params if k == "patient-identifier"]
    if len(patients) != 1 or not patients[0].startswith(f"{INS_NIR_SYSTEM}|"):
        raise SandboxError(400, EprCode.SEARCH_FORBIDDEN, "A prescriber lists the prescriptions they wrote for one "
                           f"patient: patient-identifier={INS_NIR_SYSTEM}|<INS>, or reads one by "
                           "group-identifier=<number>.", issue="required", expression=["patient-identifier"])
    _only(params, OWN_PARAMS | {"patient-identifier"}, "the prescriber's follow-up takes patient-identifier, "
          "status, authoredon, code and _count.")
    ins = patients[0].partition("|")[2].upper()
    forced = [("requester-identifier", f"{ID_NAT_PS}|{user.id_nat_ps}")]
    with store.db.read() as conn:
        result = store.api.search(conn, ctx, "MedicationRequest", [*forced, *params], self_url=str(request.url))
        objected = store.objections.objected(conn, tenant=ctx.tenant, ins=ins)
    await store.audit.record(ctx, user, Access("R", "follow-up", subtype_system=views.EVENTS,
                                               patient=PatientRef(ins=ins), query=str(request.url.query)))
    return _masked_search(result, {ins} if objected else set())


@router.get("/MedicationRequest/{rid}")
async def read_line(request: Request, user: Caller, store: Store, settings: Settings, rid: str = LINE_ID) -> Response:
    """One line, as its prescription is seen (the scan's rules, views.py)."""
    ctx = store.context(request)
    number = rid.rpartition("-")[0]
    prescription = views.load(store, ctx, user, number, settings) if len(number) == numbers.LENGTH else None
    line = next((x for x in (prescription.lines if prescription else ()) if x.get("id") == rid), None)
    if prescription is None or line is None:
        raise SandboxError(404, EprCode.UNKNOWN_LINE, f"No line MedicationRequest/{rid} here.", issue="not-found")
    if isinstance(user, Practitioner):
        await store.audit.record(ctx, user, views.trace(prescription, entities=(f"MedicationRequest/{rid}",)))
    return Response(json.dumps(line, ensure_ascii=False), media_type=FHIR_JSON)


@router.get("/MedicationDispense")
async def search_dispenses(request: Request, user: Caller, store: Store, settings: Settings) -> Response:
    """The dispensings of one prescription (prescription-number=<number>), or the patient's own."""
    ctx = store.context(request)
    params = request.query_params.multi_items()
    given = [v for k, v in params if k == "prescription-number"]
    if given:
        _only(params, {"prescription-number", "_count", "_sort"}, "dispensings are read by prescription number.")
        prescription = views.load(store, ctx, user, given[0].rpartition("|")[2], settings)
        if not prescription.dispensing_visible:
            raise SandboxError(403, EprCode.DISPENSING_HIDDEN, "The patient objected to their prescribers seeing "
                               "the dispensing of their prescriptions.", issue="forbidden")
        forced = [("prescription-number", f"{numbers.SYSTEM}|{prescription.number}")]
        rest = [(k, v) for k, v in params if k != "prescription-number"]
        if isinstance(user, Practitioner):
            await store.audit.record(ctx, user, views.trace(prescription))
    elif isinstance(user, Patient):
        _only(params, {"_count", "_sort", "whenhandedover", "status"}, "a patient lists their own dispensings.")
        forced, rest = [("patient-identifier", f"{INS_NIR_SYSTEM}|{user.ins.upper()}")], params
    else:
        raise SandboxError(400, EprCode.SEARCH_FORBIDDEN, "Dispensings are read by prescription: "
                           "prescription-number=<number>.", issue="required", expression=["prescription-number"])
    with store.db.read() as conn:
        return respond(store.api.search(conn, ctx, "MedicationDispense", [*forced, *rest],
                                        self_url=str(request.url)))
