"""An identity as INSi holds it: the active INS, the former ones (INSHISTO) and the normalised traits.

Identities come from the reference population (:mod:`core.population`), or from the sandbox admin API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.identifiers import INS_NIA_OID, INS_NIR_OID
from core.population.model import Ins, Patient
from services.ins_teleservice.traits import normalise_name

NIR_OID = INS_NIR_OID.removeprefix("urn:oid:")  # INSi SOAP carries bare OIDs
NIA_OID = INS_NIA_OID.removeprefix("urn:oid:")
BARE_OIDS = {NIR_OID: "NIR", NIA_OID: "NIA"}


def bare_oid(oid: str) -> str:
    return oid.removeprefix("urn:oid:")


@dataclass(frozen=True)
class HistoIns:
    """A former INS (INSHISTO), with its validity dates when INSi gives them."""

    matricule: str
    cle: str
    oid: str = NIR_OID
    date_deb: str | None = None
    date_fin: str | None = None


@dataclass(frozen=True)
class Identity:
    pid: str
    matricule: str
    cle: str
    oid: str
    birth_name: str
    first_names: str  # space-separated list, first one first
    sex: str
    birth_date: str
    birth_place: str
    tiq_prenom: bool = True
    od_matricule: str | None = None
    rang: int = 1
    origin: str = "admin"
    history: tuple[HistoIns, ...] = field(default=())

    @property
    def first_name(self) -> str:
        return self.first_names.split(" ", 1)[0]

    @property
    def ins_value(self) -> str:
        return self.matricule + self.cle

    @property
    def is_nia(self) -> bool:
        return self.oid == NIA_OID

    def row(self, tenant: str) -> tuple:
        """The identity row, in :data:`models.IDENTITY_COLUMNS` order."""
        return (tenant, self.pid, self.matricule, self.cle, self.oid, self.birth_name, self.first_name,
                self.first_names, self.sex, self.birth_date, self.birth_place, self.tiq_prenom, self.od_matricule,
                self.rang, self.origin)

    def history_rows(self, tenant: str) -> list[tuple]:
        """The INSHISTO rows, in :data:`models.HISTORY_COLUMNS` order."""
        return [(tenant, self.pid, pos, h.matricule, h.cle, h.oid, h.date_deb, h.date_fin)
                for pos, h in enumerate(self.history)]


def _histo(ins: Ins) -> HistoIns:
    iso = date.isoformat
    return HistoIns(ins.matricule, ins.key, bare_oid(ins.oid), ins.start and iso(ins.start), ins.end and iso(ins.end))


def from_patient(patient: Patient, origin: str) -> Identity | None:
    """The INSi identity of a population patient; None when INSi never finds them (``ins is None``)."""
    if patient.ins is None:
        return None
    ins = patient.ins
    return Identity(
        pid=patient.id, matricule=ins.matricule.upper(), cle=ins.key, oid=bare_oid(ins.oid),
        birth_name=normalise_name(patient.birth_name),
        first_names=" ".join(normalise_name(n) for n in patient.first_names),
        sex=patient.sex, birth_date=patient.birth_date, birth_place=patient.birth_place.upper(),
        tiq_prenom=patient.tiq_first_name, origin=origin, history=tuple(_histo(h) for h in patient.history),
    )


def generated_rows(patient: Patient, tenant: str) -> tuple[tuple, list[tuple]]:
    """The identity row and history rows of a generated patient, without building an :class:`Identity`
    (the bulk seed calls this a million times)."""
    ins = patient.ins
    names = [normalise_name(n) for n in patient.first_names]
    row = (tenant, patient.id, ins.matricule, ins.key, bare_oid(ins.oid), normalise_name(patient.birth_name),
           names[0], " ".join(names), patient.sex, patient.birth_date, patient.birth_place, patient.tiq_first_name,
           None, 1, "generated")
    histories = [(tenant, patient.id, pos, h.matricule, h.key, bare_oid(h.oid), None, None)
                 for pos, h in enumerate(patient.history)]
    return row, histories


def from_row(row, history: list | None = None) -> Identity:
    """An identity read back from its row (and its history rows)."""
    return Identity(
        pid=row.pid, matricule=row.matricule, cle=row.cle, oid=row.oid, birth_name=row.birth_name,
        first_names=row.first_names, sex=row.sex, birth_date=row.birth_date, birth_place=row.birth_place,
        tiq_prenom=bool(row.tiq_prenom), od_matricule=row.od_matricule, rang=row.rang, origin=row.origin,
        history=tuple(HistoIns(h.matricule, h.cle, h.oid, h.date_deb, h.date_fin) for h in history or ()),
    )
