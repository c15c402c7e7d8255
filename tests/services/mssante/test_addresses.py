"""MSSanté addresses, trust space, patient INS and mailbox kinds (services/mssante/addresses.py, digest §3.3)."""

from __future__ import annotations

import pytest

from services.mssante.addresses import (
    AddressError,
    MailboxKind,
    address_findings,
    address_problem,
    is_trust_space,
    mailbox_kind,
    normalise,
    parse_address,
    patient_ins,
)
from services.mssante.codes import MssCode

CNDA_INS = "275126322074974"  # CNDA identity 2751263220749, key 74 (digest §0.2)
CORSICA_INS = "180032B020401" + "23"  # CORSE ANTHONY (digest §0.2)
NIA_LOOKING = "109076322088835"  # CNDA TEST_2.05: a NIA whose digits look like a NIR (digest §0.1)


@pytest.mark.parametrize(("text", "expected"), [
    ("jeromebonnet@pro.mssante.fr", "jeromebonnet@pro.mssante.fr"),
    ("Prenom.Nom@Domain.MSSANTE.FR", "Prenom.Nom@domain.mssante.fr"),  # domain lower-cased, local part kept
    ("<radiologie@hopitalA.mssante.fr>", "radiologie@hopitala.mssante.fr"),  # an SMTP path
    ("a+b!#$%&'*/=?^_`{|}~-x@test-ci-sis.mssante.fr", "a+b!#$%&'*/=?^_`{|}~-x@test-ci-sis.mssante.fr"),
    ("x@xn--hpital-dva.mssante.fr", "x@xn--hpital-dva.mssante.fr"),
])
def test_valid_addresses_are_normalised(text, expected):
    assert normalise(text) == expected
    assert address_problem(text) is None


@pytest.mark.parametrize("text", [
    "Dr Leroy <leroy@pro.mssante.fr>", '"leroy@pro.mssante.fr" <evil@evil.com>', "leroy@pro.mssante.fr (Dr)",
    "a@b@pro.mssante.fr", '"a@b"@pro.mssante.fr', "leroy", "@pro.mssante.fr", "leroy@", "leroy@[127.0.0.1]",
    ".leroy@pro.mssante.fr", "le..roy@pro.mssante.fr", "leroy.@pro.mssante.fr", "le roy@pro.mssante.fr",
    "leroy@pro..mssante.fr", "leroy@-pro.mssante.fr", "leroy@pro.mssante.fr.", "leroy@localhost",
    "leroy@pro_x.mssante.fr", "léroy@pro.mssante.fr", "leroy@prö.mssante.fr", "<<leroy@pro.mssante.fr>>", "",
])
def test_malformed_addresses_are_refused(text):
    assert address_problem(text).code is MssCode.ADDRESS_MALFORMED
    with pytest.raises(AddressError):
        parse_address(text)


@pytest.mark.parametrize("text", ["leroy@pro.mssante.fr\r\nBcc: x@evil.com", "le\x00roy@pro.mssante.fr",
                                  "leroy\t@pro.mssante.fr", "leroy@pro.mssante.fr\n", "le\x85roy@pro.mssante.fr"])
def test_control_characters_are_refused(text):
    assert address_problem(text).code is MssCode.ADDRESS_CONTROL_CHARACTER


@pytest.mark.parametrize(("local", "domain", "ok"), [
    ("a" * 64, "pro.mssante.fr", True), ("a" * 65, "pro.mssante.fr", False),
    ("a", ".".join(["b" * 63] * 3) + ".mssante.fr", True),  # 63-character labels
    ("a", "b" * 64 + ".mssante.fr", False),  # a 64-character label is malformed, not too long
])
def test_rfc_5321_part_limits(local, domain, ok):
    problem = address_problem(f"{local}@{domain}")
    assert (problem is None) is ok
    if not ok and len(local) > 64:
        assert problem.code is MssCode.ADDRESS_TOO_LONG


def test_address_over_254_characters_is_too_long():
    domain = ".".join(["d" * 60] * 3) + ".mssante.fr"
    local = 254 - 1 - len(domain)
    assert address_problem("a" * local + "@" + domain) is None
    assert address_problem("a" * (local + 1) + "@" + domain).code is MssCode.ADDRESS_TOO_LONG
    assert address_problem("a@" + ".".join(["d" * 60] * 5)).code is MssCode.ADDRESS_TOO_LONG


