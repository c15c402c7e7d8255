"""Metadata updates of a stored DocumentReference (digest §4.2 flux 03/04, §4.4 TD3.3a-d, §4.7): the rules.

A PATCH may change ``status``, ``securityLabel`` and the ``pdsm-ext-is-archived`` extension, nothing else
(405 MES-0030). :func:`plan` compares the document before and after the patch and names each change;
:data:`WHO` says who may make each one (403 MES-0033 otherwise); :data:`TRANSITIONS` is the status part of
the lifecycle of §4.7 (422 MES-0034 otherwise):

- ``current`` -> ``entered-in-error``: deletion (dépublication, TD3.3c), by the author only; the document
  stays stored, hidden from default searches, and its bytes answer 410 (retrieval.py);
- ``superseded`` -> ``entered-in-error``: deleting a replaced version, by its author too;
- ``current`` -> ``superseded`` happens through a replacement (ITI-65 ``relatesTo`` replaces), never alone;
- a superseded document is not re-activated, a deleted one takes no change at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import SandboxError
from core.oidc.principals import Patient, Practitioner
from services.ms_espace_sante.access import INVISIBLE_PATIENT, MASQUE_PS, VISIBILITY_SYSTEM, author_ids
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.consents import PatientConsents
from services.ms_espace_sante.spec import IS_ARCHIVED

DELETED = "entered-in-error"
AUTHOR, MEDECIN_TRAITANT, PATIENT = "author", "medecin_traitant", "patient"

# change -> (who may make it, the PDSm-for-DMP transaction it is, its label). Deletion by the author only is
# the digest's (TD3.3c, C draft); the médecin traitant's share of the other changes is ours (U): they are
# the professionals who still see a masked document. The patient masks and unmasks a document to
# professionals in Mon espace santé (digest §4.5, S); nothing else of a document is theirs to change.
WHO: dict[str, tuple[tuple[str, ...], str, str]] = {
    "mask": ((AUTHOR, MEDECIN_TRAITANT, PATIENT), "TD3.3a", "masked to professionals (MASQUE_PS)"),
    "unmask": ((AUTHOR, MEDECIN_TRAITANT, PATIENT), "TD3.3a", "unmasked to professionals"),
    "hide": ((AUTHOR, MEDECIN_TRAITANT), "TD3.3b", "hidden from the patient (INVISIBLE_PATIENT)"),
    "show": ((AUTHOR, MEDECIN_TRAITANT), "TD3.3b", "visible to the patient again"),
    "labels": ((AUTHOR, MEDECIN_TRAITANT), "TD3.3a", "confidentiality or other visibility labels changed"),
    "archive": ((AUTHOR, MEDECIN_TRAITANT), "TD3.3d", "archived"),
    "unarchive": ((AUTHOR, MEDECIN_TRAITANT), "TD3.3d", "unarchived"),
    "delete": ((AUTHOR,), "TD3.3c", "deleted (entered-in-error)"),
}
# (from, to) status -> the change it is; any other pair is refused with the reason given in REFUSED
TRANSITIONS = {("current", DELETED): "delete", ("superseded", DELETED): "delete"}
REFUSED = {
    ("current", "superseded"): "a document becomes superseded when another replaces it: feed the new version "
                               "with ITI-65 (relatesTo code replaces)",
    ("superseded", "current"): "a superseded document cannot be re-activated: feed a new document that replaces "
                               "its replacement",
}


@dataclass(frozen=True)
class Plan:
    """What a patch changes: the change names of :data:`WHO`, in a stable order."""

    changes: tuple[str, ...]

    @property
    def subtype(self) -> str:
        """The TD3.3x transaction of the AuditEvent (``TD3.3`` when a patch makes several kinds of change)."""
        found = {WHO[c][1] for c in self.changes}
        return found.pop() if len(found) == 1 else "TD3.3"

    @property
    def summary(self) -> str:
        return "; ".join(WHO[c][2] for c in self.changes) or "no change"


def archived_flag(doc: dict, where: str = "DocumentReference") -> bool:
    """The document's is-archived value (absent = false); 422 MES-0036 when twice or not a boolean."""
    found = [(k, e) for k, e in enumerate(doc.get("extension") or [])
             if isinstance(e, dict) and e.get("url") == IS_ARCHIVED]
    if len(found) > 1:
        raise SandboxError(422, MesCode.BAD_ARCHIVE_FLAG, f"{where} carries pdsm-ext-is-archived {len(found)} times: "
                           "once, with valueBoolean true or false.", expression=[f"{where}.extension"])
    if found and not isinstance(found[0][1].get("valueBoolean"), bool):
        raise SandboxError(422, MesCode.BAD_ARCHIVE_FLAG, f"{where}.extension[{found[0][0]}] (pdsm-ext-is-archived) "
                           "needs a valueBoolean, true or false.", expression=[f"{where}.extension[{found[0][0]}]"])
    return bool(found and found[0][1]["valueBoolean"])


