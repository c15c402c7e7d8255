"""Who may see a document of a DMP, in which access mode (digest §4.4-4.5); decisions the routes enforce.

Rules, in the order :func:`decide` applies them (each refusal has its MES-02xx code):

1. professionals and patients read the DMP; a citizen reads their own record, a minor's record as their
   legal representative, or a record whose patient named them carer (403 MES-0303 otherwise), with a
   token holding the scope ``mes.documents.read`` (403 MES-0304), and does not see the documents
   ``INVISIBLE_PATIENT`` hides (nor, for a representative, ``INVISIBLE_REPRESENTANTS_LEGAUX``): labels
   that hide nothing from professionals; software is refused;
2. a professional the patient blocked gets 403 in every mode (MES-0204);
3. the access mode (``X-Access-Mode``: normal, bris_de_glace, centre_15, TRE_R248) must be one the
   profession may use (MES-0206) and one the patient did not oppose (MES-0205);
4. the habilitation matrix (habilitations.py): profession x document class/type (MES-0202), unless the
   patient granted this professional a temporary access whose period is open now (consents.py): it ends
   at the period's end by itself;
5. ``MASQUE_PS``: hidden from every professional but the author and the patient's médecin traitant
   (MES-0203), except in an emergency mode, which bypasses masking (the decision says so, for the
   trace). ``MASQUE_PSOCIAL`` hides it likewise from the professions of the matrix's ``*`` row.

Every decision, allowed or not, is traced by the caller through core/audit (``Decision.mode`` is what the
AuditEvent records). The consents a patient gives are :class:`PatientConsents`, kept by the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.audit import Access, PatientRef
from core.errors import SandboxError
from core.oidc.principals import Patient, Practitioner, Principal
from services.ms_espace_sante.authors import author_identifiers
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.consents import CARER, FIRST_PARTY_APPS, PATIENT, REPRESENTATIVE, PatientConsents
from services.ms_espace_sante.habilitations import ANY, Matrix, default_matrix

ACCESS_MODE_HEADER = "X-Access-Mode"
ACCESS_MODE_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R248-ModeAcces/FHIR/TRE-R248-ModeAcces"  # U: pattern §0.5
CLASS_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument"
VISIBILITY_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/TRE-A07-StatutVisibiliteDocument"
ID_NAT_PS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"
MASQUE_PS = "MASQUE_PS"
MASQUE_PSOCIAL = "MASQUE_PSOCIAL"
INVISIBLE_PATIENT = "INVISIBLE_PATIENT"
INVISIBLE_REPRESENTANTS_LEGAUX = "INVISIBLE_REPRESENTANTS_LEGAUX"
READ_SCOPE = "mes.documents.read"  # citizen/provider.py: what a patient's token needs to read the record
WRITE_SCOPE = "mes.documents.write"


class AccessMode(StrEnum):
    NORMAL = "normal"
    BRIS_DE_GLACE = "bris_de_glace"
    CENTRE_15 = "centre_15"

    @property
    def emergency(self) -> bool:
        return self is not AccessMode.NORMAL

    @property
    def display(self) -> str:
        return {"normal": "Accès normal", "bris_de_glace": "Accès en mode bris de glace",
                "centre_15": "Accès en mode centre de régulation (15)"}[self.value]


def parse_access_mode(value: str | None) -> AccessMode:
    """The mode an ``X-Access-Mode`` header asserts (absent or empty = normal); 400 MES-0201 otherwise."""
    if value is None or not value.strip():
        return AccessMode.NORMAL
    try:
        return AccessMode(value.strip().lower())
    except ValueError:
        raise SandboxError(400, MesCode.BAD_ACCESS_MODE, f"{ACCESS_MODE_HEADER} {value[:40]!r} is not an access mode: "
                           f"send one of {', '.join(m.value for m in AccessMode)} (TRE_R248), or leave the header "
                           "out for normal access.", expression=[ACCESS_MODE_HEADER]) from None


def mode_coding(mode: AccessMode) -> dict:
    """The Coding of ``mode`` that AuditEvent.purposeOfEvent records (core/audit)."""
    return {"system": ACCESS_MODE_SYSTEM, "code": mode.value, "display": mode.display}


@dataclass(frozen=True)
class DocumentMeta:
    """The metadata the rules look at, read from a stored DocumentReference (:meth:`of`)."""

    classes: frozenset[str] = frozenset()  # TRE_A03 codes of ``category``
    types: frozenset[str] = frozenset()  # codes of ``type`` (LOINC, TRE_A05)
    labels: frozenset[str] = frozenset()  # codes of ``securityLabel`` (N, R, V, MASQUE_PS ...)
    authors: frozenset[str] = frozenset()  # idNat_PS of the authors

    @classmethod
    def of(cls, doc: Mapping[str, Any] | DocumentMeta) -> DocumentMeta:
        if isinstance(doc, DocumentMeta):
            return doc
        category = [c for cc in doc.get("category") or () for c in cc.get("coding") or ()]
        return cls(classes=frozenset(c.get("code") for c in category if c.get("system") in (CLASS_SYSTEM, None)),
                   types=frozenset(c.get("code") for c in (doc.get("type") or {}).get("coding") or ()),
                   labels=frozenset(c.get("code") for label in doc.get("securityLabel") or ()
                                    for c in label.get("coding") or ()),
                   authors=frozenset(author_ids(doc)))


def author_ids(doc: Mapping[str, Any]) -> list[str]:
    """idNat_PS of a DocumentReference's authors: the ``author-identifier`` values the store indexes (authors.py:
    logical identifiers, contained Practitioner(Role)s), so the decision and the search filter agree."""
    return [i["value"] for i in author_identifiers(dict(doc)) if isinstance(i, dict)
            and i.get("system") == ID_NAT_PS_SYSTEM and isinstance(i.get("value"), str) and i["value"]]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # a human sentence naming the rule (and the fix when refused)
    code: str | None = None  # MesCode when refused
    mode: AccessMode = AccessMode.NORMAL
    bypassed_masking: bool = False  # allowed only because an emergency mode bypasses MASQUE_PS
    status: int = 200  # 403 when refused (401 for an app the patient did not authorise)

    @property
    def outcome(self) -> str:
        """AuditEvent.outcome: 0 success, 4 refused by a rule (minor failure)."""
        return "0" if self.allowed else "4"

    @property
    def outcome_desc(self) -> str:
        return self.reason if self.allowed else f"{self.code}: {self.reason}"

    def raise_if_refused(self) -> None:
        """403 OperationOutcome with the decision's code when refused."""
        if self.allowed:
            return
        if self.status == 401:  # the token no longer stands for an authorisation (RFC 6750 invalid_token)
            description = self.reason.replace('"', "'")
            raise SandboxError(401, self.code or MesCode.APP_NOT_AUTHORISED, self.reason, issue="security",
                               headers={"WWW-Authenticate": f'Bearer error="invalid_token", '
                                                            f'error_description="{description}"'})
        raise SandboxError(self.status, self.code or MesCode.NOT_HABILITATED, self.reason, issue="forbidden",
                           expression=[ACCESS_MODE_HEADER] if self.code in MODE_CODES else None)


