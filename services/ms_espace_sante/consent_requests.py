"""The patient's consents (digest §4.5, patient controls): which FHIR ``Consent`` shapes the record takes.

A patient (citizen token) posts a FHIR R4 ``Consent`` about their own record (``patient.identifier`` their
INS, ``status`` active, ``scope`` patient-privacy, a ``category``), one of three shapes, by ``provision``:

- **block** a professional: ``type`` deny, one ``actor`` whose ``reference.identifier`` is the idNat_PS
  (``urn:oid:1.2.250.1.71.4.2.1``); the professional gets 403 MES-0204 in every mode;
- **oppose** an emergency mode: ``type`` deny, no actor, one ``purpose`` coded in TRE_R248
  (``bris_de_glace`` or ``centre_15``); that mode gets 403 MES-0205;
- **temporary access**: ``type`` permit, one actor (idNat_PS) and a ``period`` (``end`` required, in the
  future, at most a year after ``start``; ``start`` now when absent): during the period the professional
  sees the documents their profession's matrix row does not (masking still applies); it ends at
  ``end`` by itself;
- **carer** (aidant): ``type`` permit, one actor named by INS (``urn:oid:1.2.250.1.213.1.4.8``, a citizen
  with a record here), ``action`` codes of consentaction: ``access`` (read the record and its traces, the
  default) and/or ``correct`` (mask, unmask, add documents), an optional ``period``; the carer logs in as
  themselves and acts for the patient, every action traced as theirs. A carer gives no consent;
- **app** (catalogue app): ``type`` permit, one actor named by ``urn:ietf:params:oauth:client-id``, the
  scopes granted as ``action`` codes: stored by the citizen login's consent screen (:func:`app_consent`),
  never posted (422 MES-0306); revoked like any consent, after which the app's tokens get 401 MES-0314.

The real Mon espace santé publishes no FHIR form of these choices (digest §4.5: ``Consent`` is the
announced direction, U): these shapes are the sandbox's and docs/ms-espace-sante.md says so. Anything
else is 422 MES-0306 naming the element; an invalid R4 resource 400/422 FHIR-000x; a period that is over,
reversed or too long 422 MES-0308. :func:`summary` folds the active consents into the
:class:`PatientConsents` the access rules read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from core.errors import SandboxError
from core.fhir.models import validate_resource
from core.identifiers import IDNAT_PS_OID
from services.ms_espace_sante.access import ACCESS_MODE_SYSTEM
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.consents import AppAccess, CarerAccess, PatientConsents, TemporaryAccess, instant
from services.ms_espace_sante.spec import INS_NIR_SYSTEM

SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope"
MODES = ("bris_de_glace", "centre_15")
LONGEST = timedelta(days=366)
Kind = Literal["block", "oppose", "temporary", "carer", "app"]
CLIENT_ID = "urn:ietf:params:oauth:client-id"
SCOPE_CODES = "https://sandbox.esante.local/fhir/CodeSystem/mes-scope"  # the citizen login's scopes
SHAPES = ("provision.type deny with one actor (block a professional), deny with one purpose bris_de_glace or "
          "centre_15 (oppose an emergency mode), permit with one professional actor and a period (temporary "
          "access), or permit with one citizen actor named by INS (a carer)")
ACTION_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentaction"
CARER_ACTIONS = frozenset({"access", "correct"})


@dataclass(frozen=True)
class ConsentRequest:
    """What a posted Consent asks, once its shape is checked."""

    kind: Kind
    ins: str  # the patient it is about
    actor: str | None = None  # idNat_PS (block, temporary)
    mode: str | None = None  # bris_de_glace | centre_15 (oppose)
    start: str | None = None  # temporary, carer (optional)
    end: str | None = None
    carer: str | None = None  # INS (carer)
    actions: frozenset[str] = frozenset()  # carer: access, correct; app: the scopes granted
    app: str | None = None  # client_id (app)

    @property
    def label(self) -> str:
        return {"block": f"block professional {self.actor}", "oppose": f"oppose emergency access {self.mode}",
                "temporary": f"temporary access for {self.actor} until {self.end}",
                "carer": f"carer {self.carer} ({', '.join(sorted(self.actions))})"
                         + (f" until {self.end}" if self.end else ""),
                "app": f"app {self.app} ({' '.join(sorted(self.actions))})"}[self.kind]


def bad(why: str, where: str, code: MesCode = MesCode.BAD_CONSENT) -> SandboxError:
    return SandboxError(422, code, why, issue="business-rule", expression=[where])


def parse(resource: object, now: datetime) -> ConsentRequest:
    """The request of a posted Consent (the errors above), its period checked and ``start`` filled in."""
    if isinstance(resource, dict) and resource.get("resourceType") not in (None, "Consent"):
        raise SandboxError(400, MesCode.WRONG_RESOURCE_TYPE, f"POST /Consent takes a Consent, not a "
                           f"{str(resource.get('resourceType'))[:40]}.", expression=["resourceType"])
    consent = validate_resource(resource, "Consent")
    if consent.get("status") != "active":
        raise bad("A patient's consent is posted active (status active); revoke one with DELETE /Consent/{id}.",
                  "Consent.status")
    request = shape(consent)
    if request.kind == "app":
        raise bad("A patient authorises an app on the citizen login's consent screen, when the app asks to log "
                  "them in; revoke it here with DELETE /Consent/{id}.", "Consent.provision.actor[0].reference")
    period = (consent.get("provision") or {}).get("period")
    if request.kind == "temporary" or (request.kind == "carer" and period is not None):
        start, end = period_of(period, now)
        return replace(request, start=start, end=end)
    return request


def shape(consent: dict) -> ConsentRequest:
    """Which of the three shapes a Consent is (a stored one, or a posted one before its period is checked)."""
    scopes = [c for c in (consent.get("scope") or {}).get("coding") or ()]
    if not any(c.get("system") == SCOPE_SYSTEM and c.get("code") == "patient-privacy" for c in scopes):
        raise bad(f"Consent.scope must be {SCOPE_SYSTEM}|patient-privacy: the record's consents are privacy "
                  "choices.", "Consent.scope")
    ident = (consent.get("patient") or {}).get("identifier") or {}
    if ident.get("system") != INS_NIR_SYSTEM or not isinstance(ident.get("value"), str):
        raise bad(f"Consent.patient names the patient by INS: {{\"identifier\": {{\"system\": \"{INS_NIR_SYSTEM}\", "
                  "\"value\": \"<INS>\"}}.", "Consent.patient")
    provision = consent.get("provision") or {}
    actors = provision.get("actor") or []
    purposes = provision.get("purpose") or []
    kind = provision.get("type")
    if kind == "deny" and len(actors) == 1 and not purposes and "period" not in provision:
        return ConsentRequest("block", ident["value"], actor=actor_of(actors[0]))
    if kind == "deny" and not actors and len(purposes) == 1:
        purpose = purposes[0]
        if purpose.get("system") != ACCESS_MODE_SYSTEM or purpose.get("code") not in MODES:
            raise bad(f"An opposition names one emergency mode: purpose {ACCESS_MODE_SYSTEM}|bris_de_glace or "
                      "|centre_15 (TRE_R248).", "Consent.provision.purpose[0]")
        return ConsentRequest("oppose", ident["value"], mode=purpose["code"])
    if kind == "permit" and len(actors) == 1 and not purposes:
        period = provision.get("period") or {}
        if app_of(actors[0]) is not None:
            return ConsentRequest("app", ident["value"], app=app_of(actors[0]), actions=scopes_of(provision))
        if carer_ins(actors[0]) is not None:
            return ConsentRequest("carer", ident["value"], carer=carer_ins(actors[0]), actions=actions_of(provision),
                                  start=period.get("start"), end=period.get("end"))
        return ConsentRequest("temporary", ident["value"], actor=actor_of(actors[0]), start=period.get("start"),
                              end=period.get("end"))
    raise bad(f"This Consent is none of the shapes the record takes: {SHAPES}.", "Consent.provision")


def app_of(actor: dict) -> str | None:
    """The client_id of an actor named as an app (``urn:ietf:params:oauth:client-id``), or None."""
    ident = (actor.get("reference") or {}).get("identifier") or {}
    value = ident.get("value")
    return value if ident.get("system") == CLIENT_ID and isinstance(value, str) and value else None


def scopes_of(provision: dict) -> frozenset[str]:
    """The scopes an app authorisation grants: ``provision.action`` codes of the sandbox's scope system."""
    return frozenset(c.get("code") for action in provision.get("action") or () for c in action.get("coding") or ()
                     if c.get("system") == SCOPE_CODES and isinstance(c.get("code"), str))


