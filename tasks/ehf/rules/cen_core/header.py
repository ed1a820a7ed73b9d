"""The EN 16931 rules whose context is the document root (``/ubl:Invoice | /cn:CreditNote``).

The root is matched by no earlier rule of the ``UBL-model`` pattern; the VAT-category asserts
of the same rule (BR-AE-01 …) belong to ``cen_vat`` and are evaluated there.
"""

from __future__ import annotations

from decimal import Decimal

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.cen_core._xp import filled
from tasks.ehf.vocabulary import (
    ACCOUNTING_CUSTOMER_PARTY,
    ACCOUNTING_SUPPLIER_PARTY,
    CREDIT_NOTE_TYPE_CODE,
    CUSTOMIZATION_ID,
    DESCRIPTION_CODE,
    DOCUMENT_CURRENCY_CODE,
    ID,
    INVOICE_PERIOD,
    INVOICE_TYPE_CODE,
    ISSUE_DATE,
    LEGAL_MONETARY_TOTAL,
    LINES,
    PARTY,
    PARTY_LEGAL_ENTITY,
    POSTAL_ADDRESS,
    REGISTRATION_NAME,
    TAX_AMOUNT,
    TAX_CURRENCY_CODE,
    TAX_EXCLUSIVE_AMOUNT,
    TAX_INCLUSIVE_AMOUNT,
    TAX_POINT_DATE,
    TAX_SUBTOTAL,
    TAX_TOTAL,
)
from tasks.ehf.xpathfn import (
    CastError,
    Children,
    blank,
    child,
    decimal,
    decimal_places,
    has_child,
    round2,
    string_value,
)

# BR-01..BR-05: a header field whose normalized value must not be empty.
_REQUIRED_FIELDS = (
    ("BR-01", CUSTOMIZATION_ID),
    ("BR-02", ID),
    ("BR-03", ISSUE_DATE),
    ("BR-05", DOCUMENT_CURRENCY_CODE),
)


@check(
    "BR-01", "BR-02", "BR-03", "BR-04", "BR-05", "BR-06", "BR-07", "BR-08", "BR-10", "BR-16",
    "BR-53", "BR-CO-03", "BR-CO-15", "BR-CO-18", "BR-DEC-13", "BR-DEC-15",
)  # fmt: skip
def check_document(doc: Document, report: Report) -> None:
    """The document-level presence, currency and VAT total rules."""
    if doc.kind is None:  # the root is not an Invoice or CreditNote
        return
    root = doc.root
    k = doc.kids(root)
    get = k.get
    for rule_id, tag in _REQUIRED_FIELDS:
        if not filled(get(tag)):
            report(rule_id, root, field=tag)
    if not filled(get(INVOICE_TYPE_CODE)) and not filled(get(CREDIT_NOTE_TYPE_CODE)):
        report("BR-04", root)
    _check_parties(doc, root, k, report)
    if LINES[0] not in k and LINES[1] not in k:
        report("BR-16", root)
    _check_tax_currency(doc, root, k, report)
    if TAX_POINT_DATE in k and any(
        has_child(p, DESCRIPTION_CODE) for p in k.get(INVOICE_PERIOD, ())
    ):
        report("BR-CO-03", root)
    # Shared: check_vat_total (BR-CO-14) and peppol read the same totals.
    totals = [doc.kids(t) for t in k.get(TAX_TOTAL, ())]
    _check_vat_total(doc, root, k, totals, report)
    for t in totals:
        if TAX_SUBTOTAL in t:
            break
    else:
        report("BR-CO-18", root)
    _check_vat_total_decimals(doc, root, k, report)


def _check_parties(doc: Document, root: Element, k: Children, report: Report) -> None:
    """BR-06, BR-07 (seller and buyer names), BR-08, BR-10 (their postal addresses)."""
    if not _named(k.first(ACCOUNTING_SUPPLIER_PARTY)):
        report("BR-06", root)
    if not _named(k.first(ACCOUNTING_CUSTOMER_PARTY)):
        report("BR-07", root)
    if not _has_postal_address(doc, k.get(ACCOUNTING_SUPPLIER_PARTY)):
        report("BR-08", root)
    if not _has_postal_address(doc, k.get(ACCOUNTING_CUSTOMER_PARTY)):
        report("BR-10", root)


def _named(holder: Element | None) -> bool:
    """``normalize-space(cac:Party/cac:PartyLegalEntity/cbc:RegistrationName) != ''`` from
    the seller's or buyer's element, following the first child at each step (measured
    cheaper than building parent maps of the document's entities and names)."""
    party = None if holder is None else child(holder, PARTY)
    entity = None if party is None else child(party, PARTY_LEGAL_ENTITY)
    name = None if entity is None else child(entity, REGISTRATION_NAME)
    return name is not None and not blank(string_value(name))


