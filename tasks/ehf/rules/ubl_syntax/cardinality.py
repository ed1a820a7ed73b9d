"""UBL-SR: how often an element may occur, and the few structural musts of the pattern.

Most rules are ``count(path) <= n`` under a Schematron context; they are catalogue data
(``context``, ``count``, ``max``/``min``). Those under the root and under the lines are
counted by the walk ``restrictions.structure`` already makes from the root; the others are
counted bottom-up from the document's tag index, so a rule whose elements are absent costs
one set test. Rules with predicates or comparisons are functions.
"""

from __future__ import annotations

from tasks.ehf.document import Document, Element, cac, cbc, string_value
from tasks.ehf.registry import Report, check
from tasks.ehf.rules._shared import charge_indicators
from tasks.ehf.rules.ubl_syntax._data import (
    CountRule,
    child_path,
    count_rules,
    has_chain,
    string_values,
)
from tasks.ehf.rules.ubl_syntax.restrictions import structure

ADR = cac("AdditionalDocumentReference")
DOCUMENT_TYPE_CODE = cbc("DocumentTypeCode")
DOCUMENT_DESCRIPTION = cbc("DocumentDescription")
ID = cbc("ID")
COMPANY_ID = cbc("CompanyID")
PARTY = cac("Party")
PARTY_TAX_SCHEME = cac("PartyTaxScheme")
TAX_SCHEME = cac("TaxScheme")
SUPPLIER = cac("AccountingSupplierParty")
CUSTOMER = cac("AccountingCustomerParty")
PARTY_IDENTIFICATION = cac("PartyIdentification")
PAYMENT_ID = cbc("PaymentID")
PAYMENT_MEANS_CODE = cbc("PaymentMeansCode")
BILLING_REFERENCE = cac("BillingReference")
INVOICE_DOCUMENT_REFERENCE = cac("InvoiceDocumentReference")
PAYEE_PARTY = cac("PayeeParty")
PARTY_NAME = cac("PartyName")
NAME = cbc("Name")
PARTY_LEGAL_ENTITY = cac("PartyLegalEntity")
REGISTRATION_NAME = cbc("RegistrationName")
ALLOWANCE_CHARGE = cac("AllowanceCharge")
REASON = cbc("AllowanceChargeReason")

_COUNTS = count_rules()


def _context_of(el: Element, rule: CountRule, root: Element) -> Element | None:
    """The context element ``el`` is counted under for ``rule``, or None if it is not."""
    node: Element | None = el
    for tag in reversed(rule.path[:-1]):
        node = node.getparent() if node is not None else None
        if node is None or node.tag != tag:
            return None
    node = node.getparent() if node is not None else None
    if node is None:
        return None
    if rule.context is None:
        return node if node is root else None
    if node.tag != rule.context[-1] or not has_chain(node, rule.context[:-1]):
        return None
    return node


def _context_elements(doc: Document, rule: CountRule) -> list[Element]:
    """Every element the rule's context matches (needed only for a minimum)."""
    if rule.context is None:
        return [doc.root]
    return [el for el in doc.all(rule.context[-1]) if has_chain(el, rule.context[:-1])]


def _count_from_index(doc: Document, rule: CountRule, present: set[str]) -> dict[Element, int]:
    """Count ``rule``'s path under each context element, bottom-up from the tag index."""
    counted: dict[Element, int] = {}
    if rule.tags <= present:
        root = doc.root
        for el in doc.all(rule.path[-1]):
            if rule.attr is not None and el.get(rule.attr) is None:
                continue
            context = _context_of(el, rule, root)
            if context is not None:
                counted[context] = counted.get(context, 0) + 1
    return counted


# The root- and line-level rules are counted on the shared walk (``structure``); the line
# ones only while every line is a child of the root (a fragment may nest them elsewhere).
_ROOT_RULES = tuple(r for r in _COUNTS if r.context is None)
_LINE_RULES = tuple(r for r in _COUNTS if r.on_line)
_OTHER_RULES = tuple(r for r in _COUNTS if r.context is not None and not r.on_line)


def _report_counts(
    rule: CountRule, counted: dict[Element, int], contexts: list[Element], report: Report
) -> None:
    """Report each context whose count is out of bounds; ``contexts`` are every context
    element, needed (and given) only when the rule has a minimum."""
    if rule.low:
        for context in contexts:
            n = counted.get(context, 0)
            if not rule.low <= n <= rule.high:
                report(rule.rule_id, context, count=n, maximum=rule.high)
        return
    for context, n in counted.items():
        if n > rule.high:
            report(rule.rule_id, context, count=n, maximum=rule.high)


@check(*dict.fromkeys(c.rule_id for c in _COUNTS))
def cardinalities(doc: Document, report: Report) -> None:
    """The table UBL-SR rules: an element occurs at most (or exactly) n times."""
    generic = _OTHER_RULES
    if doc.kind is None:
        generic += _LINE_RULES
    else:
        walked = structure(doc)
        for rule in _ROOT_RULES:
            _report_counts(rule, walked.counts.get(rule, {}), [doc.root], report)
        if walked.lines_complete:
            for rule in _LINE_RULES:
                contexts = doc.all(rule.context[-1]) if rule.low else []  # type: ignore[index]
                _report_counts(rule, walked.counts.get(rule, {}), contexts, report)
        else:
            generic += _LINE_RULES
    present = set(doc.tags())
    for rule in generic:
        contexts = _context_elements(doc, rule) if rule.low else []
        _report_counts(rule, _count_from_index(doc, rule, present), contexts, report)


