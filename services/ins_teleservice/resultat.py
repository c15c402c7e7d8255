"""The ``RESULTAT`` answer of both INSi operations (INSi_RESULTAT_INS.xsd, digest §1.2-1.3).

Element order follows the XSD: ``CR``, then ``INDIVIDU`` = ``INSACTIF``, ``INSHISTO*``, ``TIQ``; an INS is
``IdIndividu`` (``NumIdentifiant``, ``Cle``), ``OID`` (bare), ``DateDeb?``, ``DateFin?``. Built as text:
it is the hot path, and the structure is fixed.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from services.ins_teleservice.identity import HistoIns, Identity

RESULTAT_NS = "http://www.cnamts.fr/INSiResultat"
CR_LABELS = {"00": "OK", "01": "Aucune identite trouvee", "02": "Plusieurs identites trouvees"}
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope">'
        f'<soap:Body><RESULTAT xmlns="{RESULTAT_NS}">')
TAIL = "</RESULTAT></soap:Body></soap:Envelope>"


def cr_code(count: int) -> str:
    """INSi's compte rendu for a number of identities found: 00 one, 01 none, 02 several."""
    return "00" if count == 1 else "01" if count == 0 else "02"


def _ins(tag: str, matricule: str, cle: str, oid: str, deb: str | None = None, fin: str | None = None) -> str:
    dates = (f"<DateDeb>{deb}</DateDeb>" if deb else "") + (f"<DateFin>{fin}</DateFin>" if fin else "")
    return (f"<{tag}><IdIndividu><NumIdentifiant>{escape(matricule)}</NumIdentifiant><Cle>{escape(cle)}</Cle>"
            f"</IdIndividu><OID>{oid}</OID>{dates}</{tag}>")


def _histo(h: HistoIns) -> str:
    return _ins("INSHISTO", h.matricule, h.cle, h.oid, h.date_deb, h.date_fin)


def individu(person: Identity) -> str:
    prenom = f"<Prenom>{escape(person.first_name)}</Prenom>" if person.tiq_prenom else ""
    return (
        "<INDIVIDU>" + _ins("INSACTIF", person.matricule, person.cle, person.oid)
        + "".join(_histo(h) for h in person.history)
        + f"<TIQ><NomNaissance>{escape(person.birth_name)}</NomNaissance>{prenom}"
        f"<ListePrenom>{escape(person.first_names)}</ListePrenom><Sexe>{person.sex}</Sexe>"
        f"<DateNaissance>{person.birth_date}</DateNaissance><LieuNaissance>{person.birth_place}</LieuNaissance>"
        "</TIQ></INDIVIDU>"
    )


def resultat(code: str, person: Identity | None = None) -> str:
    """The whole SOAP response; ``person`` only with CR 00."""
    body = f"<CR><CodeCR>{code}</CodeCR><LibelleCR>{CR_LABELS[code]}</LibelleCR></CR>"
    return HEAD + body + (individu(person) if person is not None and code == "00" else "") + TAIL
