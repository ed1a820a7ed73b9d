"""Parties, addresses, payment and references: the presence rules of BG-4 … BG-24 and the
VAT identifier prefix (BR-CO-09)."""

from __future__ import annotations

from functools import cache

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, catalogue, check
from tasks.ehf.rules.cen_core._common import first_children
from tasks.ehf.vocabulary import (
    ACCOUNTING_CUSTOMER_PARTY,
    ACCOUNTING_SUPPLIER_PARTY,
    ADDITIONAL_DOCUMENT_REFERENCE,
    ADDRESS,
    BILLING_REFERENCE,
    CARD_ACCOUNT,
    COMPANY_ID,
    COUNTRY,
    DELIVERY,
    DELIVERY_LOCATION,
    ENDPOINT_ID,
    ID,
    IDENTIFICATION_CODE,
    INVOICE_DOCUMENT_REFERENCE,
    NAME,
    PARTY,
    PARTY_IDENTIFICATION,
    PARTY_LEGAL_ENTITY,
    PARTY_NAME,
    PARTY_TAX_SCHEME,
    PAYEE_FINANCIAL_ACCOUNT,
    PAYEE_PARTY,
    PAYMENT_MEANS,
    PAYMENT_MEANS_CODE,
    POSTAL_ADDRESS,
    PRIMARY_ACCOUNT_NUMBER_ID,
    TAX_REPRESENTATIVE_PARTY,
)
from tasks.ehf.xpathfn import (
    blank,
    child,
    children_by_tag,
    has_child,
    is_vat_scheme,
    normalize_space,
    ntext,
    string_value,
)

CREDIT_TRANSFER = ("30", "58")


def _parent_is(el: Element, *tags: str) -> bool:
    """True when the ancestors of ``el``, nearest first, have exactly these tags."""
    node: Element | None = el
    for tag in tags:
        node = node.getparent() if node is not None else None
        if node is None or node.tag != tag:
            return False
    return True


@check("BR-62", "BR-63")
def check_endpoints(doc: Document, report: Report) -> None:
    """The seller's and buyer's electronic addresses carry a scheme identifier."""
    for endpoint in doc.all(ENDPOINT_ID):
        if endpoint.get("schemeID") is not None:
            continue
        if _parent_is(endpoint, PARTY, ACCOUNTING_SUPPLIER_PARTY):
            report("BR-62", endpoint)
        elif _parent_is(endpoint, PARTY, ACCOUNTING_CUSTOMER_PARTY):
            report("BR-63", endpoint)


@check("BR-09", "BR-11", "BR-20", "BR-57")
def check_address_countries(doc: Document, report: Report) -> None:
    """Seller, buyer, tax representative and delivery addresses name their country."""
    countries = first_children(doc, COUNTRY)
    codes = first_children(doc, IDENTIFICATION_CODE)
    for address in doc.all(POSTAL_ADDRESS):
        # normalize-space(cac:Country/cbc:IdentificationCode), the first child at each step.
        code = codes.get(countries.get(address))  # type: ignore[arg-type]
        if code is not None and not blank(string_value(code)):
            continue
        if _parent_is(address, PARTY, ACCOUNTING_SUPPLIER_PARTY):
            report("BR-09", address)
        elif _parent_is(address, PARTY, ACCOUNTING_CUSTOMER_PARTY):
            report("BR-11", address)
        elif _parent_is(address, TAX_REPRESENTATIVE_PARTY):
            report("BR-20", address)
    for address in doc.all(ADDRESS):
        # BR-57 asks only for the element, over every cac:Country.
        if _parent_is(address, DELIVERY_LOCATION, DELIVERY) and not any(
            has_child(c, IDENTIFICATION_CODE) for c in address if c.tag == COUNTRY
        ):
            report("BR-57", address)


@check("BR-52", "BR-55")
def check_references(doc: Document, report: Report) -> None:
    """Supporting documents have a reference; preceding invoice references have an ID."""
    for ref in doc.all(ADDITIONAL_DOCUMENT_REFERENCE):
        if ntext(ref, "cbc:ID") == "":
            report("BR-52", ref)
    for ref in doc.all(BILLING_REFERENCE):
        if not any(has_child(r, ID) for r in ref if r.tag == INVOICE_DOCUMENT_REFERENCE):
            report("BR-55", ref)


@check("BR-49", "BR-50", "BR-51", "BR-61")
def check_payment(doc: Document, report: Report) -> None:
    """Payment instructions (BG-16): a means code, an account for credit transfers, and no
    full card number (BR-51 is a warning)."""
    for means in doc.all(PAYMENT_MEANS):
        k = children_by_tag(means)
        codes = k.get(PAYMENT_MEANS_CODE, [])
        if not codes:
            report("BR-49", means)
        accounts = k.get(PAYEE_FINANCIAL_ACCOUNT, [])
        account_ids = [child(a, ID) for a in accounts]
        code = normalize_space(string_value(codes[0])) if codes else ""
        if code in CREDIT_TRANSFER and all(i is None for i in account_ids):
            report("BR-61", means, code=code)
        # BR-50's context compares the raw codes, not the normalized one.
        if any(string_value(c) in CREDIT_TRANSFER for c in codes):
            for account, ident in zip(accounts, account_ids, strict=True):
                if ident is None or blank(string_value(ident)):
                    report("BR-50", account)
    for number in doc.all(PRIMARY_ACCOUNT_NUMBER_ID):
        if len(normalize_space(string_value(number))) > 10 and _parent_is(
            number, CARD_ACCOUNT, PAYMENT_MEANS
        ):
            report("BR-51", number)


