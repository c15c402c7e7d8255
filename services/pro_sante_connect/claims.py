"""PSC userinfo claims (scope ``scope_all``) built from the Annuaire Santé record (spec digest §2.4).

The shape is the one of the real sandbox's userinfo (``conformance/psc/userinfo-example.json`` and the
fuller public samples of the same accounts): every claim present, ``""`` where the directory has no value,
one ``exercice`` per Practitioner and one ``activity`` per open situation, in the Annuaire's order. The
activity fields mirror the ``PS_LibreAcces_Personne_activite`` columns and are filled as the Annuaire's
own extraction fills them, so a userinfo and an extraction line of the same person agree. ``sub`` is
the caller's (the issuer owns subjects).

Mappings (C = seen in the real samples, U = our choice where no source says):
- ``SubjectNameID``, ``preferred_username``: idNat_PS identifier (C); ``otherIds``: that id, origin RPPS (C).
- ``given_name``/``family_name``: Practitioner.name given/family (C); ``codeCivilite``: name.prefix (C);
  ``codeCiviliteDexercice``: name.suffix (DR, PR) (C for KIT DOC; ROBERT's real sample shows "M", U).
- ``SubjectRole``: ``<TRE_G15 profession>^1.2.250.1.213.1.1.5.5`` per exercice (C).
- ``codeCategorieProfessionnelle`` TRE_R09, ``codeTypeSavoirFaire`` TRE_R04, ``codeSavoirFaire`` TRE_R38 (C).
- Activity: mode TRE_R23, genre TRE_R22, role TRE_R21 from the PractitionerRole codes (C); sector TRE_R02,
  SIRET/SIREN/FINESS EG, raison sociale, enseigne (alias), phone from its Organization; FINESS EJ from
  the ``partOf`` legal entity (C for the field names). ``identifiantTechniqueDeLaStructure``: the
  Organization id, ``ancienIdentifiantDeLaStructure``: its idNat_Struct (U: the real values look like
  ``R81311``/``F0B0193488`` and ``10B0193488``; the extraction makes the same choice).
- Address parts: parsed from the structure's address line (number, street type, street), postal code,
  INSEE commune code and department; ``bureauCedex`` = "<postal code> <CITY>" (U, as the extraction).
- ``numeroSirenSite``: the SIREN identifier, else the first 9 digits of the SIRET (U: the extraction
  leaves it empty when only the SIRET is published).
- ``codeSectionPharmacien``, ``complement*``, ``telephone2``, ``telecopie``, ``adresseEMail``,
  ``codePays``: "" (the Annuaire's FHIR API does not publish them) (U).
- ``autoriteDenregistrement``: the profession's order, three times (CNOM/CNOM/CNOM), else ARS (U).
- ``SubjectOrganization``/``SubjectOrganizationID``/``Secteur_Activite``/``codeGenreActivite``: the first
  open activity's raison sociale, technical id, ``SAxx^1.2.250.1.71.4.2.4`` and genre (C); "" without one (U).
- ``Palier_Authentification``: ``APPPRIP3^1.2.250.1.213.1.5.1.1.1`` (PGSSI-S palier 3, JDV_J21) for both the
  CPS card and e-CPS (C for CARD; U for MOBILE); ``authMode``: the login method (C for CARD).
- ``PSI_Locale`` ``1.2.250.1.213.1.3.1.1``, ``UITVersion`` ``1.0``, ``Acces_Regulation_Medicale`` ``FAUX``,
  ``Mode_Acces_Raison`` "", ``email_verified`` false: constants of every real sample (C).
"""

from __future__ import annotations

from typing import Literal

from core.population.geography import department_of
from services.pro_sante_connect.directory import Activity, DirectoryProfessional

SUBJECT_ROLE_OID = "1.2.250.1.213.1.1.5.5"  # JDV_J65-SubjectRole-DMP
SECTOR_OID = "1.2.250.1.71.4.2.4"  # TRE_R02-SecteurActivite
PALIER_OID = "1.2.250.1.213.1.5.1.1.1"  # TRE_R231-PalierAuthentification
PSI_LOCALE = "1.2.250.1.213.1.3.1.1"
PALIERS = {"CARD": "APPPRIP3", "MOBILE": "APPPRIP3"}  # both are strong (two-factor) authentications
INSEE_CODE_URL = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code"
AUTHORITIES = {"10": "CNOM", "21": "CNOP", "40": "CNOCD", "50": "CNOSF", "60": "CNOI", "70": "CNOMK", "80": "CNOPP"}
STREET_TYPES = {"rue": "R", "avenue": "AV", "boulevard": "BD", "place": "PL", "chemin": "CHE", "route": "RTE",
                "impasse": "IMP", "allée": "ALL", "quai": "QU", "cours": "CRS", "square": "SQ"}
REPETITIONS = {"bis": "B", "ter": "T", "quater": "Q"}

AuthMethod = Literal["CARD", "MOBILE"]


