"""What the Mon espace santé benchmarks share: an in-process gateway, a physician's PSC token, and DMP
documents in the PDSm shapes (the ITI-65 DocumentReference as the service stores it, varied) built here.

Not imported from tests/: nothing imports tests (DESIGN.md); the shapes follow
tests/services/ms_espace_sante/support.py and the PDSm examples.
"""

from __future__ import annotations

import base64
import hashlib
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

PUBLIC = "http://127.0.0.1:8080"
INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
ID_NAT_PS = "urn:oid:1.2.250.1.71.4.2.1"
ROBERT = "899700218896"  # persona robert-specialiste: a physician (TRE_G15 10), the token's professional
ADRUN_INS = "275126322074974"  # persona adrun-zoe: a qualified NIR-based INS INSi confirms
NOS = "https://mos.esante.gouv.fr/NOS"
CLASSES = f"{NOS}/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
VISIBILITY = f"{NOS}/TRE_A07-StatutVisibiliteDocument/FHIR/TRE-A07-StatutVisibiliteDocument"
LIST_TYPES = "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes"
FORMAT = {"system": "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode",
          "code": "urn:ihe:iti:xds:2017:mimeTypeSufficient"}
SECTOR = f"{NOS}/TRE_R02-SecteurActivite/FHIR/TRE-R02-SecteurActivite"
SETTING = f"{NOS}/TRE_A01-CadreExercice/FHIR/TRE-A01-CadreExercice"
PRACTICE = ("sandbox-practice-software", "sandbox-practice-secret")
REDIRECT = "http://localhost:3000/callback"
REALM = "/auth/realms/esante-wallet"

# (LOINC type, TRE_A03 class, title): what a DMP holds most
TYPES = [("11488-4", "10", "Compte rendu de consultation"), ("34133-9", "10", "Synthèse d'épisode de soins"),
         ("11490-0", "10", "Lettre de sortie"), ("18748-4", "31", "Compte rendu d'imagerie"),
         ("11502-2", "11", "Compte rendu de biologie"), ("57833-6", "44", "Prescription de médicaments"),
         ("60591-5", "10", "Synthèse médicale"), ("87273-9", "52", "Note de vaccination"),
         ("34794-8", "45", "Compte rendu de réunion de concertation"), ("18776-5", "42", "Plan personnalisé de soins")]
FACILITIES = ["SA07", "SA01", "SA05", "SA29"]
SETTINGS = ["AMBULATOIRE", "HOSPITALISATION"]
BINARIES = f"{PUBLIC}/ms-espace-sante/fhir/Binary/"


def author(idnat: str, family: str) -> dict:
    return {"resourceType": "Practitioner", "id": "author", "identifier": [{"system": ID_NAT_PS, "value": idnat}],
            "name": [{"family": family}]}


def context(when: str, facility: str, setting: str) -> dict:
    return {"period": {"start": when}, "facilityType": {"coding": [{"system": SECTOR, "code": facility}]},
            "practiceSetting": {"coding": [{"system": SETTING, "code": setting}]}}


def label(system: str, code: str) -> dict:
    return {"coding": [{"system": system, "code": code}]}


def sha1(raw: bytes) -> str:
    return base64.b64encode(hashlib.sha1(raw).digest()).decode()  # noqa: S324 - the XDS hash is SHA-1


def stored_document(rnd: random.Random, rid: str, patient_id: str, authors: list[str]) -> dict:
    """A DocumentReference as ITI-65 leaves it in the store: subject resolved, Binary URL, varied metadata.

    About 1 in 10 is masked to professionals (MASQUE_PS), 1 in 8 superseded, 1 in 100 deleted, 1 in 10
    written by Dr Robert (the bench's caller, who then sees his masked ones).
    """
    code, klass, title = TYPES[int(rnd.random() * len(TYPES))]
    year, month, day = 2012 + int(rnd.random() * 14), 1 + int(rnd.random() * 12), 1 + int(rnd.random() * 28)
    when = f"{year}-{month:02d}-{day:02d}T{8 + int(rnd.random() * 10):02d}:00:00+02:00"
    idnat = ROBERT if rnd.random() < 0.1 else authors[int(rnd.random() * len(authors))]
    labels = [label(CONFIDENTIALITY, "N" if rnd.random() < 0.8 else "R")]
    if rnd.random() < 0.1:
        labels.append(label(VISIBILITY, "MASQUE_PS"))
    r = rnd.random()
    status = "entered-in-error" if r < 0.01 else "superseded" if r < 0.135 else "current"
    size = 2000 + int(rnd.random() * 60000)
    return {
        "resourceType": "DocumentReference", "id": rid, "contained": [author(idnat, f"AUTEUR{idnat[-4:]}")],
        "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:oid:1.2.250.1.999.{rid}"},
        "status": status, "type": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "category": [{"coding": [{"system": CLASSES, "code": klass}]}],
        "subject": {"reference": f"Patient/{patient_id}"}, "date": when, "author": [{"reference": "#author"}],
        "securityLabel": labels,
        "content": [{"attachment": {"contentType": "application/pdf", "language": "fr-FR", "size": size,
                                    "hash": sha1(rid.encode()), "title": title, "creation": when,
                                    "url": f"{BINARIES}{uuid.UUID(int=rnd.getrandbits(128))}"},
                     "format": FORMAT}],
        "context": context(when, FACILITIES[int(rnd.random() * len(FACILITIES))],
                           SETTINGS[int(rnd.random() * len(SETTINGS))]),
    }