def _has_postal_address(doc: Document, holders: list[Element] | None) -> bool:
    """``exists(holder/cac:Party/cac:PostalAddress)`` over every holder and party, from the
    document's few postal addresses upwards rather than through each party's children."""
    if holders:
        for address in doc.all(POSTAL_ADDRESS):
            party = address.getparent()
            if party is not None and party.getparent() in holders and party.tag == PARTY:
                return True
    return False


def _check_tax_currency(doc: Document, root: Element, k: Children, report: Report) -> None:
    """BR-53: every VAT accounting currency has a VAT total in that currency (any TaxTotal)."""
    currencies = k.get(TAX_CURRENCY_CODE)
    if not currencies:
        return
    used = {
        ta.get("currencyID")
        for ta in doc.all(TAX_AMOUNT)
        if (p := ta.getparent()) is not None and p.tag == TAX_TOTAL
    }
    for currency in map(string_value, currencies):
        if currency not in used:
            report("BR-53", root, currency=currency)


def _check_vat_total(
    doc: Document, root: Element, k: Children, totals: list[Children], report: Report
) -> None:
    """BR-CO-15: total with VAT = total without VAT + the one VAT total in document currency.

    ``totals``: the children of each cac:TaxTotal of the root."""
    for currency in map(string_value, k.get(DOCUMENT_CURRENCY_CODE, ())):
        vat: list[Decimal | None] = []
        try:
            for total in totals:
                amounts = [a for a in total.get(TAX_AMOUNT, ()) if a.get("currencyID") == currency]
                if len(amounts) > 1:  # xs:decimal() of two nodes: a dynamic error
                    raise CastError(currency)
                vat.extend(decimal(a) for a in amounts)
            ok = len(vat) == 1 and _inclusive_matches(doc, k.get(LEGAL_MONETARY_TOTAL, []), vat[0])
        except CastError:
            ok = False
        if not ok:
            report("BR-CO-15", root, currency=currency, vat_totals=len(vat))


def _inclusive_matches(doc: Document, monetary: list[Element], vat: Decimal | None) -> bool:
    """``LMT/xs:decimal(TaxInclusiveAmount) = round2(LMT/xs:decimal(TaxExclusiveAmount) + vat)``
    (the first of each amount of each LegalMonetaryTotal, as ``check_monetary_totals``)."""
    exclusive: Element | None = None
    inclusive: list[Element] = []
    for m in monetary:
        get = doc.kids(m).get
        found = get(TAX_EXCLUSIVE_AMOUNT)
        if found is not None:
            if exclusive is not None:  # arithmetic on a sequence of two: a dynamic error
                raise CastError("TaxExclusiveAmount")
            exclusive = found[0]
        found = get(TAX_INCLUSIVE_AMOUNT)
        if found is not None:
            inclusive.append(found[0])
    if exclusive is None or vat is None:
        return False
    expected = round2(decimal(exclusive) + vat)  # type: ignore[operator]
    return any(decimal(amount) == expected for amount in inclusive)


def _check_vat_total_decimals(doc: Document, root: Element, k: Children, report: Report) -> None:
    """BR-DEC-13 and BR-DEC-15, exactly as written.

    The official tests filter ``cbc:TaxAmount[@currencyID = cbc:DocumentCurrencyCode]``: inside
    the predicate the path is relative to the TaxAmount, so it compares with a child of the
    amount, which a schema-valid document never has. The rules therefore only fire on such
    a malformed amount; we reproduce that instead of guessing the intent."""
    for rule_id, tag in (("BR-DEC-13", DOCUMENT_CURRENCY_CODE), ("BR-DEC-15", TAX_CURRENCY_CODE)):
        codes = doc.all(tag)
        if len(codes) == len(k.get(tag, ())):  # every such code is a child of the root
            continue
        amounts = []
        for code in codes:
            amount = code.getparent()
            if (
                amount is not None
                and amount.tag == TAX_AMOUNT
                and (total := amount.getparent()) is not None
                and total.tag == TAX_TOTAL
                and amount not in amounts
                and amount.get("currencyID") in {string_value(c) for c in amount if c.tag == tag}
            ):
                amounts.append(amount)
        # substring-after() of two nodes is a dynamic error: a finding.
        if amounts and (len(amounts) > 1 or decimal_places(string_value(amounts[0])) > 2):
            report(rule_id, root)
