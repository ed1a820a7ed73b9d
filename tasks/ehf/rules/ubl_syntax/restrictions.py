"""UBL-CR and the UBL-DT attribute rules: what EN 16931 does not use, in one pass.

About 670 rules say "this element (or attribute) should not be used" at a path below the
root, below each invoice line, or anywhere. They live as data in the catalogue (``context`` and
``path``) and are compiled at import into:

- a trie of child tags from the root (line paths hang below both line tags), whose nodes list
  the rules that fire when an element reaches them and the attributes forbidden on them;
- a table of attribute names forbidden anywhere (``//@name``);
- a list of descendant paths (``//a/b``), answered from the document's tag index.

One walk over the document resolves the trie and the attribute table together, so the cost
follows the size of the document, not the number of rules. All of these rules have the root
as their Schematron context, so each fires at most once, at the root, naming the first
offending element. The few rules with predicates or conditions are plain functions below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from tasks.ehf.document import Document, Element, cac, cbc, location, string_value
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.ubl_syntax._data import child_path, family_rules, has_chain, split_path

LINE_TAGS = (cac("InvoiceLine"), cac("CreditNoteLine"))
ADR = cac("AdditionalDocumentReference")
DOCUMENT_TYPE_CODE = cbc("DocumentTypeCode")
ID = cbc("ID")
UBL_VERSION = cbc("UBLVersionID")
PAYMENT_MEANS = cac("PaymentMeans")
PAYMENT_DUE_DATE = cbc("PaymentDueDate")
ATTACHMENT = cac("Attachment")
DOCUMENT_DESCRIPTION = cbc("DocumentDescription")


# A compiled trie node: (children by tag or None, rules firing on an element here,
# (attribute, rule) pairs firing when an element here carries the attribute).
_Trie = tuple[dict[str, "_Trie"] | None, tuple[str, ...], tuple[tuple[str, str], ...]]


@dataclass
class _Node:
    """A trie node while building: an element reached by a child path from the root."""

    children: dict[str, _Node] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)
    attrs: list[tuple[str, str]] = field(default_factory=list)

    def freeze(self) -> _Trie:
        """The node as plain tuples and dicts, cheap to read in the hot loop."""
        kids = {tag: node.freeze() for tag, node in self.children.items()}
        return (kids or None, tuple(self.rules), tuple(self.attrs))


@dataclass
class _AttrRules:
    """The rules an attribute name triggers anywhere in the document."""

    anywhere: tuple[str, str | None] | None = None  # (rule, tag it is allowed on)
    by_tag: dict[str, list[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Tables:
    """The restriction tables, compiled from the catalogue."""

    root: dict[str, _Trie]
    attrs: dict[str, _AttrRules]  # attribute name -> its ``//...@name`` rules
    attr_names: frozenset[str]
    paths: tuple[tuple[str, tuple[str, ...]], ...]  # ``//a/b`` element rules: (rule, steps)
    rule_ids: tuple[str, ...]


def _insert(root: _Node, steps: tuple[str, ...], attr: str | None, rule_id: str) -> None:
    node = root
    for tag in steps:
        node = node.children.setdefault(tag, _Node())
    if attr is None:
        node.rules.append(rule_id)
    else:
        node.attrs.append((attr, rule_id))


def _compile() -> _Tables:
    root = _Node()
    attrs: dict[str, _AttrRules] = {}
    paths = []
    rule_ids = []
    for rule_id, info in family_rules().items():
        context = info.data.get("context")
        if context not in ("root", "line", "anywhere"):
            continue
        rule_ids.append(rule_id)
        steps, attr = split_path(info.data["path"])
        if context == "root":
            _insert(root, steps, attr, rule_id)
        elif context == "line":
            for line in LINE_TAGS:
                _insert(root, (line, *steps), attr, rule_id)
        elif attr is None:
            paths.append((rule_id, steps))
        elif steps:
            by_tag = attrs.setdefault(attr, _AttrRules()).by_tag
            by_tag.setdefault(steps[-1], []).append((rule_id, steps[:-1]))
        else:
            allowed_on = info.data.get("except_on")
            allowed_tag = split_path(allowed_on)[0][0] if allowed_on else None
            attrs.setdefault(attr, _AttrRules()).anywhere = (rule_id, allowed_tag)
    frozen = root.freeze()[0]
    assert frozen is not None
    return _Tables(frozen, attrs, frozenset(attrs), tuple(paths), tuple(rule_ids))


_TABLES = _compile()


def _attribute_hits(
    el: Element, keys: list[str], tables: _Tables, found: dict[str, Element]
) -> None:
    """The ``//@name`` and ``//a/b/@name`` rules for the attributes of one element."""
    parent_tag = None
    for name in keys:
        rules = tables.attrs.get(name)
        if rules is None:
            continue
        if rules.anywhere is not None and el.tag != rules.anywhere[1]:
            found.setdefault(rules.anywhere[0], el)
        for rule_id, chain in rules.by_tag.get(el.tag, ()):
            if chain:
                if parent_tag is None:
                    parent = el.getparent()
                    parent_tag = parent.tag if parent is not None else ""
                if chain[-1] != parent_tag or not has_chain(el, chain):
                    continue
            found.setdefault(rule_id, el)


