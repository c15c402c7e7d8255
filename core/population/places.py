"""Hand-written place tables behind :mod:`core.population.geography` (INSEE COG, La Poste postal codes).

Facts from the INSEE Code officiel géographique: departments, a sample of real communes (with their main
postal code) spread over mainland France, Corsica and overseas, and the country codes of births abroad.
"""

from __future__ import annotations

DEPARTMENTS: dict[str, str] = {
    "01": "Ain", "02": "Aisne", "03": "Allier", "04": "Alpes-de-Haute-Provence", "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes", "07": "Ardèche", "08": "Ardennes", "09": "Ariège", "10": "Aube", "11": "Aude",
    "12": "Aveyron", "13": "Bouches-du-Rhône", "14": "Calvados", "15": "Cantal", "16": "Charente",
    "17": "Charente-Maritime", "18": "Cher", "19": "Corrèze", "2A": "Corse-du-Sud", "2B": "Haute-Corse",
    "21": "Côte-d'Or", "22": "Côtes-d'Armor", "23": "Creuse", "24": "Dordogne", "25": "Doubs", "26": "Drôme",
    "27": "Eure", "28": "Eure-et-Loir", "29": "Finistère", "30": "Gard", "31": "Haute-Garonne", "32": "Gers",
    "33": "Gironde", "34": "Hérault", "35": "Ille-et-Vilaine", "36": "Indre", "37": "Indre-et-Loire",
    "38": "Isère", "39": "Jura", "40": "Landes", "41": "Loir-et-Cher", "42": "Loire", "43": "Haute-Loire",
    "44": "Loire-Atlantique", "45": "Loiret", "46": "Lot", "47": "Lot-et-Garonne", "48": "Lozère",
    "49": "Maine-et-Loire", "50": "Manche", "51": "Marne", "52": "Haute-Marne", "53": "Mayenne",
    "54": "Meurthe-et-Moselle", "55": "Meuse", "56": "Morbihan", "57": "Moselle", "58": "Nièvre", "59": "Nord",
    "60": "Oise", "61": "Orne", "62": "Pas-de-Calais", "63": "Puy-de-Dôme", "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées", "66": "Pyrénées-Orientales", "67": "Bas-Rhin", "68": "Haut-Rhin", "69": "Rhône",
    "70": "Haute-Saône", "71": "Saône-et-Loire", "72": "Sarthe", "73": "Savoie", "74": "Haute-Savoie",
    "75": "Paris", "76": "Seine-Maritime", "77": "Seine-et-Marne", "78": "Yvelines", "79": "Deux-Sèvres",
    "80": "Somme", "81": "Tarn", "82": "Tarn-et-Garonne", "83": "Var", "84": "Vaucluse", "85": "Vendée",
    "86": "Vienne", "87": "Haute-Vienne", "88": "Vosges", "89": "Yonne", "90": "Territoire de Belfort",
    "91": "Essonne", "92": "Hauts-de-Seine", "93": "Seine-Saint-Denis", "94": "Val-de-Marne", "95": "Val-d'Oise",
    "971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion",
    "975": "Saint-Pierre-et-Miquelon", "976": "Mayotte",
}

