"""Named personas, always seeded: the CNDA INSi test identities (spec digest §1.4) and the ANS test
professionals (§0.3), plus named professionals and structures of every kind a journey needs.

The CNDA identities are reproduced exactly as the qualification fixtures list them, including their
quirks (HERMANN GATIEN's keys fail mod 97; ECETINSI's TIQ has no <Prenom>; HOUILLES is never found).
"""

from __future__ import annotations

from datetime import date

from core.identifiers import INS_NIA_OID
from core.population.model import Ins, Patient

CNDA_PATIENTS: tuple[Patient, ...] = (
    Patient("adrun-zoe", "ADRUN", ("ZOE",), "F", "1975-12-31", "63220", Ins("2751263220749", "74"),
            note="One identity found (CR 00)."),
    Patient("tchitchi-catarina", "TCHITCHI", ("CATARINA", "BELLA"), "F", "1936-06-21", "63220",
            Ins("2360663220836", "56"),
            note="First name OLA gives CR 01; CATARINA or the whole list CATARINA BELLA gives CR 00."),
    Patient("houilles-pierre", "HOUILLES", ("PIERRE", "PAUL", "JACQUES"), "M", "1993-01-27", "", None,
            note="Never found (CR 01), whatever first names are sent."),
    Patient("ecetinsi-pierre-alain", "ECETINSI", ("PIERRE-ALAIN", "MURIEL", "FLORIANT"), "M", "2009-07-14",
            "63220", Ins("1090763220834", "89"),
            history=(Ins("2090763220834", "39", start=date(2019, 3, 1), end=date(2019, 2, 28)),
                     Ins("2090663220123", "55")),
            tiq_first_name=False,
            note="Active INS with two INSHISTO (one dated); the TIQ carries no <Prenom>."),
    Patient("corse-anthony", "CORSE", ("ANTHONY",), "M", "1980-03-02", "2B020", Ins("180032B020401", "23"),
            note="Born in Corsica (2B): the key is computed with 2B -> 18."),
    Patient("hermann-gatien", "HERMANN", ("GATIEN",), "M", "1981-03-24", "63220", Ins("1810363220456", "60"),
            history=(Ins("2810363220456", "10"),),
            note="Returned by INSi although both keys fail mod 97 (CNDA negative case)."),
    Patient("nessi-michelangelo", "NESSI", ("MICHELANGELO", "ANTHONY"), "M", "2010-08-07", "63220",
            Ins("1100863220830", "60"), note="One identity found (CR 00); two first names."),
    Patient("provisoire-matricule", "PROVISOIRE", ("MATRICULE",), "M", "2009-07-01", "63220",
            Ins("1090763220888", "35", oid=INS_NIA_OID),
            note="A NIA (OID ...4.9) whose digits look like a NIR: only the OID tells."),
)