MODE_CODES = {MesCode.MODE_NOT_ALLOWED, MesCode.EMERGENCY_OPPOSED}


def refuse(code: MesCode, reason: str, mode: AccessMode) -> Decision:
    return Decision(False, reason, code, mode, status=403)


def decide_record(principal: Principal, *, mode: AccessMode, patient_record: PatientConsents,
                  matrix: Matrix | None = None) -> Decision:
    """Rules 1-3, on the record as a whole: what a search checks before looking at any document."""
    if isinstance(principal, Patient):
        if principal.client_id and principal.client_id not in FIRST_PARTY_APPS:  # a catalogue app
            if principal.ins != patient_record.ins:
                return refuse(MesCode.NOT_YOUR_RECORD, "An app acts on the record of the patient who authorised it "
                              "only.", mode)
            if patient_record.app(principal.client_id) is None:
                return Decision(False, f"The patient has not authorised the app {principal.client_id} (or revoked "
                                "it): log the patient in again, and they approve it on the consent screen.",
                                MesCode.APP_NOT_AUTHORISED, mode, status=401)
        related = patient_record.relation(principal.ins)
        if related is None or "access" not in related[1]:
            return refuse(MesCode.NOT_YOUR_RECORD, "A patient reads their own record only, or one they act for (a "
                          "minor's legal representative, a carer the patient named): search with patient.identifier "
                          "naming the INS of such a record.", mode)
        why = {PATIENT: "the patient's own record", REPRESENTATIVE: "as legal representative of the minor",
               CARER: "as carer, by the patient's consent"}[related[0]]
        return patient_scope(principal, READ_SCOPE, mode) or Decision(True, why, mode=mode)
    if not isinstance(principal, Practitioner):
        return refuse(MesCode.NOT_A_PROFESSIONAL, "The DMP is read by professionals: log in through Pro Santé "
                      "Connect (a software token carries no professional).", mode)
    if principal.id_nat_ps in patient_record.blocked:
        return refuse(MesCode.BLOCKED, "The patient blocked this professional's access to their record "
                      "(in every access mode); only the patient can lift it.", mode)
    row = (matrix or default_matrix()).for_profession(principal.profession)
    if principal.profession is None or row is None:
        return refuse(MesCode.UNKNOWN_PROFESSION, "The token names no profession (SubjectRole, TRE_G15) the "
                      "habilitation matrix knows: log in with a professional account that has one.", mode)
    if mode.value not in row.modes:
        return refuse(MesCode.MODE_NOT_ALLOWED, f"Profession {principal.profession} ({row.label}) may not use "
                      f"{ACCESS_MODE_HEADER} {mode.value}; it may use {', '.join(sorted(row.modes))}.", mode)
    if patient_record.opposes(mode):
        return refuse(MesCode.EMERGENCY_OPPOSED, f"The patient opposed access in mode {mode.value}: use normal "
                      "access (or none).", mode)
    return Decision(True, f"record open to profession {principal.profession} in mode {mode.value}", mode=mode)


