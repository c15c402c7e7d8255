"""What the DMP keeps per patient for the access rules: médecin traitant, blocked professionals, oppositions,
temporary accesses, a minor's legal representatives, the patient's carers.

The patient sets them in Mon espace santé with ``Consent`` resources (consent_requests.py, routers/
consents.py); records.py keeps their summary on the DMP's Patient, which access.py reads.
:class:`PatientConsents` is JSON-serialisable (:meth:`to_dict`); the médecin traitant also travels in the
TD02 Patient's ``dmp-medecin-traitant`` extension (:func:`medecin_traitant_extension`,
:meth:`PatientConsents.of_patient`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

ID_NAT_PS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"
INS_NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
MEDECIN_TRAITANT_EXT = "https://interop.esante.gouv.fr/ig/fhir/dmp/StructureDefinition/dmp-medecin-traitant"


def medecin_traitant_extension(id_nat_ps: str) -> dict:
    """The TD02 ``dmp-medecin-traitant`` extension of a DMP Patient (value type U: a Reference by idNat_PS)."""
    return {"url": MEDECIN_TRAITANT_EXT, "valueReference": {"identifier": {"system": ID_NAT_PS_SYSTEM,
                                                                            "value": id_nat_ps}}}


def instant(value: str) -> datetime:
    """A FHIR dateTime with a time zone as an aware datetime (ValueError otherwise)."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return moment


@dataclass(frozen=True)
class TemporaryAccess:
    """A professional the patient let in for a period (a permit ``Consent``), whatever their matrix row."""

    id_nat_ps: str
    start: str  # FHIR dateTime with a time zone
    end: str

    def open_at(self, now: datetime) -> bool:
        return instant(self.start) <= now < instant(self.end)


@dataclass(frozen=True)
class CarerAccess:
    """A citizen the patient lets act for them (aidant, a permit ``Consent`` naming their INS), with what:
    ``access`` (read the record and its traces), ``correct`` (mask, unmask, add documents)."""

    ins: str
    actions: frozenset[str]
    start: str | None = None  # FHIR dateTimes with a time zone; no period: until revoked
    end: str | None = None

    def open_at(self, now: datetime) -> bool:
        return (self.start is None or instant(self.start) <= now) and (self.end is None or now < instant(self.end))


@dataclass(frozen=True)
class AppAccess:
    """A catalogue app the patient authorised on the citizen login's consent screen, with the scopes granted."""

    client_id: str
    scopes: frozenset[str]


# Mon espace santé's own app (the citizen login's demo client): it acts for the patient without an authorisation;
# any other client is a catalogue app the patient authorises (citizen/routes.py, the consent screen)
FIRST_PARTY_APPS = frozenset({"sandbox-patient-app", "mes-web"})  # the demo app; the patient's page
PATIENT, REPRESENTATIVE, CARER = "patient", "legal representative", "carer"
EVERYTHING = frozenset({"access", "correct", "consent"})  # what the patient and a minor's representative may do