# (COG, name, main postal code). Paris, Lyon and Marseille births are registered by arrondissement.
COMMUNE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("01053", "Bourg-en-Bresse", "01000"), ("02691", "Saint-Quentin", "02100"), ("03185", "Montluçon", "03100"),
    ("03190", "Moulins", "03000"), ("04070", "Digne-les-Bains", "04000"), ("05061", "Gap", "05000"),
    ("06088", "Nice", "06000"), ("06029", "Cannes", "06400"), ("07186", "Privas", "07000"),
    ("08105", "Charleville-Mézières", "08000"), ("09122", "Foix", "09000"), ("10387", "Troyes", "10000"),
    ("11069", "Carcassonne", "11000"), ("12202", "Rodez", "12000"), ("13001", "Aix-en-Provence", "13100"),
    ("13004", "Arles", "13200"), ("13055", "Marseille", "13001"), ("13201", "Marseille 1er Arrondissement", "13001"),
    ("13205", "Marseille 5e Arrondissement", "13005"), ("13208", "Marseille 8e Arrondissement", "13008"),
    ("14118", "Caen", "14000"), ("15014", "Aurillac", "15000"), ("16015", "Angoulême", "16000"),
    ("17300", "La Rochelle", "17000"), ("18033", "Bourges", "18000"), ("19031", "Brive-la-Gaillarde", "19100"),
    ("19272", "Tulle", "19000"), ("21231", "Dijon", "21000"), ("22278", "Saint-Brieuc", "22000"),
    ("23096", "Guéret", "23000"), ("24322", "Périgueux", "24000"), ("25056", "Besançon", "25000"),
    ("26362", "Valence", "26000"), ("27229", "Évreux", "27000"), ("28085", "Chartres", "28000"),
    ("29019", "Brest", "29200"), ("29232", "Quimper", "29000"), ("30189", "Nîmes", "30000"),
    ("31555", "Toulouse", "31000"), ("32013", "Auch", "32000"), ("33063", "Bordeaux", "33000"),
    ("34172", "Montpellier", "34000"), ("35238", "Rennes", "35000"), ("36044", "Châteauroux", "36000"),
    ("37261", "Tours", "37000"), ("38185", "Grenoble", "38000"), ("39300", "Lons-le-Saunier", "39000"),
    ("40192", "Mont-de-Marsan", "40000"), ("41018", "Blois", "41000"), ("42218", "Saint-Étienne", "42000"),
    ("43157", "Le Puy-en-Velay", "43000"), ("44109", "Nantes", "44000"), ("45234", "Orléans", "45000"),
    ("46042", "Cahors", "46000"), ("47001", "Agen", "47000"), ("48095", "Mende", "48000"),
    ("49007", "Angers", "49000"), ("50129", "Cherbourg-en-Cotentin", "50100"), ("51454", "Reims", "51100"),
    ("52121", "Chaumont", "52000"), ("53130", "Laval", "53000"), ("54395", "Nancy", "54000"),
    ("55029", "Bar-le-Duc", "55000"), ("56121", "Lorient", "56100"), ("56260", "Vannes", "56000"),
    ("57463", "Metz", "57000"), ("58194", "Nevers", "58000"), ("59350", "Lille", "59000"),
    ("59512", "Roubaix", "59100"), ("59183", "Dunkerque", "59140"), ("60057", "Beauvais", "60000"),
    ("60159", "Compiègne", "60200"), ("61001", "Alençon", "61000"), ("62041", "Arras", "62000"),
    ("62193", "Calais", "62100"), ("63113", "Clermont-Ferrand", "63000"),
    # 63220 is the COG of the CNDA test identities; the fixtures give only the code (name from the COG order).
    ("63220", "Medeyrolles", "63220"), ("64102", "Bayonne", "64100"), ("64445", "Pau", "64000"),
    ("65440", "Tarbes", "65000"), ("66136", "Perpignan", "66000"), ("67482", "Strasbourg", "67000"),
    ("68224", "Mulhouse", "68100"), ("69123", "Lyon", "69001"), ("69383", "Lyon 3e Arrondissement", "69003"),
    ("69387", "Lyon 7e Arrondissement", "69007"), ("70550", "Vesoul", "70000"), ("71270", "Mâcon", "71000"),
    ("72181", "Le Mans", "72000"), ("73065", "Chambéry", "73000"), ("74010", "Annecy", "74000"),
    ("75056", "Paris", "75001"), ("75105", "Paris 5e Arrondissement", "75005"),
    ("75112", "Paris 12e Arrondissement", "75012"), ("75114", "Paris 14e Arrondissement", "75014"),
    ("75115", "Paris 15e Arrondissement", "75015"), ("75118", "Paris 18e Arrondissement", "75018"),
    ("76351", "Le Havre", "76600"), ("76540", "Rouen", "76000"), ("77288", "Meaux", "77100"),
    ("78646", "Versailles", "78000"), ("79191", "Niort", "79000"), ("80021", "Amiens", "80000"),
    ("81004", "Albi", "81000"), ("82121", "Montauban", "82000"), ("83137", "Toulon", "83000"),
    ("84007", "Avignon", "84000"), ("85191", "La Roche-sur-Yon", "85000"), ("86194", "Poitiers", "86000"),
    ("87085", "Limoges", "87000"), ("88160", "Épinal", "88000"), ("89024", "Auxerre", "89000"),
    ("90010", "Belfort", "90000"), ("91228", "Évry-Courcouronnes", "91000"), ("92012", "Boulogne-Billancourt", "92100"),
    ("92050", "Nanterre", "92000"), ("93066", "Saint-Denis", "93200"), ("94028", "Créteil", "94000"),
    ("95127", "Cergy", "95000"),
    ("2A004", "Ajaccio", "20000"), ("2A247", "Porto-Vecchio", "20137"), ("2A041", "Bonifacio", "20169"),
    ("2B033", "Bastia", "20200"), ("2B096", "Corte", "20250"), ("2B050", "Calvi", "20260"),
    ("97101", "Les Abymes", "97139"), ("97105", "Basse-Terre", "97100"), ("97120", "Pointe-à-Pitre", "97110"),
    ("97209", "Fort-de-France", "97200"), ("97213", "Le Lamentin", "97232"), ("97302", "Cayenne", "97300"),
    ("97311", "Saint-Laurent-du-Maroni", "97320"), ("97411", "Saint-Denis", "97400"),
    ("97415", "Saint-Paul", "97460"), ("97416", "Saint-Pierre", "97410"), ("97611", "Mamoudzou", "97600"),
)

