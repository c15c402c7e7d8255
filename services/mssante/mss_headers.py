"""The X-MSS-* header rules and the masking rule of spec digest §3.4, as one pure function.

- ``X-MSS-NIL`` (the product reference issued on convergence.esante.gouv.fr) on every message;
- with CDA attached in the XDM: ``X-MSS-CODECDA`` lists the header ``code`` of each CDA (comma-separated,
  compared as a set, order-insensitive) and ``X-MSS-INS`` is ``O`` iff a CDA holds a qualified INS, else
  ``N`` (:mod:`services.mssante.cda`); without CDA both are absent;
- ``X-MSS-MES`` is only ``FIN`` and only towards patient addresses (``@patient.mssante.fr``);
- an XDM message's subject starts with ``XDM/1.0/DDM+``;
- a document whose XDS confidentialityCode holds ``MASQUE_PS`` is not mailed to a professional
  (CI-SIS volet "transmission d'un document CDA-R2", ``standards.md``; TRE_A07, digest §4.4).

The real space accepts the mail whatever these say: each breach is a warning :class:`Finding` (MSS-03xx,
plus MSS-0230 for an XML document that cannot be read as CDA), naming the header or document and the fix.
Header names are case-insensitive; values may be RFC 2047 encoded words.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.errors import HeaderParseError
from email.header import decode_header, make_header

from services.mssante.cda import cdas_in
from services.mssante.codes import Finding, MssCode
from services.mssante.xdm import XdmPackage

PATIENT_DOMAIN = "patient.mssante.fr"
SUBJECT_PREFIX = "XDM/1.0/DDM+"


def is_patient_address(address: str) -> bool:
    return address.strip().strip("<>").rpartition("@")[2].casefold() == PATIENT_DOMAIN


def _decoded(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return value


def _show(value: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in value[:120])


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in headers.items():
        found.setdefault(str(name).strip().lower(), _decoded(str(value)).strip())
    return found


def check_headers(headers: Mapping[str, str], xdm: XdmPackage | None, *, to_patient: bool,
                  recipients_are_professionals: bool | None = None) -> list[Finding]:
    """The X-MSS findings of one message. ``to_patient``: a recipient is a patient address;
    ``recipients_are_professionals``: a recipient is a professional (default: ``not to_patient``)."""
    if recipients_are_professionals is None:
        recipients_are_professionals = not to_patient
    h = _headers(headers)
    findings: list[Finding] = []
    if not h.get("x-mss-nil"):
        findings.append(Finding(MssCode.NIL_MISSING, "X-MSS-NIL", "Every MSSanté message carries X-MSS-NIL, the "
                                "product reference number issued on convergence.esante.gouv.fr: add it."))
    cdas, unreadable = cdas_in(xdm) if xdm is not None else ([], [])
    findings.extend(unreadable)
    if cdas:
        findings.extend(_with_cda(h, [info.code for _, info in cdas], any(i.qualified_ins for _, i in cdas),
                                  [info.missing for _, info in cdas]))
    else:
        for name, code in (("x-mss-codecda", MssCode.CODECDA_WITHOUT_CDA), ("x-mss-ins", MssCode.INS_WITHOUT_CDA)):
            if name in h:
                label = name.upper()
                findings.append(Finding(code, label, f"{label} is set but no CDA document is attached in an "
                                        "IHE_XDM.ZIP: remove it (it is only sent with CDA)."))
    if "x-mss-mes" in h:
        if h["x-mss-mes"] != "FIN":
            findings.append(Finding(MssCode.MES_BAD_VALUE, "X-MSS-MES", f"X-MSS-MES is {_show(h['x-mss-mes'])!r}: "
                                    "its only value is FIN (the patient may not reply); fix or remove it."))
        if not to_patient:
            findings.append(Finding(MssCode.MES_NOT_TO_PATIENT, "X-MSS-MES", "X-MSS-MES is only for messages to "
                                    f"patient addresses (@{PATIENT_DOMAIN}): remove it from this message."))
    if xdm is not None and not h.get("subject", "").startswith(SUBJECT_PREFIX):
        findings.append(Finding(MssCode.SUBJECT_PREFIX_MISSING, "Subject", f"A message carrying an IHE XDM has a "
                                f"subject starting with {SUBJECT_PREFIX}: found {_show(h.get('subject', ''))!r}."))
    if xdm is not None and recipients_are_professionals:
        for entry in xdm.entries:
            if entry.masked_to_professionals:
                findings.append(Finding(MssCode.MASKED_TO_PROFESSIONAL, entry.uri[:200] or entry.id[:200],
                                        f"{_show(entry.uri or entry.id)!r} is masked to professionals (MASQUE_PS) "
                                        "but a recipient is a professional: do not mail it to professionals."))
    return findings


def _with_cda(h: dict[str, str], codes: list[str], qualified: bool, missing: list[tuple[str, ...]]
              ) -> list[Finding]:
    findings: list[Finding] = []
    expected = ",".join(sorted(set(codes)))
    if "x-mss-codecda" not in h:
        findings.append(Finding(MssCode.CODECDA_MISSING, "X-MSS-CODECDA", "A CDA is attached: add X-MSS-CODECDA "
                                f"with the header code of each CDA, e.g. X-MSS-CODECDA: {_show(expected)}."))
    else:
        given = {code.strip() for code in h["x-mss-codecda"].split(",") if code.strip()}
        if given != set(codes):
            findings.append(Finding(MssCode.CODECDA_MISMATCH, "X-MSS-CODECDA", f"X-MSS-CODECDA is "
                                    f"{_show(h['x-mss-codecda'])!r} but the attached CDAs have the codes "
                                    f"{_show(expected)!r}: list exactly those (comma-separated)."))
    want = "O" if qualified else "N"
    value = h.get("x-mss-ins")
    if value is None:
        findings.append(Finding(MssCode.INS_MISSING, "X-MSS-INS", f"A CDA is attached: add X-MSS-INS: {want} "
                                f"({'a' if qualified else 'no'} qualified INS in the XDM)."))
    elif value not in ("O", "N"):
        findings.append(Finding(MssCode.INS_BAD_VALUE, "X-MSS-INS", f"X-MSS-INS is {_show(value)!r}: it is O "
                                f"(qualified INS in the XDM) or N; here it should be {want}."))
    elif value != want:
        why = ("a CDA holds a qualified INS" if qualified else
               "no CDA holds a qualified INS (lacking: " + "; ".join(sorted({m for ms in missing for m in ms})) + ")")
        findings.append(Finding(MssCode.INS_MISMATCH, "X-MSS-INS", f"X-MSS-INS is {value} but {why}: send "
                                f"X-MSS-INS: {want}."))
    return findings
