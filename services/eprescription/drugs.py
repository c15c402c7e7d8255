"""The built-in drug reference: common medicines sold in France, as facts (digest §5.2).

A compact curated table, so that the sandbox prescribes and dispenses real medicines without the BDPM
files (drug_reference.py loads those on demand). Each entry is a spécialité of the Base de données publique
des médicaments: its CIS, its BDPM denomination, form and routes, its composition (ANSM substance codes of
CIS_COMPO, with the nature SA substance active / FT fraction thérapeutique and the component number), its
generic group (CIS_GENER: id and type, 0 princeps, 1 générique, 2 complémentarité posologique, 4
substituable) and one or two CIP13 presentations. tests/services/eprescription/test_drugs.py checks every
fact against the official files.

The FR ePrescription IG's example codes are facts too (:data:`IG_CODES`): two UCD, an SMS substance code,
a Medicabase virtual medicine; the SMS and Medicabase codes are mapped to paracétamol's ANSM substance code
(:data:`PARACETAMOL`), the only link the sandbox knows between those systems and the BDPM.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.eprescription import medication_codes as mc

PARACETAMOL = "02202"  # ANSM substance code of paracétamol (CIS_COMPO)
CODEINE = "74765"  # phosphate de codéine hémihydraté, as in CODOLIPRANE


@dataclass(frozen=True)
class Component:
    """One row of CIS_COMPO: a substance of a spécialité."""

    code: str  # ANSM substance code
    name: str
    dosage: str  # "1000 mg"; empty for a salt whose base (FT) carries the dosage
    reference: str  # what the dosage is per: "un comprimé"
    nature: str  # SA substance active, FT fraction thérapeutique
    link: int  # component number: an SA and its FT share it


@dataclass(frozen=True)
class Medicine:
    cis: str
    name: str
    form: str
    routes: tuple[str, ...]
    generic_group: str | None
    generic_type: int | None
    components: tuple[Component, ...]
    presentations: tuple[tuple[str, str], ...]  # (CIP13, label)


@dataclass(frozen=True)
class ExtraCode:
    """A code of another system than the BDPM's (UCD, SMS, Medicabase), with what the sandbox maps it to."""

    system: str
    code: str
    display: str
    cis: str | None = None  # the spécialité, when known
    substances: tuple[str, ...] = ()  # the ANSM substances, for a substance or virtual medicine code


def M(cis: str, name: str, form: str, routes: str, group: str | None, gtype: int | None,  # noqa: N802
      components: list[tuple[str, str, str, str, str, int]], presentations: list[tuple[str, str]]) -> Medicine:
    return Medicine(cis, name, form, tuple(routes.split(";")), group, gtype,
                    tuple(Component(*c) for c in components), tuple(presentations))


