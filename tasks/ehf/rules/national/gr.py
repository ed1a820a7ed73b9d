"""Greece (GR-R-*, GR-S-*): the invoice number's six segments, TINs, MARK and invoice URL.

Most rules need a Greek seller (``$supplierCountry`` GR or EL); the endpoint rule for the
seller uses the seller's own country only (``$accountingSupplierCountry``), and two buyer
rules need a Greek buyer as well."""

from __future__ import annotations

import re

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.national._common import (
    CUSTOMER_PARTY,
    SUPPLIER_PARTY,
    countries,
    country_of,
    greek_tin,
    is_number,
    vat_ids,
    xinteger,
)
from tasks.ehf.vocabulary import ADDITIONAL_DOCUMENT_REFERENCE
from tasks.ehf.xpathfn import (
    first,
    normalize_space,
    ntext,
    select,
    string_value,
    tax_scheme_id,
    text,
)

_GREEK = ("GR", "EL")
_ID_DATE = re.compile(r"(0?[1-9]|[12][0-9]|3[01])[-\\/ ]?(0?[1-9]|1[0-2])[-\\/ ]?(19|20)[0-9]{2}")
_DOCUMENT_TYPES = frozenset({"1.1", "1.6", "2.1", "2.4", "5.1", "5.2"})
_MARK = "##M.AR.K##"
_MARK_NUMBER = re.compile("[1-9]")
_INVOICE_URL = "##INVOICE|URL##"


@check(
    "GR-R-001-1",
    "GR-R-001-2",
    "GR-R-001-3",
    "GR-R-001-4",
    "GR-R-001-5",
    "GR-R-001-6",
    "GR-R-001-7",
    "GR-R-002",
    "GR-R-003",
    "GR-R-004-1",
    "GR-R-004-2",
    "GR-R-005",
    "GR-R-006",
    "GR-R-008-2",
    "GR-R-008-3",
    "GR-R-009",
    "GR-R-010",
    "GR-S-008-1",
    "GR-S-011",
)
def greek_rules(doc: Document, report: Report) -> None:
    """All Greek rules."""
    c = countries(doc)
    if c.accounting_supplier in _GREEK:
        for party in doc.context(SUPPLIER_PARTY):
            for endpoint in select(party, "cbc:EndpointID"):
                _endpoint(endpoint, "GR-R-009", report)
    if c.supplier not in _GREEK:
        return
    root = doc.root
    if doc.kind is not None:
        for invoice_id in select(root, "cbc:ID"):
            _invoice_number(root, invoice_id, report)
    for party in doc.context(SUPPLIER_PARTY):
        _seller(party, report)
    greek_address = "GR" in [
        country for party in select(root, SUPPLIER_PARTY) for country in country_of(party)
    ]
    _references(doc, greek_address, report)
    buyer_greek = c.customer in _GREEK
    for party in doc.context(CUSTOMER_PARTY):
        if len(string_value(first(party, "cac:PartyName/cbc:Name"))) == 0:
            report("GR-R-005", party)
        if buyer_greek:
            if not _valid_vat(party):
                report("GR-R-006", party)
            for endpoint in select(party, "cbc:EndpointID"):
                _endpoint(endpoint, "GR-R-010", report)


def _endpoint(endpoint: Element, rule_id: str, report: Report) -> None:
    if not (endpoint.get("schemeID") == "9933" and greek_tin(string_value(endpoint))):
        report(rule_id, endpoint, endpoint=string_value(endpoint))


def _segments(value: str) -> list[str]:
    """``tokenize(value, '\\|')``: no segments for an empty string, else split on '|'."""
    return value.split("|") if value else []


