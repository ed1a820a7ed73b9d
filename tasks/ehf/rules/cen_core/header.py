"""The EN 16931 rules whose context is the document root (``/ubl:Invoice | /cn:CreditNote``).

The root is matched by no earlier rule of the ``UBL-model`` pattern; the VAT-category asserts
of the same rule (BR-AE-01 …) belong to ``cen_vat`` and are evaluated there.
"""

from __future__ import annotations

from decimal import Decimal

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.cen_core._common import filled
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
    first_in,
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


def _root(doc: Document) -> Children | None:
    """The children of an Invoice or CreditNote root (None for any other root: these rules'
    context is ``/ubl:Invoice | /cn:CreditNote``)."""
    return None if doc.kind is None else doc.kids(doc.root)


@check("BR-01", "BR-02", "BR-03", "BR-04", "BR-05")
def check_required_fields(doc: Document, report: Report) -> None:
    """The specification identifier, number, issue date, type code and currency are given."""
    if (k := _root(doc)) is None:
        return
    for rule_id, tag in _REQUIRED_FIELDS:
        if not filled(k.get(tag)):
            report(rule_id, doc.root, field=tag)
    if not filled(k.get(INVOICE_TYPE_CODE)) and not filled(k.get(CREDIT_NOTE_TYPE_CODE)):
        report("BR-04", doc.root)


@check("BR-16")
def check_has_lines(doc: Document, report: Report) -> None:
    """An invoice has at least one line."""
    if (k := _root(doc)) is not None and LINES[0] not in k and LINES[1] not in k:
        report("BR-16", doc.root)


@check("BR-CO-03")
def check_tax_point_date(doc: Document, report: Report) -> None:
    """A VAT point date and a VAT point date code exclude each other."""
    if (k := _root(doc)) is None or TAX_POINT_DATE not in k:
        return
    if any(has_child(p, DESCRIPTION_CODE) for p in k.get(INVOICE_PERIOD, ())):
        report("BR-CO-03", doc.root)


@check("BR-CO-18")
def check_vat_breakdown_given(doc: Document, report: Report) -> None:
    """An invoice has at least one VAT breakdown (a cac:TaxTotal with a cac:TaxSubtotal)."""
    if (k := _root(doc)) is None:
        return
    # Shared: check_vat_total (BR-CO-14) and peppol read the same totals.
    if not any(TAX_SUBTOTAL in doc.kids(t) for t in k.get(TAX_TOTAL, ())):
        report("BR-CO-18", doc.root)


@check("BR-06", "BR-07", "BR-08", "BR-10")
def check_parties(doc: Document, report: Report) -> None:
    """The seller and the buyer have a name and a postal address."""
    if (k := _root(doc)) is None:
        return
    root = doc.root
    if not _named(first_in(k, ACCOUNTING_SUPPLIER_PARTY)):
        report("BR-06", root)
    if not _named(first_in(k, ACCOUNTING_CUSTOMER_PARTY)):
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


@check("BR-53")
def check_tax_currency(doc: Document, report: Report) -> None:
    """Every VAT accounting currency has a VAT total in that currency (any TaxTotal)."""
    currencies = None if (k := _root(doc)) is None else k.get(TAX_CURRENCY_CODE)
    if not currencies:
        return
    used = {
        ta.get("currencyID")
        for ta in doc.all(TAX_AMOUNT)
        if (p := ta.getparent()) is not None and p.tag == TAX_TOTAL
    }
    for currency in map(string_value, currencies):
        if currency not in used:
            report("BR-53", doc.root, currency=currency)


@check("BR-CO-15")
def check_total_with_vat(doc: Document, report: Report) -> None:
    """Total with VAT = total without VAT + the one VAT total in document currency."""
    if (k := _root(doc)) is None:
        return
    root = doc.root
    totals = [doc.kids(t) for t in k.get(TAX_TOTAL, ())]
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


@check("BR-DEC-13", "BR-DEC-15")
def check_vat_total_decimals(doc: Document, report: Report) -> None:
    """BR-DEC-13 and BR-DEC-15, exactly as written.

    The official tests filter ``cbc:TaxAmount[@currencyID = cbc:DocumentCurrencyCode]``: inside
    the predicate the path is relative to the TaxAmount, so it compares with a child of the
    amount, which a schema-valid document never has. The rules therefore only fire on such
    a malformed amount; we reproduce that instead of guessing the intent."""
    if (k := _root(doc)) is None:
        return
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
            report(rule_id, doc.root)
