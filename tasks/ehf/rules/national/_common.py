"""What the national rules share: the seller's and buyer's country as the Peppol file
derives them, XPath value helpers and the check-digit functions the rules compute.

The countries are computed once per document and kept in ``Document.memo``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from tasks.ehf.document import (
    Document,
    Element,
    cac,
    cbc,
    normalize_space,
    select,
    string_value,
    text,
)

SUPPLIER_PARTY = "cac:AccountingSupplierParty/cac:Party"
CUSTOMER_PARTY = "cac:AccountingCustomerParty/cac:Party"
_COUNTRY = "cac:PostalAddress/cac:Country/cbc:IdentificationCode"
_SUPPLIER = cac("AccountingSupplierParty")
_CUSTOMER = cac("AccountingCustomerParty")
_REPRESENTATIVE = cac("TaxRepresentativeParty")
_PARTY = cac("Party")
_PARTY_TAX_SCHEME = cac("PartyTaxScheme")
_TAX_SCHEME = cac("TaxScheme")
_ID = cbc("ID")
_COMPANY_ID = cbc("CompanyID")
_COUNTRY_CODE = cbc("IdentificationCode")
_PARTY_COUNTRY = (_PARTY, cac("PostalAddress"), cac("Country"))

# xs:double lexical form as number() accepts it (after trimming XML white space).
_DOUBLE = re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN", re.ASCII)
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_XML_SPACE = " \t\n\r"
_XML_SPACE_RUN = re.compile(r"[ \t\n\r]+")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{0,30}")


@dataclass(frozen=True, slots=True)
class Countries:
    """The country variables of the Peppol rule file, for one document."""

    supplier: str  # $supplierCountry: VAT prefix, else tax representative's, else address
    customer: str  # $customerCountry: VAT prefix, else address
    accounting_supplier: str  # $accountingSupplierCountry: VAT prefix, else address
    supplier_raw: str  # DK/IS pattern variable: the address code exactly as written
    customer_raw: str
    supplier_code: str  # NL/DE variables: upper-case(normalize-space(address code))
    customer_code: str


def countries(doc: Document) -> Countries:
    """The country variables of ``doc`` (computed once per document)."""
    result = doc.memo.get("national.countries")
    if result is None:
        result = doc.memo["national.countries"] = _derive(doc)
    return result  # type: ignore[return-value]


def _derive(doc: Document) -> Countries:
    # Read bottom-up from the tag index: a document has few country codes and tax schemes,
    # while walking down from the parties reads every child of each party and address.
    vat = _vat_prefixes(doc)
    supplier_vat = vat[_SUPPLIER]
    representative_vat = vat[_REPRESENTATIVE]
    supplier_address = _below_root(doc, _COUNTRY_CODE, (_SUPPLIER, *_PARTY_COUNTRY))
    customer_address = _below_root(doc, _COUNTRY_CODE, (_CUSTOMER, *_PARTY_COUNTRY))
    supplier_code = _upper_first(supplier_address)
    customer_code = _upper_first(customer_address)
    address = [supplier_code] if supplier_address else []
    buyer_address = [customer_code] if customer_address else []
    # The DK and IS patterns concatenate the paths from the document node, so they only
    # see an Invoice or CreditNote root, and they keep the code as written.
    known_root = doc.kind is not None
    return Countries(
        supplier=_first_true(supplier_vat, representative_vat, address),
        customer=_first_true(vat[_CUSTOMER], buyer_address),
        accounting_supplier=_first_true(supplier_vat, address),
        supplier_raw=string_value(supplier_address[0]) if known_root and address else "",
        customer_raw=string_value(customer_address[0]) if known_root and buyer_address else "",
        supplier_code=supplier_code,
        customer_code=customer_code,
    )


def _below_root(doc: Document, tag: str, chain: tuple[str, ...]) -> list[Element]:
    """``/*/chain/tag`` (``chain`` outermost first), in document order, from the tag index."""
    root = doc.root
    found = []
    for el in doc.all(tag):
        node = el.getparent()
        for step in reversed(chain):
            if node is None or node.tag != step:
                break
            node = node.getparent()
        else:
            if node is root:
                found.append(el)
    return found


def _first_true(*candidates: list[str]) -> str:
    """``if (a) then upper-case(normalize-space(a)) else if (b) ... else 'XX'``.

    A sequence of strings is true when its first string is not empty; for the address,
    the element's existence decides (its value is passed already normalised)."""
    for seq in candidates:
        if seq and (seq[0] or seq is candidates[-1]):
            return normalize_space(seq[0]).upper()
    return "XX"


def _upper_first(nodes: list[Element]) -> str:
    return normalize_space(string_value(nodes[0])).upper() if nodes else ""


def _vat_prefixes(doc: Document) -> dict[str, list[str]]:
    """``/*/party/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT']/substring(cbc:CompanyID,
    1, 2)`` for the seller, buyer and tax representative, by their root child's tag."""
    root = doc.root
    prefixes: dict[str, list[str]] = {_SUPPLIER: [], _CUSTOMER: [], _REPRESENTATIVE: []}
    for scheme in doc.all(_PARTY_TAX_SCHEME):
        role = scheme.getparent()
        if role is None:
            continue
        if role.tag == _PARTY:  # /*/cac:Accounting…Party/cac:Party/cac:PartyTaxScheme
            role = role.getparent()
            if role is None or role.tag == _REPRESENTATIVE:
                continue
        elif role.tag != _REPRESENTATIVE:  # /*/cac:TaxRepresentativeParty/cac:PartyTaxScheme
            continue
        found = prefixes.get(role.tag)
        if found is None or role.getparent() is not root:
            continue
        ids = [i for ts in scheme if ts.tag == _TAX_SCHEME for i in ts if i.tag == _ID]
        if any(string_value(i) == "VAT" for i in ids):
            company = next((c for c in scheme if c.tag == _COMPANY_ID), None)
            found.append(string_value(company)[:2])
    return prefixes


def vat_ids(party: Element, exact: bool) -> list[str]:
    """The CompanyID string of each VAT PartyTaxScheme of ``party``.

    ``exact`` compares the scheme id as written (``cbc:ID = 'VAT'``); otherwise it is
    normalised first (``normalize-space(cbc:ID) = 'VAT'``)."""
    return [
        text(scheme, "cbc:CompanyID")
        for scheme in select(party, "cac:PartyTaxScheme")
        if is_vat_scheme(scheme, exact)
    ]


def is_vat_scheme(scheme: Element, exact: bool) -> bool:
    """Whether a PartyTaxScheme's TaxScheme/ID is VAT (as written, or normalised)."""
    if exact:
        return any(string_value(i) == "VAT" for i in select(scheme, "cac:TaxScheme/cbc:ID"))
    return scheme_id(scheme) == "VAT"


def scheme_id(scheme: Element) -> str:
    """``normalize-space(cac:TaxScheme/cbc:ID)`` of a PartyTaxScheme."""
    ids = select(scheme, "cac:TaxScheme/cbc:ID")
    return normalize_space(string_value(ids[0])) if ids else ""


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
