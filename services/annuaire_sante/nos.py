"""Canonical URLs and the few NOS labels the directory needs (spec digest §0.5, §0.6, §3.3, §6.2).

Code systems follow the ANS NOS pattern ``https://mos.esante.gouv.fr/NOS/<TRE>/FHIR/<TRE with '-'>``.
Labels are the public nomenclature wording of the codes the population uses; they feed the extraction
files (which carry ``Libellé ...`` columns), not the FHIR resources. Codes without a known label get an
empty one rather than an invented one.
"""

from __future__ import annotations

NOS = "https://mos.esante.gouv.fr/NOS"
FR_CORE = "https://hl7.fr/ig/fhir/core"
AS_IG = "https://interop.esante.gouv.fr/ig/fhir/annuaire"
SOURCE = "https://annuaire.sante.fr"


def tre(name: str) -> str:
    """The FHIR canonical URL of a NOS table: ``TRE_R09-CategorieProfessionnelle`` -> ``.../TRE-R09-...``."""
    return f"{NOS}/{name}/FHIR/{name.replace('_', '-')}"


def structure(base: str, name: str) -> str:
    return f"{base}/StructureDefinition/{name}"


PROFILES = {
    "Practitioner": [structure(FR_CORE, "fr-core-practitioner"), structure(AS_IG, "as-dp-practitioner")],
    "PractitionerRole": [structure(FR_CORE, "fr-core-practitioner-role"), structure(AS_IG, "as-dp-practitionerrole")],
    "Organization": [structure(FR_CORE, "fr-core-organization"), structure(AS_IG, "as-dp-organization")],
    # no FR Core profile exists for these two (IG profiles-dp/AsDpDeviceProfile.fsh, ...HealthcareService*.fsh)
    "Device": [structure(AS_IG, "as-dp-device")],
    "HealthcareService": [structure(AS_IG, "as-dp-healthcareservice-healthcare-activity")],
}
SOCIAL_EQUIPMENT_PROFILE = structure(AS_IG, "as-dp-healthcareservice-social-equipment")
EXT_DATA_TRACE = structure(AS_IG, "as-ext-data-trace")
EXT_SMARTCARD = structure(AS_IG, "as-ext-smartcard")
EXT_MAILBOX_METADATA = structure(AS_IG, "as-ext-mailbox-mss-metadata")
EXT_EMAIL_TYPE = structure(FR_CORE, "fr-core-contact-point-email-type")
EXT_ORGANIZATION_TYPES = structure(AS_IG, "as-ext-organization-types")
EXT_INSEE_CODE = structure(FR_CORE, "fr-core-address-insee-code")
EXT_AUTHORIZATION = structure(AS_IG, "as-ext-authorization")
EXT_INSTALLATION = structure(AS_IG, "as-ext-installation")
EXT_SUPPORTED_CAPACITY = structure(AS_IG, "as-ext-supported-capacity")
ADXP = "http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-"  # + houseNumber, streetNameType, streetNameBase
EXT_PHARMACY_LICENCE = structure(AS_IG, "as-ext-organization-pharmacy-licence")

