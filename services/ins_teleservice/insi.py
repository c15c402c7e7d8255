"""The two INSi operations (digest §1.2-1.4, §1.7): read the body, search the identities, answer a CR.

Traits search: birth name, sex and birth date must match; the first names sent (several ``Prenom`` are
joined by a space) must equal the first birth first name or the whole list; the birth place, when
sent, must match. Vitale search: by the individual's matricule, else by the card holder's (``MatriculeOD``)
among the people on the card, with birth date (+ name, + rank for twins) to tell them apart.
"""

from __future__ import annotations

from lxml import etree
from sqlalchemy import Connection

from core.digits import ascii_digits
from core.identifiers import MATRICULE_RE
from services.ins_teleservice import store
from services.ins_teleservice.codes import InsCode
from services.ins_teleservice.envelope import TRAITS, Envelope
from services.ins_teleservice.faults import InsiFault
from services.ins_teleservice.identity import Identity
from services.ins_teleservice.traits import TraitError, check_birth_date, check_name, check_query

RECSANS = "http://www.cnamts.fr/INSiRecSans"
RECVIT = "http://www.cnamts.fr/INSiRecVit"
TRAITS_ORDER = ("NomNaissance", "Prenom", "Sexe", "DateNaissance", "LieuNaissance")
VITALE_ORDER = ("MatriculeIndividu", "MatriculeOD", "NomNaissance", "DateNaissance", "RangNaissance")
MATRICULE_ORDER = ("NumIdentifiant", "Cle", "TypeMatricule")
ELEMENT_OF = {"birth_name": "NomNaissance", "first_names": "Prenom", "sex": "Sexe", "birth_date": "DateNaissance",
              "birth_place": "LieuNaissance", "ins": "MatriculeIndividu", "rank": "RangNaissance"}


def read(envelope: Envelope, element: etree._Element, ns: str, order: tuple[str, ...],
         repeatable: tuple[str, ...] = ()) -> dict[str, list[etree._Element]]:
    """Children by local name, checked against the XSD sequence (names, order, occurrences)."""
    found: dict[str, list[etree._Element]] = {}
    last = -1
    for child in element:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        where = f"{etree.QName(element).localname}/{qname.localname}"
        if qname.namespace != ns or qname.localname not in order:
            raise envelope.fault(InsCode.SCHEMA, f"Unexpected element {child.tag} in {etree.QName(element).localname}.")
        rank = order.index(qname.localname)
        if rank < last or (qname.localname in found and qname.localname not in repeatable):
            raise envelope.fault(InsCode.SCHEMA, f"{where} is repeated or out of order "
                                 f"(expected order: {', '.join(order)}).")
        if len(child) and qname.localname not in ("MatriculeIndividu", "MatriculeOD"):
            raise envelope.fault(InsCode.SCHEMA, f"{where} must hold text, not elements.")
        found.setdefault(qname.localname, []).append(child)
        last = rank
    return found


def _text(parts: dict[str, list[etree._Element]], name: str) -> str | None:
    return parts[name][0].text or "" if name in parts else None


def fault_of(envelope: Envelope, error: TraitError) -> InsiFault:
    return envelope.fault(error.code, f"{ELEMENT_OF.get(error.trait, error.trait)}: {error.message}")


def search_traits(conn: Connection, envelope: Envelope, body: etree._Element, tenant: str) -> list:
    parts = read(envelope, body, RECSANS, TRAITS_ORDER, repeatable=("Prenom",))
    try:
        query = check_query(birth_name=_text(parts, "NomNaissance"),
                            first_names=[p.text or "" for p in parts.get("Prenom", [])], sex=_text(parts, "Sexe"),
                            birth_date=_text(parts, "DateNaissance"), birth_place=_text(parts, "LieuNaissance"),
                            lunar=envelope.settings.accept_lunar_dates)
    except TraitError as error:
        raise fault_of(envelope, error) from None
    return list(store.find_by_traits(conn, tenant=tenant, query=query))


def _matricule(envelope: Envelope, element: etree._Element) -> tuple[str, str | None]:
    where = etree.QName(element).localname
    parts = read(envelope, element, RECVIT, MATRICULE_ORDER)
    number = (_text(parts, "NumIdentifiant") or "").strip().upper()
    key = (_text(parts, "Cle") or "").strip() or None
    if not MATRICULE_RE.fullmatch(number):
        raise envelope.fault(InsCode.BAD_INS, f"{where}/NumIdentifiant {number[:20]!r} must be 13 characters: "
                             "6 digits, a digit or letter (2A/2B), 6 digits.")
    if key is not None and not ascii_digits(key, 2):
        raise envelope.fault(InsCode.BAD_INS, f"{where}/Cle {key[:10]!r} must be 2 digits.")
    return number, key


def _holders(conn: Connection, tenant: str, number: str, key: str | None) -> list:
    """Who holds this matricule (and key, when the card gives it): as active INS, else as a former one."""
    row = store.find_by_matricule(conn, tenant=tenant, matricule=number)
    if row is not None:
        return [row] if key in (None, row.cle) else []
    former = store.find_by_former_matricule(conn, tenant=tenant, matricule=number)
    return [r for r in former if key is None or any(
        h.matricule == number and h.cle == key for h in store.history_of(conn, tenant=tenant, pid=r.pid))]


def search_vitale(conn: Connection, envelope: Envelope, body: etree._Element, tenant: str) -> list:
    parts = read(envelope, body, RECVIT, VITALE_ORDER)
    try:
        birth_date = check_birth_date(_text(parts, "DateNaissance"), lunar=envelope.settings.accept_lunar_dates)
        name = _text(parts, "NomNaissance")
        name = check_name(name, "birth_name", "the birth name") if name is not None else None
    except TraitError as error:
        raise fault_of(envelope, error) from None
    rank = (_text(parts, "RangNaissance") or "").strip() or None
    if rank is not None and not (ascii_digits(rank, 1) and 1 <= int(rank) <= 9):
        raise envelope.fault(InsCode.BAD_RANK, f"RangNaissance {rank[:10]!r} must be a number from 1 to 9.")
    if "MatriculeIndividu" in parts:
        number, key = _matricule(envelope, parts["MatriculeIndividu"][0])
        rows = [r for r in _holders(conn, tenant, number, key) if r.birth_date == birth_date]
    elif "MatriculeOD" in parts:
        number, _key = _matricule(envelope, parts["MatriculeOD"][0])  # the holder may be unknown here
        rows = list(store.find_beneficiaries(conn, tenant=tenant, od_matricule=number, birth_date=birth_date))
        rows = [r for r in rows if rank is None or r.rang == int(rank)]
    else:
        raise envelope.fault(InsCode.TRAIT_MISSING, "MatriculeIndividu or MatriculeOD (read from the card) is "
                             "required.")
    return [r for r in rows if name is None or r.birth_name == name]


def answer(conn: Connection, envelope: Envelope, operation: str, body: etree._Element,
           tenant: str) -> tuple[str, Identity | None]:
    """The CR code and, for CR 00, the identity to return."""
    search = search_traits if operation == TRAITS else search_vitale
    rows = search(conn, envelope, body, tenant)
    if len(rows) != 1:
        return ("01" if not rows else "02"), None
    return "00", store.load(conn, tenant=tenant, row=rows[0])