def _tax_scheme_ids(pts: Element) -> list[str]:
    """``cac:TaxScheme/upper-case(cbc:ID)``: one value per tax scheme ('' without an ID)."""
    values = []
    for scheme in pts:
        if scheme.tag == TAX_SCHEME:
            ids = [string_value(i).upper() for i in scheme if i.tag == ID]
            values.extend(ids or [""])
    return values


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
        schemes = _tax_scheme_ids(pts)
        n = sum(1 for c in pts if c.tag == COMPANY_ID)
        for vat in (True, False):
            if any((s == "VAT") == vat for s in schemes):
                key = (role.tag, vat)
                counts[key] = counts.get(key, 0) + n
    return counts


@check("UBL-SR-04", "UBL-SR-12", "UBL-SR-13", "UBL-SR-18", "UBL-SR-29", "UBL-SR-44", "UBL-SR-47")
def document_level_counts(doc: Document, report: Report) -> None:
    """Root UBL-SR rules with predicates: invoiced object, tax ids, SEPA, payment ids."""
    if doc.kind is None:
        return
    root = doc.root
    objects = [
        i
        for adr in doc.all(ADR)
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
            ("UBL-SR-12", SUPPLIER, True),
            ("UBL-SR-13", SUPPLIER, False),
            ("UBL-SR-18", CUSTOMER, True),
        ):
            n = tax_ids.get((role, vat), 0)
            if n > 1:
                report(rule_id, root, count=n)
    # From the party identifications, not from every cbc:ID of the document.
    sepa = sum(
        1
        for ident in doc.all(PARTY_IDENTIFICATION)
        for i in ident
        if i.tag == ID and (i.get("schemeID") or "").upper() == "SEPA"
    )
    if sepa > 1:
        report("UBL-SR-29", root, count=sepa)
    for rule_id, tag in (("UBL-SR-44", PAYMENT_ID), ("UBL-SR-47", PAYMENT_MEANS_CODE)):
        distinct = set(string_values(doc.all(tag)))
        if len(distinct) > 1:
            report(rule_id, root, values=", ".join(sorted(distinct)))


@check("UBL-SR-43")
def document_reference_scheme(doc: Document, report: Report) -> None:
    """UBL-SR-43: only an invoiced object reference (130, or 50 in a credit note) has a scheme."""
    # local-name(/*): the root's name in any namespace.
    credit_note = doc.root.tag.rpartition("}")[2] == "CreditNote"
    for adr in doc.all(ADR):
        codes = [string_value(c) for c in adr if c.tag == DOCUMENT_TYPE_CODE]
        if "130" in codes or (credit_note and "50" in codes):
            continue
        if codes or any(c.tag == ID and c.get("schemeID") is not None for c in adr):
            report("UBL-SR-43", adr, codes=", ".join(codes))


@check("UBL-SR-53")
def tax_scheme_company_id(doc: Document, report: Report) -> None:
    """UBL-SR-53: a party tax scheme states both its scheme id and the company id."""
    for pts in doc.all(PARTY_TAX_SCHEME):
        if not (child_path([pts], (TAX_SCHEME, ID)) and any(c.tag == COMPANY_ID for c in pts)):
            report("UBL-SR-53", pts)


@check("UBL-SR-07")
def preceding_invoice_number(doc: Document, report: Report) -> None:
    """UBL-SR-07: a billing reference gives the preceding invoice number."""
    for ref in doc.all(BILLING_REFERENCE):
        if not child_path([ref], (INVOICE_DOCUMENT_REFERENCE, ID)):
            report("UBL-SR-07", ref)


@check("UBL-SR-19", "UBL-SR-20", "UBL-SR-21")
def payee(doc: Document, report: Report) -> None:
    """UBL-SR-19/20/21: payee details occur once, and the payee differs from the seller."""
    for payee_party in doc.all(PAYEE_PARTY):
        names = string_values(child_path([payee_party], (PARTY_NAME, NAME)))
        parent = payee_party.getparent()
        seller = string_values(
            child_path(
                [parent] if parent is not None else [],
                (SUPPLIER, PARTY, PARTY_LEGAL_ENTITY, REGISTRATION_NAME),
            )
        )
        # XPath general '!=': true when some pair of values differs (false if either is empty).
        differs = any(a != b for a in names for b in seller)
        identifiers = [
            i
            for i in child_path([payee_party], (PARTY_IDENTIFICATION, ID))
            if (i.get("schemeID") or "").upper() != "SEPA"
        ]
        counts = (
            ("UBL-SR-19", len(names)),
            ("UBL-SR-20", len(identifiers)),
            ("UBL-SR-21", len(child_path([payee_party], (PARTY_LEGAL_ENTITY, COMPANY_ID)))),
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
    for ac in doc.all(ALLOWANCE_CHARGE):
        flags = charge_indicators(ac)
        if False in flags:
            rule_id = "UBL-SR-30"
        elif True in flags:
            rule_id = "UBL-SR-31"
        else:
            continue
        n = sum(1 for c in ac if c.tag == REASON)
        if n > 1:
            report(rule_id, ac, count=n)
