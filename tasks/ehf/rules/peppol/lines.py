"""Peppol rules on allowances/charges, invoice lines, prices and line periods
(PEPPOL-EN16931-R040…R046, R100…R130).

Amounts follow the official arithmetic: ``xs:decimal`` casts, Saxon's decimal division and
``round(x * 10 * 10) div 100``. Where the official cast would stop with an error (an empty or
malformed number), the rule reports a finding instead. Casts go through ``xpathfn.decimal``,
which casts each distinct text once.
"""

from __future__ import annotations

from decimal import Decimal

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.lines_model import Line, lines
from tasks.ehf.rules.peppol.values import slack, xdiv, xmul
from tasks.ehf.vocabulary import (
    ALLOWANCE_CHARGE,
    AMOUNT,
    BASE_AMOUNT,
    BASE_QUANTITY,
    CHARGE_INDICATOR,
    CREDIT_NOTE,
    CREDIT_NOTE_LINE,
    CREDITED_QUANTITY,
    DOCUMENT_REFERENCE,
    DOCUMENT_TYPE_CODE,
    END_DATE,
    INVOICE,
    INVOICE_LINE,
    INVOICE_PERIOD,
    INVOICED_QUANTITY,
    MULTIPLIER_FACTOR_NUMERIC,
    PRICE,
    PRICE_AMOUNT,
    START_DATE,
)
from tasks.ehf.xpathfn import (
    CastError,
    Children,
    child,
    children,
    decimal,
    first_in,
    normalize_space,
    own_text,
    round2,
    string_value,
    xs_date,
)

_SLACK = Decimal("0.02")
_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
# The document-level and line-level allowance/charge contexts: (parent, grandparent or None).
_LINE_OF = {INVOICE: INVOICE_LINE, CREDIT_NOTE: CREDIT_NOTE_LINE}


def _dec(el: Element | None) -> Decimal:
    """``xs:decimal(el)``; CastError for a malformed value and for an absent element (the
    test then compares with the empty sequence, which the official engine rejects)."""
    value = decimal(el)
    if value is None:
        raise CastError("")
    return value


def _is_document_or_line_charge(el: Element) -> bool:
    """``Invoice/cac:AllowanceCharge | Invoice/cac:InvoiceLine/cac:AllowanceCharge`` (and the
    credit note equivalents)."""
    parent = el.getparent()
    if parent is None:
        return False
    if parent.tag in _LINE_OF:
        return True
    grand = parent.getparent()
    return grand is not None and _LINE_OF.get(grand.tag) == parent.tag


def _charge_amount_matches(charge: Children) -> bool:
    """R040: the amount is base amount × percentage / 100, give or take 0.02 (``charge``:
    the children of the allowance/charge by tag)."""
    try:
        amount_el = first_in(charge, AMOUNT)
        amount = _dec(amount_el) if amount_el is not None else _ZERO
        base = _dec(first_in(charge, BASE_AMOUNT))
        factor = _dec(first_in(charge, MULTIPLIER_FACTOR_NUMERIC))
    except CastError:
        return False
    return slack(amount, xdiv(xmul(base, factor), _HUNDRED), _SLACK)


@check("PEPPOL-EN16931-R040", "PEPPOL-EN16931-R041", "PEPPOL-EN16931-R042", "PEPPOL-EN16931-R043")
def allowances_and_charges(doc: Document, report: Report) -> None:
    """Document- and line-level allowances/charges: percentage, base and amount agree, and the
    charge indicator is true or false. One rule per node: R041, else R042, else R040/R043."""
    for el in doc.all(ALLOWANCE_CHARGE):
        if not _is_document_or_line_charge(el):
            continue
        charge = doc.kids(el)
        has_factor = MULTIPLIER_FACTOR_NUMERIC in charge
        has_base = BASE_AMOUNT in charge
        if has_factor and not has_base:
            report("PEPPOL-EN16931-R041", el)
            continue
        if has_base and not has_factor:
            report("PEPPOL-EN16931-R042", el)
            continue
        if has_factor and not _charge_amount_matches(charge):
            report(
                "PEPPOL-EN16931-R040",
                el,
                amount=string_value(first_in(charge, AMOUNT)),
                base=string_value(first_in(charge, BASE_AMOUNT)),
                percent=string_value(first_in(charge, MULTIPLIER_FACTOR_NUMERIC)),
            )
        indicator = normalize_space(own_text(first_in(charge, CHARGE_INDICATOR)))
        if indicator not in ("true", "false"):
            report("PEPPOL-EN16931-R043", el, indicator=indicator)


