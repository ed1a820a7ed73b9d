"""UBL-CR and the UBL-DT attribute rules: what EN 16931 does not use, from the tag index.

About 670 rules say "this element (or attribute) should not be used" at a path below the
root, below each invoice line, or anywhere. They live as data in the catalogue (``context`` and
``path``) and are compiled at import into:

- the child paths from the root (line paths below both line tags), grouped by the tag they
  end on, with the rules that fire when an element is reached by one;
- a table of forbidden attribute names: anywhere (``//@name``), on an element at the end of
  a descendant path (``//a/b/@name``) or of a path from the root (``/*/a/b/@name``);
- a list of descendant paths (``//a/b``), answered from the document's tag index.

The root paths are resolved from the tag index: only the elements of a tag some path ends
on are looked at, and most of those fail on their parent's tag. The attributes come from the
shared tree scan (``tree_scan``). All of these rules have the root as their Schematron
context, so each fires at most once, at the root, naming the first offending element. The
few rules with predicates or conditions are plain functions below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from tasks.ehf.document import Document, Element, location, tree_scan, watch_attributes
from tasks.ehf.registry import Report, check
from tasks.ehf.rules.ubl_syntax._data import (
    CountRule,
    count_rules,
    family_rules,
    split_path,
)
from tasks.ehf.vocabulary import (
    ADDITIONAL_DOCUMENT_REFERENCE,
    ATTACHMENT,
    DOCUMENT_DESCRIPTION,
    DOCUMENT_TYPE_CODE,
    ID,
    LINES,
    PAYMENT_DUE_DATE,
    PAYMENT_MEANS,
    UBL_VERSION_ID,
)
from tasks.ehf.xpathfn import chain_top, follow, string_value

# A UBL-SR count rule as a reached element reads it: the rule, the attribute the counted
# element must carry (if any), and whether its context is the root (else the line the element
# is in).
_Count = tuple[CountRule, str | None, bool]

# What an element reached by a root path triggers: rules firing on it, UBL-SR count rules
# whose counted path ends on it, and whether it is a line (a count context).
_Payload = tuple[tuple[str, ...], tuple[_Count, ...], bool]


@dataclass
class _Reached:
    """What reaching the end of one child path from the root triggers, while building."""

    rules: list[str] = field(default_factory=list)
    counts: list[CountRule] = field(default_factory=list)
    line: bool = False

    def payload(self) -> _Payload:
        """The frozen form the per-document resolution reads."""
        counts = tuple((rule, rule.attr, rule.context is None) for rule in self.counts)
        return tuple(self.rules), counts, self.line


@dataclass(frozen=True)
class _Ending:
    """The root paths ending on one tag, keyed by the tags of the ancestors below the root,
    innermost first (``()`` for a child of the root)."""

    paths: dict[tuple[str, ...], _Payload]
    parents: frozenset[str]  # the innermost of those tags: where an element's parent must be
    depth: int  # the most ancestors below the root a path has


@dataclass
class _AttrRules:
    """The rules an attribute name triggers anywhere in the document."""

    anywhere: tuple[str, str | None] | None = None  # (rule, tag it is allowed on)
    # By the tag carrying the attribute: (rule, the tags of its nearest ancestors, innermost
    # last, and whether the outermost of them is a child of the root).
    by_tag: dict[str, list[tuple[str, tuple[str, ...], bool]]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Tables:
    """The restriction tables, compiled from the catalogue."""

    endings: dict[str, _Ending]  # root paths by the tag they end on
    attrs: dict[str, _AttrRules]  # attribute name -> its ``//...@name`` rules
    attr_names: frozenset[str]
    paths: tuple[tuple[str, tuple[str, ...]], ...]  # ``//a/b`` element rules: (rule, steps)
    rule_ids: tuple[str, ...]


def _insert(
    reached: dict[tuple[str, ...], _Reached],
    attrs: dict[str, _AttrRules],
    steps: tuple[str, ...],
    attr: str | None,
    rule_id: str,
) -> None:
    """A rule on the child path ``steps`` from the root: on the root paths for an element, in
    the attribute table for an attribute (every element with one is in the scan anyway)."""
    if attr is None:
        reached.setdefault(steps, _Reached()).rules.append(rule_id)
    else:
        by_tag = attrs.setdefault(attr, _AttrRules()).by_tag
        by_tag.setdefault(steps[-1], []).append((rule_id, steps[:-1], True))


def _endings(reached: dict[tuple[str, ...], _Reached]) -> dict[str, _Ending]:
    """The root paths grouped by their last tag. A rule's paths all end on one tag (a line
    rule's two differ in their first), so the elements of that tag in document order meet
    its first offender first."""
    by_end: dict[str, dict[tuple[str, ...], _Payload]] = {}
    ends_of: dict[str, str] = {}
    for steps, what in reached.items():
        for rule_id in what.rules:
            if ends_of.setdefault(rule_id, steps[-1]) != steps[-1]:
                raise ValueError(f"{rule_id}: its paths end on different tags")
        by_end.setdefault(steps[-1], {})[steps[-2::-1]] = what.payload()
    return {
        tag: _Ending(paths, frozenset(chain[0] for chain in paths if chain), max(map(len, paths)))
        for tag, paths in by_end.items()
    }


def _compile() -> _Tables:
    reached: dict[tuple[str, ...], _Reached] = {}
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
            _insert(reached, attrs, steps, attr, rule_id)
        elif context == "line":
            for line in LINES:
                _insert(reached, attrs, (line, *steps), attr, rule_id)
        elif attr is None:
            paths.append((rule_id, steps))
        elif steps:
            by_tag = attrs.setdefault(attr, _AttrRules()).by_tag
            by_tag.setdefault(steps[-1], []).append((rule_id, steps[:-1], False))
        else:
            allowed_on = info.data.get("except_on")
            allowed_tag = split_path(allowed_on)[0][0] if allowed_on else None
            attrs.setdefault(attr, _AttrRules()).anywhere = (rule_id, allowed_tag)
    # The root- and line-level UBL-SR counts are counted on the same elements (see
    # ``Structure``).
    for rule in count_rules():
        if rule.context is None:
            reached.setdefault(rule.path, _Reached()).counts.append(rule)
        elif rule.on_line:
            reached.setdefault((*rule.context, *rule.path), _Reached()).counts.append(rule)
    for line in LINES:
        reached.setdefault((line,), _Reached()).line = True
    return _Tables(_endings(reached), attrs, frozenset(attrs), tuple(paths), tuple(rule_ids))


_TABLES = _compile()
watch_attributes(_TABLES.attr_names)


class Structure(NamedTuple):
    """What the root paths and attribute tables find in one document (kept in ``doc.memo``).

    ``found``: the restriction rules that fire, each with its first offending element.
    ``counts``: for the root- and line-level UBL-SR count rules, the count by (rule, context
    element), for the contexts with at least one. ``lines_complete``: every invoice/credit
    note line of the document is a child of the root, so the line counts cover every
    ``//cac:InvoiceLine``.
    """

    found: dict[str, Element]
    counts: dict[tuple[CountRule, Element], int]
    lines_complete: bool


def _on_path(el: Element, chain: tuple[str, ...], root: Element | None) -> bool:
    """``el``'s nearest ancestors carry ``chain`` (innermost last), as ``//a/b/el``; with
    ``root``, the outermost of them is a child of ``root`` (``/*/a/b/el``)."""
    top = chain_top(el, chain)
    return top is not None and (root is None or top.getparent() is root)


def _attribute_hits(
    el: Element,
    keys: list[str],
    attrs: dict[str, _AttrRules],
    root: Element,
    found: dict[str, Element],
) -> None:
    """The attribute rules (``//@name``, ``//a/b/@name``, ``/*/a/b/@name``) for the
    attributes of one element."""
    tag = el.tag
    parent_tag = None
    for name in keys:
        rules = attrs.get(name)
        if rules is None:
            continue
        if rules.anywhere is not None and tag != rules.anywhere[1]:
            found.setdefault(rules.anywhere[0], el)
        for rule_id, chain, from_root in rules.by_tag.get(tag, ()):
            if chain:  # most entries fail on the parent's tag: read it once
                if parent_tag is None:
                    parent = el.getparent()
                    parent_tag = parent.tag if parent is not None else ""
                if chain[-1] != parent_tag:
                    continue
            if _on_path(el, chain, root if from_root else None):
                found.setdefault(rule_id, el)


def _ancestry(parent: Element, root: Element, depth: int) -> tuple[tuple[str, ...], Element] | None:
    """The tags of ``parent`` and its ancestors below ``root``, innermost first, and the
    outermost of them (a child of ``root``); None when there are more than ``depth`` of them
    (no path is that long) or ``root`` is not above."""
    tags = [parent.tag]
    top = parent
    node = parent.getparent()
    while node is not root:
        if node is None or len(tags) == depth:
            return None
        tags.append(node.tag)
        top = node
        node = node.getparent()
    return tuple(tags), top


def _resolve(doc: Document) -> Structure:
    """Resolve the root paths from the tag index and the attribute rules from the tree scan;
    add the ``//a/b`` rules."""
    found: dict[str, Element] = {}
    counts: dict[tuple[CountRule, Element], int] = {}
    root = doc.root
    attrs = _TABLES.attrs
    for el, keys in tree_scan(doc).attributed:
        _attribute_hits(el, keys, attrs, root, found)
    lines = 0
    endings = _TABLES.endings
    for tag in doc.tags():
        ending = endings.get(tag)
        if ending is None:
            continue
        paths, parents, depth = ending.paths, ending.parents, ending.depth
        # In document order: the first element found for a rule is its first offender.
        for el in doc.all(tag):
            parent = el.getparent()
            if parent is root:
                chain, top = (), el
            elif parent.tag in parents:  # most elements of the tag fail here
                above = _ancestry(parent, root, depth)
                if above is None:
                    continue
                chain, top = above
            else:
                continue
            payload = paths.get(chain)
            if payload is None:
                continue
            rules, count_here, is_line = payload
            lines += is_line
            for rule_id in rules:
                found.setdefault(rule_id, el)
            for rule, attr, at_root in count_here:
                if attr is None or el.get(attr) is not None:
                    key = (rule, root if at_root else top)
                    counts[key] = counts.get(key, 0) + 1
    for rule_id, steps in _TABLES.paths:
        for el in doc.all(steps[-1]):
            if chain_top(el, steps[:-1]) is not None:
                found[rule_id] = el
                break
    total_lines = len(doc.all(LINES[0])) + len(doc.all(LINES[1]))
    return Structure(found, counts, lines == total_lines)


