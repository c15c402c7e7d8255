"""MSSanté addresses: syntax, the trust space and patient addresses (spec digest §3.3, §3.7 item 2).

An address is one bare RFC 5321 mailbox (§4.1.2): ``local@domain``, the local part a dot-string of
``atext`` (kept as written: RFC 5321 §2.4 leaves its case to the receiving host), the domain ASCII labels
(lower-cased: domains are case-insensitive). Refused on purpose, because no MSSanté mailbox needs them and
each is a known way to make two components read different addresses: display names and comments
(``Dr X <x@y>``, ``x@y (z)``), quoted local parts, address literals (``x@[1.2.3.4]``), several ``@``,
non-ASCII and control characters (header injection), over-long parts (RFC 5321 §4.5.3.1: local part 64,
domain 255, the whole path 256 with its brackets, so 254 for the address). One pair of enclosing angle
brackets (an SMTP path, ``<x@y>``) is accepted.

The trust space is the domains *under* a suffix (``mssante.fr``, a setting later): ``pro.mssante.fr`` and
``patient.mssante.fr`` are in it, ``mssante.fr`` itself, ``mssante.fr.evil.com`` and ``evil-mssante.fr``
are not (digest §3.3: all examples end with ``.mssante.fr``). A patient address is
``<15-character INS>@patient.mssante.fr`` (digest §3.3, §3.6): the 13-character matricule (digits, ``2A``
or ``2B`` for Corsica) and its 2-digit key, checked with :func:`core.identifiers.nir_problem`. Whether
it names a NIR or a NIA cannot be told from the digits (digest §0.1): the directory decides.

Mailbox types (digest §3.3, JDV_J139-TypeBAL-RASS) come from the directory, except ``PATIENT``, which
the domain alone gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from core.identifiers import nir_problem
from services.mssante.codes import Finding, MssCode

TRUST_SUFFIX = "mssante.fr"
PATIENT_DOMAIN = "patient.mssante.fr"
MAX_LOCAL = 64
MAX_DOMAIN = 255
MAX_ADDRESS = 254

ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
DOT_STRING = re.compile(rf"{ATOM}(?:\.{ATOM})*")
LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
INS_LOCAL = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AaBb])[0-9]{8}")  # 13-char matricule + 2-digit key


class MailboxKind(StrEnum):
    """BAL types of digest §3.3 (``PER``, ``ORG``, ``APP``, ``CAB``) plus the Mon espace santé patient box."""

    PER = "PER"
    ORG = "ORG"
    APP = "APP"
    CAB = "CAB"
    PATIENT = "PATIENT"

    @property
    def is_professional(self) -> bool:
        return self is not MailboxKind.PATIENT


@dataclass(frozen=True)
class MssAddress:
    """A parsed address: ``local`` as written, ``domain`` lower-cased."""

    local: str
    domain: str

    def __str__(self) -> str:
        return f"{self.local}@{self.domain}"


class AddressError(ValueError):
    """An address refused by :func:`parse_address`; ``finding`` carries the MSS-01xx code and the fix."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def _show(value: str) -> str:
    return "".join(c if c.isprintable() and c.isascii() else "?" for c in value[:80])


def _refuse(code: MssCode, address: str, why: str) -> AddressError:
    return AddressError(Finding(code, _show(address), f"The address {_show(address)!r} is refused: {why}."))


def domain_problem(domain: str) -> str | None:
    """Why ``domain`` is not an RFC 5321 domain name (ASCII labels of letters, digits, hyphens), or None."""
    if not domain:
        return "the domain is empty"
    if len(domain) > MAX_DOMAIN:
        return f"the domain is over {MAX_DOMAIN} characters"
    labels = domain.split(".")
    if len(labels) < 2 or not all(LABEL.fullmatch(label) for label in labels):
        return ("the domain must be dot-separated labels of letters, digits and inner hyphens (1-63 "
                "characters each), such as pro.mssante.fr")
    return None


