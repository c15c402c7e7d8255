"""The habilitation matrix profession x document class/type, as data (décret/arrêté of 26 October 2023).

Modelled on the decree as the spec digest (§4.5) summarises it: physicians see every type but the
residence attestation; pharmacists and nurses slightly less; dentists not the EHPAD personalised plans,
telemedicine requests, social/medico-social exit letters, psychological assessments or psychiatric
syntheses; social and medico-social professionals far less. The official matrix
(https://www.dmp.fr/matrice-habilitation) is not machine-readable in our sources, so every row says how
sure it is: ``S`` the digest's secondary sources state it, ``U`` our reading where they are silent.

A row is one profession (TRE_G15 code, as ``SubjectRole`` / ``codeProfession`` of the PSC token):
a document is visible when its class (TRE_A03) is in ``classes`` (``*`` = every class) or its type is
in ``types``, and its type is not in ``denied_types``. ``modes`` are the access modes (TRE_R248) the
profession may assert. The row ``*`` applies to every profession no other row names (the social and
medico-social professionals of RPPS+, whose codes the digest does not list). The whole matrix can be
replaced by a JSON file of the same shape (:func:`matrix_from_json`; docs/ms-espace-sante.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Confidence = Literal["C", "S", "U"]
ANY = "*"

# Document types the digest names (LOINC, TRE_A04 labels). The residence attestation has no code in the
# digest: ATTEST-RESID is the sandbox's own placeholder (U), replace it with the DMP's code when known.
RESIDENCE_ATTESTATION = "ATTEST-RESID"
EHPAD_PLAN = "80788-3"  # Projet personnalisé d'accompagnement (the digest's "EHPAD personalised plan": U)
TELEMEDICINE_REQUEST = "75496-0"  # Demande d'acte de télémédecine
MEDICO_SOCIAL_EXIT_LETTER = "83981-1"  # LDL de sortie médico-sociale
MEDICO_SOCIAL_ENTRY_LETTER = "88348-8"  # LDL d'entrée médico-sociale
PSYCHOLOGICAL_ASSESSMENT = "83901-9"  # Bilan psychologique
PSYCHIATRIC_SYNTHESIS = "68599-0"  # Synthèse psychiatrique
MEDICO_SOCIAL_GRID = "34842-5"  # Grille d'évaluation médico-sociale
CARE_PLAN = "18776-5"  # Plan personnalisé de soins
VACCINATION_NOTE = "87273-9"  # Note de vaccination

MENTAL_HEALTH = (PSYCHOLOGICAL_ASSESSMENT, PSYCHIATRIC_SYNTHESIS)
MEDICO_SOCIAL = (EHPAD_PLAN, MEDICO_SOCIAL_EXIT_LETTER, MEDICO_SOCIAL_ENTRY_LETTER, MEDICO_SOCIAL_GRID)
# TRE_A03 classes of care documents (without 60 remboursement, 90 patient's own, 95 gestion, 99 technique)
CARE_CLASSES = ("10", "11", "31", "42", "43", "44", "45", "52")
EMERGENCY = ("normal", "bris_de_glace")


@dataclass(frozen=True)
class Habilitation:
    """One row: what a profession may see and in which access modes."""

    profession: str  # TRE_G15 code, or "*" for every profession without a row
    label: str
    classes: frozenset[str]  # TRE_A03 codes visible, {"*"} for all
    types: frozenset[str] = frozenset()  # types visible whatever their class
    denied_types: frozenset[str] = frozenset()  # types refused even in a visible class
    modes: frozenset[str] = frozenset({"normal"})
    confidence: Confidence = "U"
    note: str = ""

    def allows(self, class_codes: frozenset[str], type_codes: frozenset[str]) -> bool:
        if type_codes & self.denied_types:
            return False
        return ANY in self.classes or bool(class_codes & self.classes) or bool(type_codes & self.types)


def row(profession: str, label: str, *, classes=(ANY,), types=(), denied=(), modes=("normal",),
        confidence: Confidence = "U", note: str = "") -> Habilitation:
    return Habilitation(profession, label, frozenset(classes), frozenset(types), frozenset(denied),
                        frozenset(modes), confidence, note)


DEFAULT_MATRIX: tuple[Habilitation, ...] = (
    row("10", "Médecin", denied=(RESIDENCE_ATTESTATION,), modes=("normal", "bris_de_glace", "centre_15"),
        confidence="S", note="Every type but the residence attestation; the only profession of centre 15 (U)."),
    row("40", "Chirurgien-dentiste", denied=(RESIDENCE_ATTESTATION, EHPAD_PLAN, TELEMEDICINE_REQUEST,
                                              MEDICO_SOCIAL_EXIT_LETTER, *MENTAL_HEALTH),
        modes=EMERGENCY, confidence="S", note="The five exclusions the digest lists (EHPAD plan code U)."),
    row("21", "Pharmacien", denied=(RESIDENCE_ATTESTATION, *MENTAL_HEALTH, *MEDICO_SOCIAL),
        modes=EMERGENCY, confidence="U", note="'Slightly more restricted' than physicians: which types is U."),
    row("60", "Infirmier", denied=(RESIDENCE_ATTESTATION, *MENTAL_HEALTH, TELEMEDICINE_REQUEST),
        modes=EMERGENCY, confidence="U", note="'Slightly more restricted' than physicians: which types is U."),
    row("50", "Sage-femme", denied=(RESIDENCE_ATTESTATION, *MENTAL_HEALTH, *MEDICO_SOCIAL),
        modes=EMERGENCY, confidence="U", note="A documented subset per the issue; its content is U."),
    row("70", "Masseur-kinésithérapeute", classes=("10", "11", "31", "42", "44", "45"),
        denied=(*MENTAL_HEALTH, *MEDICO_SOCIAL, TELEMEDICINE_REQUEST), confidence="U",
        note="Reports, syntheses, imaging, prescriptions and care plans (U)."),
    row("80", "Pédicure-podologue", classes=("10", "11", "42", "44"),
        denied=(*MENTAL_HEALTH, *MEDICO_SOCIAL, TELEMEDICINE_REQUEST), confidence="U",
        note="As the physiotherapist, without imaging and administered treatments (U)."),
    row(ANY, "Professionnel social ou médico-social (toute autre profession)", classes=(),
        types=(*MEDICO_SOCIAL, CARE_PLAN, VACCINATION_NOTE), confidence="U",
        note="'Much more restricted': medico-social documents, the care plan and vaccinations only (U)."),
)


@dataclass(frozen=True)
class Matrix:
    """The rows by profession; :meth:`for_profession` falls back on the ``*`` row."""

    rows: tuple[Habilitation, ...]

    def for_profession(self, profession: str | None) -> Habilitation | None:
        by_code = {r.profession: r for r in self.rows}
        return by_code.get(profession or "") or by_code.get(ANY)


def default_matrix() -> Matrix:
    return Matrix(DEFAULT_MATRIX)


def matrix_from_json(text: str) -> Matrix:
    """A matrix from JSON: a list of rows with the :class:`Habilitation` field names (lists for sets)."""
    data = json.loads(text)
    if not isinstance(data, list) or not data:
        raise ValueError("a habilitation matrix is a non-empty JSON list of rows")
    rows = []
    for i, item in enumerate(data):
        try:
            rows.append(row(item["profession"], item.get("label", ""), classes=item.get("classes", ()),
                            types=item.get("types", ()), denied=item.get("denied_types", ()),
                            modes=item.get("modes", ("normal",)), confidence=item.get("confidence", "U"),
                            note=item.get("note", "")))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"habilitation row {i} is not an object with a 'profession': {exc}") from None
    return Matrix(tuple(rows))


def load_matrix(path: Path | None) -> Matrix:
    """The matrix of a JSON file, or the default one when ``path`` is None."""
    return default_matrix() if path is None else matrix_from_json(Path(path).read_text(encoding="utf-8"))


def matrix_to_json(matrix: Matrix) -> str:
    """The JSON shape :func:`matrix_from_json` reads (a starting point for a replacement file)."""
    return json.dumps([{"profession": r.profession, "label": r.label, "classes": sorted(r.classes),
                        "types": sorted(r.types), "denied_types": sorted(r.denied_types), "modes": sorted(r.modes),
                        "confidence": r.confidence, "note": r.note} for r in matrix.rows],
                      ensure_ascii=False, indent=2)
