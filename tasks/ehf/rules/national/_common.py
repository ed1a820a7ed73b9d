"""What the national rules share: the seller's and buyer's country as the Peppol file
derives them, XPath value helpers and the check-digit functions the rules compute.

The countries are computed once per document and kept in ``Document.memo``.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from tasks.ehf.document import Document, Element
from tasks.ehf.vocabulary import (
    ACCOUNTING_CUSTOMER_PARTY,
    ACCOUNTING_SUPPLIER_PARTY,
    COMPANY_ID,
    COUNTRY,
    IDENTIFICATION_CODE,
    PARTY,
    PARTY_TAX_SCHEME,
    POSTAL_ADDRESS,
    TAX_REPRESENTATIVE_PARTY,
)
from tasks.ehf.xpathfn import (
    chain_top,
    child,
    compile_path,
    follow,
    has_tax_scheme_id,
    normalize_space,
    select,
    string_value,
    tax_scheme_id,
    text,
)

SUPPLIER_PARTY = "cac:AccountingSupplierParty/cac:Party"
CUSTOMER_PARTY = "cac:AccountingCustomerParty/cac:Party"
_COUNTRY = "cac:PostalAddress/cac:Country/cbc:IdentificationCode"
# From a postal address country code up to the party's role (AccountingSupplierParty...).
_ADDRESS_CHAIN = (PARTY, POSTAL_ADDRESS, COUNTRY)

# xs:double lexical form as number() accepts it (after trimming XML white space).
_DOUBLE = re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN", re.ASCII)
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_XML_SPACE = " \t\n\r"
_XML_SPACE_RUN = re.compile(r"[ \t\n\r]+")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{0,30}")


class Countries(NamedTuple):
    """The country variables of the Peppol rule file, for one document (a named tuple: it
    is built for every document, and a frozen dataclass costs twice as much to build)."""

    supplier: str  # $supplierCountry: VAT prefix, else tax representative's, else address
    customer: str  # $customerCountry: VAT prefix, else address
    accounting_supplier: str  # $accountingSupplierCountry: VAT prefix, else address
    supplier_raw: str  # DK/IS pattern variable: the address code exactly as written
    customer_raw: str
    supplier_code: str  # NL/DE variables: upper-case(normalize-space(address code))
    customer_code: str


def countries(doc: Document) -> Countries:
    """The country variables of ``doc`` (computed once per document)."""
    return doc.derived("national.countries", _derive)


def _derive(doc: Document) -> Countries:
    # Read bottom-up from the tag index: a document has few country codes and tax schemes,
    # while walking down from the parties reads every child of each party and address.
    vat = _vat_prefixes(doc)
    supplier_vat, customer_vat = (
        vat.get(ACCOUNTING_SUPPLIER_PARTY),
        vat.get(ACCOUNTING_CUSTOMER_PARTY),
    )
    supplier_address, customer_address = _address_codes(doc)
    supplier_code = _normalised(supplier_address)
    customer_code = _normalised(customer_address)
    # The DK and IS patterns concatenate the paths from the document node, so they only
    # see an Invoice or CreditNote root, and they keep the code as written.
    known_root = doc.kind is not None
    return Countries(
        supplier=_first_true(supplier_code, supplier_vat, vat.get(TAX_REPRESENTATIVE_PARTY)),
        customer=_first_true(customer_code, customer_vat),
        accounting_supplier=_first_true(supplier_code, supplier_vat),
        supplier_raw=(supplier_address or "") if known_root else "",
        customer_raw=(customer_address or "") if known_root else "",
        supplier_code=supplier_code or "",
        customer_code=customer_code or "",
    )


def ancestor(el: Element, chain: tuple[str, ...]) -> Element | None:
    """The parent of ``chain/el`` (``chain`` in XPath order, innermost last), or None when
    a parent on the way is missing or has another tag."""
    top = chain_top(el, chain)
    return None if top is None else top.getparent()


def _address_codes(doc: Document) -> tuple[str | None, str | None]:
    """The string value of the first ``/*/cac:Accounting(Supplier|Customer)Party/cac:Party/
    cac:PostalAddress/cac:Country/cbc:IdentificationCode`` of the seller and of the buyer
    (None where there is none)."""
    root = doc.root
    supplier = customer = None
    for code in doc.all(IDENTIFICATION_CODE):
        role = ancestor(code, _ADDRESS_CHAIN)
        if role is None or role.getparent() is not root:
            continue
        tag = role.tag
        if tag == ACCOUNTING_SUPPLIER_PARTY and supplier is None:
            supplier = code
        elif tag == ACCOUNTING_CUSTOMER_PARTY and customer is None:
            customer = code
        if supplier is not None and customer is not None:
            break  # the rest are of other parties (delivery, payee) or later duplicates
    return (
        string_value(supplier) if supplier is not None else None,
        string_value(customer) if customer is not None else None,
    )


def _normalised(code: str | None) -> str | None:
    """``upper-case(normalize-space(code))``; None when there is no code."""
    return normalize_space(code).upper() if code is not None else None


def _first_true(address: str | None, *vat: str | None) -> str:
    """``if (vat1) then upper-case(normalize-space(vat1)) else if (vat2) ... else if
    (address) then ... else 'XX'``.

    A VAT prefix is true when it is not empty (of a sequence, the first decides); the
    address code (already normalised) when its element exists."""
    for prefix in vat:
        if prefix:
            return normalize_space(prefix).upper()
    return address if address is not None else "XX"


def _vat_prefixes(doc: Document) -> dict[str, str]:
    """The first ``/*/party/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT']/substring(
    cbc:CompanyID, 1, 2)`` of the seller, the buyer and the tax representative, by the tag
    of their root child: the country variables read only the first of each."""
    root = doc.root
    found: dict[str, str] = {}
    for scheme in doc.all(PARTY_TAX_SCHEME):
        role = scheme.getparent()
        if role is None:
            continue
        tag = role.tag
        if tag == PARTY:  # /*/cac:Accounting…Party/cac:Party/cac:PartyTaxScheme
            role = role.getparent()
            if role is None:
                continue
            tag = role.tag
            if tag != ACCOUNTING_SUPPLIER_PARTY and tag != ACCOUNTING_CUSTOMER_PARTY:
                continue
        elif tag != TAX_REPRESENTATIVE_PARTY:  # /*/cac:TaxRepresentativeParty/cac:PartyTaxScheme
            continue
        if tag in found or role.getparent() is not root:
            continue
        prefix = _vat_prefix(scheme)
        if prefix is not None:
            found[tag] = prefix
    return found


def _vat_prefix(scheme: Element) -> str | None:
    """``substring(cbc:CompanyID, 1, 2)`` of a PartyTaxScheme whose ``cac:TaxScheme/cbc:ID``
    is 'VAT' as written; None for another scheme."""
    if not has_tax_scheme_id(scheme, "VAT"):
        return None
    return string_value(child(scheme, COMPANY_ID))[:2]


@lru_cache(maxsize=256)
def _root_steps(path: str) -> tuple[str, tuple[str, ...]]:
    """The Clark tags of ``path`` (no ``*``): the first step's, and those of the others."""
    first, *rest = compile_path(path)
    return first, tuple(rest)