def provide_bundle(ins: str, raw: bytes) -> dict:
    """An ITI-65 bundle of one document: SubmissionSet, DocumentReference, Binary (support.py's shape)."""
    doc_url, bin_url, list_url = (f"urn:uuid:{uuid.uuid4()}" for _ in range(3))
    subject = {"reference": f"Patient?identifier={INS_SYSTEM}|{ins}"}
    when = "2026-06-12T10:00:00+02:00"
    doc = {"resourceType": "DocumentReference", "contained": [author(ROBERT, "SPECIALISTE")],
           "masterIdentifier": {"system": "urn:ietf:rfc:3986",
                                "value": f"urn:oid:1.2.250.1.999.{uuid.uuid4().int % 10**12}"},
           "status": "current", "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]},
           "category": [{"coding": [{"system": CLASSES, "code": "10"}]}], "subject": subject, "date": when,
           "author": [{"reference": "#author"}], "securityLabel": [label(CONFIDENTIALITY, "N")],
           "content": [{"attachment": {"contentType": "text/plain", "language": "fr-FR", "size": len(raw),
                                       "hash": sha1(raw), "title": "Compte rendu de consultation", "creation": when,
                                       "url": bin_url}, "format": FORMAT}],
           "context": context(when, "SA07", "AMBULATOIRE")}
    submission = {"resourceType": "List", "contained": [author(ROBERT, "SPECIALISTE")], "status": "current",
                  "mode": "working", "extension": [
                      {"url": "https://profiles.ihe.net/ITI/MHD/StructureDefinition/ihe-designationType",
                       "valueCodeableConcept": {"coding": [{"system": CLASSES, "code": "10"}]}},
                      {"url": "https://profiles.ihe.net/ITI/MHD/StructureDefinition/ihe-sourceId",
                       "valueIdentifier": {"system": "urn:ietf:rfc:3986", "value": "urn:oid:1.2.250.1.999.42"}}],
                  "code": {"coding": [{"system": LIST_TYPES, "code": "submissionset"}]}, "subject": subject,
                  "date": when, "source": {"reference": "#author"},
                  "identifier": [{"system": "urn:ietf:rfc:3986",
                                  "value": f"urn:oid:1.2.250.1.999.1.{uuid.uuid4().int % 10**9}"}],
                  "entry": [{"item": {"reference": doc_url}}]}
    binary = {"resourceType": "Binary", "contentType": "text/plain", "data": base64.b64encode(raw).decode()}
    return {"resourceType": "Bundle", "type": "transaction", "meta": {"profile": [
        "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-comprehensive-provide-document-bundle"]},
        "entry": [{"fullUrl": list_url, "request": {"method": "POST", "url": "List"}, "resource": submission},
                  {"fullUrl": doc_url, "request": {"method": "POST", "url": "DocumentReference"}, "resource": doc},
                  {"fullUrl": bin_url, "request": {"method": "POST", "url": "Binary"}, "resource": binary}]}


@asynccontextmanager
async def gateway(data_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The full gateway (every service, ``sandbox up``'s one process) on ``data_dir``, in-process (ASGI)."""
    from core.settings import SandboxSettings
    from gateway.app import create_app

    app = create_app(SandboxSettings(data_dir=data_dir, public_url=PUBLIC))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=PUBLIC, timeout=60) as http:
            http.gateway = app
            yield http


def service_app(http: httpx.AsyncClient, slug: str):  # noqa: ANN201
    """The app of one service inside the in-process gateway."""
    return http.gateway.state.services[slug].app


async def physician_token(http: httpx.AsyncClient, tenant_prefix: str = "") -> str:
    """Dr Robert's access token: the scripted login (``login_hint``) and the code exchange."""
    root = f"{tenant_prefix}/pro-sante-connect"
    login = await http.get(f"{root}/wallet/auth", params={
        "response_type": "code", "client_id": PRACTICE[0], "redirect_uri": REDIRECT, "scope": "openid scope_all",
        "acr_values": "eidas1", "state": "s", "nonce": "n", "login_hint": ROBERT})
    assert login.status_code == 302, login.text[:300]
    code = parse_qs(urlsplit(login.headers["location"]).query)["code"][0]
    token = await http.post(f"{root}{REALM}/protocol/openid-connect/token", auth=PRACTICE, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})
    assert token.status_code == 200, token.text[:300]
    return token.json()["access_token"]