def hidden_from(principal: Patient, patient_record: PatientConsents) -> set[str]:
    """The visibility labels that hide a document from this citizen: INVISIBLE_PATIENT from the patient and
    whoever acts for them, INVISIBLE_REPRESENTANTS_LEGAUX also from a minor's legal representatives."""
    related = patient_record.relation(principal.ins)
    return {INVISIBLE_PATIENT} | ({INVISIBLE_REPRESENTANTS_LEGAUX} if related and related[0] == REPRESENTATIVE
                                  else set())


def patient_scope(principal: Patient, scope: str, mode: AccessMode = AccessMode.NORMAL) -> Decision | None:
    """The refusal when a patient's token (or their app's) lacks ``scope``, else None."""
    if scope in principal.scopes:
        return None
    return refuse(MesCode.SCOPE_MISSING, f"This token was not granted the scope {scope}: log the patient in "
                  f"again asking scope {scope} (the patient approves it for the app).", mode)


def decide(principal: Principal, document_meta: Mapping[str, Any] | DocumentMeta, *, mode: AccessMode,
           patient_record: PatientConsents, matrix: Matrix | None = None) -> Decision:
    """Whether ``principal`` may see one document of ``patient_record``'s DMP in ``mode`` (rules 1-5)."""
    matrix = matrix or default_matrix()
    record = decide_record(principal, mode=mode, patient_record=patient_record, matrix=matrix)
    meta = DocumentMeta.of(document_meta)
    if not record.allowed:
        return record
    if isinstance(principal, Patient):
        if hidden := meta.labels & hidden_from(principal, patient_record):
            return refuse(MesCode.MASKED, f"This document is not visible to you ({', '.join(sorted(hidden))}).", mode)
        return record
    assert isinstance(principal, Practitioner)
    row = matrix.for_profession(principal.profession)
    assert row is not None
    granted = patient_record.let_in(principal.id_nat_ps)  # a temporary access lifts the matrix row, not masking
    if not granted and not row.allows(meta.classes, meta.types):
        return refuse(MesCode.NOT_HABILITATED, f"Profession {principal.profession} ({row.label}) is not habilitated "
                      f"to see documents of class {', '.join(sorted(meta.classes)) or '-'} / type "
                      f"{', '.join(sorted(meta.types)) or '-'} (habilitation matrix, arrêté du 26 octobre 2023).", mode)
    hidden = MASQUE_PS in meta.labels or (MASQUE_PSOCIAL in meta.labels and row.profession == ANY)
    if not hidden:
        why = "a temporary access the patient granted" if granted and not row.allows(meta.classes, meta.types) \
            else f"habilitated ({row.label})"
        return Decision(True, f"{why} in mode {mode.value}", mode=mode)
    if principal.id_nat_ps in meta.authors:
        return Decision(True, "masked document, read by its author", mode=mode)
    if principal.id_nat_ps == patient_record.medecin_traitant:
        return Decision(True, "masked document, read by the patient's médecin traitant", mode=mode)
    if mode.emergency:
        return Decision(True, f"masked document, masking bypassed in mode {mode.value}", mode=mode,
                        bypassed_masking=True)
    return refuse(MesCode.MASKED, "The document is masked to professionals (MASQUE_PS): only its author and the "
                  "patient's médecin traitant see it, or an emergency access mode.", mode)


def visible(principal: Principal, documents: Iterable[Mapping[str, Any]], *, mode: AccessMode,
            patient_record: PatientConsents, matrix: Matrix | None = None) -> list[Mapping[str, Any]]:
    """The search hits ``principal`` may see (refused ones left out, as the real DMP leaves them out)."""
    return [d for d in documents
            if decide(principal, d, mode=mode, patient_record=patient_record, matrix=matrix).allowed]


def decide_audit_search(principal: Principal, patient_record: PatientConsents | None = None) -> Decision:
    """``GET AuditEvent``: the traces of a record are the patient's, and of whoever reads it for them (a minor's
    legal representative, a carer); professionals and software get 403 MES-0208, anyone else 403 MES-0303."""
    if not isinstance(principal, Patient):
        return refuse(MesCode.AUDIT_FORBIDDEN, "AuditEvents are the patient's: professionals and software may not "
                      "search them (the patient reads them in Mon espace santé).", AccessMode.NORMAL)
    if patient_record is None:
        patient_record = PatientConsents(ins=principal.ins)
    return decide_record(principal, mode=AccessMode.NORMAL, patient_record=patient_record)


def trace(decision: Decision, *, action: str, subtype: str, patient: PatientRef,
          entities: tuple[str, ...] = (), query: str | None = None) -> Access:
    """The core/audit ``Access`` of a decision: its mode as purposeOfEvent, outcome 0 or 4 with the reason."""
    return Access(action, subtype, patient=patient, entities=entities, query=query,  # type: ignore[arg-type]
                  outcome=decision.outcome, outcome_desc=decision.outcome_desc,  # type: ignore[arg-type]
                  purpose=mode_coding(decision.mode))