def structure(doc: Document) -> Structure:
    """The root paths and attribute rules of ``doc`` (an Invoice or CreditNote), once per
    document."""
    return doc.derived("ubl_syntax.structure", _resolve)


@check(*_TABLES.rule_ids)
def not_used_in_en16931(doc: Document, report: Report) -> None:
    """UBL-CR table rules and UBL-DT-08..28: elements and attributes EN 16931 does not use."""
    if doc.kind is None:
        return
    for rule_id, el in structure(doc).found.items():
        report(rule_id, doc.root, element=location(el))


def _adr_code_is(adr: Element, code: str) -> bool:
    """``cbc:DocumentTypeCode = code`` on a document reference (any of its codes)."""
    return any(c.tag == DOCUMENT_TYPE_CODE and string_value(c) == code for c in adr)


@check("UBL-CR-002")
def ubl_version(doc: Document, report: Report) -> None:
    """UBL-CR-002: a UBL version, when given, is 2.1."""
    if doc.kind is None or not doc.has(UBL_VERSION_ID):
        return
    root = doc.root
    versions = [v for v in doc.all(UBL_VERSION_ID) if v.getparent() is root]
    if versions and not any(string_value(v) == "2.1" for v in versions):
        report("UBL-CR-002", doc.root, version=string_value(versions[0]))


@check("UBL-CR-412")
def payment_means_due_date(doc: Document, report: Report) -> None:
    """UBL-CR-412: an invoice (not a credit note) has no due date inside a payment means."""
    if doc.kind != "Invoice" or not doc.has(PAYMENT_DUE_DATE):
        return
    dates = follow([doc.root], (PAYMENT_MEANS, PAYMENT_DUE_DATE))
    if dates:
        report("UBL-CR-412", doc.root, element=location(dates[0]))


@check("UBL-CR-665", "UBL-CR-666", "UBL-CR-673")
def invoiced_object_reference(doc: Document, report: Report) -> None:
    """UBL-CR-665/666/673: what a document reference may carry next to its type code 130."""
    if doc.kind is None or not doc.has(ADDITIONAL_DOCUMENT_REFERENCE):
        return
    hits: dict[str, Element] = {}
    for adr in doc.all(ADDITIONAL_DOCUMENT_REFERENCE):
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
