"""Every write, retrieval and DMP status check leaves an AuditEvent; a write refused for its input leaves
none (traces.py; one refused by an access rule is traced, test_writes.py)."""

from __future__ import annotations

import json

from core.fhir.interactions import FhirContext
from tests.services.ms_espace_sante.support import ADRUN_INS, INS_SYSTEM, Dmp, provide_bundle
from tests.services.pro_sante_connect import support as psc_support

MASQUE_PS = {"coding": [{"system": "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/"
                                   "TRE-A07-StatutVisibiliteDocument", "code": "MASQUE_PS"}]}


def events(dmp) -> list[dict]:  # noqa: ANN001
    store = dmp.store()
    ctx = FhirContext(tenant=dmp.tenant, base=f"http://sandbox.test/t/{dmp.tenant}/ms-espace-sante/fhir")
    with store.db.read() as conn:
        found = json.loads(store.api.search(conn, ctx, "AuditEvent", [("_count", "100")]).body)
    return [e["resource"] for e in found.get("entry", [])]


def subtypes(dmp) -> list[tuple[str, str, str | None]]:  # noqa: ANN001
    return sorted((e["subtype"][0]["code"], e["outcome"], (e.get("purposeOfEvent") or [{}])[0].get("coding", [{}])[0]
                   .get("code")) for e in events(dmp))


async def test_writes_retrievals_and_status_checks_are_traced(dmp):
    answer = await dmp.post("", provide_bundle())
    url = answer.json()["entry"][2]["response"]["location"].split("/_history/")[0]
    await dmp.get(url)
    await dmp.get("/Patient", params={"identifier": f"{INS_SYSTEM}|{ADRUN_INS}"})
    refused = provide_bundle()
    refused["type"] = "batch"
    assert (await dmp.post("", refused)).status_code == 400  # a refused write leaves no trace
    assert [s[:2] for s in subtypes(dmp)] == [("ITI-65", "0"), ("ITI-68", "0"), ("TD02", "0")]
    write = next(e for e in events(dmp) if e["subtype"][0]["code"] == "ITI-65")
    assert write["action"] == "C" and any(a.get("who", {}).get("identifier", {}).get("value") == "899700218896"
                                          for a in write["agent"])


async def test_a_refused_retrieval_and_an_emergency_one_are_traced_with_their_mode(dmp):
    bundle = provide_bundle()
    bundle["entry"][1]["resource"]["securityLabel"].append(MASQUE_PS)
    url = (await dmp.post("", bundle)).json()["entry"][2]["response"]["location"].split("/_history/")[0]
    kit = await psc_support.Psc(dmp.http, dmp.tenant).login(login_hint="899700427885")
    other = Dmp(dmp.http, dmp.tenant, kit["access_token"])
    assert (await other.get(url)).status_code == 403
    assert (await other.get(url, headers={"x-access-mode": "bris_de_glace"})).status_code == 200
    retrievals = [s for s in subtypes(dmp) if s[0] == "ITI-68"]
    assert retrievals == [("ITI-68", "0", "bris_de_glace"), ("ITI-68", "4", "normal")]


async def test_audit_events_are_refused_to_professionals(dmp):
    answer = await dmp.get("/AuditEvent")
    assert answer.status_code == 403 and "MES-0208" in answer.text
