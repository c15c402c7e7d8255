"""ITI-67 Find Document References and ITI-66 Find Document Lists (digest §4.2): the PDSm rules of a search.

The kernel's search (core/fhir/search.py) parses and runs every parameter; this module adds what PDSm and
the DMP require around it:

- the mandatory parameters: ``patient`` or ``patient.identifier`` (one patient), ``status``, and for
  ITI-66 ``code`` (submissionset | folder); 400 MES-0020 / MES-0021 / MES-0022 otherwise;
- ``author.given`` / ``author.family`` / ``author.identifier`` (ITI-67) and ``source.given`` /
  ``source.family`` (ITI-66), chains onto contained resources, become the indexed ``author-*`` /
  ``source-*`` parameters (spec.py);
- the patient's record-level decision (access.decide_record: blocked professional, refused mode): 403;
- the caller's document filter, in SQL (:func:`document_filter`), so that ``total`` and the pages count
  only what the caller may see: the habilitation matrix row (denied types, visible classes/types), masking
  (MASQUE_PS, MASQUE_PSOCIAL for the ``*`` row) unless the caller is an author, the médecin traitant or in
  an emergency mode, and deleted documents (``entered-in-error``), left out unless ``status`` names them
  and then to their authors only. Each page is screened again (:func:`screen`): every entry, matched or
  brought by ``_include`` / ``_revinclude``, is a DocumentReference access.decide allows, a List or the
  Patient of this DMP; nothing else (an AuditEvent is the patient's) leaves the service. Each List
  returned (ITI-66, or brought by ``_include``) keeps only the items naming a document the caller may
  see (:func:`screen_items`, on the returned copy; the stored List is unchanged).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Connection

from core.errors import SandboxError
from core.fhir.bundles import SUBSETTED
from core.fhir.clauses import split_or
from core.fhir.index import parse_reference
from core.fhir.interactions import FhirContext
from core.fhir.search import SearchEngine
from core.fhir.sql import FALSE, Sql, any_of
from core.oidc.principals import Patient, Practitioner
from services.ms_espace_sante.access import (
    CLASS_SYSTEM,
    ID_NAT_PS_SYSTEM,
    MASQUE_PS,
    MASQUE_PSOCIAL,
    AccessMode,
    PatientConsents,
    author_ids,
    decide,
    hidden_from,
)
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.habilitations import ANY, Matrix
from services.ms_espace_sante.records import consents_of
from services.ms_espace_sante.spec import MHD_LIST_TYPES
from services.ms_espace_sante.store import DmpStore

AUTHOR_CHAINS = {"author.given": "author-given", "author.family": "author-family",  # DocumentReference
                 "author.identifier": "author-identifier",
                 "source.given": "source-given", "source.family": "source-family"}  # List
PATIENT_PARAMS = ("patient", "patient.identifier")
LIST_CODES = ("submissionset", "folder")
DELETED = "entered-in-error"


@dataclass(frozen=True)
class Target:
    """The patient a search names: the DMP Patient's reference (None when there is no such DMP) and consents."""

    reference: str | None
    consents: PatientConsents