def from_root(doc: Document, path: str) -> list[Element]:
    """``select(doc.root, path)`` for a path of named steps, the first read from the root's
    children by tag: the root has dozens of children, and that index is built once per
    document for every family (``Document.kids``). The list may be the index's own:
    callers must not change it."""
    first, rest = _root_steps(path)
    nodes = doc.kids(doc.root).get(first, [])
    return follow(nodes, rest)


def vat_ids(party: Element, exact: bool) -> list[str]:
    """The CompanyID string of each VAT PartyTaxScheme of ``party``.

    ``exact`` compares the scheme id as written (``cbc:ID = 'VAT'``); otherwise it is
    normalised first (``normalize-space(cbc:ID) = 'VAT'``)."""
    return [
        text(scheme, "cbc:CompanyID")
        for scheme in select(party, "cac:PartyTaxScheme")
        if (has_tax_scheme_id(scheme, "VAT") if exact else tax_scheme_id(scheme) == "VAT")
    ]


def country_of(party: Element) -> list[str]:
    """The postal address country codes of a party, as written."""
    return [string_value(c) for c in select(party, _COUNTRY)]


def first_text(el: Element, path: str) -> str | None:
    """String value of the first node at ``path``, or None when there is none."""
    nodes = select(el, path)
    return string_value(nodes[0]) if nodes else None


