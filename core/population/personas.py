"""Named personas, always seeded: the CNDA INSi test identities (spec digest §1.4) and the ANS test
professionals (§0.3), plus named professionals and structures of every kind a journey needs.

The CNDA identities are reproduced exactly as the qualification fixtures list them, including their
quirks (HERMANN GATIEN's keys fail mod 97; ECETINSI's TIQ has no <Prenom>; HOUILLES is never found).
"""

from __future__ import annotations

from datetime import date

from core.identifiers import INS_NIA_OID
from core.population.model import (
    Activity,
    Address,
    Equipment,
    Ins,
    Mailbox,
    Organization,
    Patient,
    Population,
    Professional,
    Situation,
    SmartCard,
    SocialEquipment,
)

# Every patient persona has a médecin traitant (the DMP names them; they see documents masked to other
# professionals): the GP of the maison de santé des Puys, or KIT DOC who practises there too.
DR_LEROY = "899799000015"
KIT_DOC = "899700427885"

CNDA_PATIENTS: tuple[Patient, ...] = (
    Patient("adrun-zoe", "ADRUN", ("ZOE",), "F", "1975-12-31", "63220", Ins("2751263220749", "74"),
            medecin_traitant=DR_LEROY, note="One identity found (CR 00)."),
    Patient("tchitchi-catarina", "TCHITCHI", ("CATARINA", "BELLA"), "F", "1936-06-21", "63220",
            Ins("2360663220836", "56"),
            medecin_traitant=DR_LEROY,
            note="First name OLA gives CR 01; CATARINA or the whole list CATARINA BELLA gives CR 00."),
    Patient("houilles-pierre", "HOUILLES", ("PIERRE", "PAUL", "JACQUES"), "M", "1993-01-27", "", None,
            medecin_traitant=DR_LEROY, note="Never found (CR 01), whatever first names are sent."),
    Patient("ecetinsi-pierre-alain", "ECETINSI", ("PIERRE-ALAIN", "MURIEL", "FLORIANT"), "M", "2009-07-14",
            "63220", Ins("1090763220834", "89"),
            history=(Ins("2090763220834", "39", start=date(2019, 3, 1), end=date(2019, 2, 28)),
                     Ins("2090663220123", "55")),
            tiq_first_name=False,
            medecin_traitant=DR_LEROY, note="Active INS with two INSHISTO (one dated); the TIQ carries no <Prenom>."),
    Patient("corse-anthony", "CORSE", ("ANTHONY",), "M", "1980-03-02", "2B020", Ins("180032B020401", "23"),
            history=(Ins("180032B020401", "23"),),
            medecin_traitant=KIT_DOC,
            note="Born in Corsica (2B): the key is computed with 2B -> 18. INSi lists the active INS in INSHISTO "
                 "too (CNDA TEST_2.08 cas 1)."),
    Patient("hermann-gatien", "HERMANN", ("GATIEN",), "M", "1981-03-24", "63220", Ins("1810363220456", "60"),
            history=(Ins("1810363220456", "60"), Ins("2810363220456", "10")),
            medecin_traitant=KIT_DOC,
            note="Returned by INSi although both keys fail mod 97 (CNDA negative case); INSHISTO lists the active "
                 "INS then the former one (CNDA TEST_2.08 cas 2)."),
    Patient("nessi-michelangelo", "NESSI", ("MICHELANGELO", "ANTHONY"), "M", "2010-08-07", "63220",
            Ins("1100863220830", "60"), medecin_traitant=KIT_DOC, legal_representatives=("corse-anthony",),
            note="One identity found (CR 00); two first names. A minor: his legal representative is corse-anthony, "
                 "who reads his Mon espace santé record."),
    Patient("provisoire-matricule", "PROVISOIRE", ("MATRICULE",), "M", "2009-07-01", "63220",
            Ins("1090763220888", "35", oid=INS_NIA_OID),
            medecin_traitant=DR_LEROY, note="A NIA (OID ...4.9) whose digits look like a NIR: only the OID tells."),
    # Answered by the qualification service (recordings of issue 10 and [TLSI] persons/*.fixture.ts); their
    # TIQ carries no <Prenom>. 2A020 is not a commune of the real COG (see core/population/places.py).
    Patient("adrtrois-toussaint", "ADRTROIS", ("TOUSSAINT",), "M", "1960-01-01", "2B020",
            Ins("160012B020777", "13"), tiq_first_name=False,
            medecin_traitant=KIT_DOC, note="Born in Haute-Corse (2B020): CR 00, the TIQ names the birth place."),
    Patient("adrtrois-dominique", "ADRTROIS", ("DOMINIQUE",), "F", "1997-02-26", "2A020",
            Ins("297022A020778", "78"), tiq_first_name=False,
            medecin_traitant=KIT_DOC, note="Born in Corse-du-Sud (2A020): CR 00, the TIQ names the birth place."),
    # The qualification service answers CR 02 to DE VINCI LEONARDO M 2014-02-01. Who the several identities
    # are is not published: these two share the traits of that query and differ in what the digest advises
    # sending next (§1.3): the other first names, then the birth place.
    Patient("de-vinci-leonardo", "DE VINCI", ("LEONARDO",), "M", "2014-02-01", "63113",
            Ins("1140263113901", "94"),
            medecin_traitant=DR_LEROY,
            note="With de-vinci-leonardo-piero: LEONARDO gives CR 02; adding LieuNaissance 63113 gives CR 00."),
    Patient("de-vinci-leonardo-piero", "DE VINCI", ("LEONARDO", "PIERO"), "M", "2014-02-01", "99127",
            Ins("1140299127901", "60"),
            medecin_traitant=DR_LEROY,
            note="Born in Italy (99127): LEONARDO gives CR 02; LEONARDO PIERO or LieuNaissance 99127 gives CR 00."),
)

