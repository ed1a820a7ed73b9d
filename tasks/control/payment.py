"""Norwegian payment identifiers: bank accounts (11 digits, mod 11), IBANs and KID numbers."""

from __future__ import annotations

from stdnum import iban
from stdnum.no import kontonr


def compact_account(value: str) -> str:
    """The account without spaces, dots and dashes, upper-cased."""
    return "".join(ch for ch in value if ch not in " .-").upper()


def account_is_valid(value: str) -> bool:
    """An 11-digit Norwegian account with a valid mod 11 digit, or an IBAN with valid digits."""
    compact = compact_account(value)
    if compact.isdigit():
        return kontonr.is_valid(compact)
    return iban.is_valid(compact)


def is_norwegian_account(value: str) -> bool:
    """An 11-digit domestic account number or a Norwegian IBAN."""
    compact = compact_account(value)
    return (compact.isdigit() and len(compact) == 11) or compact.startswith("NO")


def domestic_form(value: str) -> str:
    """The comparable form: a Norwegian IBAN becomes its 11-digit account number."""
    compact = compact_account(value)
    if compact.startswith("NO") and len(compact) == 15 and compact[2:].isdigit():
        return compact[4:]
    return compact


def _luhn_sum(digits: str, *, doubled_first: bool) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if (i % 2 == 0) == doubled_first:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return total


def _mod10_ok(digits: str) -> bool:
    return _luhn_sum(digits, doubled_first=False) % 10 == 0


def kid_mod10(body: str) -> str:
    """``body`` with its MOD10 (Luhn) check digit appended: a valid KID."""
    return body + str(-_luhn_sum(body, doubled_first=True) % 10)


def _mod11_ok(body: str, check: str) -> bool:
    weights = [2, 3, 4, 5, 6, 7]
    total = sum(int(ch) * weights[i % 6] for i, ch in enumerate(reversed(body)))
    remainder = 11 - total % 11
    expected = "0" if remainder == 11 else "-" if remainder == 10 else str(remainder)
    return check == expected


def kid_is_valid(value: str) -> bool:
    """A KID: 2 to 25 characters, digits, last one a MOD10 or MOD11 check digit
    (``-`` stands for 10 under MOD11)."""
    kid = value.strip()
    if not 2 <= len(kid) <= 25:
        return False
    body, check = kid[:-1], kid[-1]
    if not body.isdigit():
        return False
    if check == "-":
        return _mod11_ok(body, check)
    if not check.isdigit():
        return False
    return _mod10_ok(kid) or _mod11_ok(body, check)
