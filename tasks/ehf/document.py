"""A parsed UBL document as the EHF rules read it.

``Document`` walks the tree once and indexes every element by its tag, so a rule's context
(``//cac:TaxCategory``) is a dictionary lookup; what several families derive from it is
kept per document (``derived``, ``kids``). ``tree_scan`` is the one walk for the rules that
need every element; ``location`` names a reported node. Tags come from
``tasks.ehf.vocabulary``, the XPath steps and functions from ``tasks.ehf.xpathfn``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from lxml import etree

from tasks.ehf.vocabulary import CREDIT_NOTE, INVOICE, PREFIXES
from tasks.ehf.xpathfn import XML_SPACE, Children, Element, chain_top, children_by_tag, compile_path

_PREFIX_OF = {uri: prefix for prefix, uri in PREFIXES.items()}

T = TypeVar("T")


_WATCHED_ATTRIBUTES: set[str] = set()

#: ``Document.memo`` key of the element texts already read (``Document.remember_text``).
_KNOWN_TEXTS = "document.known_texts"


def watch_attributes(names: frozenset[str]) -> None:
    """Have ``tree_scan`` report the elements carrying any of the attributes ``names`` (not
    in a namespace). Called at import by the rules that read ``TreeScan.attributed``."""
    _WATCHED_ATTRIBUTES.update(names)


class TreeScan:
    """What one walk over every element of a document finds, for the rules that would each
    walk the whole tree otherwise (see ``tree_scan``). The lists are in document order."""

    __slots__ = ("empty", "attributed")

    def __init__(self) -> None:
        #: ``*[not(*) and not(normalize-space())]``: no child element, only white space.
        self.empty: list[Element] = []
        #: Every element that carries a watched attribute, with its attribute names.
        self.attributed: list[tuple[Element, list[str]]] = []


def _only_space_inside(el: Element) -> bool:
    """No child element, and the text and the tails of comments/PIs are white space."""
    parts = [el.text or ""]
    for c in el:
        if isinstance(c.tag, str):
            return False
        parts.append(c.tail or "")
    return not "".join(parts).strip(XML_SPACE)


def tree_scan(doc: Document) -> TreeScan:
    """One pass over every element of ``doc``, kept in ``doc.memo``: the empty elements and
    the elements with watched attributes. Rules that need every element read it instead of
    each walking the tree: the per-element work of a Python loop over lxml is what costs.
    What the tag index answers (elements by tag, their parents) stays out of it."""
    return doc.derived("tree_scan", _scan)


def _scan(doc: Document) -> TreeScan:
    scan = TreeScan()
    add_empty = scan.empty.append
    add_attributed = scan.attributed.append
    watched = _WATCHED_ATTRIBUTES
    known = doc.memo.get(_KNOWN_TEXTS)
    for el in doc.root.iter(etree.Element):
        keys = el.keys()
        if keys and not watched.isdisjoint(keys):
            add_attributed((el, keys))
        # Read the text of leaves only: an aggregate's text is its indentation, and building
        # that string costs more than counting the children.
        if len(el) == 0:
            text = known[el] if known is not None and el in known else el.text
            if not text or (text[0] in XML_SPACE and not text.strip(XML_SPACE)):
                add_empty(el)
        elif not isinstance(el[0].tag, str) and _only_space_inside(el):  # a comment first
            add_empty(el)
    return scan


@lru_cache(maxsize=1024)
def step_name(tag: str) -> str:
    """``prefix:LocalName`` of a Clark tag (the bare local name outside the UBL namespaces)."""
    qname = etree.QName(tag)
    prefix = _PREFIX_OF.get(qname.namespace or "", "")
    return f"{prefix}:{qname.localname}" if prefix else qname.localname


def location(el: Element) -> str:
    """An XPath to ``el`` with prefixes and 1-based positions, for people and tools."""
    steps = []
    node: Element | None = el
    while node is not None:
        tag = node.tag
        parent = node.getparent()
        if parent is None:
            steps.append(step_name(tag))
        else:
            # Counted by libxml2 over the preceding siblings with this tag, not by a list of
            # every child of the parent searched with Python comparisons.
            position = sum(1 for _ in node.itersiblings(tag, preceding=True)) + 1
            steps.append(f"{step_name(tag)}[{position}]")
        node = parent
    return "/" + "/".join(reversed(steps))


class Document:
    """A UBL Invoice or CreditNote root with an index of its elements by tag."""

    __slots__ = ("root", "kind", "memo", "_by_tag", "_kids")

    def __init__(self, root: Element) -> None:
        self.root = root
        #: Values derived once per document and shared by rules (e.g. the seller's country).
        self.memo: dict[str, object] = {}
        if root.tag == INVOICE:
            self.kind: str | None = "Invoice"
        elif root.tag == CREDIT_NOTE:
            self.kind = "CreditNote"
        else:
            self.kind = None
        by_tag: dict[str, list[Element]] = {}
        for el in root.iter(etree.Element):
            tag = el.tag  # lxml builds a new string on every read: read it once
            bucket = by_tag.get(tag)
            if bucket is None:
                by_tag[tag] = [el]
            else:
                bucket.append(el)
        self._by_tag = by_tag
        self._kids: dict[Element, Children] = {}

    def derived(self, key: str, make: Callable[[Document], T]) -> T:
        """``make(self)``, computed on first use and kept in ``memo`` under ``key`` (named
        after the family that owns it, e.g. ``"cen_vat.categories"``)."""
        value = self.memo.get(key)
        if value is None:
            value = self.memo[key] = make(self)
        return value  # type: ignore[return-value]

    def table(self, key: str) -> dict[Any, Any]:
        """A dictionary kept in ``memo`` under ``key``, for values derived per element."""
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = {}
        return found  # type: ignore[return-value]

    def remember_text(self, el: Element, text: str | None) -> None:
        """Keep ``el.text``, already read, for the tree scan: lxml builds a new string on every
        read, and a large attachment's is megabytes (the schema layer reads it first).

        Speed: reading the 3.3 MB attachment of one official example costs ~3.9 M CPU
        instructions, 140,000 a document over the 28 examples (callgrind,
        benchmarks/README.md)."""
        self.table(_KNOWN_TEXTS)[el] = text

    def kids(self, el: Element) -> Children:
        """``children_by_tag(el)``, built once per document and shared by every family that
        reads the same node (the root, each line, its price). Callers must not change it."""
        found = self._kids.get(el)  # its own slot, not ``memo``: the rules call it most
        if found is None:
            found = self._kids[el] = children_by_tag(el)
        return found

    def all(self, tag: str) -> list[Element]:
        """Every element with this Clark tag anywhere in the document (``//tag``)."""
        return self._by_tag.get(tag, [])

    def has(self, tag: str) -> bool:
        """True when at least one element with this Clark tag exists."""
        return tag in self._by_tag

    def tags(self) -> list[str]:
        """The Clark tags present in the document, in order of first appearance."""
        return list(self._by_tag)

    def context(self, path: str) -> list[Element]:
        """Elements matching a Schematron-style context path such as
        ``cac:AccountingCustomerParty/cac:Party/cbc:EndpointID`` (anywhere in the document),
        or an absolute one starting with ``/ubl:Invoice`` or ``/cn:CreditNote``."""
        absolute = path.startswith("/")
        steps = compile_path(path.lstrip("/"))
        found = []
        for el in self.all(steps[-1]) if steps[-1] != "*" else self.root.iter(etree.Element):
            top = chain_top(el, steps[:-1])
            if top is not None and (not absolute or top.getparent() is None):
                found.append(el)
        return found
