"""UBL-SR: how often an element may occur, and the few structural musts of the pattern.

Most rules are ``count(path) <= n`` under a Schematron context; they are catalogue data
(``context``, ``count``, ``max``/``min``). Those under the root and under the lines are
counted on the root paths ``restrictions.structure`` already resolves; the others are
counted under their context elements, once the tag index shows that they can fail at all (a
rule whose elements are absent, or fewer than its maximum, costs a lookup or two). Rules with
predicates or comparisons are functions.
"""

from __future__ import annotations

from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.ubl_syntax._data import (
    CountRule,
    count_rules,
    string_values,
)
from tasks.ehf.rules.ubl_syntax.restrictions import structure
from tasks.ehf.vocabulary import (
    ACCOUNTING_CUSTOMER_PARTY,
    ACCOUNTING_SUPPLIER_PARTY,
    ADDITIONAL_DOCUMENT_REFERENCE,
    ALLOWANCE_CHARGE,
    ALLOWANCE_CHARGE_REASON,
    BILLING_REFERENCE,
    COMPANY_ID,
    DOCUMENT_TYPE_CODE,
    ID,
    INVOICE_DOCUMENT_REFERENCE,
    NAME,
    PARTY,
    PARTY_IDENTIFICATION,
    PARTY_LEGAL_ENTITY,
    PARTY_NAME,
    PARTY_TAX_SCHEME,
    PAYEE_PARTY,
    PAYMENT_ID,
    PAYMENT_MEANS_CODE,
    REGISTRATION_NAME,
    TAX_SCHEME,
)
from tasks.ehf.xpathfn import chain_top, charge_indicators, child, follow, string_value

_COUNTS = count_rules()


def _context_elements(doc: Document, rule: CountRule) -> list[Element]:
    """Every element the rule's context matches."""
    if rule.context is None:
        return [doc.root]
    return [el for el in doc.all(rule.context[-1]) if chain_top(el, rule.context[:-1]) is not None]


#: Counts by (rule, context element), for the contexts with at least one counted element.
Counts = dict[tuple[CountRule, Element], int]


def _count_under_contexts(doc: Document, rule: CountRule, counts: Counts) -> None:
    """Count ``rule``'s path under each of its context elements (these are few, with few
    children: a party, a payment means, an address)."""
    for context in _context_elements(doc, rule):
        found = follow([context], rule.path)
        n = len(found) if rule.attr is None else sum(el.get(rule.attr) is not None for el in found)
        if n:
            counts[(rule, context)] = n


def _report_counts(
    doc: Document, counts: Counts, minima: tuple[CountRule, ...], report: Report
) -> None:
    """Report each counted context over its rule's maximum, and for the rules ``minima``
    (those with a minimum) each context under it, counted or not."""
    for (rule, context), n in counts.items():
        if n > rule.high:
            report(rule.rule_id, context, count=n, maximum=rule.high)
    for rule in minima:
        for context in _context_elements(doc, rule):
            n = counts.get((rule, context), 0)
            if n < rule.low:
                report(rule.rule_id, context, count=n, maximum=rule.high)


# The root- and line-level rules are counted on the shared root paths (``structure``); the
# line ones only while every line is a child of the root (a fragment may nest them elsewhere).
_ROOT_RULES = tuple(r for r in _COUNTS if r.context is None)
_LINE_RULES = tuple(r for r in _COUNTS if r.on_line)
_OTHER_RULES = tuple(r for r in _COUNTS if r.context is not None and not r.on_line)
_ROOT_MINIMA = tuple(r for r in _ROOT_RULES if r.low)
_LINE_MINIMA = tuple(r for r in _LINE_RULES if r.low)
_OTHER_MINIMA = tuple(r for r in _OTHER_RULES if r.low)


