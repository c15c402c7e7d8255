"""Plain data types of the reference population: patients (INS identities), professionals, structures.

Values are kept as a civil registry or the RPPS would hold them (accents and case included); each
service derives its own form (INSi: uppercase ASCII traits; Annuaire: FHIR resources).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, TypeVar

from core.identifiers import INS_NIA_OID, INS_NIR_OID

Sex = Literal["M", "F"]
MailboxType = Literal["PER", "ORG", "APP", "CAB"]
T = TypeVar("T")


@dataclass(frozen=True)
class Ins:
    """One INS: 13-character matricule, 2-digit key and the OID of its authority (NIR or NIA)."""

    matricule: str
    key: str
    oid: str = INS_NIR_OID  # INS_NIR_OID or INS_NIA_OID ("urn:oid:..."; INSi SOAP sends the bare OID)
    start: date | None = None  # INSHISTO DateDeb / DateFin, when known
    end: date | None = None

    @property
    def value(self) -> str:
        """The 15-character INS as carried in FHIR (matricule + key)."""
        return self.matricule + self.key

    @property
    def is_nia(self) -> bool:
        return self.oid == INS_NIA_OID


@dataclass(frozen=True)
class Patient:
    """A person with a national health identity and the five INS traits (§1.1)."""

    id: str  # persona slug ("adrun-zoe") or generated id ("pat-000042")
    birth_name: str
    first_names: tuple[str, ...]  # the birth first-name list, in order
    sex: Sex
    birth_date: str  # YYYY-MM-DD
    birth_place: str  # INSEE COG: department + commune, or 99 + country code
    ins: Ins | None  # None: INSi never finds this person (CNDA HOUILLES)
    history: tuple[Ins, ...] = ()  # INSHISTO, in the order INSi lists them
    used_name: str | None = None
    tiq_first_name: bool = True  # False: INSi's TIQ omits <Prenom> (CNDA ECETINSI)
    medecin_traitant: str | None = None  # idNat_PS of the médecin traitant a DMP names (a professional persona)
    legal_representatives: tuple[str, ...] = ()  # ids of the patients who represent this minor (parents)
    note: str = ""  # what the persona demonstrates


@dataclass(frozen=True)
class Mailbox:
    """An MSSanté mailbox (§3.3): address, type, and the directory metadata."""

    address: str
    type: MailboxType
    description: str = ""
    service: str = ""
    liste_rouge: bool = False


@dataclass(frozen=True)
class Address:
    line: str
    postal_code: str
    city: str
    insee: str = ""  # COG of the commune


@dataclass(frozen=True)
class Equipment:
    """An authorised heavy equipment (équipement matériel lourd, EML) of a FINESS site (Annuaire Device)."""

    arhgos: str  # ARHGOS authorisation number, e.g. "63-63-10001"
    type: str  # TRE_R272 EquipementMaterielLourd code, e.g. "05602" scanographe
    manufacturer: str
    serial: str
    authorised: date  # dateDecision
    start: date  # date de première mise en œuvre
    end: date  # end of the authorisation
    active: bool = True


@dataclass(frozen=True)
class Activity:
    """An authorised healthcare activity of a FINESS site (Annuaire HealthcareService, activité de soins)."""

    arhgos: str
    activity: str  # TRE_R274 ActiviteSanitaireRegulee, e.g. "01" médecine
    modality: str  # TRE_R275 ModaliteActivite
    form: str  # TRE_R276 FormeActivite, e.g. "07" chirurgie ambulatoire
    authorised: date
    start: date
    end: date
    active: bool = True


@dataclass(frozen=True)
class SocialEquipment:
    """An authorised social or médico-social activity of a FINESS site (équipement social, HealthcareService)."""

    discipline: str  # TRE_R401 ActiviteSocialeRegulee, e.g. "924" accueil pour personnes âgées
    activity_type: str  # TRE_R209 TypeActivite (mode de fonctionnement), e.g. "11" hébergement complet internat
    public: str  # TRE_R403 PublicActiviteSmsseRegulee (clientèle), e.g. "2100" personnes âgées
    capacity: int  # capacité autorisée
    installed: int  # capacité installée
    authorised: date
    first_installed: date
    active: bool = True


# NAF rév. 2 (INSEE) activity of each kind of structure: the APE code (activiteINSEE, TRE_R75). 86.10Z for a
# hospital is the IG example's value; the others are the INSEE classes for these activities.
APE_BY_KIND = {
    "hospital-ej": "86.10Z", "hospital-eg": "86.10Z", "pharmacy-ej": "47.73Z", "pharmacy": "47.73Z",
    "laboratory-ej": "86.90B", "laboratory": "86.90B", "gp-practice": "86.21Z", "cabinet": "86.22C",
    "dental-practice": "86.23Z", "nursing-practice": "86.90D", "midwife-practice": "86.90D",
    "physio-practice": "86.90E", "podiatry-practice": "86.90E", "nursing-home": "87.10A",
}


@dataclass(frozen=True)
class Organization:
    """A structure: legal entity (EJ) or geographical entity (EG), as in FINESS / the RASS."""

    id: str
    name: str  # raison sociale
    kind: str  # "hospital-ej", "hospital-eg", "pharmacy", "laboratory", "gp-practice", ...
    level: Literal["EJ", "EG"]
    finess: str | None = None  # FINESS EJ for an EJ, FINESS ET/EG for an EG
    siren: str | None = None
    siret: str | None = None
    part_of: str | None = None  # id of the EJ an EG belongs to
    alias: str | None = None  # enseigne
    sector: str = ""  # TRE_R02 SecteurActivite code, e.g. "SA01"
    category: str = ""  # FINESS category code (JDV_J129), e.g. "355"
    address: Address | None = None
    phone: str | None = None
    mailboxes: tuple[Mailbox, ...] = ()
    active: bool = True
    rpps_rang: str | None = None  # RPPS-rang of a cabinet: its holder's RPPS + a 3-digit rank
    equipment: tuple[Equipment, ...] = ()  # authorised heavy equipment (FINESS sites)
    activities: tuple[Activity, ...] = ()  # authorised healthcare activities (FINESS sites)
    social: tuple[SocialEquipment, ...] = ()  # authorised social / médico-social activities (FINESS sites)

    @property
    def ape(self) -> str:
        """The structure's APE code (NAF rév. 2), from its kind; empty for a kind without one."""
        return APE_BY_KIND.get(self.kind, "")

    @property
    def id_nat_struct(self) -> str:
        """idNat_Struct: 1 + FINESS, else 3 + SIRET, else 2 + SIREN (§0.4)."""
        if self.finess:
            return "1" + self.finess
        if self.siret:
            return "3" + self.siret
        return "2" + (self.siren or self.id)