# Extra everyday patients for journeys: a family (mother with a used name, father born abroad, twins with
# consecutive order numbers in the same birth register) and a patient with an apostrophe in her name.
FAMILY_PATIENTS: tuple[Patient, ...] = (
    Patient("lefevre-helene", "LEFÈVRE", ("Hélène", "Marie"), "F", "1986-04-12", "63113",
            Ins("2860463113041", "27"), used_name="MARTIN",
            medecin_traitant=DR_LEROY, note="Accented birth name and first name; uses her spouse's name MARTIN."),
    Patient("martin-julien", "MARTIN", ("Julien", "Antoine"), "M", "1984-09-03", "99134",
            Ins("1840999134027", "25"), medecin_traitant=DR_LEROY, note="Born abroad (Espagne, 99134)."),
    Patient("martin-lefevre-lucas", "MARTIN-LEFÈVRE", ("Lucas",), "M", "2019-05-20", "63113",
            Ins("1190563113512", "92"), medecin_traitant=DR_LEROY, note="Twin of Chloé: same birth, order number 512."),
    Patient("martin-lefevre-chloe", "MARTIN-LEFÈVRE", ("Chloé", "Rose"), "F", "2019-05-20", "63113",
            Ins("2190563113513", "41"), medecin_traitant=DR_LEROY, note="Twin of Lucas: same birth, order number 513."),
    Patient("ndiaye-aminata", "N'DIAYE", ("Aminata",), "F", "1992-03-08", "99341",
            Ins("2920399341018", "76"), medecin_traitant=DR_LEROY,
            note="Apostrophe in the birth name; born in Sénégal (99341)."),
)

# The patient of the PDSm IG examples (conformance/pdsm: subject INS 123456789012345, author ROBERT
# SPECIALISTE0021889), so that those examples can be fed. The IG value is illustrative: its key 45 fails mod 97
# (97 - 1234567890123 mod 97 = 11), its month 45 and commune 67890 are not real; kept exactly, as HERMANN's
# keys are, since the examples carry it. The traits (names, birth date) are ours (U).
CONFORMANCE_PATIENTS: tuple[Patient, ...] = (
    Patient("pdsm-exemple", "EXEMPLE", ("PDSM",), "M", "1923-01-01", "67890", Ins("1234567890123", "45"),
            medecin_traitant=KIT_DOC,
            note="The INS of the PDSm IG examples (illustrative: its key fails mod 97); their author is "
                 "robert-specialiste. INSi returns it as is, so that the examples can be fed."),
)

CLERMONT = ("63000", "Clermont-Ferrand", "63113")


def _address(line: str) -> Address:
    return Address(line, *CLERMONT)


def _org_boxes(domain: str, *boxes: tuple[str, str, str, str]) -> tuple[Mailbox, ...]:
    """Mailboxes of a structure: (local part, type, description, service) on ``<domain>.mssante.fr``."""
    return tuple(Mailbox(f"{local}@{domain}.mssante.fr", kind, description, service)  # type: ignore[arg-type]
                 for local, kind, description, service in boxes)