def app_consent(ins: str, client_id: str, scopes: frozenset[str]) -> dict:
    """The Consent the consent screen stores when the patient authorises an app."""
    return {"resourceType": "Consent", "status": "active",
            "scope": {"coding": [{"system": SCOPE_SYSTEM, "code": "patient-privacy"}]},
            "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
            "patient": {"identifier": {"system": INS_NIR_SYSTEM, "value": ins}},
            "provision": {"type": "permit", "actor": [{
                "role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                     "code": "IRCP", "display": "information recipient"}]},
                "reference": {"identifier": {"system": CLIENT_ID, "value": client_id}}}],
                "action": [{"coding": [{"system": SCOPE_CODES, "code": s}]} for s in sorted(scopes)]}}


def carer_ins(actor: dict) -> str | None:
    """The INS of an actor named as a citizen (a carer), or None."""
    ident = (actor.get("reference") or {}).get("identifier") or {}
    value = ident.get("value")
    return value if ident.get("system") == INS_NIR_SYSTEM and isinstance(value, str) and value else None


def actions_of(provision: dict) -> frozenset[str]:
    """What a carer may do: ``provision.action`` codes of consentaction, ``access`` and/or ``correct``."""
    codes = [c for action in provision.get("action") or () for c in action.get("coding") or ()]
    found = frozenset(c.get("code") for c in codes)
    if any(c.get("system") != ACTION_SYSTEM for c in codes) or not found <= CARER_ACTIONS:
        raise bad(f"A carer's actions are {ACTION_SYSTEM} codes access (read the record and its traces) and "
                  "correct (mask, unmask, add documents).", "Consent.provision.action")
    return found or frozenset({"access"})