@dataclass(frozen=True)
class Situation:
    """A situation d'exercice: where and how a professional practises (PractitionerRole)."""

    id: str  # idSituationExercice (numeric string)
    organization: str  # Organization.id
    mode: str = "L"  # TRE_R23 ModeExercice: L libéral, S salarié, B bénévole
    role: str = ""  # TRE_R21 Fonction, e.g. "FON-05"
    genre: str = "GENR01"  # TRE_R22 GenreActivite
    mailboxes: tuple[Mailbox, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class SmartCard:
    """A CPx card (as-ext-smartcard): type (TRE_R87), number and validity."""

    type: str  # "CPS", "CPF", ...
    number: str
    start: date
    end: date


@dataclass(frozen=True)
class Professional:
    """A health professional registered in the RPPS."""

    id: str
    rpps: str  # 11 digits
    family: str
    given: str
    civility: str  # "M" or "MME" (name.prefix)
    profession: str  # TRE_G15 code: 10 médecin, 21 pharmacien, 60 infirmier, 50 sage-femme, 70 MK, ...
    category: str = "C"  # TRE_R09 CategorieProfessionnelle: C civil, M militaire, E étudiant
    exercise_civility: str | None = None  # "DR", "PR" (name.suffix)
    specialty: str | None = None  # savoir-faire code (TRE_R38), e.g. "SM54" médecine générale
    situations: tuple[Situation, ...] = ()
    mailboxes: tuple[Mailbox, ...] = ()  # PER mailboxes carried by the Practitioner itself
    cards: tuple[SmartCard, ...] = ()
    ecps: bool = True  # has the e-CPS app (Pro Santé Connect mobile login)
    active: bool = True
    note: str = ""

    @property
    def id_nat_ps(self) -> str:
        return "8" + self.rpps


@dataclass
class Population:
    """A set of patients, professionals and organisations, indexed by id."""

    patients: list[Patient] = field(default_factory=list)
    professionals: list[Professional] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)

    def patient(self, pid: str) -> Patient:
        return next(p for p in self.patients if p.id == pid)

    def professional(self, pid: str) -> Professional:
        return next(p for p in self.professionals if p.id == pid)

    def organization(self, oid: str) -> Organization:
        return next(o for o in self.organizations if o.id == oid)


def assemble(cls: type[T], fields: dict[str, Any]) -> T:
    """An instance of the frozen dataclass ``cls`` from its field values, without running ``__init__``.

    The generator builds millions of records and a frozen dataclass ``__init__`` costs about four times
    this. Every field without a plain default must be in ``fields``; the others fall back to the class
    attribute holding their default, so the result equals (and hashes like) the normally built one.
    """
    instance = object.__new__(cls)
    instance.__dict__.update(fields)
    return instance