def has_text(el: Element, path: str) -> bool:
    """``path[boolean(normalize-space(.))]``: some node at ``path`` is not blank."""
    return any(string_value(n).strip(_XML_SPACE) for n in select(el, path))


def xnumber(value: str | None) -> float | None:
    """XPath ``number(value)``; None stands for NaN."""
    if value is None:
        return None
    s = value.strip(_XML_SPACE)
    if not _DOUBLE.fullmatch(s) or s == "NaN":
        return None
    return float(s)


def is_number(value: str | None) -> bool:
    """``string(number(value)) != 'NaN'``."""
    return xnumber(value) is not None


def xinteger(value: str | None) -> int | None:
    """``xs:integer(value)`` cast from a string; None where the cast fails."""
    if value is None:
        return None
    s = value.strip(_XML_SPACE)
    return int(s) if _INTEGER.fullmatch(s) else None


def castable_as_date(value: str) -> bool:
    """``value castable as xs:date`` for the ten-character YYYY-MM-DD form."""
    m = _DATE.fullmatch(value)
    if m is None:
        return False
    try:
        date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return False
    return True


def mod11_no(value: str) -> bool:
    """``u:mod11``: Norwegian organisation number check digit (weights 2..7 from the right)."""
    body, check = value[:-1], value[-1:]
    total = sum((ord(c) - 48) * (i % 6 + 2) for i, c in enumerate(reversed(body)))
    number = xnumber(value)
    return number is not None and number > 0 and (11 - total % 11) % 11 == _digit(check)


def greek_tin(value: str) -> bool:
    """``u:TinVerification``: the Greek TIN (AFM) check digit over the first nine characters."""
    digits = [_digit(c) for c in value[:9]]
    if len(digits) < 9 or None in digits:
        return False
    total = sum(d * (2 ** (8 - i)) for i, d in enumerate(digits[:8]))  # type: ignore[operator]
    return total % 11 % 10 == digits[8]


def swedish_orgnr(value: str) -> bool:
    """``u:checkSEOrgnr``: all digits, and the tenth is the Luhn check digit of the first nine."""
    if not value or not all(c.isdecimal() for c in value):
        return False
    main, check = value[:9], _digit(value[9:10])
    digits = [_digit(c) for c in reversed(main)]
    if check is None or None in digits:
        return False  # a non-ASCII digit makes the official sum fail
    total = 0
    for pos, d in enumerate(digits, start=1):
        total += (d * 2) % 10 + (d * 2) // 10 if pos % 2 == 1 else d  # type: ignore[operator]
    return (10 - total % 10) % 10 == check


def iban_mod97(account: str | None) -> bool:
    """The German rules' IBAN test: the shape, then the mod 97 of the rearranged digits.

    Letters map to code point minus 55 whatever their case, exactly as the rule computes."""
    s = _XML_SPACE_RUN.sub("", account or "")
    if not _IBAN.fullmatch(s):
        return False
    moved = s[4:] + s[:2].upper() + s[2:4]
    digits = "".join(str(ord(c) - 55 if ord(c) > 64 else ord(c) - 48) for c in moved)
    return int(digits) % 97 == 1


def _digit(c: str) -> int | None:
    """``number(c)`` of one character: its value for an ASCII digit, else None (NaN)."""
    return ord(c) - 48 if len(c) == 1 and "0" <= c <= "9" else None