def _line_period_rules(doc: Document, report: Report) -> None:
    """R110/R111: a line period lies within the invoice period, where that is given."""
    if not doc.has(INVOICE_PERIOD):
        return
    for root in (*doc.all(INVOICE), *doc.all(CREDIT_NOTE)):
        line_tag = _LINE_OF[root.tag]
        # The document's and its lines' periods, from the tag index (the root has many
        # children and most lines have no period).
        periods: list[Element] = []
        line_periods: list[Element] = []
        for period in doc.all(INVOICE_PERIOD):
            parent = period.getparent()
            if parent is root:
                periods.append(period)
            elif parent is not None and parent.tag == line_tag and parent.getparent() is root:
                line_periods.append(period)
        if not line_periods:  # the usual case: a document period only
            continue
        for tag, rule, inside in (
            (START_DATE, "PEPPOL-EN16931-R110", lambda line, whole: line >= whole),
            (END_DATE, "PEPPOL-EN16931-R111", lambda line, whole: line <= whole),
        ):
            bounds = [d for p in periods for d in children(p, tag)]
            if not bounds:
                continue
            # xs:date() of more than one invoice period date stops the official engine.
            whole = xs_date(string_value(bounds[0])) if len(bounds) == 1 else None
            for period in line_periods:
                for date in children(period, tag):
                    value = xs_date(own_text(date))
                    if value is None or whole is None or not inside(value, whole):
                        report(rule, date, line_date=string_value(date))


def _sum_rounded(amounts: list[Element]) -> Decimal:
    """``round(sum(cbc:Amount/xs:decimal(.)) * 10 * 10) div 100`` over these amounts."""
    if not amounts:
        return _ZERO
    total = _ZERO
    for amount in amounts:
        total += _dec(amount)
    return round2(total)


def _line_adjustments(doc: Document, line_charges: list[Element]) -> tuple[Decimal, Decimal]:
    """The rounded sums of a line's charges and of its allowances (R120). Their children
    were indexed by ``allowances_and_charges`` (R040-R043), which reads every line's."""
    allowances: list[Element] = []
    charges: list[Element] = []
    for ac in line_charges:
        children = doc.kids(ac)
        indicator = normalize_space(string_value(first_in(children, CHARGE_INDICATOR)))
        if indicator == "false":
            allowances.extend(children.get(AMOUNT, ()))
        elif indicator == "true":
            charges.extend(children.get(AMOUNT, ()))
    return _sum_rounded(charges), _sum_rounded(allowances)


def _dec_or(found: list[Element] | None, default: Decimal) -> Decimal:
    """``xs:decimal`` of the first of ``found`` (a children index's list), ``default`` when
    there is none."""
    if not found:
        return default
    value = decimal(found[0])
    assert value is not None  # decimal() answers None for an absent element only
    return value


def _line_amount_matches(doc: Document, line: Line, quantity_tag: str) -> bool:
    """R120: line net amount = quantity × (price / base quantity) + charges − allowances.

    The price is the line's first; ``quantity_tag`` is the invoiced or credited quantity, by
    the document's kind."""
    get = line.kids.get
    price = line.price
    try:
        if line.net is None:
            extension = _ZERO
        elif line.amount is None:
            raise CastError(line.net)
        else:
            extension = line.amount
        quantity = _dec_or(get(quantity_tag), _ONE)
        net_price = _dec_or(price.get(PRICE_AMOUNT), _ZERO)
        base = _dec_or(price.get(BASE_QUANTITY), _ZERO) or _ONE
        calculated = xmul(quantity, xdiv(net_price, base))
        line_charges = get(ALLOWANCE_CHARGE)
        if line_charges is not None:
            charges, allowances = _line_adjustments(doc, line_charges)
            calculated = calculated + charges - allowances
    except CastError:
        return False
    return slack(extension, calculated, _SLACK)


