"""BR-CL-*: coded values of EN 16931 must come from their code lists.

Almost every rule has one shape: the code (an element's text or one of its attributes) is
whitespace-trimmed and must be a single token of the list, as the official
``not(contains(normalize-space(v), ' ')) and contains(' A B C ', concat(' ', v, ' '))``.
Those rules are rows of ``_RULES`` and run in one pass per tag. The odd ones are their own
functions: BR-CL-08 (a subject code between ``#`` marks in a note, matched as a substring
of the list) and BR-CL-24 (MIME codes compared exactly, without trimming).

The lists are ``ehf_schemas/codelists/cen/<name>.txt``, taken from the official rule file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ehf_schemas.codelists import codes
from tasks.ehf.document import Document, Element
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.currencies import amounts_by_currency
from tasks.ehf.vocabulary import (
    ACCOUNTING_SUPPLIER_PARTY,
    ADDITIONAL_DOCUMENT_REFERENCE,
    ALLOWANCE_CHARGE,
    ALLOWANCE_CHARGE_REASON_CODE,
    AMOUNTS,
    BASE_QUANTITY,
    CLASSIFIED_TAX_CATEGORY,
    COMMODITY_CLASSIFICATION,
    COMPANY_ID,
    COUNTRY,
    CREDIT_NOTE_TYPE_CODE,
    CREDITED_QUANTITY,
    DELIVERY_LOCATION,
    DESCRIPTION_CODE,
    DOCUMENT_CURRENCY_CODE,
    DOCUMENT_REFERENCE,
    DOCUMENT_TYPE_CODE,
    EMBEDDED_DOCUMENT_BINARY_OBJECT,
    ENDPOINT_ID,
    ID,
    IDENTIFICATION_CODE,
    INVOICE_PERIOD,
    INVOICE_TYPE_CODE,
    INVOICED_QUANTITY,
    ITEM_CLASSIFICATION_CODE,
    NOTE,
    ORIGIN_COUNTRY,
    PARTY_IDENTIFICATION,
    PARTY_LEGAL_ENTITY,
    PAYEE_PARTY,
    PAYMENT_MEANS,
    PAYMENT_MEANS_CODE,
    STANDARD_ITEM_IDENTIFICATION,
    TAX_CATEGORY,
    TAX_CURRENCY_CODE,
    TAX_EXEMPTION_REASON_CODE,
)
from tasks.ehf.xpathfn import XML_SPACE, charge_indicators, string_value


def single_token(value: str | None, allowed: frozenset[str], upper: bool = False) -> bool:
    """True when ``normalize-space(value)`` is one token and a code of ``allowed``.

    No code contains white space, so a trimmed value with inner white space is simply not
    found; and an empty value never is (the official list strings hold no double space, so
    ``concat(' ', '', ' ')`` is never found in them).
    """
    if not value:
        return False
    code = value.strip(XML_SPACE)
    return (code.upper() if upper else code) in allowed


def _is_allowance(el: Element) -> bool:
    return False in charge_indicators(el.getparent())


def _is_charge(el: Element) -> bool:
    # BR-CL-19's rule comes first in the pattern, so an allowance never reaches BR-CL-20.
    flags = charge_indicators(el.getparent())
    return True in flags and False not in flags


def _is_invoiced_object_reference(el: Element) -> bool:
    """``[cbc:DocumentTypeCode = '130']`` on the reference holding this ID (no trimming)."""
    return any(c.tag == DOCUMENT_TYPE_CODE and string_value(c) == "130" for c in el.getparent())


def _sepa_for_seller_or_payee(el: Element, scheme: str) -> bool:
    """BR-CL-10 also accepts the scheme ``SEPA`` inside the seller or the payee."""
    if scheme.strip(XML_SPACE) != "SEPA":
        return False
    node = el.getparent()
    while node is not None:
        if node.tag == ACCOUNTING_SUPPLIER_PARTY or node.tag == PAYEE_PARTY:
            return True
        node = node.getparent()
    return False


@dataclass(frozen=True)
class CodeRule:
    """One code-list rule: where its codes are and which list they must be in."""

    rule_id: str
    tag: str
    codelist: str
    parent: str | None = None  # the context's required parent element
    attribute: str | None = None  # the code is this attribute
    context_has_attribute: bool = True  # the context is tag[@attribute] (not so for BR-CL-03)
    upper: bool = False  # compare upper-cased (BR-CL-22)
    applies: Callable[[Element], bool] | None = None  # rest of the context's predicate
    also_valid: Callable[[Element, str], bool] | None = None  # an extra accepted case


_RULES: tuple[CodeRule, ...] = (
    CodeRule("BR-CL-01", INVOICE_TYPE_CODE, "invoice-type"),
    CodeRule("BR-CL-01", CREDIT_NOTE_TYPE_CODE, "creditnote-type"),
    *(CodeRule("BR-CL-03", tag, "currency", attribute="currencyID",
               context_has_attribute=False) for tag in AMOUNTS),
    CodeRule("BR-CL-04", DOCUMENT_CURRENCY_CODE, "currency"),
    CodeRule("BR-CL-05", TAX_CURRENCY_CODE, "currency"),
    CodeRule("BR-CL-06", DESCRIPTION_CODE, "invoice-period-description",
             parent=INVOICE_PERIOD),
    CodeRule("BR-CL-07", ID, "reference-scheme", parent=ADDITIONAL_DOCUMENT_REFERENCE,
             attribute="schemeID", applies=_is_invoiced_object_reference),
    CodeRule("BR-CL-07", ID, "reference-scheme", parent=DOCUMENT_REFERENCE,
             attribute="schemeID", applies=_is_invoiced_object_reference),
    CodeRule("BR-CL-10", ID, "icd", parent=PARTY_IDENTIFICATION,
             attribute="schemeID", also_valid=_sepa_for_seller_or_payee),
    CodeRule("BR-CL-11", COMPANY_ID, "icd", parent=PARTY_LEGAL_ENTITY,
             attribute="schemeID"),
    CodeRule("BR-CL-13", ITEM_CLASSIFICATION_CODE, "item-classification",
             parent=COMMODITY_CLASSIFICATION, attribute="listID"),
    CodeRule("BR-CL-14", IDENTIFICATION_CODE, "country", parent=COUNTRY),
    CodeRule("BR-CL-15", IDENTIFICATION_CODE, "country", parent=ORIGIN_COUNTRY),
    CodeRule("BR-CL-16", PAYMENT_MEANS_CODE, "payment-means", parent=PAYMENT_MEANS),
    CodeRule("BR-CL-17", ID, "vat-category", parent=TAX_CATEGORY),
    CodeRule("BR-CL-18", ID, "vat-category", parent=CLASSIFIED_TAX_CATEGORY),
    CodeRule("BR-CL-19", ALLOWANCE_CHARGE_REASON_CODE, "allowance-reason",
             parent=ALLOWANCE_CHARGE, applies=_is_allowance),
    CodeRule("BR-CL-20", ALLOWANCE_CHARGE_REASON_CODE, "charge-reason",
             parent=ALLOWANCE_CHARGE, applies=_is_charge),
    CodeRule("BR-CL-21", ID, "icd", parent=STANDARD_ITEM_IDENTIFICATION,
             attribute="schemeID"),
    CodeRule("BR-CL-22", TAX_EXEMPTION_REASON_CODE, "vatex", upper=True),
    *(CodeRule("BR-CL-23", tag, "unit", attribute="unitCode")
      for tag in (INVOICED_QUANTITY, BASE_QUANTITY, CREDITED_QUANTITY)),
    CodeRule("BR-CL-25", ENDPOINT_ID, "eas", attribute="schemeID"),
    CodeRule("BR-CL-26", ID, "icd", parent=DELIVERY_LOCATION, attribute="schemeID"),
)  # fmt: skip

# Rules by tag; a tag shared by several contexts (cbc:ID, IdentificationCode, reason codes)
# is told apart by the parent element, looked up in a dict rather than tried rule by rule.
# BR-CL-03 reads the amounts from ``amounts_by_currency``, which Peppol's currency rules share.
_CURRENCY: dict[str, CodeRule] = {}
_PLAIN: dict[str, CodeRule] = {}
_BY_PARENT: dict[str, dict[str, tuple[CodeRule, ...]]] = {}
for _rule in _RULES:
    if _rule.rule_id == "BR-CL-03":
        _CURRENCY[_rule.tag] = _rule
    elif _rule.parent is None:
        _PLAIN[_rule.tag] = _rule
    else:
        _parents = _BY_PARENT.setdefault(_rule.tag, {})
        _parents[_rule.parent] = (*_parents.get(_rule.parent, ()), _rule)


@cache
def _lists() -> dict[str, frozenset[str]]:
    """The codes of every list the table names, read on first use: one dictionary lookup per
    rule where the loops run, rather than a cached call with two arguments."""
    return {rule.codelist: codes("cen", rule.codelist) for rule in _RULES}


@check(*sorted({rule.rule_id for rule in _RULES}))
def code_lists(doc: Document, report: Report) -> None:
    """Every coded value in a code-list context is a code of its list.

    Almost every value is a code exactly as listed (no white space to trim), which one set
    lookup settles; only the rest goes through the full rule (``_check_one``)."""
    lists = _lists()
    allowed = lists["currency"]
    for currency, elements in amounts_by_currency(doc).items():
        if currency not in allowed:
            for el in elements:
                _check_one(el, currency, _CURRENCY[el.tag], allowed, report)
    elements_of = doc.all
    for tag, rule in _PLAIN.items():
        elements = elements_of(tag)
        if not elements:
            continue
        allowed = lists[rule.codelist]
        attribute, upper = rule.attribute, rule.upper
        # One loop per kind of value, so each element costs one read and one set lookup; an
        # upper-cased comparison (BR-CL-22) always takes the full rule.
        if attribute is None:
            for el in elements:
                value = string_value(el)
                if upper or value not in allowed:
                    _check_one(el, value, rule, allowed, report)
        else:
            for el in elements:
                value = el.get(attribute)
                if upper or value not in allowed:
                    _check_one(el, value, rule, allowed, report)
    for tag, by_parent in _BY_PARENT.items():
        for el in elements_of(tag):
            parent = el.getparent()
            rules = by_parent.get(parent.tag) if parent is not None else None
            if rules is None:
                continue
            # The first rule whose context takes the element handles it (Schematron order).
            for rule in rules:
                if rule.attribute is None:
                    value = string_value(el)
                else:
                    value = el.get(rule.attribute)
                    if value is None and rule.context_has_attribute:
                        continue
                if rule.applies is not None and not rule.applies(el):
                    continue
                if rule.upper or value not in lists[rule.codelist]:
                    _check_one(el, value, rule, lists[rule.codelist], report)
                break


def _check_one(
    el: Element, value: str | None, rule: CodeRule, allowed: frozenset[str], report: Report
) -> None:
    """The full rule for a value that is not exactly a code of ``allowed``."""
    if value is None and rule.attribute is not None and rule.context_has_attribute:
        return  # the context is tag[@attribute]: an element without it is not one
    if single_token(value, allowed, rule.upper):
        return
    if rule.also_valid is not None and rule.also_valid(el, value or ""):
        return
    report(rule.rule_id, el, code=value)


@cache
def _list_string(name: str) -> str:
    """A list as the official rules spell it: ``' A B C '``, in the file's order."""
    path = resources.files("ehf_schemas.codelists") / "cen" / f"{name}.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    tokens = [s for line in lines if (s := line.split("#", 1)[0].strip())]
    return f" {' '.join(tokens)} "


@check("BR-CL-08")
def note_subject_code(doc: Document, report: Report) -> None:
    """A document note's subject code ``#XXX#`` (three characters) is a UNCL4451 code.

    The official test looks the three characters up as a substring of the spaced list,
    so we do the same (it also accepts e.g. ``"AB "``, which straddles two codes).
    """
    if doc.kind is None or not doc.has(NOTE):
        return
    root = doc.root
    for note in doc.all(NOTE):
        if note.getparent() is not root:
            continue
        text = string_value(note)
        _, hash_found, after = text.partition("#")
        if not hash_found:
            continue
        code, _, _ = after.partition("#")  # substring-before gives '' without a second '#'
        if len(code) == 3 and code not in _list_string("text-subject"):
            report("BR-CL-08", note, code=code)


@check("BR-CL-24")
def attachment_mime_code(doc: Document, report: Report) -> None:
    """An attachment's mimeCode is one of the allowed MIME types, exactly as written."""
    for el in doc.all(EMBEDDED_DOCUMENT_BINARY_OBJECT):
        mime = el.get("mimeCode")
        if mime is not None and mime not in codes("cen", "mime"):
            report("BR-CL-24", el, code=mime)