def parse_address(text: str) -> MssAddress:
    """One bare mailbox ``local@domain`` (or ``<local@domain>``), normalised; :class:`AddressError` if refused."""
    if not isinstance(text, str):
        raise _refuse(MssCode.ADDRESS_MALFORMED, repr(text), "it is not a string")
    if any(ord(c) < 32 or ord(c) == 127 or 0x80 <= ord(c) < 0xA0 for c in text):
        raise _refuse(MssCode.ADDRESS_CONTROL_CHARACTER, text, "it holds a control character (CR, LF, NUL, "
                      "tab…): send the bare address alone")
    value = text.strip(" ")
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    if len(value) > MAX_ADDRESS:
        raise _refuse(MssCode.ADDRESS_TOO_LONG, text, f"it is {len(value)} characters, over the {MAX_ADDRESS} "
                      "of RFC 5321 §4.5.3.1")
    if not value.isascii():
        raise _refuse(MssCode.ADDRESS_MALFORMED, text, "it holds non-ASCII characters (MSSanté addresses are "
                      "ASCII; write an internationalised domain in its xn-- form)")
    if value.count("@") != 1:
        raise _refuse(MssCode.ADDRESS_MALFORMED, text, "it must hold exactly one @ (no display name, comment "
                      "or quoted local part)")
    local, domain = value.split("@")
    if len(local) > MAX_LOCAL:
        raise _refuse(MssCode.ADDRESS_TOO_LONG, text, f"its local part is {len(local)} characters, over the "
                      f"{MAX_LOCAL} of RFC 5321 §4.5.3.1")
    if not DOT_STRING.fullmatch(local):
        raise _refuse(MssCode.ADDRESS_MALFORMED, text, "its local part must be dot-separated atoms (letters, "
                      "digits and !#$%&'*+/=?^_`{|}~-), with no space, quote, bracket or empty segment")
    if len(domain) > MAX_DOMAIN:
        raise _refuse(MssCode.ADDRESS_TOO_LONG, text, f"its domain is over {MAX_DOMAIN} characters")
    why = domain_problem(domain)
    if why:
        raise _refuse(MssCode.ADDRESS_MALFORMED, text, why)
    return MssAddress(local=local, domain=domain.lower())


def address_problem(text: str) -> Finding | None:
    """The finding :func:`parse_address` would raise for ``text``, or None when it is a valid address."""
    try:
        parse_address(text)
    except AddressError as exc:
        return exc.finding
    return None


def normalise(text: str) -> str:
    """``text`` as one canonical address string (domain lower-cased); :class:`AddressError` if refused."""
    return str(parse_address(text))


def _suffix(suffix: str) -> str:
    return suffix.strip().strip(".").lower()


def is_trust_space(domain: str, *, suffix: str = TRUST_SUFFIX) -> bool:
    """True when ``domain`` is a valid domain strictly under ``suffix`` (``x.mssante.fr``, case-insensitive)."""
    if not isinstance(domain, str) or not domain.isascii() or domain_problem(domain):
        return False
    tail = _suffix(suffix)
    return bool(tail) and domain.lower().endswith("." + tail)


def patient_domain(suffix: str = TRUST_SUFFIX) -> str:
    """The Mon espace santé domain of a trust space: ``patient.<suffix>``."""
    return f"patient.{_suffix(suffix)}"


def is_patient_domain(domain: str, *, suffix: str = TRUST_SUFFIX) -> bool:
    return isinstance(domain, str) and domain.lower() == patient_domain(suffix)


def patient_ins(address: str | MssAddress, *, suffix: str = TRUST_SUFFIX) -> str | None:
    """The INS of a valid patient address (upper-cased: ``2A``/``2B``), else None (not one, or invalid)."""
    try:
        parsed = address if isinstance(address, MssAddress) else parse_address(address)
    except AddressError:
        return None
    if not is_patient_domain(parsed.domain, suffix=suffix) or _ins_problem(parsed.local):
        return None
    return parsed.local.upper()


def _ins_problem(local: str) -> str | None:
    if not INS_LOCAL.fullmatch(local):
        return ("the local part of a patient address is the 15-character INS: the 13-character matricule "
                "(digits, 2A or 2B for Corsica at positions 6-7) followed by its 2-digit key")
    return nir_problem(local[:13].upper(), local[13:])


def address_findings(text: str, *, suffix: str = TRUST_SUFFIX) -> list[Finding]:
    """Every rule ``text`` breaks as a trust-space address: syntax, then the domain, then the patient INS."""
    try:
        parsed = parse_address(text)
    except AddressError as exc:
        return [exc.finding]
    shown = _show(str(parsed))
    if not is_trust_space(parsed.domain, suffix=suffix):
        return [Finding(MssCode.ADDRESS_OUTSIDE_TRUST_SPACE, shown, f"{shown!r} is outside the MSSanté trust "
                        f"space: only domains under .{_suffix(suffix)} send and receive.")]
    if is_patient_domain(parsed.domain, suffix=suffix):
        why = _ins_problem(parsed.local)
        if why:
            return [Finding(MssCode.PATIENT_ADDRESS_INVALID, shown, f"{shown!r} is not a patient address: {why}.")]
    return []


def mailbox_kind(address: str | MssAddress, *, directory_kind: MailboxKind | str | None = None,
                 suffix: str = TRUST_SUFFIX) -> MailboxKind | None:
    """``PATIENT`` for a patient address; otherwise the directory's type (``PER``/``ORG``/``APP``/``CAB``) or None."""
    domain = address.domain if isinstance(address, MssAddress) else str(address).rpartition("@")[2].rstrip(">")
    if is_patient_domain(domain, suffix=suffix):
        return MailboxKind.PATIENT
    if directory_kind is None:
        return None
    kind = MailboxKind(str(directory_kind).upper())
    if kind is MailboxKind.PATIENT:
        raise ValueError("only a patient-domain address is a PATIENT mailbox")
    return kind
