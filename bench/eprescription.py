"""Benchmark (ordonnance numérique): prescribe and dispense throughput, and the dispensing race.

In one run, on a fresh temporary data directory, the whole gateway in-process (httpx ASGITransport):

  (a) prescribe: ``POST /eprescription/fhir``, a two-line transaction for persona adrun-zoe with Dr Leroy's
      PSC token: token check, the FR ePrescription rules, the drug reference, the number, the transaction
      and its AuditEvent, then the feed of the 57833-6 document to Mon espace santé (ITI-105 through the
      gateway, with its own PSC client_credentials token and Mon espace santé's INSi confirmation); the
      share of that feed is printed;
  (b) dispense: ``POST /eprescription/fhir/MedicationDispense`` of one box (partial) of a line, pharmacist's
      token (Luc Girard);
  (c) the kernel's generic FHIR create of the same MedicationRequest and MedicationDispense, served alone
      (a ``core.fhir.router.FhirService`` over the same spec: the same index extraction, on the same database),
      no gateway, no token: the direct path the two are measured against;
  (d) the race: ``--race`` lines of one box each, 20 pharmacists (20 tokens, two personas) dispensing the
      same last box at the same moment: each line must get exactly one 201 and 19 409s.

Prints requests/s, p50/p95 and the ratios. ``python bench/eprescription.py [--requests 200] [--race 20]
[--quick] [--postgres URL]`` (``--postgres``: the ordonnance numérique's database on PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench import _dmp  # noqa: E402
from bench.dmp_feed import line, load  # noqa: E402

FHIR = "application/fhir+json"
LEROY, GIRARD, MARTIN = "899799000015", "899799000031", "899799000106"
UCD = "http://data.esante.gouv.fr/ansm/medicament/UCD"
ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
FEED: list[float] = []  # seconds spent delivering feeds inline, per prescription


def time_feeds() -> None:
    from services.eprescription import feeds

    deliver = feeds.deliver_ids

    async def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started = time.perf_counter()
        try:
            return await deliver(*args, **kwargs)
        finally:
            FEED.append(time.perf_counter() - started)

    feeds.deliver_ids = timed


def medication_request(quantity: int = 2) -> dict:
    return {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "medicationCodeableConcept": {"coding": [{"system": UCD, "code": "3400893766521"}]},
            "subject": {"identifier": {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": _dmp.ADRUN_INS}},
            "dosageInstruction": [{"timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}},
                                   "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "comprimé"}}]}],
            "dispenseRequest": {"quantity": {"value": quantity, "unit": "boîte"}}}


def prescription(lines: int = 2, quantity: int = 2) -> dict:
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"request": {"method": "POST", "url": "MedicationRequest"}, "resource": medication_request(quantity)}
        for _ in range(lines)]}


def dispense(line_id: str, code: str = "FFP") -> dict:
    return {"resourceType": "MedicationDispense", "status": "completed",
            "authorizingPrescription": [{"reference": f"MedicationRequest/{line_id}"}],
            "type": {"coding": [{"system": ACT, "code": code}]}, "quantity": {"value": 1, "unit": "boîte"}}


async def token(http: httpx.AsyncClient, id_nat_ps: str) -> str:
    login = await http.get("/pro-sante-connect/wallet/auth", params={
        "response_type": "code", "client_id": _dmp.PRACTICE[0], "redirect_uri": _dmp.REDIRECT,
        "scope": "openid scope_all", "acr_values": "eidas1", "state": "s", "nonce": "n", "login_hint": id_nat_ps})
    code = parse_qs(urlsplit(login.headers["location"]).query)["code"][0]
    answer = await http.post(f"/pro-sante-connect{_dmp.REALM}/protocol/openid-connect/token", auth=_dmp.PRACTICE,
                             data={"grant_type": "authorization_code", "code": code, "redirect_uri": _dmp.REDIRECT})
    return answer.json()["access_token"]


def kernel_app(data_dir: Path):  # noqa: ANN201
    from core.app import create_service_app
    from core.db import Database
    from core.fhir.router import FhirService
    from core.settings import SandboxSettings, ServiceSettings
    from services.eprescription.spec import epr_spec

    settings = ServiceSettings.for_slug("kernel-epr", SandboxSettings(data_dir=data_dir, public_url=_dmp.PUBLIC))
    # the same database as the service's (PostgreSQL with --postgres): the ratio compares like with like
    db = Database(os.environ.get("EPRESCRIPTION_DATABASE_URL") or settings.resolved_database_url, prefix="kernel_epr")
    app = create_service_app(settings, db, title="kernel create")
    FhirService(epr_spec(), db, settings).install(app)
    return app


async def race(http: httpx.AsyncClient, gp: dict, lines: int) -> tuple[int, int, int]:
    """(lines with exactly one 201, 201s, 409s) of 20 pharmacists dispensing each line's last box at once."""
    pharmacists = [{"authorization": f"Bearer {await token(http, GIRARD if k % 2 else MARTIN)}",
                    "content-type": FHIR} for k in range(20)]
    exact = created = conflicts = 0
    for _ in range(lines):
        answer = await http.post("/eprescription/fhir", json=prescription(1, 1), headers=gp)
        line_id = answer.json()["entry"][0]["resource"]["id"]
        answers = await asyncio.gather(*(http.post("/eprescription/fhir/MedicationDispense",
                                                   json=dispense(line_id, "FFC"), headers=h) for h in pharmacists))
        codes = [r.status_code for r in answers]
        assert set(codes) <= {201, 409}, [r.text[:200] for r in answers if r.status_code not in (201, 409)]
        created += codes.count(201)
        conflicts += codes.count(409)
        exact += codes.count(201) == 1
    return exact, created, conflicts


