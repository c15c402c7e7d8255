"""Feeding Mon espace santé (feeds.py, feed_store.py): the prescription (57833-6) and, once dispensed, the
dispensation (60593-1) reach the patient's record; with Mon espace santé down (a gateway fault rule) the
prescription is safe, its feed pending and visible, and it reaches the record once Mon espace santé is back."""

from __future__ import annotations

import pytest

from tests.services.eprescription import support
from tests.services.eprescription.support import line, prescription

MES_DOCS = "/ms-espace-sante/fhir/DocumentReference"


@pytest.fixture
async def http(tmp_path, monkeypatch):
    """The sandbox with the retry loop slowed down: the tests attempt the feeds themselves."""
    monkeypatch.setenv("EPRESCRIPTION_FEED_RETRY_SECONDS", "3600")
    async for client in support.sandbox(tmp_path):
        yield client


async def feeds_of(actor, number: str) -> list[dict]:  # noqa: ANN001
    answer = await actor.http.get(f"{actor.root}/prescriptions/{number}/feeds",
                                  headers={"authorization": f"Bearer {actor.token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()["feeds"]


async def patient_documents(http, tenant: str, patient) -> list[str]:  # noqa: ANN001
    answer = await http.get(f"/t/{tenant}{MES_DOCS}", params={
        "patient.identifier": f"{support.INS_SYSTEM}|{support.ADRUN_INS}", "status": "current"},
        headers={"authorization": f"Bearer {patient.token}"})
    assert answer.status_code == 200, answer.text
    return [c["code"] for e in answer.json().get("entry", []) for c in e["resource"]["type"]["coding"]]


async def test_the_prescription_and_the_dispensation_reach_the_record(http, tenant, gp, pharmacist):
    number, lines = await gp.prescribe(prescription(line(quantity=1)))
    [feed] = await feeds_of(gp, number)
    assert feed["kind"] == "prescription" and feed["state"] == "delivered", feed
    patient = await support.patient(http, tenant)
    assert "57833-6" in await patient_documents(http, tenant, patient)
    assert (await pharmacist.dispense(lines[0]["id"], 1, "FFC")).status_code == 201
    kinds = {f["kind"]: f["state"] for f in await feeds_of(gp, number)}
    assert kinds == {"prescription": "delivered", "dispensation": "delivered"}
    assert "60593-1" in await patient_documents(http, tenant, patient)


async def test_mon_espace_sante_down_keeps_the_feed_pending_until_it_is_back(http, tenant, gp):
    faults = f"/t/{tenant}/_admin/faults"
    rule = await http.post(faults, json={"service": "ms-espace-sante", "status": 503})
    assert rule.status_code == 201, rule.text
    number, _ = await gp.prescribe()
    [feed] = await feeds_of(gp, number)
    assert feed["state"] == "pending" and feed["attempts"] == 1 and "503" in feed["lastError"]
    listed = await http.get(f"/t/{tenant}/eprescription/_admin/feeds", params={"state": "pending"})
    assert [f["prescription"] for f in listed.json()["feeds"]] == [number]
    assert (await http.delete(f"{faults}/{rule.json()['id']}")).status_code in (200, 204)
    retried = await http.post(f"/t/{tenant}/eprescription/_admin/feeds/retry")
    assert retried.status_code == 200 and retried.json()["feeds"][0]["state"] == "delivered"
    patient = await support.patient(http, tenant)
    assert "57833-6" in await patient_documents(http, tenant, patient)


async def test_the_retry_loop_delivers_without_anyone_asking(http, tenant, gp):
    from services.eprescription import feeds

    faults = f"/t/{tenant}/_admin/faults"
    await http.post(faults, json={"service": "ms-espace-sante", "status": 502, "count": 1})
    number, _ = await gp.prescribe()
    app = http.gateway.state.services["eprescription"].app
    store = app.state.epr
    with store.db.write() as conn:  # make it due now, as the loop would find it after the retry delay
        store.feeds.requeue(conn, tenant=tenant)
    assert await feeds.retry_due(app) >= 1
    [feed] = await feeds_of(gp, number)
    assert feed["state"] == "delivered" and feed["attempts"] == 2


async def test_bad_admin_queries(http, tenant):
    base = f"/t/{tenant}/eprescription/_admin/feeds"
    assert (await http.get(base, params={"state": "lost"})).status_code == 400
    assert (await http.get(base, params={"prescription": "XX"})).status_code == 400
    answer = await http.post(f"{base}/retry", params={"id": "00000000-0000-0000-0000-000000000000"})
    assert answer.status_code == 404
    assert (await http.post(f"{base}/retry", params={"id": "nope"})).status_code in (400, 422)


async def test_a_feed_is_attempted_by_one_sender_at_a_time(http, tenant, gp):
    await http.post(f"/t/{tenant}/_admin/faults", json={"service": "ms-espace-sante", "status": 503, "count": 1})
    await gp.prescribe()
    store = http.gateway.state.services["eprescription"].app.state.epr
    with store.db.write() as conn:
        store.feeds.requeue(conn, tenant=tenant)
    with store.db.read() as conn:
        [feed] = store.feeds.listed(conn, tenant=tenant, state="pending")
    with store.db.write() as conn:  # the loop and a retry by hand read the same row
        assert store.feeds.claim(conn, feed, lease=60) is True
        assert store.feeds.claim(conn, feed, lease=60) is False