MEDICINES: tuple[Medicine, ...] = (
    # paracétamol, seul ou associé
    M("60234100", "DOLIPRANE 1000 mg, comprimé", "comprimé", "orale", None, None,
      [("02202", "PARACÉTAMOL", "1000 mg", "un comprimé", "SA", 1)],
      [("3400935955838", "plaquette(s) thermoformée(s) PVC-aluminium de 8 comprimé(s)"),
       ("3400956369553", "plaquette(s) thermoformée(s) PVC-aluminium de 100 comprimé(s)")]),
    M("67119691", "DOLIPRANE 500 mg, gélule", "gélule", "orale", None, None,
      [("02202", "PARACÉTAMOL", "500 mg", "une gélule", "SA", 1)],
      [("3400934507786", "plaquette(s) thermoformée(s) PVC aluminium de 16 gélule(s)")]),
    M("61574554", "EFFERALGAN 1000 mg, comprimé effervescent", "comprimé effervescent(e)", "orale", None, None,
      [("02202", "PARACÉTAMOL", "1000 mg", "un comprimé", "SA", 1)],
      [("3400930096383", "1 tube(s) polypropylène de 8 comprimé(s)")]),
    M("60025403", "EFFERALGAN 1000 mg, comprimé pelliculé", "comprimé pelliculé", "orale", None, None,
      [("02202", "PARACÉTAMOL", "1000 mg", "un comprimé", "SA", 1)],
      [("3400936485464", "plaquette(s) thermoformée(s) PVC-Aluminium de 8 comprimé(s)")]),
    M("62887947", "DAFALGAN 1000 mg, comprimé pelliculé", "comprimé pelliculé", "orale", None, None,
      [("02202", "PARACÉTAMOL", "1 g", "un comprimé", "SA", 1)],
      [("3400930170441", "tube(s) polypropylène de 8 comprimé(s)")]),
    M("65609611", "DAFALGAN 500 mg, gélule", "gélule", "orale", None, None,
      [("02202", "PARACÉTAMOL", "500 mg", "une gélule", "SA", 1)],
      [("3400930184844", "tube(s) polypropylène de 16 gélule(s)")]),
    M("67217826", "PARACETAMOL BIOGARAN 1000 mg, comprimé effervescent sécable", "comprimé effervescent(e) sécable",
      "orale", None, None,
      [("02202", "PARACÉTAMOL", "1000 mg", "un comprimé", "SA", 1)],
      [("3400935997531", "tube(s) polypropylène de 8 comprimé(s)")]),
    M("60904643", "CODOLIPRANE 500 mg/30 mg, comprimé", "comprimé", "orale", None, None,
      [("02202", "PARACÉTAMOL", "500 mg", "un comprimé", "SA", 1),
       ("74765", "PHOSPHATE DE CODÉINE HÉMIHYDRATÉ", "30 mg", "un comprimé", "SA", 2)],
      [("3400927562396", "plaquette(s) thermoformée(s) PVC PVDC aluminium de 16 comprimé(s)")]),
    M("66003374", "DAFALGAN CODEINE, comprimé pelliculé", "comprimé pelliculé", "orale", "1643", 0,
      [("02202", "PARACÉTAMOL", "500 mg", "un comprimé", "SA", 2),
       ("74765", "CODÉINE (PHOSPHATE DE) HÉMIHYDRATÉ", "30 mg", "un comprimé", "SA", 8)],
      [("3400933275815", "plaquette(s) thermoformée(s) PVC-aluminium de 16 comprimé(s)")]),
    # ibuprofène
    M("68634000", "ADVIL 200 mg, comprimé enrobé", "comprimé enrobé", "orale", "1333", 0,
      [("02092", "IBUPROFÈNE", "200 mg", "un comprimé", "SA", 1)],
      [("3400932959358", "plaquette(s) thermoformée(s) PVC-Aluminium de 20 comprimé(s)")]),
    M("60305960", "NUROFEN 200 mg, comprimé enrobé", "comprimé enrobé", "orale", None, None,
      [("02092", "IBUPROFÈNE", "200 mg", "un comprimé", "SA", 1)],
      [("3400933964351", "plaquette(s) thermoformée(s) PVC aluminium de 20 comprimé(s)")]),
    M("61000075", "IBUPROFENE BIOGARAN 400 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "332", 1,
      [("02092", "IBUPROFÈNE", "400 mg", "un comprimé", "SA", 1)],
      [("3400937656313", "plaquette(s) PVC PVDC aluminium de 20 comprimé(s)")]),
    # amoxicilline, seule ou avec l'acide clavulanique
    M("67707794", "CLAMOXYL 500 mg, gélule", "gélule", "orale", "148", 0,
      [("05248", "AMOXICILLINE ANHYDRE", "500 mg", "une gélule", "FT", 1),
       ("28165", "AMOXICILLINE TRIHYDRATÉE", "", "", "SA", 1)],
      [("3400931587538", "plaquette(s) PVC PVC-Aluminium PVDC de 12 gélule(s)")]),
    M("69118175", "AMOXICILLINE BIOGARAN 500 mg, gélule", "gélule", "orale", "148", 1,
      [("05248", "AMOXICILLINE", "500 mg", "une gélule", "FT", 1),
       ("28165", "AMOXICILLINE TRIHYDRATÉE", "", "", "SA", 1)],
      [("3400933857042", "plaquette(s) aluminium PVC de 12 gélule(s)")]),
    M("64539416", "CLAMOXYL 1 g, comprimé dispersible", "comprimé dispersible", "orale", "150", 0,
      [("05248", "AMOXICILLINE ANHYDRE", "1000,00 mg", "un comprimé", "FT", 1),
       ("28165", "AMOXICILLINE TRIHYDRATÉE", "", "", "SA", 1)],
      [("3400933054960", "plaquette(s) PVC PVDC aluminium de 6 comprimé(s)")]),
    M("63565244", "AUGMENTIN 500 mg/62,5 mg, comprimé pelliculé (rapport amoxicilline/acide clavulanique : 8/1)",
      "comprimé pelliculé", "orale", "158", 0,
      [("05248", "AMOXICILLINE ANHYDRE", "500 mg", "un comprimé", "FT", 1),
       ("28165", "AMOXICILLINE TRIHYDRATÉE", "", "", "SA", 1),
       ("29442", "CLAVULANATE DE POTASSIUM", "", "", "SA", 2),
       ("93286", "ACIDE CLAVULANIQUE", "62,5 mg", "un comprimé", "FT", 2)],
      [("3400935337023", "plaquette(s) thermoformée(s) aluminium de 16 comprimé(s)")]),
    M("66921126", "AMOXICILLINE/ACIDE CLAVULANIQUE BGR 500 mg/62,5 mg ADULTES, comprimé pelliculé (Rapport "
      "amoxicilline/acide clavulanique : 8/1)", "comprimé pelliculé", "orale", "158", 1,
      [("05248", "AMOXICILLINE BASE", "500,00 mg", "un comprimé", "FT", 1),
       ("28165", "AMOXICILLINE TRIHYDRATÉE", "", "", "SA", 1),
       ("29442", "CLAVULANATE DE POTASSIUM", "", "", "SA", 3),
       ("93286", "ACIDE CLAVULANIQUE", "62,50 mg", "un comprimé", "FT", 3)],
      [("3400937734127", "plaquette(s) thermoformée(s) aluminium polyéthylène de 16 comprimé(s)")]),
    # metformine
    M("68583940", "GLUCOPHAGE 500 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "31", 0,
      [("04442", "METFORMINE BASE", "390 mg", "un comprimé", "FT", 1),
       ("24321", "CHLORHYDRATE DE METFORMINE", "500 mg", "un comprimé", "SA", 1)],
      [("3400935281678", "plaquette(s) PVC aluminium de 30 comprimé(s)")]),
    M("67547090", "GLUCOPHAGE 850 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "32", 0,
      [("04442", "METFORMINE BASE", "662,90 mg", "un comprimé", "FT", 1),
       ("24321", "CHLORHYDRATE DE METFORMINE", "850 mg", "un comprimé", "SA", 1)],
      [("3400930448021", "plaquette(s) PVC-Aluminium de 30 comprimé(s)")]),
    M("61052830", "GLUCOPHAGE 1000 mg, comprimé pelliculé sécable", "comprimé pelliculé sécable", "orale", "33", 0,
      [("04442", "METFORMINE BASE", "780 mg", "un comprimé", "FT", 1),
       ("24321", "CHLORHYDRATE DE METFORMINE", "1000 mg", "un comprimé", "SA", 1)],
      [("3400935601711", "plaquette(s) PVC-Aluminium de 30 comprimé(s)")]),
    M("67346461", "METFORMINE BIOGARAN 1000 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "33", 1,
      [("04442", "METFORMINE BASE", "780 mg", "un comprimé", "FT", 1),
       ("24321", "CHLORHYDRATE DE METFORMINE", "1000 mg", "un comprimé", "SA", 1)],
      [("3400930118801", "flacon(s) polyéthylène haute densité (PEHD) de 30 comprimé(s)")]),
    # statines
    M("67143532", "TAHOR 10 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "913", 0,
      [("19809", "ATORVASTATINE", "10,00 mg", "un comprimé", "FT", 1),
       ("92464", "ATORVASTATINE CALCIQUE TRIHYDRATÉE", "", "", "SA", 1)],
      [("3400934306754", "plaquette(s) polyamide aluminium PVC-Aluminium de 28 comprimé(s)")]),
    M("69902323", "TAHOR 20 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "914", 0,
      [("19809", "ATORVASTATINE", "20 mg", "un comprimé", "FT", 1),
       ("92464", "ATORVASTATINE CALCIQUE TRIHYDRATÉE", "", "", "SA", 1)],
      [("3400934306815", "plaquette(s) polyamide aluminium PVC-Aluminium de 28 comprimé(s)")]),
    M("68212077", "ATORVASTATINE BIOGARAN 20 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "914", 1,
      [("19809", "ATORVASTATINE", "20 mg", "un comprimé", "FT", 1),
       ("92464", "ATORVASTATINE CALCIQUE TRIHYDRATÉE", "", "", "SA", 1)],
      [("3400930183052", "plaquette(s) PVC polyéthylène PVDC aluminium de 30 comprimé(s)")]),
    M("67037301", "ZOCOR 20 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "102", 0,
      [("10171", "SIMVASTATINE", "20 mg", "un comprimé", "SA", 1)],
      [("3400936766891", "plaquette(s) PVC polyéthylène PVDC aluminium de 28 comprimé(s)")]),
    M("69094525", "SIMVASTATINE BIOGARAN 20 mg, comprimé pelliculé sécable", "comprimé pelliculé sécable", "orale",
      "102", 1,
      [("10171", "SIMVASTATINE", "20 mg", "un comprimé", "SA", 1)],
      [("3400930075210", "flacon(s) polyéthylène haute densité (PEHD) de 28 comprimé(s) avec fermeture de sécurité "
                        "enfant")]),
    M("68479386", "CRESTOR 10 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "1313", 0,
      [("26727", "ROSUVASTATINE CALCIQUE", "", "", "SA", 6),
       ("33207", "ROSUVASTATINE", "10 mg", "un comprimé", "FT", 6)],
      [("3400939169460", "plaquette(s) aluminium de 30 comprimé(s)")]),
    M("64713742", "ROSUVASTATINE BIOGARAN 10 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "1313", 1,
      [("18244", "ROSUVASTATINE ZINCIQUE", "", "", "SA", 1),
       ("33207", "ROSUVASTATINE", "10 mg", "un comprimé", "FT", 1)],
      [("3400930054703", "plaquette(s) polyamide aluminium PVC-Aluminium de 30 comprimé(s)")]),
    # hypertension, cœur
    M("63524315", "TRIATEC 5 mg, comprimé sécable", "comprimé sécable", "orale", "374", 0,
      [("11532", "RAMIPRIL", "5 mg", "un comprimé", "SA", 1)],
      [("3400936440579", "plaquette(s) PVC-Aluminium de 30 comprimé(s)")]),
    M("61599041", "RAMIPRIL BIOGARAN 5 mg, comprimé sécable", "comprimé sécable", "orale", "374", 1,
      [("11532", "RAMIPRIL", "5 mg", "un comprimé", "SA", 1)],
      [("3400937253765", "plaquette(s) polyamide aluminium PVC-Aluminium de 30 comprimé(s)")]),
    M("63458349", "AMLOR 5 mg, gélule", "gélule", "orale", "468", 0,
      [("39727", "AMLODIPINE", "5 mg", "une gélule", "FT", 1),
       ("93748", "BÉSILATE D'AMLODIPINE", "6,944 mg", "une gélule", "SA", 1)],
      [("3400933313586", "plaquette(s) PVC PVDC aluminium de 30 gélule(s)")]),
    M("65728601", "AMLODIPINE BIOGARAN 5 mg, gélule", "gélule", "orale", "468", 1,
      [("39727", "AMLODIPINE", "5,00 mg", "une gélule", "FT", 1),
       ("93748", "BÉSILATE D'AMLODIPINE", "", "", "SA", 1)],
      [("3400930117163", "flacon(s) polyéthylène haute densité (PEHD) de 30 gélule(s) avec fermeture de sécurité "
                        "enfant")]),
    M("63849839", "COVERSYL 5 mg, comprimé pelliculé sécable", "comprimé pelliculé sécable", "orale", "494", 0,
      [("52431", "PÉRINDOPRIL", "3,395 mg", "un comprimé", "FT", 1),
       ("69916", "PÉRINDOPRIL ARGININE", "5 mg", "un comprimé", "SA", 1)],
      [("3400936659582", "pilulier(s) polypropylène de 30 comprimé(s)")]),
    M("69197614", "COZAAR 50 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "561", 0,
      [("48528", "LOSARTAN POTASSIQUE", "50 mg", "un comprimé", "SA", 1)],
      [("3400933852429", "4 plaquette(s) PVC polyéthylène PVDC aluminium de 7 comprimé(s)")]),
    M("66659784", "LOSARTAN BIOGARAN 50 mg, comprimé pelliculé sécable", "comprimé pelliculé sécable", "orale", "561",
      1,
      [("48528", "LOSARTAN POTASSIQUE", "50,00 mg", "un comprimé", "SA", 1)],
      [("3400938966527", "plaquette(s) aluminium polyéthylène PVDC de 30 comprimé(s)")]),
    M("61804539", "CARDENSIEL 5 mg, comprimé pelliculé sécable", "comprimé pelliculé sécable", "orale", "449", 0,
      [("07436", "FUMARATE DE BISOPROLOL", "5 mg", "un comprimé", "SA", 1)],
      [("3400935297419", "plaquette(s) PVC-Aluminium de 30 comprimé(s)")]),
    M("65606743", "LASILIX 40 mg, comprimé sécable", "comprimé sécable", "orale", "56", 0,
      [("01958", "FUROSÉMIDE", "40 mg", "un comprimé", "SA", 1)],
      [("3400935281388", "plaquette(s) thermoformée(s) PVC-Aluminium de 30 comprimé(s)")]),
    M("64755969", "KARDEGIC 75 mg, poudre pour solution buvable en sachet-dose", "poudre pour solution buvable",
      "orale", None, None,
      [("00005", "ACIDE ACÉTYLSALICYLIQUE", "75 mg", "un sachet-dose de 153,45 mg", "FT", 1),
       ("03107", "DL-LYSINE (ACÉTYLSALICYLATE DE)", "135 mg", "un sachet-dose de 153,45 mg", "SA", 1)],
      [("3400934744198", "30 sachet(s)-dose(s) papier aluminium polyéthylène de 153,45 mg")]),
    M("63564053", "PLAVIX 75 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "831", 0,
      [("52920", "CLOPIDOGREL (HYDROGÉNOSULFATE DE)", "97,875 mg", "un comprimé", "SA", 11),
       ("54693", "CLOPIDOGREL BASE", "75 mg", "un comprimé", "FT", 11)],
      [("3400934794636", "50 plaquette(s) thermoformée(s) PVC PVDC aluminium de 1 comprimé(s)")]),
    M("68045849", "CLOPIDOGREL BIOGARAN 75 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "831", 1,
      [("41909", "BÉSILATE DE CLOPIDOGREL", "", "", "SA", 1),
       ("54693", "CLOPIDOGREL", "75 mg", "un comprimé", "FT", 1)],
      [("3400930224816", "plaquette(s) PVC polyéthylène PVDC aluminium de 30 comprimé(s)")]),
    M("61902218", "ELIQUIS 5 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "1713", 0,
      [("61321", "APIXABAN", "5 mg", "un comprimé", "SA", 1)],
      [("3400926784102", "plaquette(s) thermoformée(s) aluminium PVC PVDC de 60 comprimé(s)")]),
    # thyroïde
    M("68416845", "LEVOTHYROX 100 microgrammes, comprimé sécable", "comprimé sécable", "orale", "787", 0,
      [("00382", "LÉVOTHYROXINE SODIQUE", "100 microgrammes", "un comprimé", "SA", 1),
       ("68783", "LÉVOTHYROXINE", "97,28 microgrammes", "un comprimé", "FT", 1)],
      [("3400930065891", "plaquette(s) PVC aluminium de 30 comprimé(s)")]),
    # inhibiteurs de la pompe à protons
    M("64103828", "MOPRAL 20 mg, gélule gastro-résistante", "gélule gastro-résistant(e)", "orale", "14", 0,
      [("04773", "OMÉPRAZOLE", "20 mg", "une gélule", "SA", 1)],
      [("3400934081095", "1 flacon(s) polyéthylène haute densité (PEHD) de 7 gélule(s)")]),
    M("67995040", "OMEPRAZOLE BIOGARAN 20 mg, gélule gastro-résistante", "gélule gastro-résistant(e)", "orale", "14",
      1,
      [("04773", "OMÉPRAZOLE", "20 mg", "une gélule", "SA", 1)],
      [("3400930168387", "plaquette(s) PVC PVDC aluminium de 7 gélule(s)")]),
    M("64578892", "INEXIUM 20 mg, comprimé gastro-résistant", "comprimé gastro-résistant(e)", "orale", "968", 0,
      [("17407", "ÉSOMÉPRAZOLE", "20 mg", "un comprimé", "FT", 5),
       ("61112", "ÉSOMÉPRAZOLE MAGNÉSIUM TRIHYDRATÉ", "", "", "SA", 5)],
      [("3400935533203", "plaquette(s) aluminium de 7 comprimé(s) en boîte")]),
    M("69047251", "ESOMEPRAZOLE BIOGARAN 20 mg, gélule gastro-résistante", "gélule gastro-résistant(e)", "orale",
      "968", 4,
      [("17407", "ÉSOMÉPRAZOLE", "20 mg", "une gélule", "FT", 1),
       ("96973", "ÉSOMÉPRAZOLE MAGNÉSIQUE DIHYDRATÉ", "", "", "SA", 1)],
      [("3400930027288", "flacon(s) polyéthylène haute densité (PEHD) de 28 gélule(s)")]),
    # asthme
    M("64720167", "VENTOLINE 100 microgrammes/dose, suspension pour inhalation en flacon pressurisé",
      "suspension pour inhalation", "inhalée", None, None,
      [("00626", "SALBUTAMOL", "100,00 microgrammes", "une dose", "FT", 1),
       ("03559", "SULFATE DE SALBUTAMOL", "120,50  microgrammes", "une dose", "SA", 1)],
      [("3400934438738", "1 flacon(s) pressurisé(s) de 200 dose(s) aluminium avec valve doseuse avec embout buccal")]),
    M("65376705", "VENTOLINE 2,5 mg/2,5 ml, solution pour inhalation par nébuliseur en récipient unidose",
      "solution pour inhalation par nébuliseur", "inhalée", "297", 0,
      [("00626", "SALBUTAMOL", "2,50 mg", "un récipient unidose de 2,5 ml", "FT", 1),
       ("03559", "SULFATE DE SALBUTAMOL", "3,00 mg", "un récipient unidose de 2,5 ml", "SA", 1)],
      [("3400935320742", "60 récipient(s) unidose(s) polyéthylène de 2,5 ml")]),
    # corticoïdes
    M("66871876", "SOLUPRED 20 mg, comprimé effervescent", "comprimé effervescent(e)", "orale", "135", 0,
      [("02169", "PREDNISOLONE", "20 mg", "un comprimé", "FT", 2),
       ("03981", "MÉTASULFOBENZOATE SODIQUE DE PREDNISOLONE", "32,416 mg", "un comprimé", "SA", 2)],
      [("3400932014668", "1 flacon(s) en verre de 20 comprimé(s)")]),
    M("62597050", "PREDNISOLONE BIOGARAN 20 mg, comprimé effervescent sécable", "comprimé effervescent(e) sécable",
      "orale", "135", 1,
      [("02169", "PREDNISOLONE", "20 mg", "un comprimé", "FT", 1),
       ("03981", "MÉTASULFOBENZOATE SODIQUE DE PREDNISOLONE", "31,44 mg", "un comprimé", "SA", 1)],
      [("3400935740557", "1 flacon(s) en verre brun de 20 comprimé(s)")]),
    # tramadol
    M("63435884", "TOPALGIC 50 mg, gélule", "gélule", "orale", "242", 0,
      [("86571", "CHLORHYDRATE DE TRAMADOL", "50 mg", "une gélule", "SA", 1)],
      [("3400930002278", "3 plaquette(s) PVC aluminium de 10 gélule(s)")]),
    M("61644643", "TRAMADOL BIOGARAN 50 mg, gélule", "gélule", "orale", "242", 1,
      [("86571", "CHLORHYDRATE DE TRAMADOL", "50 mg", "une gélule", "SA", 1)],
      [("3400930127209", "flacon(s) polyéthylène haute densité (PEHD) avec fermeture de sécurité enfant de 30 "
                        "gélule(s)")]),
    # digestion
    M("68081368", "SPASFON, comprimé enrobé", "comprimé enrobé", "orale", None, None,
      [("03969", "PHLOROGLUCINOL HYDRATÉ", "80,000 mg", "un comprimé", "SA", 1),
       ("03970", "PHLOROGLUCINOL (TRIMÉTHYL ÉTHER DU)", "80,000 mg", "un comprimé", "SA", 2),
       ("40521", "PHLOROGLUCINOL ANHYDRE", "62,233 mg", "un comprimé", "FT", 1)],
      [("3400930986080", "plaquette(s) thermoformée(s) PVC-aluminium de 30 comprimé(s)")]),
    M("62944693", "SPASFON LYOC 80 mg, lyophilisat oral", "lyophilisat", "orale;sublinguale", "17", 0,
      [("03969", "PHLOROGLUCINOL HYDRATÉ", "80 mg", "un lyophilisat", "SA", 1),
       ("40521", "PHLOROGLUCINOL ANHYDRE", "62,25 mg", "un lyophilisat", "FT", 1)],
      [("3400931863014", "plaquette(s) thermoformée(s) PVC-aluminium de 10 lyophilisat(s)")]),
    M("63636264", "GAVISCON, suspension buvable en flacon", "suspension buvable", "orale", "375", 0,
      [("00899", "SODIUM (BICARBONATE DE)", "2,67 g", "100 ml", "SA", 3),
       ("05356", "SODIUM (ALGINATE DE)", "5 g", "100 ml", "SA", 8)],
      [("3400932285020", "1 flacon(s) en verre brun de 250 ml")]),
    M("66116589", "GAVISCON, suspension buvable en sachet", "suspension buvable", "orale", "1132", 0,
      [("00899", "SODIUM (BICARBONATE DE)", "267 mg", "un sachet-dose", "SA", 4),
       ("05356", "SODIUM (ALGINATE DE)", "500 mg", "un sachet-dose", "SA", 9)],
      [("3400933095253", "24 sachet(s) aluminium polyéthylène de 10 ml")]),
    M("69584073", "SMECTA 3 g ORANGE-VANILLE, poudre pour suspension buvable en sachet",
      "poudre buvable pour suspension", "orale", "813", 0,
      [("09414", "DIOSMECTITE", "3 g", "un sachet de 3,760 g", "SA", 1)],
      [("3400931923077", "30 sachet(s) papier kraft aluminium polyéthylène de 3,76 g")]),
    M("61651634", "IMODIUM 2 mg, gélule", "gélule", "orale", "29", 0,
      [("00001", "LOPÉRAMIDE (CHLORHYDRATE DE)", "2 mg", "une gélule", "SA", 1),
       ("76119", "LOPÉRAMIDE BASE", "1,86 mg", "une gélule", "FT", 1)],
      [("3400931886075", "plaquette(s) PVC-Aluminium de 20 gélule(s)")]),
    # allergie
    M("61833327", "AERIUS 5 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "1037", 0,
      [("65948", "DESLORATADINE", "5 mg", "un comprimé", "SA", 5)],
      [("3400935655769", "plaquette(s) thermoformée(s) PVC-Aluminium polychlortrifluoroéthylène de 15 comprimé(s)")]),
    M("61223605", "DESLORATADINE BIOGARAN 5 mg, comprimé pelliculé", "comprimé pelliculé", "orale", "1037", 1,
      [("65948", "DESLORATADINE", "5 mg", "un comprimé", "SA", 1)],
      [("3400930021149", "flacon(s) polyéthylène haute densité (PEHD) de 30 comprimé(s)")]),
    M("61665908", "CETIRIZINE BIOGARAN 10 mg, comprimé pelliculé sécable", "comprimé pelliculé sécable", "orale",
      "309", 1,
      [("60929", "DICHLORHYDRATE DE CÉTIRIZINE", "10 mg", "un comprimé", "SA", 1)],
      [("3400936486294", "plaquette(s) PVC PVDC aluminium de 15 comprimé(s)")]),
    # psychotropes
    M("66796142", "LEXOMIL 6 mg, comprimé quadrisécable", "comprimé quadrisécable", "orale", "270", 0,
      [("00907", "BROMAZÉPAM", "6 mg", "un comprimé", "SA", 1)],
      [("3400931742845", "tube(s) polypropylène de 30 comprimé(s)")]),
    M("63179285", "STILNOX 10 mg, comprimé pelliculé sécable", "comprimé pelliculé sécable", "orale", "276", 0,
      [("25975", "TARTRATE DE ZOLPIDEM", "10 mg", "un comprimé", "SA", 1)],
      [("3400933903619", "plaquette(s) PVC-Aluminium de 7 comprimé(s)")]),
    M("62969974", "ZOLPIDEM BIOGARAN 10 mg, comprimé pelliculé sécable", "comprimé pelliculé sécable", "orale", "276",
      1,
      [("25975", "TARTRATE DE ZOLPIDEM", "10 mg", "un comprimé", "SA", 1)],
      [("3400936103023", "plaquette(s) PVC polyéthylène PVDC aluminium de 14 comprimé(s)")]),
    M("60160707", "DEROXAT 20 mg, comprimé pelliculé sécable", "comprimé pelliculé sécable", "orale", "284", 0,
      [("18265", "CHLORHYDRATE DE PAROXÉTINE HÉMIHYDRATÉ", "", "", "SA", 1),
       ("51891", "PAROXÉTINE BASE", "20 mg", "un comprimé", "FT", 1)],
      [("3400933525385", "plaquette(s) PVC-Aluminium papier de 14 comprimé(s) avec fermeture de sécurité enfant")]),
    M("67219535", "SEROPLEX 10 mg, comprimé pelliculé sécable", "comprimé pelliculé sécable", "orale", "1103", 0,
      [("78924", "OXALATE D'ESCITALOPRAM", "", "", "SA", 1),
       ("89971", "ESCITALOPRAM", "10 mg", "un comprimé", "FT", 1)],
      [("3400935993748", "plaquettes transparentes PVC polyéthylène PVDC aluminium de 28 comprimé(s)")]),
    M("68770687", "ESCITALOPRAM BIOGARAN 10 mg, comprimé pelliculé sécable", "comprimé pelliculé sécable", "orale",
      "1103", 1,
      [("78924", "OXALATE D'ESCITALOPRAM", "", "", "SA", 1),
       ("89971", "ESCITALOPRAM", "10 mg", "un comprimé", "FT", 1)],
      [("3400926987206", "plaquette(s) PVC polyéthylène PVDC aluminium de 28 comprimé(s)")]),
    M("69847791", "XANAX 0,25 mg, comprimé sécable", "comprimé sécable", "orale", "271", 0,
      [("13112", "ALPRAZOLAM", "0,25 mg", "un comprimé", "SA", 1)],
      [("3400932644490", "plaquette(s) PVC-Aluminium de 30 comprimé(s)")]),
)

# The FR ePrescription IG's example codes (FRMedicationNonCompound examples; digest §5.2)
IG_CODES: tuple[ExtraCode, ...] = (
    ExtraCode(mc.UCD, "3400893766521", "EFFERALGAN 1000 mg cpr", substances=(PARACETAMOL,)),
    ExtraCode(mc.UCD, "3400893936047", "CODOLIPRANE 500/30 mg cpr", substances=(PARACETAMOL, CODEINE)),
    ExtraCode(mc.SMS, "100000090270", "paracétamol", substances=(PARACETAMOL,)),
    ExtraCode(mc.MEDICABASE, "MV00000063", "paracétamol (médicament virtuel, exemple du guide FR ePrescription)",
              substances=(PARACETAMOL,)),
)
