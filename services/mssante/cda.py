"""What the X-MSS rules need from a CDA R2 document found in an XDM (spec digest §3.4).

The header ``code`` (``@code``, ``@codeSystem``) feeds ``X-MSS-CODECDA``; whether the document holds a
*qualified* INS feeds ``X-MSS-INS``. Digest §3.4: qualified means the matricule with its OID plus the
birth name, the first first name, the birth date and the sex. Read here from
``recordTarget/patientRole``: an ``id`` whose ``@root`` is the INS-NIR OID (1.2.250.1.213.1.4.8, or the
test/demo NIR OIDs …4.10/…4.11 of digest §0.1, as the DMP stand-in accepts them) and whose ``@extension``
is 15 characters; ``patient/name/family`` with ``@qualifier`` BR (birth name); a non-empty first ``given``;
``birthTime/@value`` with at least a full date; ``administrativeGenderCode/@code`` M or F. A NIA
(…4.9) is not qualified. The XML is untrusted: parsed without DTD, entities or network, size-capped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from services.mssante.codes import Finding, MssCode
from services.mssante.xdm import XdmPackage, XmlRefused, parse_xml
from services.mssante.xdm_metadata import XdmEntry

HL7 = "urn:hl7-org:v3"
NS = {"h": HL7}
QUALIFIED_INS_OIDS = ("1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11")
INS_VALUE = re.compile(r"[0-9]{6}[0-9A-Za-z][0-9]{8}")  # 13-character matricule (2A/2B: a letter) + 2-digit key
XML_TYPES = ("text/xml", "application/xml", "application/hl7-v3+xml", "application/cda+xml")
MAX_CDA_BYTES = 20 * 1024 * 1024


class NotCda(ValueError):
    """Well-formed XML whose root is not ``{urn:hl7-org:v3}ClinicalDocument``."""


@dataclass(frozen=True)
class CdaInfo:
    code: str
    code_system: str
    ins: str | None  # the INS matricule of recordTarget, when an INS OID names it
    ins_oid: str | None
    missing: tuple[str, ...]  # the traits lacking for a qualified INS; empty when qualified

    @property
    def qualified_ins(self) -> bool:
        return not self.missing


def _text(node: etree._Element | None) -> str:
    return "".join(node.itertext()).strip() if node is not None else ""


def _ins(role: etree._Element | None) -> tuple[str | None, str | None]:
    if role is None:
        return None, None
    ids = role.findall("h:id", NS)
    for root in QUALIFIED_INS_OIDS:
        for ident in ids:
            if ident.get("root") == root:
                return (ident.get("extension") or "").strip(), root
    return None, None


def _missing(role: etree._Element | None, ins: str | None) -> tuple[str, ...]:
    missing = []
    if not ins or not INS_VALUE.fullmatch(ins):
        missing.append("INS (patientRole/id @root 1.2.250.1.213.1.4.8, @extension of 15 characters)")
    patient = role.find("h:patient", NS) if role is not None else None
    names = patient.findall("h:name", NS) if patient is not None else []
    families = [f for name in names for f in name.findall("h:family", NS)]
    if not any("BR" in (f.get("qualifier") or "").split() and _text(f) for f in families):
        missing.append("birth name (patient/name/family @qualifier BR)")
    givens = [g for name in names for g in name.findall("h:given", NS)]
    if not givens or not _text(givens[0]):
        missing.append("first given name (patient/name/given)")
    birth = patient.find("h:birthTime", NS) if patient is not None else None
    if birth is None or not re.fullmatch(r"[0-9]{8}([0-9]*)", birth.get("value") or ""):
        missing.append("birth date (patient/birthTime @value YYYYMMDD)")
    sex = patient.find("h:administrativeGenderCode", NS) if patient is not None else None
    if sex is None or sex.get("code") not in ("M", "F"):
        missing.append("sex (patient/administrativeGenderCode @code M or F)")
    return tuple(missing)


def read_cda(data: bytes, *, max_bytes: int = MAX_CDA_BYTES) -> CdaInfo:
    """The header code and INS of a CDA R2 document; XmlRefused if not safe XML, NotCda if not a CDA."""
    root = parse_xml(data, max_bytes=max_bytes)
    if root.tag != f"{{{HL7}}}ClinicalDocument":
        raise NotCda(f"its root element is {str(root.tag)[:120]}, not {{{HL7}}}ClinicalDocument")
    code = root.find("h:code", NS)
    role = root.find("h:recordTarget/h:patientRole", NS)
    ins, oid = _ins(role)
    return CdaInfo(code=(code.get("code") or "").strip() if code is not None else "",
                   code_system=(code.get("codeSystem") or "").strip() if code is not None else "",
                   ins=ins, ins_oid=oid, missing=_missing(role, ins))


def cdas_in(xdm: XdmPackage) -> tuple[list[tuple[XdmEntry, CdaInfo]], list[Finding]]:
    """The CDA R2 documents of an XDM (XML documents whose root is ClinicalDocument), and the unreadable ones."""
    found: list[tuple[XdmEntry, CdaInfo]] = []
    findings: list[Finding] = []
    for entry in xdm.entries:
        content = xdm.content(entry)
        if content is None or entry.mime_type.split(";")[0].strip().lower() not in XML_TYPES:
            continue
        try:
            found.append((entry, read_cda(content)))
        except NotCda:
            continue
        except XmlRefused as exc:
            findings.append(Finding(MssCode.XDM_BAD_CDA, entry.uri[:200], f"{entry.uri[:80]!r} is declared "
                                    f"{entry.mime_type[:40]} but {exc}: the X-MSS-CODECDA/X-MSS-INS checks cannot "
                                    "read it; send a well-formed CDA R2 without DOCTYPE."))
    return found, findings
