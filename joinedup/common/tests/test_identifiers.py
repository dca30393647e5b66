import pytest

from joinedup.common.identifiers import (
    is_valid_nhs_number,
    is_valid_upn,
    nhs_check_digit,
    nhs_number_problem,
    upn_check_letter,
    upn_problem,
)


@pytest.mark.parametrize("number", ["9434765870", "9434765919", "943 476 5919", "943-476-5870"])
def test_published_nhs_numbers_are_valid(number):
    assert is_valid_nhs_number(number)


@pytest.mark.parametrize(
    "number, reason",
    [
        ("9434765871", "check digit"),
        ("943476587", "10 digits"),
        ("94347658701", "10 digits"),
        ("94347A5870", "10 digits"),
        ("", "10 digits"),
        ("0000000000", "identical"),
    ],
)
def test_invalid_nhs_numbers_say_why(number, reason):
    assert reason in nhs_number_problem(number)


def test_nhs_numbers_whose_check_would_be_ten_do_not_exist():
    """Weights 10..2 on 000000001 sum to 2: 11 - 2 = 9, fine; on 000000010 sum to 3 -> 8.
    Digits summing to 1 mod 11 give check 10, which is never issued."""
    # 1*10 + 0... = 10 -> 10 mod 11 = 10 -> 11 - 10 = 1; find a sum of 1 mod 11: 6*2=12 -> 1
    assert nhs_check_digit("000000006") is None


def test_check_eleven_becomes_zero():
    assert nhs_check_digit("000000000") == 0


@pytest.mark.parametrize("upn", ["B801200005001", "A950000178301", "H243278544154", "P207000016049", "b801200005001"])
def test_published_upns_are_valid(upn):
    assert is_valid_upn(upn)


@pytest.mark.parametrize(
    "upn, reason",
    [
        ("A801200005001", "check letter"),
        ("B80120000500", "13 characters"),
        ("1801200005001", "13 characters"),
        ("I801200005001", "check letter"),
    ],
)
def test_invalid_upns_say_why(upn, reason):
    assert reason in upn_problem(upn)


def test_upn_check_letter_matches_published_example():
    assert upn_check_letter("801200005001") == "B"
