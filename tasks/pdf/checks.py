"""Check digits of Norwegian payment and register numbers: what decides between candidates.

Organisation numbers, bank accounts and IBANs are checked with python-stdnum. python-stdnum
(2.2) has no KID module, so the two KID algorithms of the Norwegian banks (Nets) are here:
MOD10 (Luhn, with stdnum) and MOD11 (weights 2-7 from the right; "-" as check digit 10).
"""

from __future__ import annotations

from stdnum import luhn
from stdnum.no import iban, kontonr, orgnr

#: A KID is 2 to 25 digits, the last one a check digit (or "-" under MOD11).
KID_LENGTH = range(2, 26)


def valid_orgnr(digits: str) -> bool:
    """A 9-digit organisation number whose MOD11 check digit is right."""
    return len(digits) == 9 and orgnr.is_valid(digits)


def valid_account(digits: str) -> bool:
    """An 11-digit Norwegian bank account number whose MOD11 check digit is right."""
    return len(digits) == 11 and kontonr.is_valid(digits)


def account_from_iban(text: str) -> str | None:
    """The 11-digit account number of a valid Norwegian IBAN, or None."""
    compact = "".join(text.split()).upper()
    if not compact.startswith("NO") or not iban.is_valid(compact):
        return None
    return iban.to_kontonr(compact)


def valid_kid(kid: str) -> bool:
    """A KID whose check digit is right under MOD10 or MOD11 (banks accept either)."""
    if len(kid) not in KID_LENGTH or not kid[:-1].isdigit():
        return False
    if kid[-1] == "-":
        return _mod11_check(kid[:-1]) == "-"
    return kid[-1].isdigit() and (luhn.is_valid(kid) or _mod11_check(kid[:-1]) == kid[-1])


def _mod11_check(body: str) -> str:
    weighted = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(body)))
    check = (11 - weighted % 11) % 11
    return "-" if check == 10 else str(check)