@check(*dict.fromkeys(c.rule_id for c in _COUNTS))
def cardinalities(doc: Document, report: Report) -> None:
    """The table UBL-SR rules: an element occurs at most (or exactly) n times."""
    generic, minima = _OTHER_RULES + _LINE_RULES, _OTHER_MINIMA + _LINE_MINIMA
    if doc.kind is not None:
        walked = structure(doc)
        if walked.lines_complete:
            generic, minima = _OTHER_RULES, _OTHER_MINIMA
            _report_counts(doc, walked.counts, _ROOT_MINIMA + _LINE_MINIMA, report)
        else:
            at_root = {key: n for key, n in walked.counts.items() if key[0].context is None}
            _report_counts(doc, at_root, _ROOT_MINIMA, report)
    counts: Counts = {}
    elements_of, has = doc.all, doc.has
    for rule in generic:
        # A rule counts elements of its last tag, so it cannot exceed its maximum when the
        # document has no more of them, nor when a tag of its path or context is absent:
        # this settles most rules with a lookup or two.
        if rule.low or (len(elements_of(rule.path[-1])) > rule.high and all(map(has, rule.tags))):
            _count_under_contexts(doc, rule, counts)
    _report_counts(doc, counts, minima, report)


def _scheme_ids(scheme: Element) -> list[str]:
    """``upper-case(cbc:ID)`` of one cac:TaxScheme: a value per ID ('' without one)."""
    return [string_value(i).upper() for i in scheme if i.tag == ID] or [""]


def _tax_id_counts(doc: Document) -> dict[tuple[str, bool], int]:
    """How many ``/*/role/cac:Party/cac:PartyTaxScheme/cbc:CompanyID`` there are under a
    scheme that is (True) or is not (False) VAT, by (role tag, VAT or not); from the few
    PartyTaxScheme elements of the tag index."""
    root = doc.root
    counts: dict[tuple[str, bool], int] = {}
    for pts in doc.all(PARTY_TAX_SCHEME):
        party = pts.getparent()
        if party is None or party.tag != PARTY:
            continue
        role = party.getparent()
        if role is None or role.getparent() is not root:
            continue
        n = 0
        vat = other = False  # some scheme is VAT / some is not
        for c in pts:
            tag = c.tag
            if tag == COMPANY_ID:
                n += 1
            elif tag == TAX_SCHEME:
                for value in _scheme_ids(c):
                    if value == "VAT":
                        vat = True
                    else:
                        other = True
        for key, counted in (((role.tag, True), vat), ((role.tag, False), other)):
            if counted and n:
                counts[key] = counts.get(key, 0) + n
    return counts


def _sepa_count(doc: Document) -> int:
    """``count(//cac:PartyIdentification/cbc:ID[upper-case(@schemeID) = 'SEPA'])``: from the
    party identifications, not from every cbc:ID of the document."""
    n = 0
    for ident in doc.all(PARTY_IDENTIFICATION):
        for i in ident:
            if i.tag == ID and (i.get("schemeID") or "").upper() == "SEPA":
                n += 1
    return n


@check("UBL-SR-04", "UBL-SR-12", "UBL-SR-13", "UBL-SR-18", "UBL-SR-29", "UBL-SR-44", "UBL-SR-47")
def document_level_counts(doc: Document, report: Report) -> None:
    """Root UBL-SR rules with predicates: invoiced object, tax ids, SEPA, payment ids."""
    if doc.kind is None:
        return
    root = doc.root
    objects = [
        i
        for adr in doc.all(ADDITIONAL_DOCUMENT_REFERENCE)
        if adr.getparent() is root
        and any(c.tag == DOCUMENT_TYPE_CODE and string_value(c) == "130" for c in adr)
        for i in adr
        if i.tag == ID
    ]
    if len(objects) > 1:
        report("UBL-SR-04", root, count=len(objects))
    if doc.has(PARTY_TAX_SCHEME):
        tax_ids = _tax_id_counts(doc)
        for rule_id, role, vat in (
            ("UBL-SR-12", ACCOUNTING_SUPPLIER_PARTY, True),
            ("UBL-SR-13", ACCOUNTING_SUPPLIER_PARTY, False),
            ("UBL-SR-18", ACCOUNTING_CUSTOMER_PARTY, True),
        ):
            n = tax_ids.get((role, vat), 0)
            if n > 1:
                report(rule_id, root, count=n)
    sepa = _sepa_count(doc)
    if sepa > 1:
        report("UBL-SR-29", root, count=sepa)
    for rule_id, tag in (("UBL-SR-44", PAYMENT_ID), ("UBL-SR-47", PAYMENT_MEANS_CODE)):
        elements = doc.all(tag)
        if len(elements) > 1:  # two distinct values need two elements
            distinct = set(string_values(elements))
            if len(distinct) > 1:
                report(rule_id, root, values=", ".join(sorted(distinct)))