@dataclass(frozen=True)
class PatientConsents:
    """What the store keeps per DMP for the access rules (records.py: on the DMP's Patient).

    JSON-serialisable through :meth:`to_dict` / :meth:`from_dict`, so it fits one column or one extension.
    """

    ins: str
    medecin_traitant: str | None = None  # idNat_PS of the patient's médecin traitant
    blocked: frozenset[str] = frozenset()  # idNat_PS of the professionals the patient blocked
    opposes_bris_de_glace: bool = False
    opposes_centre_15: bool = False
    temporary: tuple[TemporaryAccess, ...] = ()
    birth_date: str | None = None  # a minor's legal representatives act for them
    representatives: frozenset[str] = frozenset()  # INS of a minor's legal representatives (parents)
    carers: tuple[CarerAccess, ...] = ()
    apps: tuple[AppAccess, ...] = ()

    def app(self, client_id: str) -> AppAccess | None:
        """The patient's authorisation of the catalogue app ``client_id``, or None."""
        return next((a for a in self.apps if a.client_id == client_id), None)

    def minor(self, now: datetime) -> bool:
        if not self.birth_date:
            return False
        born = date.fromisoformat(self.birth_date[:10])
        return (now.year - born.year - ((now.month, now.day) < (born.month, born.day))) < 18

    def relation(self, ins: str, now: datetime | None = None) -> tuple[str, frozenset[str]] | None:
        """Who the citizen of ``ins`` is to this record and what they may do, or None (a stranger): the patient,
        a minor's legal representative (everything), or a carer (the actions the patient chose)."""
        moment = now or datetime.now(UTC)
        if ins and ins == self.ins:
            return PATIENT, EVERYTHING
        if ins in self.representatives and self.minor(moment):
            return REPRESENTATIVE, EVERYTHING
        actions = frozenset().union(*(c.actions for c in self.carers if c.ins == ins and c.open_at(moment)))
        return (CARER, actions) if actions else None

    def let_in(self, id_nat_ps: str, now: datetime | None = None) -> bool:
        """Whether a temporary access of ``id_nat_ps`` is open now: it ends at its period's end by itself."""
        moment = now or datetime.now(UTC)
        return any(t.id_nat_ps == id_nat_ps and t.open_at(moment) for t in self.temporary)

    def opposes(self, mode: str) -> bool:
        """Whether the patient opposed the access mode ``mode`` (an AccessMode value)."""
        return {"bris_de_glace": self.opposes_bris_de_glace, "centre_15": self.opposes_centre_15}.get(str(mode), False)

    def to_dict(self) -> dict[str, Any]:
        return {"ins": self.ins, "medecin_traitant": self.medecin_traitant, "blocked": sorted(self.blocked),
                "opposes_bris_de_glace": self.opposes_bris_de_glace, "opposes_centre_15": self.opposes_centre_15,
                "temporary": [{"id_nat_ps": t.id_nat_ps, "start": t.start, "end": t.end} for t in self.temporary],
                "birth_date": self.birth_date, "representatives": sorted(self.representatives),
                "carers": [{"ins": c.ins, "actions": sorted(c.actions), "start": c.start, "end": c.end}
                           for c in self.carers],
                "apps": [{"client_id": a.client_id, "scopes": sorted(a.scopes)} for a in self.apps]}

    @classmethod
    def of_patient(cls, patient: Mapping[str, Any], stored: Mapping[str, Any] | None = None) -> PatientConsents:
        """The consents of a DMP Patient: INS and médecin traitant from the resource, the rest from ``stored``."""
        ins = next((i.get("value") for i in patient.get("identifier") or () if i.get("system") == INS_NIR_SYSTEM), "")
        ext = next((e for e in patient.get("extension") or () if e.get("url") == MEDECIN_TRAITANT_EXT), {})
        gp = ((ext.get("valueReference") or {}).get("identifier") or {}).get("value")
        return cls.from_dict({**(stored or {}), "ins": ins, "medecin_traitant": gp or (stored or {}).get(
            "medecin_traitant")})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PatientConsents:
        return cls(ins=data["ins"], medecin_traitant=data.get("medecin_traitant"),
                   blocked=frozenset(data.get("blocked") or ()),
                   opposes_bris_de_glace=bool(data.get("opposes_bris_de_glace")),
                   opposes_centre_15=bool(data.get("opposes_centre_15")),
                   temporary=tuple(TemporaryAccess(**t) for t in data.get("temporary") or ()),
                   birth_date=data.get("birth_date"), representatives=frozenset(data.get("representatives") or ()),
                   carers=tuple(CarerAccess(c["ins"], frozenset(c["actions"]), c.get("start"), c.get("end"))
                                for c in data.get("carers") or ()),
                   apps=tuple(AppAccess(a["client_id"], frozenset(a["scopes"])) for a in data.get("apps") or ()))
