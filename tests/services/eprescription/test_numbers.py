"""The prescription number (numbers.py): its check character catches every single mistyped character and
every swap of two characters, and typed forms (dashes, spaces, lower case) are accepted."""

import pytest

from core.errors import SandboxError
from services.eprescription import numbers


def test_a_new_number_is_canonical_and_valid():
    for _ in range(200):
        number = numbers.new_number()
        assert len(number) == numbers.LENGTH
        assert set(number) <= set(numbers.ALPHABET)
        assert numbers.canonical(number) == number


def test_typed_forms_are_accepted():
    number = numbers.new_number()
    assert numbers.canonical(numbers.display(number).lower()) == number
    assert numbers.canonical(" ".join(numbers.display(number).split("-"))) == number


def _code(value: str) -> str:
    with pytest.raises(SandboxError) as caught:
        numbers.canonical(value)
    return caught.value.code


def test_every_single_substitution_is_caught():
    for _ in range(20):
        number = numbers.new_number()
        for i in range(numbers.LENGTH):
            for c in numbers.ALPHABET:
                if c != number[i]:
                    wrong = number[:i] + c + number[i + 1:]
                    assert _code(wrong) == "EPR-0011", wrong


def test_every_swap_of_two_characters_is_caught():
    for _ in range(100):
        number = numbers.new_number()
        for i in range(numbers.LENGTH):
            for j in range(i + 1, numbers.LENGTH):
                if number[i] != number[j]:
                    swapped = number[:i] + number[j] + number[i + 1:j] + number[i] + number[j + 1:]
                    assert _code(swapped) == "EPR-0011", swapped


@pytest.mark.parametrize("value", ["", "ABC", "7KQ2-M9XW-4TCB-H3RC-0", "IIII-IIII-IIII-IIII", "ZZZZ-ZZZZ-ZZZZ-ZZZZ",
                                   "é" * 16, None, 42])
def test_malformed_numbers_are_400_epr_0010(value):
    assert _code(value) == "EPR-0010"
