"""Sweden (SE-R-*): VAT and organisation numbers, F-skatt, VAT rates and giro accounts.

The Swedish pattern does not use ``$supplierCountry``: it tests the seller party's postal
address country as written ('SE'), and for some rules also a VAT number starting 'SE'."""

from __future__ import annotations

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.national._common import (
    ancestor,
    is_number,
    swedish_orgnr,
    vat_ids,
    xnumber,
)
from tasks.ehf.vocabulary import (
    ACCOUNTING_CUSTOMER_PARTY,
    ACCOUNTING_SUPPLIER_PARTY,
    CLASSIFIED_TAX_CATEGORY,
    COUNTRY,
    IDENTIFICATION_CODE,
    PARTY,
    PAYMENT_MEANS,
    POSTAL_ADDRESS,
    TAX_CATEGORY,
)
from tasks.ehf.xpathfn import (
    exists,
    normalize_space,
    ntext,
    select,
    string_value,
    tax_scheme_id,
    text,
)

_TAX_CATEGORIES = (TAX_CATEGORY, CLASSIFIED_TAX_CATEGORY)
_TO_PARTY = (POSTAL_ADDRESS, COUNTRY)  # a country code's path below its party
_STANDARD_RATES = (25.0, 12.0, 6.0)
_F_SKATT = "GODKÄND FÖR F-SKATT"


@check(
    "SE-R-001",
    "SE-R-002",
    "SE-R-003",
    "SE-R-004",
    "SE-R-005",
    "SE-R-006",
    "SE-R-007",
    "SE-R-008",
    "SE-R-009",
    "SE-R-010",
    "SE-R-011",
    "SE-R-012",
    "SE-R-013",
)
def swedish_rules(doc: Document, report: Report) -> None:
    """All Swedish rules, gated on a seller party with a Swedish postal address."""
    sellers = _parties_in_sweden(doc, ACCOUNTING_SUPPLIER_PARTY)
    if not sellers:
        return
    vat_registered = False
    for party in sellers:
        numbers = vat_ids(party, exact=True)
        if any(v[:2] == "SE" for v in numbers):
            vat_registered = True
            _vat_number(party, numbers[0], report)
        _legal_entity(party, report)
    if vat_registered:
        _vat_rates(doc, report)
    _payment_means(doc, report)


def _parties_in_sweden(doc: Document, role: str) -> list[Element]:
    """The ``{role}/cac:Party`` elements (anywhere) with a postal address country 'SE' as
    written, in document order: read bottom-up from the country codes, which are few."""
    parties: list[Element] = []
    for code in doc.all(IDENTIFICATION_CODE):
        if string_value(code) != "SE":
            continue
        party = ancestor(code, _TO_PARTY)
        if party is None or party.tag != PARTY or party in parties:
            continue
        holder = party.getparent()
        if holder is not None and holder.tag == role:
            parties.append(party)
    return parties


def _vat_number(party: Element, vat: str, report: Report) -> None:
    if len(normalize_space(vat)) != 14:
        report("SE-R-001", party, vat=vat)
    if not is_number(vat[2:14]):
        report("SE-R-002", party, vat=vat)


def _legal_entity(party: Element, report: Report) -> None:
    entities = select(party, "cac:PartyLegalEntity")
    for entity in entities:
        if not exists(entity, "cbc:CompanyID"):
            continue
        raw = text(entity, "cbc:CompanyID")
        number = normalize_space(raw)
        if not is_number(raw):
            report("SE-R-003", entity, company_id=raw)
        if len(number) != 10:
            report("SE-R-004", entity, company_id=raw)
        if not swedish_orgnr(number):
            report("SE-R-013", entity, company_id=raw)
    if not any(exists(e, "cbc:CompanyID") for e in entities):
        return
    for scheme in select(party, "cac:PartyTaxScheme"):
        if tax_scheme_id(scheme).upper() == "VAT":  # normalize-space(upper-case(...))
            continue
        for company_id in select(scheme, "cbc:CompanyID"):
            if normalize_space(string_value(company_id).upper()) != _F_SKATT:
                report("SE-R-005", company_id, value=string_value(company_id))


def _vat_rates(doc: Document, report: Report) -> None:
    for tag in _TAX_CATEGORIES:
        for category in doc.all(tag):
            if not any(string_value(i) == "S" for i in select(category, "cbc:ID")):
                continue
            rate = xnumber(text(category, "cbc:Percent"))
            if rate not in _STANDARD_RATES:
                report("SE-R-006", category, percent=text(category, "cbc:Percent"))


def _payment_means(doc: Document, report: Report) -> None:
    buyer_se = bool(_parties_in_sweden(doc, ACCOUNTING_CUSTOMER_PARTY))
    for means in doc.all(PAYMENT_MEANS):
        codes = [string_value(c) for c in select(means, "cbc:PaymentMeansCode")]
        if ntext(means, "cbc:PaymentMeansCode") == "30":
            giro = ntext(means, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID")
            if giro in ("SE:PLUSGIRO", "SE:BANKGIRO"):
                for account in select(means, "cac:PayeeFinancialAccount/cbc:ID"):
                    _giro_account(account, giro == "SE:PLUSGIRO", report)
        if "50" in codes or "56" in codes:
            report("SE-R-011", means, code=codes[0])
        elif buyer_se and "31" in codes:
            report("SE-R-012", means)


def _giro_account(account: Element, plusgiro: bool, report: Report) -> None:
    value = normalize_space(string_value(account))
    if plusgiro:
        if not is_number(value):
            report("SE-R-007", account, account=value)
        if not 2 <= len(value) <= 8:
            report("SE-R-010", account, account=value)
    else:
        if not is_number(value):
            report("SE-R-008", account, account=value)
        if len(value) not in (7, 8):
            report("SE-R-009", account, account=value)