def _invoice_number(root: Element, invoice_id: Element, report: Report) -> None:
    value = string_value(invoice_id)
    seg = _segments(value) + [""] * 6  # missing segments behave as empty strings here
    count = len(_segments(value))
    if count != 6:
        report("GR-R-001-1", invoice_id, segments=count)
    if not _tin_segment(root, seg[0]):
        report("GR-R-001-2", invoice_id, tin=seg[0])
    if not _date_segment(root, seg[1]):
        report("GR-R-001-3", invoice_id, date=seg[1])
    serial = xinteger(seg[2])
    if not (normalize_space(seg[2]) and is_number(seg[2]) and serial is not None and serial >= 0):
        report("GR-R-001-4", invoice_id, serial=seg[2])
    if not (normalize_space(seg[3]) and seg[3] in _DOCUMENT_TYPES):
        report("GR-R-001-5", invoice_id, document_type=seg[3])
    if not seg[4]:
        report("GR-R-001-6", invoice_id)
    if not seg[5]:
        report("GR-R-001-7", invoice_id)


def _tin_segment(root: Element, tin: str) -> bool:
    """A valid TIN equal to the seller's or the tax representative's VAT number (sans EL)."""
    if len(normalize_space(tin)) != 9 or not greek_tin(tin):
        return False
    own = [
        v[2:11]
        for path in (SUPPLIER_PARTY, "cac:TaxRepresentativeParty")
        for party in select(root, path)
        for v in vat_ids(party, exact=True)
    ]
    return tin in own


def _date_segment(root: Element, value: str) -> bool:
    """A date D/M/YYYY (separators - / \\ or space) equal to the issue date."""
    if not normalize_space(value) or not _ID_DATE.match(value):
        return False
    day_month_year = value.split("/")
    issue = text(root, "cbc:IssueDate")
    year_month_day = issue.split("-") if issue else []
    if len(day_month_year) < 3 or len(year_month_day) < 3:
        return False
    return day_month_year[:3] == year_month_day[2::-1]


def _seller(party: Element, report: Report) -> None:
    if len(string_value(first(party, "cac:PartyName/cbc:Name"))) == 0:
        report("GR-R-002", party)
    if not _valid_vat(party):
        report("GR-S-011", party)
    for company_id in _vat_company_ids(party):
        value = string_value(company_id)
        if not (value[:2] == "EL" and greek_tin(value[2:])):
            report("GR-R-003", company_id, vat=value)


def _vat_company_ids(party: Element) -> list[Element]:
    return [
        company_id
        for scheme in select(party, "cac:PartyTaxScheme")
        if tax_scheme_id(scheme) == "VAT"
        for company_id in select(scheme, "cbc:CompanyID")
    ]


def _valid_vat(party: Element) -> bool:
    """Exactly one VAT number, prefixed EL, with a valid TIN after the prefix."""
    ids = _vat_company_ids(party)
    if len(ids) != 1:
        return False
    value = string_value(ids[0])
    return value[:2] == "EL" and greek_tin(value[2:])


def _references(doc: Document, greek_address: bool, report: Report) -> None:
    for reference in doc.all(ADDITIONAL_DOCUMENT_REFERENCE):
        descriptions = [string_value(d) for d in select(reference, "cbc:DocumentDescription")]
        if _MARK in descriptions and greek_address:
            for mark in select(reference, "cbc:ID"):
                if not _MARK_NUMBER.match(string_value(mark)):
                    report("GR-R-004-2", mark, mark=string_value(mark))
        no_uri = not ntext(reference, "cac:Attachment/cac:ExternalReference/cbc:URI")
        if _INVOICE_URL in descriptions and no_uri:
            report("GR-R-008-3", reference)
    if not (greek_address and doc.kind is not None):
        return
    root = doc.root
    marks = _count(root, _MARK)
    urls = _count(root, _INVOICE_URL)
    if marks != 1:
        report("GR-R-004-1", root, marks=marks)
    if urls != 1:
        report("GR-S-008-1", root, urls=urls)
    if urls > 1:
        report("GR-R-008-2", root, urls=urls)


def _count(root: Element, description: str) -> int:
    return sum(
        1
        for reference in select(root, "cac:AdditionalDocumentReference")
        if description in [string_value(d) for d in select(reference, "cbc:DocumentDescription")]
    )