# Birth communes of the personas that the generator must not draw from (adding them to COMMUNE_ROWS would
# change the population generated for a seed): known to lookups only. 2B020 is Aregno: Corsica's commune
# numbers were given in one alphabetical sequence before the 1976 split (2B010 Algajola, 2B020 Aregno,
# 2A021 Argiusta-Moriccio, 2B025 Avapessa), so no commune of Corse-du-Sud is 2A020 and the qualification
# identity ADRTROIS DOMINIQUE, born in "2A020", has a birth place no table names.
PERSONA_COMMUNE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("2B020", "Aregno", "20220"),
)

# INSEE country codes (99 + 3 digits) of births abroad. 99100 (France) is deliberately absent.
COUNTRIES: dict[str, str] = {
    "99101": "Danemark", "99103": "Norvège", "99104": "Suède", "99105": "Finlande", "99109": "Allemagne",
    "99110": "Autriche", "99111": "Bulgarie", "99112": "Hongrie", "99114": "Roumanie", "99122": "Pologne",
    "99123": "Russie", "99126": "Grèce", "99127": "Italie", "99131": "Belgique", "99132": "Royaume-Uni",
    "99134": "Espagne", "99135": "Pays-Bas", "99136": "Irlande", "99137": "Luxembourg", "99138": "Monaco",
    "99139": "Portugal", "99140": "Suisse", "99205": "Liban", "99206": "Syrie", "99208": "Turquie",
    "99216": "Chine", "99217": "Japon", "99223": "Inde", "99243": "Viêt Nam", "99303": "Afrique du Sud",
    "99312": "Congo (Rép. dém.)", "99322": "Cameroun", "99324": "Congo", "99326": "Côte d'Ivoire",
    "99327": "Bénin", "99328": "Gabon", "99330": "Guinée", "99331": "Burkina Faso", "99333": "Madagascar",
    "99335": "Mali", "99341": "Sénégal", "99345": "Togo", "99350": "Maroc", "99351": "Tunisie",
    "99352": "Algérie", "99401": "Canada", "99404": "États-Unis", "99405": "Mexique", "99415": "Argentine",
    "99416": "Brésil", "99417": "Chili", "99419": "Colombie", "99501": "Australie",
}
