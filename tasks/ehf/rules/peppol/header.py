"""Document-level Peppol rules: empty elements, process and specification ids, references,
tax totals, parties, payment mandates and currencies (PEPPOL-EN16931-R001…R080)."""

from __future__ import annotations

from tasks.ehf.document import Document, Element, tree_scan
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.peppol.common import both_german, profile
from tasks.ehf.vocabulary import (
    ACCOUNTING_CUSTOMER_PARTY,
    ACCOUNTING_SUPPLIER_PARTY,
    ADDITIONAL_DOCUMENT_REFERENCE,
    BUYER_REFERENCE,
    CREDIT_NOTE,
    CUSTOMIZATION_ID,
    DOCUMENT_CURRENCY_CODE,
    DOCUMENT_TYPE_CODE,
    ENDPOINT_ID,
    ID,
    INVOICE,
    NOTE,
    ORDER_REFERENCE,
    PARTY,
    PAYMENT_MANDATE,
    PAYMENT_MEANS,
    PAYMENT_MEANS_CODE,
    PROFILE_ID,
    TAX_AMOUNT,
    TAX_CURRENCY_CODE,
    TAX_SUBTOTAL,
    TAX_TOTAL,
)
from tasks.ehf.xpathfn import (
    child,
    children,
    first_in,
    follow,
    normalize_space,
    own_text,
    string_value,
    to_number,
)

_CUSTOMIZATION_PREFIX = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"

_ENDPOINT_RULES = {
    ACCOUNTING_CUSTOMER_PARTY: "PEPPOL-EN16931-R010",
    ACCOUNTING_SUPPLIER_PARTY: "PEPPOL-EN16931-R020",
}


@check("PEPPOL-EN16931-R008")
def empty_elements(doc: Document, report: Report) -> None:
    """No element may be empty (white space only and no child elements)."""
    for el in tree_scan(doc).empty:
        report("PEPPOL-EN16931-R008", el, element=el.tag)


@check("PEPPOL-EN16931-R080")
def one_project_reference(doc: Document, report: Report) -> None:
    """A credit note has at most one project reference (document type code 50)."""
    for note in doc.all(CREDIT_NOTE):
        projects = [
            ref
            for ref in children(note, ADDITIONAL_DOCUMENT_REFERENCE)
            if any(string_value(c) == "50" for c in children(ref, DOCUMENT_TYPE_CODE))
        ]
        if len(projects) > 1:
            report("PEPPOL-EN16931-R080", note, count=len(projects))


def _same_sign(totals: list[Element], tax_currency: str, document_currency: str) -> bool:
    """R055: some VAT total in each currency is <= 0, or some in each is >= 0."""
    by_tax: list[float] = []
    by_document: list[float] = []
    for total in totals:
        for amount in children(total, TAX_AMOUNT):
            value = to_number(string_value(amount))
            if value is None:  # the official cast would stop; count it as no evidence
                continue
            currency = amount.get("currencyID")
            if currency == tax_currency:
                by_tax.append(float(value))
            if currency == document_currency:
                by_document.append(float(value))
    return (any(v <= 0 for v in by_tax) and any(v <= 0 for v in by_document)) or (
        any(v >= 0 for v in by_tax) and any(v >= 0 for v in by_document)
    )


def _document_root_rule(doc: Document, el: Element, report: Report) -> None:
    groups = doc.kids(el)

    if PROFILE_ID not in groups:
        report("PEPPOL-EN16931-R001", el)
    if profile(doc) == "Unknown":
        report("PEPPOL-EN16931-R007", el, profile=string_value(child(doc.root, PROFILE_ID)))
    notes = len(groups.get(NOTE, ()))
    if notes > 1 and not both_german(doc):
        report("PEPPOL-EN16931-R002", el, count=notes)
    if BUYER_REFERENCE not in groups and not any(
        child(ref, ID) is not None for ref in groups.get(ORDER_REFERENCE, ())
    ):
        report("PEPPOL-EN16931-R003", el)
    spec = _text_nodes(first_in(groups, CUSTOMIZATION_ID))
    if not spec.startswith(_CUSTOMIZATION_PREFIX) or "::" in spec:
        report("PEPPOL-EN16931-R004", el, value=spec)
    totals = groups.get(TAX_TOTAL, [])
    # The totals' children are indexed already (cen_core reads them for BR-CO-14).
    with_subtotals = 0
    for total in totals:
        if TAX_SUBTOTAL in doc.kids(total):
            with_subtotals += 1
    if with_subtotals != 1:
        report("PEPPOL-EN16931-R053", el, count=with_subtotals)
    tax_currency = first_in(groups, TAX_CURRENCY_CODE)
    without = len(totals) - with_subtotals
    if without != (1 if tax_currency is not None else 0):
        report("PEPPOL-EN16931-R054", el, count=without)
    if tax_currency is not None:
        currency = normalize_space(string_value(tax_currency))
        document_currency = normalize_space(string_value(first_in(groups, DOCUMENT_CURRENCY_CODE)))
        if not _same_sign(totals, currency, document_currency):
            report("PEPPOL-EN16931-R055", el, tax_currency=currency)


@check(
    "PEPPOL-EN16931-R001",
    "PEPPOL-EN16931-R002",
    "PEPPOL-EN16931-R003",
    "PEPPOL-EN16931-R004",
    "PEPPOL-EN16931-R005",
    "PEPPOL-EN16931-R007",
    "PEPPOL-EN16931-R010",
    "PEPPOL-EN16931-R020",
    "PEPPOL-EN16931-R053",
    "PEPPOL-EN16931-R054",
    "PEPPOL-EN16931-R055",
    "PEPPOL-EN16931-R061",
)
def document_level(doc: Document, report: Report) -> None:
    """The document-level rules of the main Peppol pattern (their contexts never overlap)."""
    for el in (*doc.all(INVOICE), *doc.all(CREDIT_NOTE)):
        _document_root_rule(doc, el, report)
    for el in doc.all(TAX_CURRENCY_CODE):
        parent = el.getparent()
        document_currency = child(parent, DOCUMENT_CURRENCY_CODE) if parent is not None else None
        if _text_nodes(el) == _text_nodes(document_currency):
            report("PEPPOL-EN16931-R005", el, currency=_text_nodes(el))
    # The buyer's and the seller's cac:Party need a cbc:EndpointID: found from the few
    # endpoints and parties of the tag index rather than by reading each party's children.
    with_endpoint = {endpoint.getparent() for endpoint in doc.all(ENDPOINT_ID)}
    for party in doc.all(PARTY):
        role = party.getparent()
        rule = _ENDPOINT_RULES.get(role.tag) if role is not None else None
        if rule is not None and party not in with_endpoint:
            report(rule, party)
    for means in doc.all(PAYMENT_MEANS):
        code = normalize_space(string_value(child(means, PAYMENT_MEANS_CODE)))
        if code in ("49", "59") and not follow([means], (PAYMENT_MANDATE, ID)):
            report("PEPPOL-EN16931-R061", means, code=code)


def _text_nodes(el: Element | None) -> str:
    """``normalize-space(el/text())``: the element's own text, not its descendants'."""
    return normalize_space(own_text(el))
