"""The rows of the drug reference's tables (drug_reference.py): from the built-in set and from the BDPM files.

Names are compared on :func:`name_key` (lower case, no accents), computed here once per code. Built-in rows
carry ``source='builtin'``, the BDPM's ``'bdpm'``; :data:`BUILTIN_VERSION` changes whenever drugs.py does, so
that a data directory reloads a changed built-in set.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from services.eprescription import drugs
from services.eprescription import medication_codes as mc
from services.eprescription.bdpm import BdpmFiles

BUILTIN, BDPM = "builtin", "bdpm"


def _unaccented(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# the Latin letters of the files, folded by one str.translate (NFKD per character costs 5x more on a full load)
_FOLD = str.maketrans({chr(i): _unaccented(chr(i)) for i in range(0xC0, 0x250)} | {"œ": "oe", "æ": "ae", "’": "'"})


def name_key(text_: str) -> str:
    """What names are compared on: lower case, no accents (``Éfferalgan`` matches ``EFFERALGAN``)."""
    folded = text_.casefold().translate(_FOLD)
    if not folded.isascii():
        folded = _unaccented(folded)
    return " ".join(folded.split())


def _builtin_version() -> str:
    facts = json.dumps([repr(drugs.MEDICINES), repr(drugs.IG_CODES)], ensure_ascii=False)
    return hashlib.sha256(facts.encode()).hexdigest()[:16]


BUILTIN_VERSION = _builtin_version()  # built-ins are reloaded when drugs.py changes


def code_row(system: str, code: str, display: str, *, cis: str | None, source: str,
             substances: Iterable[str] = ()) -> dict:
    standalone = cis is None or system == mc.CIS  # a Medication of its own: the only rows searched by name
    return {"system": system, "code": code, "cis": cis, "display": display,
            "name_key": name_key(display) if standalone else "", "substances": " ".join(substances),
            "standalone": standalone, "source": source}


def builtin_rows() -> tuple[list[dict], list[dict], list[dict]]:
    """The rows of the built-in set (drugs.py): products, codes, components."""
    products, codes, components = [], [], []
    substances: dict[str, str] = {}
    for m in drugs.MEDICINES:
        products.append({"cis": m.cis, "name": m.name, "form": m.form, "routes": ";".join(m.routes),
                         "status": "Autorisation active", "marketed": True, "generic_group": m.generic_group,
                         "generic_type": m.generic_type, "source": BUILTIN})
        codes.append(code_row(mc.CIS, m.cis, m.name, cis=m.cis, source=BUILTIN))
        for cip13, label in m.presentations:
            codes.append(code_row(mc.CIP, cip13, f"{m.name} - {label}", cis=m.cis, source=BUILTIN))
        for seq, comp in enumerate(m.components, 1):
            components.append({"cis": m.cis, "seq": seq, "substance": comp.code, "name": comp.name,
                               "dosage": comp.dosage, "reference": comp.reference, "nature": comp.nature,
                               "link": comp.link})
            substances.setdefault(comp.code, comp.name)
    for code, name in substances.items():
        codes.append(code_row(mc.SUBSTANCE, code, name, cis=None, source=BUILTIN, substances=(code,)))
    for extra in drugs.IG_CODES:
        codes.append(code_row(extra.system, extra.code, extra.display, cis=extra.cis, source=BUILTIN,
                              substances=extra.substances))
    return products, codes, components


@dataclass
class BdpmRows:
    files: BdpmFiles
    products: list[dict]
    codes: list[dict]
    components: list[dict]
    orphans: int  # presentation and composition lines of a CIS that CIS_bdpm.txt does not hold

    def counts(self) -> dict[str, int]:
        """What the load holds, by kind, then what it skipped (``orphan_lines``: CIP or COMPO lines of a CIS
        that CIS_bdpm.txt does not hold; ``bad_lines``: lines that did not parse)."""
        systems = [r["system"] for r in self.codes]
        return {"medicines": len(self.products), "presentations": systems.count(mc.CIP),
                "components": len(self.components), "substances": systems.count(mc.SUBSTANCE),
                "generic_groups": len({g for r in self.products for g in (r["generic_group"] or "").split()}),
                "orphan_lines": self.orphans, "bad_lines": self.files.bad_count}


def bdpm_rows(files: BdpmFiles) -> BdpmRows:
    """The rows of the BDPM files, streamed: products, codes (CIS, CIP13, ANSM substances), components."""
    products: dict[str, dict] = {}
    codes: list[dict] = []
    for s in files.specialities():
        if s.cis in products:
            continue  # a repeated CIS keeps its first line
        products[s.cis] = {"cis": s.cis, "name": s.name, "form": s.form, "routes": ";".join(s.routes),
                           "status": s.status, "marketed": s.marketed, "generic_group": None, "generic_type": None,
                           "source": BDPM}
        codes.append(code_row(mc.CIS, s.cis, s.name, cis=s.cis, source=BDPM))
    orphans = 0
    seen: set[str] = set()
    for p in files.presentations():
        if p.cis not in products or p.cip13 in seen:
            orphans += p.cis not in products
            continue
        seen.add(p.cip13)
        codes.append(code_row(mc.CIP, p.cip13, f"{products[p.cis]['name']} - {p.label}", cis=p.cis, source=BDPM))
    components: list[dict] = []
    seq: dict[str, int] = {}
    substances: dict[str, str] = {}
    for c in files.compositions():
        if c.cis not in products:
            orphans += 1
            continue
        seq[c.cis] = seq.get(c.cis, 0) + 1
        components.append({"cis": c.cis, "seq": seq[c.cis], "substance": c.substance, "name": c.name,
                           "dosage": c.dosage, "reference": c.reference, "nature": c.nature, "link": c.link})
        substances.setdefault(c.substance, c.name)
    codes += [code_row(mc.SUBSTANCE, code, name, cis=None, source=BDPM, substances=(code,))
              for code, name in substances.items()]
    for g in files.generics():
        row = products.get(g.cis)
        if row is None:
            continue  # CIS_GENER keeps the spécialités withdrawn since: not an error
        row["generic_group"] = f"{row['generic_group']} {g.group}" if row["generic_group"] else g.group
        if row["generic_type"] is None:
            row["generic_type"] = g.type
    return BdpmRows(files, list(products.values()), codes, components, orphans)
