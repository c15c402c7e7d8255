"""Helpers of the Mon espace santé tests: a sandbox (gateway + Annuaire + PSC + DMP) in-process, a
professional's token, and ITI-65 / ITI-105 bodies in the shape of the PDSm examples (built here, not
copied: the conformance examples are read from /work/shared only by the tests that need them)."""

from __future__ import annotations

import base64
import hashlib
import uuid

import httpx

from core.settings import SandboxSettings
from gateway.app import create_app
from gateway.registry import ServiceSpec
from tests.services.pro_sante_connect import support as psc_support

PUBLIC = psc_support.PUBLIC
SPECS = [*psc_support.SPECS, ServiceSpec("ins-teleservice", "services.ins_teleservice.app:create_app",
                                         "services.ins_teleservice.settings:InsTeleserviceSettings"),
         ServiceSpec("ms-espace-sante", "services.ms_espace_sante.app:create_app",
                                         "services.ms_espace_sante.settings:MsEspaceSanteSettings")]
INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
ADRUN_INS = "275126322074974"  # persona adrun-zoe: a qualified NIR-based INS, so a DMP
NIA_INS = "109076322088835"  # persona provisoire-matricule: a NIA, so no DMP
NOS = "https://mos.esante.gouv.fr/NOS"
CLASSES = "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument"
LIST_TYPES = "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes"
FHIR = "application/fhir+json"


async def sandbox(tmp_path, **settings):  # noqa: ANN201, ANN003 - an async generator; SandboxSettings fields
    gateway = create_app(SandboxSettings(data_dir=tmp_path, public_url=PUBLIC, **settings), SPECS)
    async with gateway.router.lifespan_context(gateway):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(gateway), base_url=PUBLIC) as http:
            http.gateway = gateway
            yield http


class Dmp:
    """A professional (Dr Robert) on one tenant's Mon espace santé."""

    def __init__(self, http: httpx.AsyncClient, tenant: str, token: str) -> None:
        self.http = http
        self.tenant = tenant
        self.token = token
        self.base = f"/t/{tenant}/ms-espace-sante/fhir"

    @classmethod
    async def login(cls, http: httpx.AsyncClient, tenant: str | None = None) -> Dmp:
        tenant = tenant or psc_support.new_tenant()
        tokens = await psc_support.Psc(http, tenant).login()
        return cls(http, tenant, tokens["access_token"])

    def headers(self, **extra: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}", "content-type": FHIR, **extra}

    async def post(self, path: str, body: object, **headers: str) -> httpx.Response:
        return await self.http.post(self.base + path, json=body, headers=self.headers(**headers))

    async def get(self, path: str, **kwargs) -> httpx.Response:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return await self.http.get(self.base + path if path.startswith("/") else path, headers=headers, **kwargs)

    def store(self):  # noqa: ANN201
        return self.http.gateway.state.services["ms-espace-sante"].app.state.dmp

    def counts(self) -> dict[str, int]:
        """Rows of each type the tenant holds (what a refused request must leave unchanged)."""
        return self.store().counts(self.tenant)


def sha1(raw: bytes) -> str:
    return base64.b64encode(hashlib.sha1(raw).digest()).decode()  # noqa: S324


def author() -> dict:
    return {"resourceType": "Practitioner", "id": "author", "identifier": [
        {"system": "urn:oid:1.2.250.1.71.4.2.1", "value": "899700218896"}], "name": [{"family": "SPECIALISTE"}]}


def document_reference(ins: str, raw: bytes, *, url: str | None = None, unique: str | None = None,
                       replaces: str | None = None, content_type: str = "text/plain") -> dict:
    attachment = {"contentType": content_type, "language": "fr-FR", "size": len(raw), "hash": sha1(raw),
                  "title": "Compte rendu de consultation", "creation": "2026-06-12T10:00:00+02:00"}
    if url:
        attachment["url"] = url
    doc = {
        "resourceType": "DocumentReference", "contained": [author()],
        "masterIdentifier": {"system": "urn:ietf:rfc:3986",
                             "value": unique or f"urn:oid:1.2.250.1.999.{uuid.uuid4().int % 10**12}"},
        "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]},
        "category": [{"coding": [{"system": CLASSES, "code": "10"}]}],
        "subject": {"reference": f"Patient?identifier={INS_SYSTEM}|{ins}"},
        "date": "2026-06-12T10:00:00+02:00", "author": [{"reference": "#author"}],
        "securityLabel": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                                       "code": "N"}]}],
        "content": [{"attachment": attachment, "format": {
            "system": "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode",
            "code": "urn:ihe:iti:xds:2017:mimeTypeSufficient"}}],
        "context": {"period": {"start": "2026-06-12T10:00:00+02:00"},
                    "facilityType": {"coding": [{
                        "system": f"{NOS}/TRE_R02-SecteurActivite/FHIR/TRE-R02-SecteurActivite", "code": "SA07"}]},
                    "practiceSetting": {"coding": [{"system": f"{NOS}/TRE_A01-CadreExercice/FHIR/TRE-A01-CadreExercice",
                                                    "code": "AMBULATOIRE"}]}},
    }
    if replaces:
        doc["relatesTo"] = [{"code": "replaces", "target": {"reference": f"DocumentReference/{replaces}"}}]
    return doc