@check("UBL-SR-43")
def document_reference_scheme(doc: Document, report: Report) -> None:
    """UBL-SR-43: only an invoiced object reference (130, or 50 in a credit note) has a scheme."""
    references = doc.all(ADDITIONAL_DOCUMENT_REFERENCE)
    if not references:
        return
    # local-name(/*): the root's name in any namespace.
    credit_note = doc.root.tag.rpartition("}")[2] == "CreditNote"
    for adr in references:
        codes = [string_value(c) for c in adr if c.tag == DOCUMENT_TYPE_CODE]
        if "130" in codes or (credit_note and "50" in codes):
            continue
        if codes or any(c.tag == ID and c.get("schemeID") is not None for c in adr):
            report("UBL-SR-43", adr, codes=", ".join(codes))


@check("UBL-SR-53")
def tax_scheme_company_id(doc: Document, report: Report) -> None:
    """UBL-SR-53: a party tax scheme states both its scheme id and the company id."""
    for pts in doc.all(PARTY_TAX_SCHEME):
        company_id = scheme_id = False
        for c in pts:
            tag = c.tag
            if tag == COMPANY_ID:
                company_id = True
            elif tag == TAX_SCHEME and not scheme_id:
                scheme_id = child(c, ID) is not None
        if not (company_id and scheme_id):
            report("UBL-SR-53", pts)


@check("UBL-SR-07")
def preceding_invoice_number(doc: Document, report: Report) -> None:
    """UBL-SR-07: a billing reference gives the preceding invoice number."""
    for ref in doc.all(BILLING_REFERENCE):
        if not follow([ref], (INVOICE_DOCUMENT_REFERENCE, ID)):
            report("UBL-SR-07", ref)


@check("UBL-SR-19", "UBL-SR-20", "UBL-SR-21")
def payee(doc: Document, report: Report) -> None:
    """UBL-SR-19/20/21: payee details occur once, and the payee differs from the seller."""
    for payee_party in doc.all(PAYEE_PARTY):
        names = string_values(follow([payee_party], (PARTY_NAME, NAME)))
        parent = payee_party.getparent()
        seller = string_values(
            follow(
                [parent] if parent is not None else [],
                (ACCOUNTING_SUPPLIER_PARTY, PARTY, PARTY_LEGAL_ENTITY, REGISTRATION_NAME),
            )
        )
        # XPath general '!=': true when some pair of values differs (false if either is empty).
        differs = any(a != b for a in names for b in seller)
        identifiers = [
            i
            for i in follow([payee_party], (PARTY_IDENTIFICATION, ID))
            if (i.get("schemeID") or "").upper() != "SEPA"
        ]
        counts = (
            ("UBL-SR-19", len(names)),
            ("UBL-SR-20", len(identifiers)),
            ("UBL-SR-21", len(follow([payee_party], (PARTY_LEGAL_ENTITY, COMPANY_ID)))),
        )
        for rule_id, n in counts:
            if n > 1 or not differs:
                report(rule_id, payee_party, count=n)


@check("UBL-SR-30", "UBL-SR-31")
def allowance_charge_reason(doc: Document, report: Report) -> None:
    """UBL-SR-30/31: an allowance or charge has at most one reason text.

    An element with both a false and a true indicator is an allowance: the allowance rule
    comes first in the pattern and takes the node.
    """
    if len(doc.all(ALLOWANCE_CHARGE_REASON)) < 2:  # no allowance or charge can hold two reasons
        return
    for ac in doc.all(ALLOWANCE_CHARGE):
        n = sum(1 for c in ac if c.tag == ALLOWANCE_CHARGE_REASON)
        if n < 2:
            continue
        flags = charge_indicators(ac)
        if False in flags:
            report("UBL-SR-30", ac, count=n)
        elif True in flags:
            report("UBL-SR-31", ac, count=n)