def _rest(doc: dict) -> dict:
    """The document without the three elements a PATCH may change."""
    rest = {k: v for k, v in doc.items() if k not in ("status", "securityLabel")}
    others = [e for e in doc.get("extension") or [] if not (isinstance(e, dict) and e.get("url") == IS_ARCHIVED)]
    rest.pop("extension", None)
    if others:
        rest["extension"] = others
    return rest


def _labels(doc: dict) -> set[tuple[str | None, str | None]]:
    return {(c.get("system"), c.get("code")) for label in doc.get("securityLabel") or [] if isinstance(label, dict)
            for c in label.get("coding") or [] if isinstance(c, dict)}


def check_elements(original: dict, patched: dict) -> None:
    """405 MES-0030 when the patch changed anything but status, securityLabel and pdsm-ext-is-archived."""
    before, after = _rest(original), _rest(patched)
    changed = sorted(k for k in {*before, *after} if before.get(k) != after.get(k))
    if changed:
        raise SandboxError(405, MesCode.UPDATE_ELEMENT_FORBIDDEN, f"This patch changes {', '.join(changed)}: a "
                           "metadata update may only change status, securityLabel and the pdsm-ext-is-archived "
                           "extension. To correct anything else, replace the document (ITI-65, relatesTo "
                           "replaces).", issue="not-supported",
                           expression=[f"DocumentReference.{k}" for k in changed])


def plan(original: dict, patched: dict) -> Plan:
    """The changes a patch makes, once :func:`check_elements` passed; 422 MES-0034/0036 when refused."""
    check_elements(original, patched)
    was, now = original.get("status"), patched.get("status")
    changes: list[str] = []
    if was == DELETED and original != patched:
        raise transition("the document was deleted (entered-in-error): it takes no further change")
    if was != now:
        if (was, now) in TRANSITIONS:
            changes.append(TRANSITIONS[(was, now)])
        else:
            raise transition(REFUSED.get((was, now), f"status {str(now)[:30]!r} is not one a document can take "
                                         "here (current, superseded, or entered-in-error to delete it)"))
    visibility = {code for system, code in _labels(original) if system == VISIBILITY_SYSTEM}
    new_visibility = {code for system, code in _labels(patched) if system == VISIBILITY_SYSTEM}
    for code, on, off in ((MASQUE_PS, "mask", "unmask"), (INVISIBLE_PATIENT, "hide", "show")):
        if (code in new_visibility) != (code in visibility):
            changes.append(on if code in new_visibility else off)
    others = {lb for lb in _labels(original) if lb[1] not in (MASQUE_PS, INVISIBLE_PATIENT)}
    if others != {lb for lb in _labels(patched) if lb[1] not in (MASQUE_PS, INVISIBLE_PATIENT)} or (
            not changes and original.get("securityLabel") != patched.get("securityLabel")):  # displays, order
        changes.append("labels")
    was_archived, now_archived = archived_flag(original), archived_flag(patched)
    if was_archived != now_archived:
        changes.append("archive" if now_archived else "unarchive")
    return Plan(tuple(changes))


def transition(reason: str) -> SandboxError:
    return SandboxError(422, MesCode.UPDATE_TRANSITION, f"Status change refused: {reason} (document lifecycle).",
                        issue="business-rule", expression=["DocumentReference.status"])


def roles(principal: Practitioner | Patient, document: dict, record: PatientConsents) -> set[str]:
    """What the caller is to this document: its author, the patient's médecin traitant, the patient (or none)."""
    if isinstance(principal, Patient):  # the patient, a minor's representative, a carer allowed to correct
        related = record.relation(principal.ins)
        return {PATIENT} if related and "correct" in related[1] else set()
    found = set()
    if principal.id_nat_ps in author_ids(document):
        found.add(AUTHOR)
    if record.medecin_traitant and principal.id_nat_ps == record.medecin_traitant:
        found.add(MEDECIN_TRAITANT)
    return found


def check_who(principal: Practitioner | Patient, changes: Plan, document: dict, record: PatientConsents) -> None:
    """403 MES-0033 for the first change the caller may not make."""
    mine = roles(principal, document, record)
    caller = f"the patient ({principal.ins})" if isinstance(principal, Patient) else \
        f"professional {principal.id_nat_ps}"
    for change in changes.changes:
        who, _, label = WHO[change]
        if not mine & set(who):
            names = ", ".join({AUTHOR: "its author", MEDECIN_TRAITANT: "the patient's médecin traitant",
                               PATIENT: "the patient"}[w] for w in who)
            raise SandboxError(403, MesCode.UPDATE_FORBIDDEN, f"Only {names} may make this change (document "
                               f"{label}); {caller} may not.", issue="forbidden")