# The CH des Volcans' authorisations (FINESS, from ARHGOS): a scanner, an MRI and the one it replaced; medicine,
# surgery and ambulatory surgery. 05602 (scanographe) and form 07 (chirurgie ambulatoire) are the documented
# examples (AS-DOC device.md, healthcare-service.md); 06201 (IRM), modality 00 and form 01 are unconfirmed (U).
CH_VOLCANS_EQUIPMENT: tuple[Equipment, ...] = (
    Equipment("63-63-10001", "05602", "SIEMENS HEALTHINEERS", "SOMATOM-630117", date(2019, 5, 14),
              date(2019, 11, 4), date(2029, 11, 3)),
    Equipment("63-63-10002", "06201", "GE HEALTHCARE", "SIGNA-630244", date(2021, 3, 2), date(2021, 9, 20),
              date(2031, 9, 19)),
    Equipment("63-63-10003", "05602", "GE HEALTHCARE", "LIGHTSPEED-630051", date(2009, 6, 30), date(2010, 1, 11),
              date(2019, 11, 3), active=False),
)
CH_VOLCANS_ACTIVITIES: tuple[Activity, ...] = (
    Activity("63-63-20001", "01", "00", "01", date(2018, 4, 12), date(2018, 6, 1), date(2030, 5, 31)),
    Activity("63-63-20002", "02", "00", "01", date(2018, 4, 12), date(2018, 6, 1), date(2030, 5, 31)),
    Activity("63-63-20003", "02", "00", "07", date(2018, 4, 12), date(2018, 6, 1), date(2030, 5, 31)),
)

# Persona structures: FINESS 638xxxxxC, SIREN 81234xxxC / 26630xxxC (public body), all Luhn-valid. The
# generator uses other ranges (see generator.py), so the two never collide.
ORGANIZATIONS: tuple[Organization, ...] = (
    Organization("ch-volcans-ej", "CENTRE HOSPITALIER DES VOLCANS", "hospital-ej", "EJ", finess="638000018",
                 siren="266300011", address=_address("12 boulevard des Volcans"), phone="04 73 00 10 00"),
    Organization("ch-volcans", "CENTRE HOSPITALIER DES VOLCANS", "hospital-eg", "EG", finess="638000026",
                 siret="26630001100019", part_of="ch-volcans-ej", alias="CH des Volcans", sector="SA01",
                 category="355", address=_address("12 boulevard des Volcans"), phone="04 73 00 10 00",
                 mailboxes=_org_boxes("ch-volcans",
                                      ("accueil", "ORG", "Accueil et admissions", "Admissions"),
                                      ("cardiologie", "ORG", "Secrétariat de cardiologie", "Cardiologie"),
                                      ("maternite", "ORG", "Secrétariat de la maternité", "Maternité"),
                                      ("dpi", "APP", "Dossier patient informatisé (envois automatiques)", "")),
                 equipment=CH_VOLCANS_EQUIPMENT, activities=CH_VOLCANS_ACTIVITIES),
    Organization("pharmacie-du-centre-ej", "SELARL PHARMACIE DU CENTRE", "pharmacy-ej", "EJ", finess="638000034",
                 siren="812345015", address=_address("3 place de Jaude"), phone="04 73 00 20 00"),
    Organization("pharmacie-du-centre", "PHARMACIE DU CENTRE", "pharmacy", "EG", finess="638000042",
                 siret="81234501500018", part_of="pharmacie-du-centre-ej", sector="SA33", category="620",
                 address=_address("3 place de Jaude"), phone="04 73 00 20 00",
                 mailboxes=_org_boxes("pharmacie-du-centre",
                                      ("contact", "ORG", "Pharmacie du Centre", "Officine"),
                                      ("lgo", "APP", "Logiciel de gestion d'officine", ""))),
    # A second pharmacy, so that an e-prescription can be dispensed in part in one and the rest in the other.
    Organization("pharmacie-des-volcans-ej", "SELARL PHARMACIE DES VOLCANS", "pharmacy-ej", "EJ", finess="638000083",
                 siren="812345056", address=_address("21 avenue des Volcans"), phone="04 73 00 21 00"),
    Organization("pharmacie-des-volcans", "PHARMACIE DES VOLCANS", "pharmacy", "EG", finess="638000091",
                 siret="81234505600012", part_of="pharmacie-des-volcans-ej", sector="SA33", category="620",
                 address=_address("21 avenue des Volcans"), phone="04 73 00 21 00",
                 mailboxes=_org_boxes("pharmacie-des-volcans",
                                      ("contact", "ORG", "Pharmacie des Volcans", "Officine"),
                                      ("lgo", "APP", "Logiciel de gestion d'officine", ""))),
    Organization("labo-des-domes-ej", "SELAS LABORATOIRE DES DÔMES", "laboratory-ej", "EJ", finess="638000059",
                 siren="812345023", address=_address("40 avenue des Dômes"), phone="04 73 00 30 00"),
    Organization("labo-des-domes", "LABORATOIRE DES DÔMES - SITE JAUDE", "laboratory", "EG", finess="638000067",
                 siret="81234502300012", part_of="labo-des-domes-ej", alias="Labo des Dômes", sector="SA25",
                 category="611", address=_address("40 avenue des Dômes"), phone="04 73 00 30 00",
                 mailboxes=_org_boxes("labo-des-domes",
                                      ("resultats", "ORG", "Résultats de biologie", "Biologie"),
                                      ("sil", "APP", "Système informatique de laboratoire", ""))),
    Organization("msp-des-puys", "MAISON DE SANTÉ DES PUYS", "gp-practice", "EG", siren="812345031",
                 siret="81234503100015", sector="SA08", address=_address("8 rue des Puys"), phone="04 73 00 40 00",
                 mailboxes=_org_boxes("msp-des-puys",
                                      ("secretariat", "ORG", "Secrétariat de la maison de santé", "Accueil"),
                                      ("lgc", "APP", "Logiciel de gestion de cabinet", ""))),
    # The hospital's nursing home (EHPAD, FINESS category 500): its places are a social-equipment authorisation.
    # Discipline 924, public 2100 (ANS terminologies TRE_R401 / TRE_R403) and type 11 (AS-DOC
    # healthcare-service.md) are published codes; the capacities are ours.
    Organization("ehpad-des-volcans", "EHPAD DES VOLCANS", "nursing-home", "EG", finess="638000075",
                 siret="26630001100027", part_of="ch-volcans-ej", category="500",
                 address=_address("14 boulevard des Volcans"), phone="04 73 00 10 50",
                 social=(SocialEquipment("924", "11", "2100", 84, 80, date(2012, 9, 3), date(2013, 1, 7)),)),
    # The real PSC sandbox account of ROBERT SPECIALISTE0021889 practises in his own cabinet in Paris 9e
    # (conformance/psc/userinfo-example.json: SubjectOrganization, Secteur_Activite SA07).
    Organization("cabinet-specialiste", "CABINET M SPECIALISTE0021889", "cabinet", "EG", siren="812345049",
                 siret="81234504900017", sector="SA07", address=Address("1 rue Pasteur", "75009", "Paris", "75109"),
                 rpps_rang="99700218896001"),
)