def _walk(root: Element, tables: _Tables) -> dict[str, Element]:
    """Every trie and attribute rule that fires, with its first offending element."""
    found: dict[str, Element] = {}
    forbidden = tables.attr_names
    # Trie children of each element already placed in the trie (the root to start with);
    # root.iter() is document order, so a parent is always placed before its children.
    placed: dict[Element, dict[str, _Trie]] = {root: tables.root}
    parent_children = placed.get
    for el in root.iter(etree.Element):
        keys = el.keys()
        if keys and not forbidden.isdisjoint(keys):
            _attribute_hits(el, keys, tables, found)
        siblings = parent_children(el.getparent())
        if siblings is None:
            continue
        node = siblings.get(el.tag)
        if node is None:
            continue
        children, rules, attrs = node
        if children is not None:
            placed[el] = children
        if rules:
            for rule_id in rules:
                found.setdefault(rule_id, el)
        if attrs and keys:
            for name, rule_id in attrs:
                if name in keys:
                    found.setdefault(rule_id, el)
    return found


def _descendant_hits(doc: Document, tables: _Tables, found: dict[str, Element]) -> None:
    """The ``//a/b`` element rules, from the tag index (an absent tag costs one lookup)."""
    for rule_id, steps in tables.paths:
        for el in doc.all(steps[-1]):
            if has_chain(el, steps[:-1]):
                found[rule_id] = el
                break


@check(*_TABLES.rule_ids)
def not_used_in_en16931(doc: Document, report: Report) -> None:
    """UBL-CR table rules and UBL-DT-08..28: elements and attributes EN 16931 does not use."""
    if doc.kind is None:
        return
    found = _walk(doc.root, _TABLES)
    _descendant_hits(doc, _TABLES, found)
    for rule_id, el in found.items():
        report(rule_id, doc.root, element=location(el))


def _adr_code_is(adr: Element, code: str) -> bool:
    """``cbc:DocumentTypeCode = code`` on a document reference (any of its codes)."""
    return any(c.tag == DOCUMENT_TYPE_CODE and string_value(c) == code for c in adr)


@check("UBL-CR-002")
def ubl_version(doc: Document, report: Report) -> None:
    """UBL-CR-002: a UBL version, when given, is 2.1."""
    if doc.kind is None:
        return
    versions = [c for c in doc.root if c.tag == UBL_VERSION]
    if versions and not any(string_value(v) == "2.1" for v in versions):
        report("UBL-CR-002", doc.root, version=string_value(versions[0]))


@check("UBL-CR-412")
def payment_means_due_date(doc: Document, report: Report) -> None:
    """UBL-CR-412: an invoice (not a credit note) has no due date inside a payment means."""
    if doc.kind != "Invoice" or not doc.has(PAYMENT_DUE_DATE):
        return
    dates = child_path([doc.root], (PAYMENT_MEANS, PAYMENT_DUE_DATE))
    if dates:
        report("UBL-CR-412", doc.root, element=location(dates[0]))


@check("UBL-CR-665", "UBL-CR-666", "UBL-CR-673")
def invoiced_object_reference(doc: Document, report: Report) -> None:
    """UBL-CR-665/666/673: what a document reference may carry next to its type code 130."""
    if doc.kind is None:
        return
    hits: dict[str, Element] = {}
    for adr in doc.all(ADR):
        if _adr_code_is(adr, "130"):
            for child in adr:
                if child.tag == ATTACHMENT:
                    hits.setdefault("UBL-CR-666", child)
                elif child.tag == DOCUMENT_DESCRIPTION:
                    hits.setdefault("UBL-CR-673", child)
        # XPath: cbc:DocumentTypeCode != '130' (any code differs) or no code at all.
        codes = [string_value(c) for c in adr if c.tag == DOCUMENT_TYPE_CODE]
        if not codes or any(code != "130" for code in codes):
            for ident in adr:
                if ident.tag == ID and ident.get("schemeID") is not None:
                    hits.setdefault("UBL-CR-665", ident)
    for rule_id, el in hits.items():
        report(rule_id, doc.root, element=location(el))