IDENTIFIER_TYPE = f"{FR_CORE}/CodeSystem/fr-core-cs-v2-0203"
ORGANIZATION_TYPE = f"{FR_CORE}/CodeSystem/fr-core-cs-v2-3307"
PROFESSION = tre("TRE_G15-ProfessionSante")
CATEGORY = tre("TRE_R09-CategorieProfessionnelle")
SAVOIR_FAIRE_TYPE = tre("TRE_R04-TypeSavoirFaire")
SPECIALTY = tre("TRE_R38-SpecialiteOrdinale")
CARD_TYPE = tre("TRE_R87-TypeCarte")
MESSAGING_TYPE = tre("TRE_R256-TypeMessagerie")
MAILBOX_TYPE = tre("TRE_R257-TypeBAL")
GENRE = tre("TRE_R22-GenreActivite")
MODE = tre("TRE_R23-ModeExercice")
FUNCTION = tre("TRE_R21-Fonction")
SECTOR = tre("TRE_R02-SecteurActivite")
ESTABLISHMENT_CATEGORY = tre("TRE_R66-CategorieEtablissement")
COMMUNE = tre("TRE_R13-Commune")
APE = tre("TRE_R75-InseeNAFrev2Niveau5")  # activiteINSEE slice (codeAPEN / codeAPET)
AUTHORITY = tre("TRE_R60-AutoriteEnregistrement")  # as-ext-data-trace autorite-enregistrement (IG DR examples)
DIPLOMA = tre("TRE_R48-DiplomeEtatFrancais")
DIPLOMA_TYPE = tre("TRE_R14-TypeDiplome")
EQUIPMENT = tre("TRE_R272-EquipementMaterielLourd")  # Device.type (AS-DOC resources/device.md)
ACTIVITY = tre("TRE_R274-ActiviteSanitaireRegulee")  # HealthcareService.type[activity]
MODALITY = tre("TRE_R275-ModaliteActivite")  # HealthcareService.category (modalité)
FORM = tre("TRE_R276-FormeActivite")  # HealthcareService.characteristic (forme; AS-DOC healthcare-service.md)
# social equipment (as-healthcareservice-social-equipment): JDV_J379 / JDV_J376 draw from these smt code systems
SOCIAL_ACTIVITY = "https://smt.esante.gouv.fr/fhir/CodeSystem/tre-r401-activite-sociale-regulee"
PUBLIC = "https://smt.esante.gouv.fr/fhir/CodeSystem/tre-r403-public-activite-smsse-regulee"
ACTIVITY_TYPE = tre("TRE_R209-TypeActivite")  # characteristic (AS-DOC healthcare-service.md: 11)
ARHGOS_SYSTEM = "https://arhgos.ars.sante.fr"  # "mis à titre indicatif et pourra évoluer" (IG AsDeviceProfile)
RPPS_RANG_SYSTEM = "https://rppsrang.esante.gouv.fr"

PROFESSIONS = {
    "10": "Médecin", "21": "Pharmacien", "26": "Audioprothésiste", "40": "Chirurgien-Dentiste",
    "50": "Sage-Femme", "60": "Infirmier", "70": "Masseur-Kinésithérapeute", "80": "Pédicure-Podologue",
    "91": "Orthophoniste", "92": "Orthoptiste", "94": "Ergothérapeute",
}
CATEGORIES = {"C": "Civil", "M": "Militaire", "E": "Etudiant"}
CIVILITIES = {"M": "Monsieur", "MME": "Madame"}
EXERCISE_CIVILITIES = {"DR": "Docteur", "PR": "Professeur"}
MODES = {"L": "Libéral", "S": "Salarié", "B": "Bénévole"}
SAVOIR_FAIRE_TYPES = {"S": "Spécialité ordinale"}
SPECIALTIES = {"SM26": "Qualifié en Médecine générale", "SM54": "Médecine générale"}
SECTORS = {
    "SA01": "Etablissement public de santé", "SA07": "Cabinet individuel", "SA08": "Cabinet de groupe",
    "SA25": "Laboratoire de biologie médicale", "SA33": "Pharmacie d'officine",
}
# TRE_R48 diploma of each profession: only the two pairs the IG examples show (DP/PP19DP-Practitioner.fsh:
# médecin DE05; DP/PP16DP-Practitioner.fsh: pharmacien DE01). Other professions get no diploma rather than
# an invented code (unconfirmed).
DIPLOMAS = {"10": "DE05", "21": "DE01"}
# JDV_J103 / TRE_R35 street type codes: R (rue) is in the IG example PP19DP-Organization-EG-CH; the others
# are the usual RASS abbreviations (unconfirmed).
STREET_TYPES = {"rue": "R", "avenue": "AV", "boulevard": "BD", "place": "PL", "chemin": "CHE", "route": "RTE",
                "impasse": "IMP", "allée": "ALL", "quai": "QU", "cours": "CRS", "square": "SQ"}
STREET_TYPE_LABELS = {code: word.capitalize() for word, code in STREET_TYPES.items()}
# Who registers each profession (the extraction's "Autorité d'enregistrement", as ordre/ordre/ordre).
AUTHORITIES = {"10": "CNOM", "21": "CNOP", "40": "CNOCD", "50": "CNOSF", "60": "CNOI", "70": "CNOMK", "80": "CNOPP"}
