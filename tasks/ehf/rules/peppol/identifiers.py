"""PEPPOL-COMMON-R040…R057: party identifiers by their ISO 6523 / EAS scheme.

The official rules run on ``cbc:EndpointID``, ``cac:PartyIdentification/cbc:ID`` and
``cbc:CompanyID`` with a ``schemeID``; each scheme has one rule, and all of them share one
Schematron pattern, so a node is checked by the first rule that matches it. That order matters
only for ``cbc:CompanyID`` in a VAT ``cac:PartyTaxScheme`` starting with ``NL`` (R056-2): a
scheme listed before that rule wins over it, scheme 0217 (after it) loses.

The check-digit functions reproduce the official ``u:*`` functions, including their quirks
(e.g. ``u:gln`` accepts any length), rather than the textbook algorithms.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.peppol.values import castable_integer
from tasks.ehf.vocabulary import (
    COMPANY_ID,
    ENDPOINT_ID,
    ID,
    PARTY_IDENTIFICATION,
    PARTY_TAX_SCHEME,
)
from tasks.ehf.xpathfn import normalize_space, string_value, tax_scheme_id

_DIGITS = re.compile(r"[0-9]+")
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_ASCII_ALNUM = _ASCII_LETTERS | frozenset("0123456789")
_DIGIT_SET = frozenset("0123456789")
_DUTCH_VAT = re.compile(r"NL[0-9]{9}B[0-9]{2}")


def gln(value: str) -> bool:
    """``u:gln``: GS1 mod-10 check digit over a digit string of any length."""
    body, check_digit = value[:-1], value[-1:]
    reverse = body[::-1]
    total = 3 * sum(map(int, reverse[0::2])) + sum(map(int, reverse[1::2]))
    return check_digit != "" and (10 - total % 10) % 10 == int(check_digit)


def mod11(value: str) -> bool:
    """``u:mod11``: Norwegian organisation number check digit (weights 2…7 from the right)."""
    body, check_digit = value[:-1], value[-1:]
    total = sum(int(d) * (i % 6 + 2) for i, d in enumerate(reversed(body)))
    return int(value) > 0 and (11 - total % 11) % 11 == int(check_digit)


def mod97_be(value: str) -> bool:
    """``u:mod97-0208``: Belgian enterprise number, 97 minus the first eight digits mod 97."""
    return int(value[8:10]) == 97 - int(value[:8]) % 97


def codice_ipa(value: str) -> bool:
    """``u:checkCodiceIPA``: six ASCII letters or digits."""
    return len(value) == 6 and all(c in _ASCII_ALNUM for c in value)


def _letters_only(part: str) -> bool:
    return all(c in _ASCII_LETTERS for c in part)


def codice_fiscale(value: str) -> bool:
    """``u:checkCF``: an 11-character integer, or the 16-character personal code layout."""
    if len(value) == 11:
        return castable_integer(value)
    if len(value) != 16:
        return False
    return (
        _letters_only(value[0:6])
        and castable_integer(value[6:8])
        and _letters_only(value[8:9])
        and castable_integer(value[9:11])
        and castable_integer(value[14:15])
        and _letters_only(value[15:16])
    )


def _piva_sum(digits: str) -> int | None:
    """``u:addPIVA``: every second digit doubled by the table 0246813579; None on a sign."""
    total = 0
    for i, c in enumerate(digits):
        if c not in _DIGIT_SET:  # xs:integer('+') in the official function: a dynamic error
            return None
        total += int("0246813579"[int(c)]) if i % 2 else int(c)
    return total


def partita_iva(value: str) -> bool:
    """``u:checkPIVAseIT``: an ``IT`` prefix needs 11 more characters with a valid check sum."""
    if value[:2] not in ("IT", "it"):
        return True
    code = value[2:]
    if len(code) != 11 or not castable_integer(code):
        return False
    total = _piva_sum(code)
    return total is not None and total % 10 == 0


def swedish_orgnr(value: str) -> bool:
    """PEPPOL-COMMON-R049: ten digits whose last is the Luhn check digit of the first nine."""
    if len(value) != 10 or not _DIGITS.fullmatch(value):
        return False
    total = 0
    for pos, c in enumerate(reversed(value[:9]), start=1):
        d = int(c)
        total += (d * 2) % 10 + (d * 2) // 10 if pos % 2 else d
    return (10 - total % 10) % 10 == int(value[9])


_ABN_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)


def abn(value: str) -> bool:
    """``u:abn``: Australian Business Number, first digit minus one, weighted sum mod 89."""
    digits = [int(c) for c in value]
    digits[0] -= 1
    return sum(d * w for d, w in zip(digits, _ABN_WEIGHTS, strict=True)) % 89 == 0


def _danish_cvr(raw: str) -> bool:
    if len(raw) == 10 and raw.startswith("DK"):
        return all(c in _DIGIT_SET for c in raw[2:])
    return len(raw) == 8 and all(c in _DIGIT_SET for c in raw)


def _digits(n: int) -> Callable[[str], bool]:
    pattern = re.compile(f"[0-9]{{{n}}}")
    return lambda v: pattern.fullmatch(v) is not None


_NINE, _TEN, _ELEVEN = _digits(9), _digits(10), _digits(11)

Test = Callable[[str], bool]
# (rule id, test on the normalized value or None, test on the raw string value or None)
Rule = tuple[str, Test | None, Test | None]
# scheme -> its rule
_SCHEMES: dict[str, Rule] = {
    "0088": ("PEPPOL-COMMON-R040", lambda v: _DIGITS.fullmatch(v) is not None and gln(v), None),
    "0192": ("PEPPOL-COMMON-R041", lambda v: _NINE(v) and mod11(v), None),
    "0184": ("PEPPOL-COMMON-R042", None, _danish_cvr),
    "0096": ("PEPPOL-COMMON-R052", None, lambda r: len(r) == 10 and set(r) <= _DIGIT_SET),
    "0198": ("PEPPOL-COMMON-R053", None, lambda r: len(r) == 10 and _danish_cvr(r)),
    "0208": ("PEPPOL-COMMON-R043", lambda v: _TEN(v) and mod97_be(v), None),
    "0201": ("PEPPOL-COMMON-R044", codice_ipa, None),
    "0210": ("PEPPOL-COMMON-R045", codice_fiscale, None),
    "0211": ("PEPPOL-COMMON-R047", partita_iva, None),
    "0007": ("PEPPOL-COMMON-R049", swedish_orgnr, None),
    "0151": ("PEPPOL-COMMON-R050", lambda v: _ELEVEN(v) and abn(v), None),
    "0106": ("PEPPOL-COMMON-R054", _digits(8), None),
    "0190": ("PEPPOL-COMMON-R055", _digits(20), None),
    "9944": ("PEPPOL-COMMON-R056-1", lambda v: _DUTCH_VAT.fullmatch(v) is not None, None),
}
# Only for cbc:EndpointID.
_ENDPOINT_ONLY = {"9907": ("PEPPOL-COMMON-R046", codice_fiscale, None)}
_DUTCH_VAT_RULE = ("PEPPOL-COMMON-R056-2", lambda v: _DUTCH_VAT.fullmatch(v) is not None, None)
# After R056-2 in the pattern.
_LATE = ("PEPPOL-COMMON-R057", _digits(12), None)


@lru_cache(maxsize=1024)
def _passes(rule: Rule, raw: str) -> bool:
    """Whether the string value ``raw`` passes the test of ``rule``. Cached: the parties'
    identifiers recur from document to document, and check digits cost."""
    _, on_normalized, on_raw = rule
    if on_raw is not None:
        return on_raw(raw)
    assert on_normalized is not None
    return on_normalized(normalize_space(raw))


def _dutch_vat_context(el: Element) -> bool:
    """``cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) = 'VAT']/cbc:CompanyID``
    whose value starts with ``NL``."""
    text = string_value(el)
    if "NL" not in text or not normalize_space(text).startswith("NL"):
        return False
    parent = el.getparent()
    if parent is None or parent.tag != PARTY_TAX_SCHEME:
        return False
    return tax_scheme_id(parent) == "VAT"


def _rule_for(el: Element) -> Rule | None:
    """The first rule of the pattern whose context matches ``el``."""
    scheme = el.get("schemeID")
    rule = _SCHEMES.get(scheme) if scheme is not None else None
    if rule is not None:
        return rule
    if el.tag == ENDPOINT_ID and scheme in _ENDPOINT_ONLY:
        return _ENDPOINT_ONLY[scheme]
    if el.tag == COMPANY_ID and _dutch_vat_context(el):
        return _DUTCH_VAT_RULE
    return _LATE if scheme == "0217" else None


@check(
    "PEPPOL-COMMON-R040",
    "PEPPOL-COMMON-R041",
    "PEPPOL-COMMON-R042",
    "PEPPOL-COMMON-R043",
    "PEPPOL-COMMON-R044",
    "PEPPOL-COMMON-R045",
    "PEPPOL-COMMON-R046",
    "PEPPOL-COMMON-R047",
    "PEPPOL-COMMON-R049",
    "PEPPOL-COMMON-R050",
    "PEPPOL-COMMON-R052",
    "PEPPOL-COMMON-R053",
    "PEPPOL-COMMON-R054",
    "PEPPOL-COMMON-R055",
    "PEPPOL-COMMON-R056-1",
    "PEPPOL-COMMON-R056-2",
    "PEPPOL-COMMON-R057",
)
def party_identifiers(doc: Document, report: Report) -> None:
    """Electronic addresses, party identifiers and company ids in the format of their scheme."""
    candidates = [
        *doc.all(ENDPOINT_ID),
        *(el for party in doc.all(PARTY_IDENTIFICATION) for el in party if el.tag == ID),
        *doc.all(COMPANY_ID),
    ]
    for el in candidates:
        rule = _rule_for(el)
        if rule is not None and not _passes(rule, string_value(el)):
            report(rule[0], el, scheme=el.get("schemeID"), value=string_value(el))