async def run(data_dir: Path, requests: int, race_lines: int) -> None:
    async with _dmp.gateway(data_dir / "gateway") as http:
        gp = {"authorization": f"Bearer {await token(http, LEROY)}", "content-type": FHIR}
        pharmacist = {"authorization": f"Bearer {await token(http, GIRARD)}", "content-type": FHIR}
        lines: list[str] = []

        async def prescribe(n: int) -> None:
            answer = await http.post("/eprescription/fhir", json=prescription(), headers=gp)
            assert answer.status_code == 200, answer.text[:500]
            lines.extend(e["resource"]["id"] for e in answer.json()["entry"])

        async def give(n: int) -> None:
            answer = await http.post("/eprescription/fhir/MedicationDispense", json=dispense(lines[n]),
                                     headers=pharmacist)
            assert answer.status_code == 201, answer.text[:500]

        await load(prescribe, 3, 1)  # warm-up (JWKS, caches)
        lines.clear()
        FEED.clear()
        wall_a, samples_a = await load(prescribe, requests, 1)
        feed_share = sum(FEED) / sum(samples_a)
        wall_b, samples_b = await load(give, requests, 1)
        exact, created, conflicts = await race(http, gp, race_lines)
    app = kernel_app(data_dir / "kernel")
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://kernel", timeout=60) as kernel:
        request = medication_request()
        disp = {**dispense("x"), "medicationCodeableConcept": request["medicationCodeableConcept"]}
        headers = {"content-type": FHIR}

        async def create_request(n: int) -> None:
            r = await kernel.post("/fhir/MedicationRequest", json=copy.deepcopy(request), headers=headers)
            assert r.status_code == 201, r.text[:300]

        async def create_dispense(n: int) -> None:
            r = await kernel.post("/fhir/MedicationDispense", json=copy.deepcopy(disp), headers=headers)
            assert r.status_code == 201, r.text[:300]

        await load(create_request, 3, 1)
        wall_c, samples_c = await load(create_request, requests, 1)
        wall_d, samples_d = await load(create_dispense, requests, 1)
    database = "PostgreSQL" if os.environ.get("EPRESCRIPTION_DATABASE_URL") else "SQLite"
    print(f"{requests} requests each, concurrency 1, the ordonnance numérique on {database}:")
    print("  " + line("(a) prescribe, 2 lines, gateway + token + feed", wall_a, samples_a))
    print(f"      the feed to Mon espace santé: {feed_share * 100:.0f}% of the prescribe time")
    print("  " + line("(c) kernel create MedicationRequest, direct", wall_c, samples_c))
    print(f"  ratio (c)/(a) in req/s: {(len(samples_c) / wall_c) / (len(samples_a) / wall_a):.2f}")
    print("  " + line("(b) dispense, gateway + token", wall_b, samples_b))
    print("  " + line("(c) kernel create MedicationDispense, direct", wall_d, samples_d))
    print(f"  ratio (c)/(b) in req/s: {(len(samples_d) / wall_d) / (len(samples_b) / wall_b):.2f}")
    print(f"race: {race_lines} lines x 20 pharmacists: {exact}/{race_lines} lines with exactly one 201 "
          f"({created} x 201, {conflicts} x 409)")
    if exact != race_lines:
        raise SystemExit("the race gave a line more or less than one success")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--race", type=int, default=20, help="lines raced for by 20 pharmacists")
    parser.add_argument("--quick", action="store_true", help="10 requests of each, 3 lines raced")
    parser.add_argument("--postgres", help="a PostgreSQL URL for the ordonnance numérique's database")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.race = 10, 3
    if args.postgres:
        os.environ["EPRESCRIPTION_DATABASE_URL"] = args.postgres
    time_feeds()
    data_dir = Path(tempfile.mkdtemp(prefix="eprescription-"))
    try:
        asyncio.run(run(data_dir, args.requests, args.race))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
