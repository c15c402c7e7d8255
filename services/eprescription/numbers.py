"""The prescription number (digest §5.1: unique, held by the QR code, typeable when the code is unreadable).

The national format is not public, so the sandbox's is documented (docs/eprescription.md "The prescription
number"): 16 characters of a 31-symbol alphabet, the digits and the capitals without I, L, O, U (as in
Crockford's base 32: nothing to confuse with 1, 0 and V when typing from paper) and without Z (2), 15 random
(74 bits) and a check character such that the sum of each character's value times its position (1 to 16)
is a multiple of 31. 31 being prime, every single wrong character and every swap of two characters (less
than 31 apart) changes that sum: a mistyped number is always detected. It is shown in groups of four
(``7KQ2-M9XW-4TCB-H3RC``); dashes, spaces and lower case are accepted on input.
"""

from __future__ import annotations

import secrets

from core.errors import SandboxError
from services.eprescription.codes import EprCode

SYSTEM = "https://sandbox.esante.local/fhir/NamingSystem/eprescription-number"  # groupIdentifier.system
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXY"  # 31 symbols, their values 0-30
MODULUS = len(ALPHABET)  # 31, a prime
BODY_LENGTH = 15
LENGTH = BODY_LENGTH + 1
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_INVERSE = pow(LENGTH, -1, MODULUS)  # of the check character's weight


def _weighted(chars: str) -> int:
    return sum(position * _VALUE[c] for position, c in enumerate(chars, start=1)) % MODULUS


def check_character(body: str) -> str:
    """The check character that makes ``body`` + it a valid number (weighted sum = 0 modulo 31)."""
    return ALPHABET[(-_weighted(body) * _INVERSE) % MODULUS]


def new_number() -> str:
    """A fresh number, canonical form (16 characters, no dashes)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def display(number: str) -> str:
    """``7KQ2M9XW4TZBH3RC`` -> ``7KQ2-M9XW-4TCB-H3RC``: how it is printed and shown."""
    return "-".join(number[i:i + 4] for i in range(0, len(number), 4))


def canonical(value: str, *, where: str = "number") -> str:
    """The canonical form of a typed or scanned number; 400 EPR-0010 naming what is wrong otherwise."""
    raw = value if isinstance(value, str) else ""
    text = raw.replace("-", "").replace(" ", "").upper()
    if len(text) != LENGTH or not text.isascii():
        raise SandboxError(400, EprCode.BAD_NUMBER, f"A prescription number has {LENGTH} characters (dashes and "
                           f"spaces aside), like 7KQ2-M9XW-4TCB-H3RC; {raw[:40]!r} has {len(text)}.",
                           issue="value", expression=[where])
    wrong = sorted({c for c in text if c not in _VALUE})
    if wrong:
        raise SandboxError(400, EprCode.BAD_NUMBER, f"A prescription number is written with 0-9 and A-Y without "
                           f"I, L, O, U; {raw[:40]!r} holds {''.join(wrong)!r}.", issue="value", expression=[where])
    if _weighted(text) != 0:
        raise SandboxError(400, EprCode.BAD_CHECK_CHARACTER, f"The prescription number {display(text)} is mistyped: "
                           "its check character does not match. Type it again from the printed prescription, or "
                           "scan its QR code.", issue="value", expression=[where])
    return text