@check(
    "PEPPOL-EN16931-R100",
    "PEPPOL-EN16931-R101",
    "PEPPOL-EN16931-R110",
    "PEPPOL-EN16931-R111",
    "PEPPOL-EN16931-R120",
    "PEPPOL-EN16931-R121",
    "PEPPOL-EN16931-R130",
)
def invoice_lines(doc: Document, report: Report) -> None:
    """Line amounts, base quantities and their units, invoiced objects and line periods.

    One pass over the lines of ``lines_model``, which cen_core reads too."""
    is_invoice = doc.root.tag == INVOICE
    quantity_tag = INVOICED_QUANTITY if is_invoice else CREDITED_QUANTITY
    units: list[tuple[Element, Children]] = []
    for model in lines(doc):
        line_el = model.el
        line = model.kids
        if not _line_amount_matches(doc, model, quantity_tag):
            report("PEPPOL-EN16931-R120", line_el, line_amount=model.net or "")
        bases = model.price.get(BASE_QUANTITY)
        if bases is not None:
            if not _positive(bases[0]):
                report("PEPPOL-EN16931-R121", line_el, base_quantity=string_value(bases[0]))
            units.extend((base, line) for base in bases)
        line_prices = line.get(PRICE)
        if line_prices is not None and len(line_prices) > 1:
            # A second price is malformed, but has its context.
            units.extend(
                (base, line)
                for price_el in line_prices[1:]
                for base in children(price_el, BASE_QUANTITY)
            )
        references = line.get(DOCUMENT_REFERENCE)
        if references is not None:
            if len(references) > 1:
                report("PEPPOL-EN16931-R100", line_el, count=len(references))
            if not any(
                string_value(code) == "130"
                for ref in references
                for code in children(ref, DOCUMENT_TYPE_CODE)
            ):
                report("PEPPOL-EN16931-R101", line_el)
    if doc.has(BASE_QUANTITY):
        _base_quantity_units(doc, units, is_invoice, report)
    _line_period_rules(doc, report)


def _positive(el: Element) -> bool:
    """R121: ``xs:decimal(el) > 0``; a malformed number is not."""
    try:
        return _dec(el) > 0
    except CastError:
        return False


def _base_quantity_units(
    doc: Document,
    on_lines: list[tuple[Element, Children]],
    is_invoice: bool,
    report: Report,
) -> None:
    """R130: a price's base quantity is in the unit of the line's quantity.

    The context is any ``cac:Price/cbc:BaseQuantity[@unitCode]``; ``on_lines`` are those of
    the lines' prices, each with its line's children. A price elsewhere (only in a malformed
    fragment) is read from the tag index."""
    everywhere = doc.all(BASE_QUANTITY)
    pairs = on_lines
    if len(pairs) != len(everywhere):
        seen = {base for base, _ in pairs}
        for base in everywhere:
            price = base.getparent() if base not in seen else None
            if price is not None and price.tag == PRICE and price.getparent() is not None:
                pairs.append((base, doc.kids(price.getparent())))  # type: ignore[arg-type]
    for base, line in pairs:
        unit = base.get("unitCode")
        if unit is None:
            continue
        invoiced, credited = line.get(INVOICED_QUANTITY), line.get(CREDITED_QUANTITY)
        if not invoiced and not credited:
            continue
        quantities = (invoiced if is_invoice else credited) or ()
        if unit not in [q.get("unitCode") for q in quantities]:
            report("PEPPOL-EN16931-R130", base, unit=unit)


def _net_price_matches(ac: Element, price_el: Element) -> bool:
    """R046: net price = gross price − allowance, exactly, when the gross price is given."""
    try:
        price = _dec(child(price_el, PRICE_AMOUNT))
        gross = _dec(child(ac, BASE_AMOUNT))
        allowance = _dec(child(ac, AMOUNT))
    except CastError:
        return False
    return price == gross - allowance


@check("PEPPOL-EN16931-R044", "PEPPOL-EN16931-R046")
def prices(doc: Document, report: Report) -> None:
    """Price-level allowances (never charges, and net = gross - allowance)."""
    for ac in doc.all(ALLOWANCE_CHARGE):
        parent = ac.getparent()
        if parent is None or parent.tag != PRICE:
            continue
        indicator = normalize_space(string_value(child(ac, CHARGE_INDICATOR)))
        if indicator != "false":
            report("PEPPOL-EN16931-R044", ac, indicator=indicator)
        if child(ac, BASE_AMOUNT) is not None and not _net_price_matches(ac, parent):
            report("PEPPOL-EN16931-R046", ac)