def userinfo_claims(pro: DirectoryProfessional, auth_method: AuthMethod = "CARD") -> dict:
    """The userinfo of ``pro`` after a login by CPS card (``CARD``) or e-CPS (``MOBILE``); no ``sub``."""
    if auth_method not in PALIERS:
        raise ValueError(f"auth_method must be CARD or MOBILE, not {auth_method!r}")
    activities = [activity(pro, a) for a in pro.open_activities]
    main = activities[0] if activities else {}
    sector = main.get("codeSecteurDactivite", "")
    return {
        "Secteur_Activite": f"{sector}^{SECTOR_OID}" if sector else "",
        "codeGenreActivite": main.get("codeGenreActivite", ""),
        "email_verified": False,
        "SubjectOrganization": main.get("raisonSocialeSite", ""),
        "Mode_Acces_Raison": "",
        "preferred_username": pro.id_nat_ps,
        "codeCivilite": pro.civility,
        "given_name": pro.given,
        "Acces_Regulation_Medicale": "FAUX",
        "UITVersion": "1.0",
        "authMode": auth_method,
        "Palier_Authentification": f"{PALIERS[auth_method]}^{PALIER_OID}",
        "SubjectRefPro": {"codeCivilite": pro.civility, "exercices": [exercice(pro, activities)]},
        "SubjectOrganizationID": main.get("identifiantTechniqueDeLaStructure", ""),
        "SubjectRole": [f"{pro.profession}^{SUBJECT_ROLE_OID}"] if pro.profession else [],
        "PSI_Locale": PSI_LOCALE,
        "otherIds": [{"identifiant": pro.id_nat_ps, "origine": "RPPS", "qualite": 1}],
        "SubjectNameID": pro.id_nat_ps,
        "family_name": pro.family,
    }


def exercice(pro: DirectoryProfessional, activities: list[dict]) -> dict:
    """The exercice professionnel: one per Practitioner of the Annuaire (one profession each)."""
    return {
        "codeProfession": pro.profession,
        "codeCategorieProfessionnelle": pro.category,
        "codeCiviliteDexercice": pro.exercise_civility,
        "nomDexercice": pro.family,
        "prenomDexercice": pro.given,
        "codeTypeSavoirFaire": pro.specialty_type,
        "codeSavoirFaire": pro.specialty,
        "activities": activities,
    }


def activity(pro: DirectoryProfessional, situation: Activity) -> dict:
    """One situation d'exercice with its structure, as a ``PS_LibreAcces_Personne_activite`` line."""
    site = situation.structure
    org = site.resource if site else {}
    phone = next((t.get("value", "") for t in org.get("telecom", []) if t.get("system") == "phone"), "")
    return {
        "codeModeExercice": situation.mode,
        "codeSecteurDactivite": site.sector if site else "",
        "codeSectionPharmacien": "",
        "codeRole": situation.role,
        "codeGenreActivite": situation.genre,
        "numeroSiretSite": site.siret if site else "",
        "numeroSirenSite": (site.siren or site.siret[:9]) if site else "",  # a SIRET starts with its SIREN
        "numeroFinessSite": site.finess if site else "",
        "numeroFinessetablissementJuridique": site.finess_ej if site else "",
        "identifiantTechniqueDeLaStructure": site.id if site else "",
        "raisonSocialeSite": site.name if site else "",
        "enseigneCommercialeSite": site.alias if site else "",
        **address_parts(org),
        "telephone": phone,
        "telephone2": "",
        "telecopie": "",
        "adresseEMail": "",
        "ancienIdentifiantDeLaStructure": site.id_nat_struct if site else "",
        "autoriteDenregistrement": "/".join([AUTHORITIES.get(pro.profession, "ARS")] * 3),
    }


def address_parts(org: dict) -> dict[str, str]:
    """The RPPS address columns of a structure's first address ("12 boulevard des Volcans", 63000...)."""
    address = (org.get("address") or [{}])[0]
    words = ((address.get("line") or [""])[0]).split()
    number = words.pop(0) if words and words[0].isdigit() else ""
    repetition = REPETITIONS.get(words[0].lower(), "") if number and words else ""
    if repetition:
        words.pop(0)
    street_type = STREET_TYPES.get(words[0].lower(), "") if words else ""
    if street_type:
        words.pop(0)
    postal, city = address.get("postalCode", ""), address.get("city", "")
    insee = next((e.get("valueCoding", {}).get("code", "") for e in address.get("extension", [])
                  if e.get("url") == INSEE_CODE_URL), "")
    return {
        "complementDestinataire": "",
        "complementPointGeographique": "",
        "numeroVoie": number,
        "indiceRepetitionVoie": repetition,
        "codeTypeDeVoie": street_type,
        "libelleVoie": " ".join(words).upper(),
        "mentionDistribution": "",
        "bureauCedex": f"{postal} {city.upper()}".strip(),
        "codePostal": postal,
        "codeCommune": insee,
        "codePays": "",
        "codeDepartement": department_of(insee) if insee else postal[:2],
    }