def test_non_strings_are_refused():
    assert address_problem(None).code is MssCode.ADDRESS_MALFORMED  # type: ignore[arg-type]


@pytest.mark.parametrize(("domain", "inside"), [
    ("pro.mssante.fr", True), ("patient.mssante.fr", True), ("hopitalA.MSSante.FR", True),
    ("medecin.formation.mssante.fr", True), ("mssante.fr", False), ("mssante.fr.evil.com", False),
    ("evil-mssante.fr", False), ("evilmssante.fr", False), ("pro.mssante.fr.", False), ("pro.mssante.frx", False),
    ("pro..mssante.fr", False), ("pro mssante.fr", False), ("", False), ("prö.mssante.fr", False),
])
def test_trust_space_is_the_domains_under_the_suffix(domain, inside):
    assert is_trust_space(domain) is inside


def test_trust_space_suffix_is_configurable():
    assert is_trust_space("pro.test.example", suffix="test.example")
    assert is_trust_space("pro.TEST.example", suffix=".Test.Example.")
    assert not is_trust_space("pro.mssante.fr", suffix="test.example")
    assert not is_trust_space("pro.mssante.fr", suffix="")
    assert patient_ins(f"{CNDA_INS}@patient.test.example", suffix="test.example") == CNDA_INS
    assert patient_ins(f"{CNDA_INS}@patient.mssante.fr", suffix="test.example") is None


@pytest.mark.parametrize("ins", [CNDA_INS, CORSICA_INS, "279035121518989", NIA_LOOKING])
def test_patient_address_gives_its_ins(ins):
    assert patient_ins(f"{ins}@patient.mssante.fr") == ins
    assert patient_ins(f"<{ins}@PATIENT.MSSANTE.FR>") == ins
    assert address_findings(f"{ins}@patient.mssante.fr") == []


def test_corsica_letters_are_accepted_in_either_case_and_returned_upper_case():
    assert patient_ins(CORSICA_INS.lower() + "@patient.mssante.fr") == CORSICA_INS
    assert patient_ins("180032C020401" + "23" + "@patient.mssante.fr") is None


@pytest.mark.parametrize("local", [
    CNDA_INS[:13] + "75",  # bad key
    CORSICA_INS[:13] + "24", "180031902040123",  # Corsica: bad key, 2A/2B written as its digits
    CNDA_INS[:14],  # 14 characters
    CNDA_INS + "0",  # 16
    "575126322074974",  # sex 5 (its key recomputed would not help: the first character is refused)
    "27512632207497A", "2751263A2074974",  # a letter outside positions 6-7
    "jean.dupont",
])
def test_invalid_patient_addresses(local):
    address = f"{local}@patient.mssante.fr"
    assert patient_ins(address) is None
    assert [f.code for f in address_findings(address)] == [MssCode.PATIENT_ADDRESS_INVALID]


def test_professional_addresses_have_no_ins():
    assert patient_ins(f"{CNDA_INS}@pro.mssante.fr") is None
    assert patient_ins("not an address") is None
    assert address_findings("leroy@pro.mssante.fr") == []


@pytest.mark.parametrize("address", ["x@mssante.fr.evil.com", "x@evil-mssante.fr", "x@gmail.com"])
def test_outside_trust_space_findings(address):
    assert [f.code for f in address_findings(address)] == [MssCode.ADDRESS_OUTSIDE_TRUST_SPACE]


def test_address_findings_report_syntax_first():
    assert [f.code for f in address_findings("Dr X <x@evil.com>")] == [MssCode.ADDRESS_MALFORMED]


def test_mailbox_kinds():
    assert mailbox_kind(f"{CNDA_INS}@patient.mssante.fr") is MailboxKind.PATIENT
    assert mailbox_kind(parse_address("x@pro.mssante.fr")) is None
    assert mailbox_kind("x@pro.mssante.fr", directory_kind="org") is MailboxKind.ORG
    assert mailbox_kind("x@pro.mssante.fr", directory_kind=MailboxKind.CAB) is MailboxKind.CAB
    assert [k.is_professional for k in MailboxKind] == [True, True, True, True, False]
    with pytest.raises(ValueError):
        mailbox_kind("x@pro.mssante.fr", directory_kind="PATIENT")
    with pytest.raises(ValueError):
        mailbox_kind("x@pro.mssante.fr", directory_kind="BAL")


def test_findings_echo_no_control_characters():
    finding = address_problem("a\r\nb@pro.mssante.fr")
    assert "\r" not in finding.where and "\n" not in finding.message
