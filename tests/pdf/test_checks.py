"""Check digits: organisation numbers, accounts, IBANs and both KID algorithms."""

from __future__ import annotations

import pytest

from tasks.pdf import checks


def test_orgnr() -> None:
    assert checks.valid_orgnr("921012349")
    assert not checks.valid_orgnr("921012348")
    assert not checks.valid_orgnr("92101234")


def test_account() -> None:
    assert checks.valid_account("15031234562")
    assert not checks.valid_account("15031234561")
    assert not checks.valid_account("1503123456")


def test_norwegian_iban_gives_the_account() -> None:
    assert checks.account_from_iban("NO93 8601 1117 947") == "86011117947"
    assert checks.account_from_iban("NO94 8601 1117 947") is None  # wrong IBAN check digits
    assert checks.account_from_iban("DE89 3704 0044 0532 0130 00") is None


@pytest.mark.parametrize(
    ("kid", "valid"),
    [
        ("1234567897", True),  # MOD10 (Luhn)
        ("202610439", True),  # MOD11
        ("0042117", False),
        ("1234567890", False),
        ("12345674-", False),
        ("1", False),
        ("12a4", False),
    ],
)
def test_kid(kid: str, valid: bool) -> None:
    assert checks.valid_kid(kid) is valid


def test_kid_mod11_with_dash_as_check_digit() -> None:
    # A body whose MOD11 remainder gives 10 is printed with "-" as its check digit.
    body = next(str(n) for n in range(100000, 100200) if checks._mod11_check(str(n)) == "-")
    assert checks.valid_kid(body + "-")
    assert not checks.valid_kid(body + "0")
