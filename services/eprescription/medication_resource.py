"""The FHIR R4 ``Medication`` of a drug reference entry (drug_reference.py), and the Bundles of its search.

A spécialité (``cis-60234100``) is coded by its CIS, its CIP13 presentations and the UCD known for it, with
its BDPM form (as text: the BDPM gives no EDQM code), its status (``active`` when marketed) and one
``ingredient`` per component of CIS_COMPO: the ANSM substance codings (the fraction thérapeutique first,
which carries the dosage, then its salt) and the dosage as text and, when it reads as a number and a unit,
as a Ratio (UCUM for mass, volume and international units; the denominator's unit, ``comprimé``, as text
only, as the FR profiles want non-coded units). A code naming no spécialité (SMS, Medicabase, an ANSM
substance, a UCD) is a Medication of its own, with its substances as ingredients.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from services.eprescription import medication_codes as mc

if TYPE_CHECKING:
    from services.eprescription.drug_reference import DrugEntry, Product
    from services.eprescription.drugs import Component

GENERIC_GROUP_EXT = "https://sandbox.esante.local/fhir/StructureDefinition/bdpm-generic-group"
GENERIC_TYPES = {0: "princeps", 1: "générique", 2: "générique par complémentarité posologique",
                 4: "générique substituable"}
UCUM_UNITS = {"mg": "mg", "g": "g", "microgrammes": "ug", "µg": "ug", "ml": "mL", "mL": "mL", "l": "L",
              "UI": "[iU]", "U.I.": "[iU]"}
_NUMBER = r"(\d[\d ]*(?:[,.]\d+)?)"
_AMOUNT = re.compile(rf"{_NUMBER}\s*(\S+)")
_PER = re.compile(rf"(?:(un|une)|{_NUMBER}\s*(ml|mL|g|l|L)\b)\s*(.*)")


def medication(item: Product | DrugEntry, base_url: str | None = None) -> dict:
    """The Medication resource of ``item`` (``base_url``, the FHIR base, goes in ``meta.source``)."""
    from services.eprescription.drug_reference import Product  # at call time: drug_reference imports us

    product = item if isinstance(item, Product) else Product(item)
    entry = product.entry
    resource: dict = {"resourceType": "Medication", "id": entry.medication_id}
    if base_url:
        resource["meta"] = {"source": base_url}
    codings = [{"system": entry.system, "code": entry.code, "display": entry.display}]
    codings += [{"system": s, "code": c, "display": d} for s, c, d in product.codes]
    resource["code"] = {"coding": codings, "text": entry.display}
    resource["status"] = "active" if product.marketed else "inactive"
    if product.form:
        resource["form"] = {"text": product.form}
    if entry.generic_groups:
        kind = GENERIC_TYPES.get(product.generic_type) if product.generic_type is not None else None
        resource["extension"] = [{"url": GENERIC_GROUP_EXT, "valueString": g + (f" ({kind})" if kind else "")}
                                 for g in entry.generic_groups]
    if product.components:
        resource["ingredient"] = _ingredients(product.components)
    elif entry.substances and entry.system != mc.SUBSTANCE:
        resource["ingredient"] = [{"itemCodeableConcept": {"coding": [{"system": mc.SUBSTANCE, "code": s}]},
                                   "isActive": True} for s in entry.substances]
    return resource


def _ingredients(components: tuple[Component, ...]) -> list[dict]:
    by_link: dict[int, list[Component]] = {}
    for c in components:
        by_link.setdefault(c.link, []).append(c)
    out = []
    for rows in by_link.values():
        rows = sorted(rows, key=lambda c: (not c.dosage, c.nature != "FT"))  # the dosed base first
        main = rows[0]
        text = " ".join(x for x in (main.name, main.dosage) if x)
        if main.reference:
            text += f" pour {main.reference}"
        ingredient: dict = {"itemCodeableConcept": {
            "coding": [{"system": mc.SUBSTANCE, "code": c.code, "display": c.name} for c in rows], "text": text},
            "isActive": True}
        ratio = strength(main.dosage, main.reference)
        if ratio is not None:
            ingredient["strength"] = ratio
        out.append(ingredient)
    return out


def strength(dosage: str, reference: str) -> dict | None:
    """``"1000 mg"`` per ``"un comprimé"`` as a FHIR Ratio; None when either does not read as an amount."""
    amount, per = _AMOUNT.fullmatch(dosage.strip()), _PER.fullmatch(reference.strip())
    if amount is None or per is None or amount.group(2) not in UCUM_UNITS:
        return None
    numerator = _quantity(amount.group(1), amount.group(2))
    if per.group(1):
        denominator = {"value": 1, "unit": per.group(4) or per.group(1)}
    else:
        denominator = _quantity(per.group(2), per.group(3))
        if per.group(4):
            denominator["unit"] = f"{per.group(3)} {per.group(4)}"
    return {"numerator": numerator, "denominator": denominator}


def _quantity(number: str, unit: str) -> dict:
    text = number.replace(" ", "").replace(",", ".")
    value: int | float = float(text) if "." in text else int(text)
    return {"value": value, "unit": unit, "system": mc.UCUM, "code": UCUM_UNITS[unit]}


def searchset(total: int, items: list[Product], *, base: str, self_url: str, next_url: str | None,
              previous_url: str | None) -> dict:
    """A searchset Bundle of Medications (``base``: the FHIR base, for each ``fullUrl``)."""
    links = [{"relation": "self", "url": self_url}]
    links += [{"relation": r, "url": u} for r, u in (("next", next_url), ("previous", previous_url)) if u]
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links}
    if items:  # FHIR JSON has no empty arrays
        bundle["entry"] = [{"fullUrl": f"{base}/Medication/{p.entry.medication_id}", "resource": medication(p, base),
                            "search": {"mode": "match"}} for p in items]
    return bundle