def supersede_patch(rid: str) -> dict:
    return {"request": {"method": "PATCH", "url": f"DocumentReference/{rid}"}, "resource": {
        "resourceType": "Parameters", "parameter": [{"name": "operation", "part": [
            {"name": "type", "valueCode": "replace"}, {"name": "path", "valueString": "DocumentReference.status"},
            {"name": "value", "valueCode": "superseded"}]}]}}


def provide_bundle(ins: str = ADRUN_INS, documents: tuple[bytes, ...] = (b"Compte rendu: RAS.",), *,
                   replaces: str | None = None, patch: bool = True, content_type: str = "text/plain") -> dict:
    """An ITI-65 bundle: SubmissionSet, one DocumentReference and one Binary per document (+ the PATCH)."""
    ids = [uuid.uuid4() for _ in documents]
    docs, binaries = [], []
    for key, raw in zip(ids, documents, strict=True):
        doc_url, bin_url = f"urn:uuid:{uuid.uuid4()}", f"urn:uuid:{key}"
        docs.append({"fullUrl": doc_url, "request": {"method": "POST", "url": "DocumentReference"},
                     "resource": document_reference(ins, raw, url=bin_url, replaces=replaces,
                                                    content_type=content_type)})
        binaries.append({"fullUrl": bin_url, "request": {"method": "POST", "url": "Binary"}, "resource": {
            "resourceType": "Binary", "contentType": content_type, "data": base64.b64encode(raw).decode()}})
    submission = {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "request": {"method": "POST", "url": "List"}, "resource": {
        "resourceType": "List", "contained": [author()], "status": "current", "mode": "working",
        "extension": [{"url": "https://profiles.ihe.net/ITI/MHD/StructureDefinition/ihe-designationType",
                       "valueCodeableConcept": {"coding": [{"system": CLASSES, "code": "10"}]}},
                      {"url": "https://profiles.ihe.net/ITI/MHD/StructureDefinition/ihe-sourceId",
                       "valueIdentifier": {"system": "urn:ietf:rfc:3986", "value": "urn:oid:1.2.250.1.999.42"}}],
        "code": {"coding": [{"system": LIST_TYPES, "code": "submissionset"}]},
        "subject": {"reference": f"Patient?identifier={INS_SYSTEM}|{ins}"},
        "date": "2026-06-12T10:00:00+02:00", "source": {"reference": "#author"},
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:oid:1.2.250.1.999.1.{uuid.uuid4().int % 10**9}"}],
        "entry": [{"item": {"reference": d["fullUrl"]}} for d in docs]}}
    entries = [submission, *docs, *binaries]
    if replaces and patch:
        entries.append(supersede_patch(replaces))
    return {"resourceType": "Bundle", "type": "transaction", "meta": {"profile": [
        "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-comprehensive-provide-document-bundle"]},
        "entry": entries}


def simplified(ins: str = ADRUN_INS, raw: bytes = b"Lettre de liaison.", content_type: str = "text/plain") -> dict:
    doc = document_reference(ins, raw, content_type=content_type)
    attachment = doc["content"][0]["attachment"]
    attachment["data"] = base64.b64encode(raw).decode()
    return doc


def location_id(location: str) -> str:
    """The id in a ``.../Type/<id>/_history/<n>`` location."""
    return location.split("/_history/")[0].rsplit("/", 1)[1]


CITIZEN_APP = "sandbox-patient-app"  # the citizen login's demo public client (citizen/provider.py)
CITIZEN_REDIRECT = "http://localhost:5173/callback"
CITIZEN_PROTOCOL = "/citizen/protocol/openid-connect"


class Citizen:
    """The demo patient app on one tenant's citizen login (authorization code + PKCE, as a public client)."""

    def __init__(self, http: httpx.AsyncClient, tenant: str) -> None:
        self.http = http
        self.tenant = tenant
        self.root = f"/t/{tenant}/ms-espace-sante"
        self.issuer = PUBLIC + self.root + "/citizen"

    def url(self, path: str) -> str:
        return self.root + path

    async def authorize(self, **params) -> httpx.Response:
        return await self.http.get(self.url("/citizen/auth"), params=params)

    def params(self, challenge: str, **extra: str) -> dict[str, str]:
        return {"response_type": "code", "client_id": CITIZEN_APP, "redirect_uri": CITIZEN_REDIRECT,
                "scope": "openid profile mes.documents.read mes.documents.write", "state": "st-1", "nonce": "n-1",
                "code_challenge": challenge, "code_challenge_method": "S256", **extra}

    async def token(self, data: dict) -> httpx.Response:
        return await self.http.post(self.url(CITIZEN_PROTOCOL + "/token"), data={"client_id": CITIZEN_APP, **data})

    async def login(self, ins: str = ADRUN_INS, **extra: str) -> dict:
        """The app's tokens for the patient of ``ins`` (``login_hint`` skips the picker)."""
        verifier, challenge = psc_support.pkce()
        response = await self.authorize(**self.params(challenge, login_hint=ins, **extra))
        assert response.status_code == 302, response.text[:500]
        code = psc_support.query_of(response.headers["location"])["code"]
        answer = await self.token({"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": CITIZEN_REDIRECT, "code_verifier": verifier})
        assert answer.status_code == 200, answer.text
        return answer.json()


async def patient_dmp(http: httpx.AsyncClient, tenant: str, ins: str = ADRUN_INS, **extra: str) -> Dmp:
    """A :class:`Dmp` acting with a patient's citizen token."""
    tokens = await Citizen(http, tenant).login(ins, **extra)
    return Dmp(http, tenant, tokens["access_token"])