def _per(address: str) -> tuple[Mailbox, ...]:
    return (Mailbox(address, "PER"),)


def _cps(number: str) -> tuple[SmartCard, ...]:
    return (SmartCard("CPS", number, date(2024, 1, 15), date(2027, 1, 14)),)


# The two ANS test professionals are reproduced exactly (§0.3); the others use RPPS 99799xxxxxC (Luhn).
# Savoir-faire SM54 (médecine générale) is confirmed; SM04 (cardiologie) is unconfirmed (U).
# KIT DOC is the real PSC sandbox account as issue 10 gives it (source: issue 10 only): DOC0042788, idNat_PS
# 899700427885, SM26, two activities. No source names his structures: the maison de santé des Puys
# (libéral) and the CH des Volcans (salarié) are ours (U). (The spec digest's [EDC] test JWTs show an
# older DOC0042786 / 899700427869.)
PROFESSIONALS: tuple[Professional, ...] = (
    Professional("robert-specialiste", "99700218896", "SPECIALISTE0021889", "ROBERT", "M", "10",
                 exercise_civility="DR",
                 situations=(Situation("1000000101", "cabinet-specialiste", mode="L", role="FON-AU"),),
                 mailboxes=_per("robert.specialiste0021889@medecin.mssante.fr"), cards=_cps("3199000001"),
                 note="ANS test professional (PSC userinfo SubjectNameID 899700218896)."),
    Professional("kit-doc", "99700427885", "DOC0042788", "KIT", "M", "10", exercise_civility="DR",
                 specialty="SM26",
                 situations=(Situation("1000000102", "msp-des-puys"),
                             Situation("1000000111", "ch-volcans", mode="S", role="FON-AU")),
                 mailboxes=_per("kit.doc0042788@medecin.mssante.fr"), cards=_cps("3199000002"),
                 note="The real PSC sandbox's KIT DOC0042788 (idNat_PS 899700427885), two activities."),
    Professional("dr-leroy", "99799000015", "LEROY", "Claire", "MME", "10", exercise_civility="DR",
                 specialty="SM54",
                 situations=(Situation("1000000103", "msp-des-puys", role="FON-AU",
                                       mailboxes=_per("dr.leroy@msp-des-puys.mssante.fr")),),
                 mailboxes=_per("claire.leroy@medecin.mssante.fr"), cards=_cps("3199000003"),
                 note="General practitioner (médecin traitant) in a maison de santé."),
    Professional("dr-benali", "99799000023", "BENALI", "Karim", "M", "10", exercise_civility="DR",
                 specialty="SM04",
                 situations=(Situation("1000000104", "ch-volcans", mode="S", role="FON-AU",
                                       mailboxes=_per("karim.benali@ch-volcans.mssante.fr")),),
                 cards=_cps("3199000004"), note="Hospital cardiologist; his mailbox belongs to his situation."),
    Professional("pharmacien-girard", "99799000031", "GIRARD", "Luc", "M", "21",
                 situations=(Situation("1000000105", "pharmacie-du-centre", role="FON-02"),),
                 mailboxes=_per("luc.girard@pharmacien.mssante.fr"), cards=_cps("3199000005"),
                 note="Pharmacist owning the Pharmacie du Centre (dispenses e-prescriptions)."),
    Professional("biologiste-nguyen", "99799000049", "NGUYEN", "Minh", "M", "21",
                 situations=(Situation("1000000106", "labo-des-domes", role="FON-AU"),),
                 mailboxes=_per("minh.nguyen@labo-des-domes.mssante.fr"), cards=_cps("3199000006"),
                 note="Pharmacist biologist at the Laboratoire des Dômes (sends results)."),
    Professional("infirmiere-petit", "99799000056", "PETIT", "Amélie", "MME", "60",
                 situations=(Situation("1000000107", "ch-volcans", mode="S", role="FON-AU"),),
                 mailboxes=_per("amelie.petit@infirmier.mssante.fr"), cards=_cps("3199000007"),
                 note="Hospital nurse."),
    Professional("sage-femme-roux", "99799000064", "ROUX", "Léa", "MME", "50",
                 situations=(Situation("1000000108", "ch-volcans", mode="S", role="FON-AU",
                                       mailboxes=_per("lea.roux@ch-volcans.mssante.fr")),),
                 cards=_cps("3199000008"), note="Midwife at the maternity of the CH des Volcans."),
    Professional("kine-de-la-fontaine", "99799000072", "DE LA FONTAINE", "Jean-Baptiste", "M", "70",
                 situations=(Situation("1000000109", "msp-des-puys", role="FON-AU"),),
                 mailboxes=_per("jean-baptiste.delafontaine@msp-des-puys.mssante.fr"), cards=_cps("3199000009"),
                 note="Physiotherapist (masseur-kinésithérapeute); composite first name, particle surname."),
    Professional("ergo-marchal", "99799000098", "MARCHAL", "Inès", "MME", "94",
                 situations=(Situation("1000000112", "msp-des-puys", role="FON-AU"),), cards=_cps("3199000010"),
                 note="Occupational therapist (ergothérapeute, TRE_G15 94): no row of the DMP habilitation matrix "
                      "names her profession; a patient's temporary access lets her read a record."),
    Professional("pharmacien-martin", "99799000106", "MARTIN", "Sophie", "MME", "21",
                 situations=(Situation("1000000113", "pharmacie-des-volcans", role="FON-02"),),
                 mailboxes=_per("sophie.martin@pharmacien.mssante.fr"), cards=_cps("3199000011"),
                 note="Pharmacist owning the Pharmacie des Volcans: dispenses what the Pharmacie du Centre did not."),
    Professional("dr-faure", "99799000080", "FAURE", "Henri", "M", "10", exercise_civility="DR", specialty="SM54",
                 situations=(Situation("1000000110", "msp-des-puys", active=False),),
                 ecps=False, active=False,
                 note="Retired GP: the directory shows him deactivated (id, identifiers, active=false)."),
)


def personas() -> Population:
    """A fresh population of the named personas: CNDA, family and conformance patients, professionals, structures."""
    return Population(patients=[*CNDA_PATIENTS, *FAMILY_PATIENTS, *CONFORMANCE_PATIENTS],
                      professionals=list(PROFESSIONALS), organizations=list(ORGANIZATIONS))