def rewrite(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``author.family:exact=X`` -> ``author-family:exact=X``; every other parameter as sent."""
    out = []
    for name, value in params:
        head, sep, modifier = name.partition(":")
        out.append((AUTHOR_CHAINS.get(head, head) + sep + modifier, value))
    return out


def missing(what: str, names: str, example: str) -> SandboxError:
    return SandboxError(400, MesCode.SEARCH_PARAM_MISSING, f"{what} requires {names}: add it, e.g. {example}.",
                        issue="required", expression=[names.split(" ")[0]])


def check_params(params: list[tuple[str, str]], transaction: str) -> tuple[str, str]:
    """The one (name, value) naming the patient; 400 MES-0020/0021/0022 when a mandatory parameter is wrong."""
    heads = [name.split(":", 1)[0] for name, _ in params]
    patients = [(name, value) for name, value in params if name.split(".", 1)[0].split(":", 1)[0] == "patient"]
    example = "patient.identifier=urn:oid:1.2.250.1.213.1.4.8|<INS>&status=current"
    if not patients:
        raise missing(transaction, "patient or patient.identifier", example)
    if "status" not in heads:
        raise missing(transaction, "status", "status=current (current, superseded)")
    if transaction == "ITI-66":
        codes = [value for name, value in params if name == "code"]
        if not codes:
            raise missing(transaction, "code", f"code={MHD_LIST_TYPES}|submissionset (or |folder)")
        for value in (v for code in codes for v in split_or(code)):
            system, bar, code = value.rpartition("|")
            if code not in LIST_CODES or (bar and system not in ("", MHD_LIST_TYPES)):
                raise SandboxError(400, MesCode.SEARCH_LIST_CODE, f"ITI-66 code {value[:80]!r} is not a list type: "
                                   f"use {MHD_LIST_TYPES}|submissionset or |folder.", expression=["code"])
    name, value = patients[0]
    if len(patients) > 1 or name not in PATIENT_PARAMS or len(split_or(value)) != 1 or not value:
        raise SandboxError(400, MesCode.SEARCH_ONE_PATIENT, "A DMP search names one patient, once: patient=Patient/"
                           "<id> or patient.identifier=urn:oid:1.2.250.1.213.1.4.8|<INS>, without modifiers or "
                           "comma-separated alternatives (search each patient apart).", expression=[name[:40]])
    return name, value


def find_patient(store: DmpStore, conn: Connection, ctx: FhirContext, name: str, value: str) -> Target:
    """The DMP the search names (its consents), or an empty Target: no such DMP here (the search finds nothing)."""
    if name == "patient.identifier":  # the Patient by its identifier: one indexed lookup, not a whole search
        found = store.api.store.by_token(conn, tenant=ctx.tenant, rtype="Patient", param="identifier",
                                         value=split_or(value)[0], limit=2)
        if len(found) > 1:
            raise SandboxError(400, MesCode.SEARCH_ONE_PATIENT, f"patient.identifier {value[:80]!r} names several "
                               "patients: give the identifier's system (urn:oid:1.2.250.1.213.1.4.8|<INS>).",
                               expression=[name])
        stored = found[0] if found else None
    else:
        local = value[len(ctx.base) + 1:] if value.startswith(ctx.base + "/") else value
        rtype, rid = parse_reference(local) if "/" in local else ("Patient", local)
        current = store.api.store.current(conn, tenant=ctx.tenant, rtype="Patient", rid=rid) \
            if rtype == "Patient" and rid and "://" not in local and len(rid) <= 64 else None
        stored = current[0] if current is not None and not current[1] else None
    if stored is None:
        return Target(None, PatientConsents(ins=""))
    return Target(f"Patient/{stored.rid}", consents_of(json.loads(stored.body)))


def asks_deleted(params: list[tuple[str, str]]) -> bool:
    return any(name == "status" and any(v.rpartition("|")[2] == DELETED for v in split_or(value))
               for name, value in params)


def audit_target(params: list[tuple[str, str]], own: str) -> str:
    """The INS whose traces a patient searches: the one ``patient.identifier`` names, else their own; 400
    MES-0021 when it names several."""
    named = {value.partition("|")[2] or value for name, value in params if name == "patient.identifier"}
    if len(named) > 1:
        raise SandboxError(400, MesCode.SEARCH_ONE_PATIENT, "The traces of one record at a time: give one "
                           "patient.identifier.", expression=["patient.identifier"])
    return next(iter(named), own)


def document_filter(engine: SearchEngine, tenant: str, principal: Practitioner | Patient, *, mode: AccessMode,
                    record: PatientConsents, matrix: Matrix, deleted: bool) -> list[Sql]:
    """SQL clauses keeping the DocumentReferences access.decide lets ``principal`` see (rules 4-5), not deleted.
    A citizen sees the record's documents but those hidden from them (access.hidden_from) and the deleted ones."""
    crit = partial(engine.criterion, tenant, "DocumentReference")
    if isinstance(principal, Patient):
        return [crit("status:not", DELETED), crit("security-label:not", ",".join(sorted(hidden_from(principal,
                                                                                                     record))))]
    me = f"{ID_NAT_PS_SYSTEM}|{principal.id_nat_ps}"
    row = matrix.for_profession(principal.profession)
    assert row is not None  # decide_record refused an unknown profession already
    clauses = [any_of([crit("status:not", DELETED), crit("author-identifier", me)]) if deleted
               else crit("status:not", DELETED)]
    granted = record.let_in(principal.id_nat_ps)  # a temporary access lifts the matrix row (access.decide)
    if row.denied_types and not granted:
        clauses.append(crit("type:not", ",".join(sorted(row.denied_types))))
    if ANY not in row.classes and not granted:
        options = []
        if row.classes:  # access.DocumentMeta: a class coded in TRE_A03, or without a system
            classes = (f"{system}|{code}" for code in sorted(row.classes) for system in (CLASS_SYSTEM, ""))
            options.append(crit("category", ",".join(classes)))
        if row.types:
            options.append(crit("type", ",".join(sorted(row.types))))
        clauses.append(any_of(options) if options else FALSE)
    hidden = {MASQUE_PS} | ({MASQUE_PSOCIAL} if row.profession == ANY else set())
    if not mode.emergency and principal.id_nat_ps != record.medecin_traitant:
        clauses.append(any_of([crit("security-label:not", ",".join(sorted(hidden))), crit("author-identifier", me)]))
    return clauses


def screen(store: DmpStore, conn: Connection, ctx: FhirContext, bundle: dict, principal: Practitioner | Patient, *,
           mode: AccessMode, target: Target, matrix: Matrix) -> dict:
    """The searchset without the entries the caller may not see, included ones too (see the module doc).

    A cut entry is judged on its stored resource, not on what ``_elements`` left of it in the bundle; each
    List returned keeps only the items the caller may see (:func:`screen_items`).
    """
    resources = [e.get("resource") or {} for e in bundle.get("entry", [])]
    keys = [(r.get("resourceType"), r.get("id")) for r in resources if subsetted(r)]
    stored = {(s.rtype, s.rid): json.loads(s.body) for s in store.api.store.many(
        conn, tenant=ctx.tenant, keys=[(t, i) for t, i in keys if isinstance(t, str) and isinstance(i, str)])}
    document_shown = partial(shown_document, principal, mode=mode, target=target, matrix=matrix)

    def shown(entry_resource: dict) -> bool:
        resource = stored.get((entry_resource.get("resourceType"), entry_resource.get("id"))) \
            if subsetted(entry_resource) else entry_resource
        if resource is None:
            return False
        rtype = resource.get("resourceType")
        if rtype == "Patient":
            return target.reference == f"Patient/{resource.get('id')}"
        if rtype == "List":
            return target.reference is not None and (resource.get("subject") or {}).get("reference") == \
                target.reference
        return rtype == "DocumentReference" and document_shown(resource)

    bundle["entry"] = [e for e in bundle.get("entry", []) if shown(e.get("resource") or {})]
    screen_items(store, conn, ctx, [e["resource"] for e in bundle["entry"] if e["resource"].get("resourceType")
                                    == "List"], document_shown)
    return bundle


def subsetted(resource: dict) -> bool:
    """An entry ``_elements`` / ``_summary`` cut (tagged SUBSETTED): judged on its stored version. Any other
    entry is the stored resource itself, judged as it is."""
    meta = resource.get("meta") or {}
    tags = meta.get("tag", []) if isinstance(meta, dict) else None
    if not isinstance(tags, list):
        return True  # not the shape the kernel writes: judge the stored version
    return any(isinstance(t, dict) and t.get("code") == SUBSETTED["code"] for t in tags)


def shown_document(principal: Practitioner | Patient, resource: dict, *, mode: AccessMode, target: Target,
                   matrix: Matrix) -> bool:
    """Whether a stored DocumentReference of the searched DMP may be shown (deleted ones to their authors only)."""
    if target.reference is None or (resource.get("subject") or {}).get("reference") != target.reference:
        return False
    if resource.get("status") == DELETED and not (
            isinstance(principal, Practitioner) and principal.id_nat_ps in author_ids(resource)):
        return False
    return decide(principal, resource, mode=mode, patient_record=target.consents, matrix=matrix).allowed


def screen_items(store: DmpStore, conn: Connection, ctx: FhirContext, lists: list[dict],
                 document_shown: Callable[[dict], bool]) -> None:
    """Leave out of each returned List (the searchset's copy) the items naming a document the caller may not see.

    A SubmissionSet or Folder naming a masked document would reveal that the document exists (its id): as
    the real DMP applies the access rules to the registry's associations, such an item is left out, and
    so is an item naming a document not stored here. Items naming a List (a Folder) stay.
    """
    def document_id(entry: object) -> str | None:
        ref = ((entry.get("item") or {}).get("reference") if isinstance(entry, dict) else None) or ""
        local = ref[len(ctx.base) + 1:] if isinstance(ref, str) and ref.startswith(ctx.base + "/") else ref
        rtype, _, rid = str(local).partition("/")
        return rid.split("/_history/")[0] if rtype == "DocumentReference" and rid else None

    wanted = {rid for resource in lists for e in resource.get("entry") or () if (rid := document_id(e))}
    documents = {s.rid: json.loads(s.body) for s in store.api.store.many(
        conn, tenant=ctx.tenant, keys=[("DocumentReference", rid) for rid in sorted(wanted)])}
    for resource in lists:
        if "entry" not in resource:
            continue
        kept = [e for e in resource["entry"] if (rid := document_id(e)) is None
                or (rid in documents and document_shown(documents[rid]))]
        if kept:
            resource["entry"] = kept
        else:
            del resource["entry"]  # FHIR has no empty arrays
