"""Feeding Mon espace santé (digest §5.1: "the prescription is also added to the patient's DMP"; §5.4 point 4).

On a prescription a document of type 57833-6 (class 42, "Prescription de produits de santé") is fed into
the patient's record; once every line is dispensed (or ended), a 60593-1 (class 43, "Dispensation
médicamenteuse"). Each document goes through the outbox (feed_store.py), written in the transaction of
what it reports, then delivered: at once after the commit, and by :func:`retry_loop` every
EPRESCRIPTION_FEED_RETRY_SECONDS while Mon espace santé cannot be reached or answers 5xx.

The service feeds as the national base does, server to server: an ITI-105 Simplified Publish with a
Pro Santé Connect ``client_credentials`` token of its own client (EPRESCRIPTION_FEED_CLIENT_ID, declared
as a feeder in MS_ESPACE_SANTE_FEEDER_CLIENTS); the document's author is the prescriber (or the last
pharmacist), a contained Practitioner with their idNat_PS, as the DMP requires.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import time
import uuid
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from core.peers import Peers
from services.eprescription import lines, numbers
from services.eprescription.feed_store import Feed
from services.eprescription.settings import MES_SLUG, PSC_SLUG, EprescriptionSettings
from services.eprescription.spec import ID_NAT_PS, INS_NIR_SYSTEM
from services.eprescription.store import EprStore

log = logging.getLogger(__name__)
NOS = "https://mos.esante.gouv.fr/NOS"
CLASSES = f"{NOS}/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument"
FACILITY = f"{NOS}/TRE_R02-SecteurActivite/FHIR/TRE-R02-SecteurActivite"
SETTING = f"{NOS}/TRE_A01-CadreExercice/FHIR/TRE-A01-CadreExercice"
FORMAT = "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode"
KINDS = {"prescription": ("57833-6", "42", "Ordonnance numérique", "SA07"),
         "dispensation": ("60593-1", "43", "Dispensation de l'ordonnance numérique", "SA33")}
TOKEN_PATH = "/auth/realms/esante-wallet/protocol/openid-connect/token"
CLAIM_SECONDS = 60.0  # longer than one attempt can take (the peer client's timeout is 30 s)
RETRYABLE = {401, 408, 429}  # with 5xx and transport errors: Mon espace santé (or the token) may work later


def _text(kind: str, number: str, stored_lines: list[dict], dispenses: list[dict]) -> str:
    first = stored_lines[0]
    out = [f"{KINDS[kind][2]} n° {numbers.display(number)}",
           f"Prescripteur : {(first.get('requester') or {}).get('display', '')} "
           f"(idNat_PS {lines.requester_id(first)})",
           f"Patient : {(first.get('subject') or {}).get('display', '')} (INS {lines.patient_ins(first)})",
           f"Date : {first.get('authoredOn', '')}", ""]
    for i, line in enumerate(stored_lines, start=1):
        concept = line.get("medicationCodeableConcept") or {}
        name = concept.get("text") or next((c.get("display") for c in concept.get("coding", []) if c.get("display")),
                                           "")
        q = lines.quantity(line)
        out.append(f"{i}. {name} - {'; '.join(d.get('text', '') for d in line.get('dosageInstruction', []))} - "
                   f"quantité : {lines.number(float(q.get('value', 0)))} {q.get('unit', '')}".rstrip())
        if kind == "dispensation":
            out.append(f"   état : {line.get('status')}, délivré : {lines.number(lines.dispensed(line))}")
    for d in dispenses:
        performer = ((d.get("performer") or [{}])[0].get("actor") or {}).get("display", "")
        out.append(f"Délivrance {d.get('whenHandedOver', '')} par {performer} : "
                   f"{lines.number(float((d.get('quantity') or {}).get('value', 0)))} "
                   f"({d.get('authorizingPrescription', [{}])[0].get('reference', '')})")
    return "\n".join(out) + "\n"


def document(kind: str, number: str, stored_lines: list[dict], author: dict, dispenses: list[dict] = ()) -> dict:
    """The ITI-105 DocumentReference of a prescription or dispensation, its text in attachment.data."""
    type_code, class_code, title, facility = KINDS[kind]
    raw = _text(kind, number, stored_lines, list(dispenses)).encode()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    ins = lines.patient_ins(stored_lines[0])
    name = str(author.get("display") or "").split()
    return {
        "resourceType": "DocumentReference",
        "contained": [{"resourceType": "Practitioner", "id": "author", "identifier": [
            {"system": ID_NAT_PS, "value": (author.get("identifier") or {}).get("value", "")}],
            "name": [{"family": name[-1] if name else "", "given": name[:-1]}]}],
        "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:oid:2.25.{uuid.uuid4().int}"},
        "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": type_code}]},
        "category": [{"coding": [{"system": CLASSES, "code": class_code}]}],
        "subject": {"reference": f"Patient?identifier={INS_NIR_SYSTEM}|{ins}"},
        "date": now, "author": [{"reference": "#author"}],
        "description": f"{title} n° {number}",  # canonical: what a search or a journey captured
        "securityLabel": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                                       "code": "N"}]}],
        "content": [{"attachment": {
            "contentType": "text/plain", "language": "fr-FR", "size": len(raw),
            "hash": base64.b64encode(hashlib.sha1(raw).digest()).decode(),  # noqa: S324 - what XDS asks for
            "title": f"{title} {numbers.display(number)}", "creation": now,
            "data": base64.b64encode(raw).decode()},
            "format": {"system": FORMAT, "code": "urn:ihe:iti:xds:2017:mimeTypeSufficient"}}],
        "context": {"period": {"start": stored_lines[0].get("authoredOn", now)},
                    "facilityType": {"coding": [{"system": FACILITY, "code": facility}]},
                    "practiceSetting": {"coding": [{"system": SETTING, "code": "AMBULATOIRE"}]}},
    }


def add_dispensation(store: EprStore, conn, ctx, number: str, author: dict) -> str:  # noqa: ANN001
    """Write the feed of the dispensation document of ``number`` (every line ended), on the write ``conn``."""
    stored = [json.loads(s.body) for s in store.lines(conn, ctx, number)]
    handed = [json.loads(s.body) for s in store.api.store.by_token(
        conn, tenant=ctx.tenant, rtype="MedicationDispense", param="prescription-number",
        value=f"{numbers.SYSTEM}|{number}", limit=1000)]
    handed.sort(key=lambda d: (d.get("whenHandedOver", ""), d.get("meta", {}).get("lastUpdated", "")))
    return store.feeds.add(conn, tenant=ctx.tenant, number=number, kind="dispensation",
                           payload=document("dispensation", number, stored, author, handed))


async def _token(peers: Peers, tenant: str, settings: EprescriptionSettings) -> str:
    response = await peers.client(PSC_SLUG, tenant).post(
        TOKEN_PATH, data={"grant_type": "client_credentials"},
        headers={"authorization": "Basic " + base64.b64encode(
            f"{settings.feed_client_id}:{settings.feed_client_secret}".encode()).decode()})
    if response.status_code != 200:
        raise FeedError(f"Pro Santé Connect gave no token to {settings.feed_client_id} "
                        f"({response.status_code} {response.text[:200]})", retry=True)
    return response.json()["access_token"]


class FeedError(Exception):
    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


async def send(peers: Peers, feed: Feed, settings: EprescriptionSettings) -> str | None:
    """Deliver one feed; the DocumentReference id Mon espace santé gave, or :class:`FeedError`."""
    try:
        token = await _token(peers, feed.tenant, settings)
        response = await peers.client(MES_SLUG, feed.tenant).post(
            "/fhir/DocumentReference", json=feed.payload,
            headers={"authorization": f"Bearer {token}", "content-type": "application/fhir+json"})
    except httpx.HTTPError as exc:
        raise FeedError(f"Mon espace santé could not be reached: {type(exc).__name__} {exc}", retry=True) from None
    if response.status_code in (200, 201):
        return (response.json() or {}).get("id")
    retry = response.status_code >= 500 or response.status_code in RETRYABLE
    raise FeedError(f"Mon espace santé answered {response.status_code}: {response.text[:300]}", retry=retry)


async def deliver(app: FastAPI, feed: Feed) -> Feed:
    """One attempt at ``feed``, its outcome written back; the feed as it now stands."""
    store: EprStore = app.state.epr
    settings: EprescriptionSettings = app.state.settings
    if not await run_in_threadpool(_claimed, store, feed):
        return feed  # another attempt has it
    try:
        document_id = await send(app.state.peers, feed, settings)
    except FeedError as exc:
        error, final = str(exc), not exc.retry
        await run_in_threadpool(_write, store, lambda conn: store.feeds.failed(
            conn, feed, error, final=final, retry_in=settings.feed_retry_seconds,
            max_attempts=settings.feed_max_attempts))
    else:
        await run_in_threadpool(_write, store, lambda conn: store.feeds.delivered(conn, feed, document_id))
    with store.db.read() as conn:
        return store.feeds.get(conn, tenant=feed.tenant, fid=feed.id) or feed


def _claimed(store: EprStore, feed: Feed) -> bool:
    with store.db.write() as conn:
        return store.feeds.claim(conn, feed, lease=CLAIM_SECONDS)


def _write(store: EprStore, fn) -> None:  # noqa: ANN001
    with store.db.write() as conn:
        fn(conn)


async def deliver_ids(app: FastAPI, tenant: str, ids: list[str]) -> list[Feed]:
    """Deliver the feeds just written (after their transaction committed)."""
    store: EprStore = app.state.epr
    with store.db.read() as conn:
        feeds = [f for fid in ids if (f := store.feeds.get(conn, tenant=tenant, fid=fid)) is not None]
    return [await deliver(app, feed) for feed in feeds]


async def retry_due(app: FastAPI) -> int:
    """One pass over the due feeds of every tenant; how many were attempted."""
    store: EprStore = app.state.epr
    with store.db.read() as conn:
        due = store.feeds.due(conn, now=time.time())
    for feed in due:
        await deliver(app, feed)
    return len(due)


async def retry_loop(app: FastAPI) -> None:
    """While the app runs: retry the pending feeds every EPRESCRIPTION_FEED_RETRY_SECONDS."""
    settings: EprescriptionSettings = app.state.settings
    while True:
        await asyncio.sleep(settings.feed_retry_seconds)
        try:
            await retry_due(app)
        except Exception:  # noqa: BLE001 - the loop outlives one bad pass (a database restarting...)
            log.exception("retrying the feeds to Mon espace santé failed; next pass in %ss",
                          settings.feed_retry_seconds)