def actor_of(actor: dict) -> str:
    ident = (actor.get("reference") or {}).get("identifier") or {}
    if ident.get("system") != IDNAT_PS_OID or not isinstance(ident.get("value"), str) or not ident["value"]:
        raise bad(f"The actor is a professional named by idNat_PS: reference.identifier {{\"system\": "
                  f"\"{IDNAT_PS_OID}\", \"value\": \"<idNat_PS>\"}}.", "Consent.provision.actor[0].reference")
    return ident["value"]


def period_of(period: object, now: datetime) -> tuple[str, str]:
    where = "Consent.provision.period"
    if not isinstance(period, dict) or not isinstance(period.get("end"), str):
        raise bad("A temporary access has a period with an end (and a start, now when absent).", where,
                  MesCode.BAD_PERIOD)
    try:
        start = instant(period["start"]) if isinstance(period.get("start"), str) else now
        end = instant(period["end"])
    except ValueError:
        raise bad("The period's start and end are dateTimes with a time zone (2026-12-03T10:00:00+01:00); a date "
                  "alone is not precise enough for an access that ends by itself.", where, MesCode.BAD_PERIOD) from None
    if end <= now:
        raise bad(f"The period ended at {period['end']}: a temporary access ends in the future.", where,
                  MesCode.BAD_PERIOD)
    if end <= start:
        raise bad("The period's end is before its start.", where, MesCode.BAD_PERIOD)
    if end - start > LONGEST:
        raise bad("A temporary access lasts a year at most (the historic DMP's authorisations lasted a year, "
                  "renewable): renew it when it ends.", where, MesCode.BAD_PERIOD)
    return start.isoformat(), end.isoformat()


def conflict(request: ConsentRequest, active: Iterable[ConsentRequest]) -> str | None:
    """Why ``request`` duplicates an active consent (409 MES-0309), or None."""
    for other in active:
        if request.kind == other.kind == "block" and request.actor == other.actor:
            return f"professional {request.actor} is already blocked"
        if request.kind == other.kind == "oppose" and request.mode == other.mode:
            return f"access in mode {request.mode} is already opposed"
        if request.kind == other.kind == "carer" and request.carer == other.carer:
            return f"{request.carer} is already a carer of this record"
        if request.kind == other.kind == "temporary" and request.actor == other.actor and \
                instant(request.start) < instant(other.end) and instant(other.start) < instant(request.end):
            return f"professional {request.actor} already has a temporary access from {other.start} to {other.end}"
    return None


def summary(base: PatientConsents, active: Iterable[ConsentRequest]) -> PatientConsents:
    """The consents the access rules read: the médecin traitant of ``base``, the rest from ``active``."""
    active = list(active)
    return replace(base, blocked=frozenset(r.actor for r in active if r.kind == "block" and r.actor),
                   opposes_bris_de_glace=any(r.kind == "oppose" and r.mode == "bris_de_glace" for r in active),
                   opposes_centre_15=any(r.kind == "oppose" and r.mode == "centre_15" for r in active),
                   temporary=tuple(TemporaryAccess(r.actor, r.start, r.end) for r in active
                                   if r.kind == "temporary" and r.actor and r.start and r.end),
                   carers=tuple(CarerAccess(r.carer, r.actions, r.start, r.end) for r in active
                                if r.kind == "carer" and r.carer),
                   apps=tuple(AppAccess(r.app, r.actions) for r in active if r.kind == "app" and r.app))