@check("BR-17", "BR-CO-26")
def check_seller_and_payee(doc: Document, report: Report) -> None:
    """The seller can be identified (BR-CO-26); a payee other than the seller is named."""
    for supplier in doc.all(ACCOUNTING_SUPPLIER_PARTY):
        if not _seller_identified(doc, supplier):
            report("BR-CO-26", supplier)
    for payee in doc.all(PAYEE_PARTY):
        if not _payee_named(doc, payee):
            report("BR-17", payee)


def _seller_identified(doc: Document, supplier: Element) -> bool:
    """``exists(cac:Party/cac:PartyTaxScheme[VAT]/cbc:CompanyID) or
    exists(cac:Party/cac:PartyIdentification/cbc:ID[@schemeID != 'SEPA']) or
    exists(cac:Party/cac:PartyLegalEntity/cbc:CompanyID)`` from a seller.

    Found from the document's few company identifiers and party identifications upwards,
    not through every child of the seller's party."""
    for company in doc.all(COMPANY_ID):
        holder = company.getparent()
        party = None if holder is None else holder.getparent()
        if party is not None and party.getparent() is supplier and party.tag == PARTY:
            tag = holder.tag  # type: ignore[union-attr]
            if tag == PARTY_LEGAL_ENTITY or (tag == PARTY_TAX_SCHEME and is_vat_scheme(holder)):  # type: ignore[arg-type]
                return True
    for identification in doc.all(PARTY_IDENTIFICATION):
        party = identification.getparent()
        if (
            party is not None
            and party.getparent() is supplier
            and party.tag == PARTY
            and any(i.tag == ID and i.get("schemeID") != "SEPA" for i in identification)
        ):
            return True
    return False


def _values(nodes: list[Element], *path: str) -> set[str]:
    """String values of every node reached from ``nodes`` by the child path."""
    for tag in path:
        nodes = [c for n in nodes for c in n if c.tag == tag]
    return {string_value(n) for n in nodes}


def _payee_named(doc: Document, payee: Element) -> bool:
    """BR-17: a payee name, and neither that name nor a payee identifier equals the seller's."""
    names = _values([payee], PARTY_NAME, NAME)
    if not names:
        return False
    parent = payee.getparent()
    # The sellers through the parent's children index: the parent is the root, normally.
    sellers = [] if parent is None else doc.kids(parent).get(ACCOUNTING_SUPPLIER_PARTY, [])
    seller_parties = [c for s in sellers for c in s if c.tag == PARTY]
    seller_names = _values(seller_parties, PARTY_NAME, NAME)
    seller_ids = _values(seller_parties, PARTY_IDENTIFICATION, ID)
    return not (names & seller_names) and not (
        _values([payee], PARTY_IDENTIFICATION, ID) & seller_ids
    )


@check("BR-18", "BR-19", "BR-56")
def check_tax_representative(doc: Document, report: Report) -> None:
    """A seller tax representative (BG-11) has a name, an address and a VAT identifier."""
    for rep in doc.all(TAX_REPRESENTATIVE_PARTY):
        names = [n for p in rep if p.tag == PARTY_NAME for n in p if n.tag == NAME]
        if not names or normalize_space(string_value(names[0])) == "":
            report("BR-18", rep)
        if not has_child(rep, POSTAL_ADDRESS):
            report("BR-19", rep)
        if not any(
            c.tag == PARTY_TAX_SCHEME and is_vat_scheme(c) and has_child(c, COMPANY_ID) for c in rep
        ):
            report("BR-56", rep)


@cache
def _vat_prefixes() -> str:
    """The release's space-separated list of VAT identifier prefixes, spaces around each."""
    return catalogue()["BR-CO-09"].data["prefixes"]


@check("BR-CO-09")
def check_vat_prefix(doc: Document, report: Report) -> None:
    """BR-CO-09: a VAT identifier starts with a country prefix (EL for Greece).

    As in the release, the test is whether the first two characters occur in the list
    string, so an absent identifier passes (the empty string is always contained)."""
    prefixes = _vat_prefixes()
    for scheme in doc.all(PARTY_TAX_SCHEME):
        if not is_vat_scheme(scheme):
            continue
        prefix = string_value(child(scheme, COMPANY_ID))[:2]
        if prefix not in prefixes:
            report("BR-CO-09", scheme, prefix=prefix)
