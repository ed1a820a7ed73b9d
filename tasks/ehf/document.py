"""A parsed UBL document and the small toolkit the EHF rules are written with.

The rules are plain Python over lxml elements. ``Document`` walks the tree once and indexes
every element by its tag, so a rule's context (``//cac:TaxCategory``) is a dictionary
lookup, and relative paths (``cac:Party/cac:PartyLegalEntity/cbc:CompanyID``) are walked
child by child with the path split once and cached.

Tags are Clark names (``{namespace}LocalName``), named in ``tasks.ehf.vocabulary``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, TypeVar

from lxml import etree

from tasks.ehf.vocabulary import CREDIT_NOTE, INVOICE, PREFIXES

_PREFIX_OF = {uri: prefix for prefix, uri in PREFIXES.items()}

Element = etree._Element
T = TypeVar("T")


@lru_cache(maxsize=4096)
def compile_path(path: str) -> tuple[str, ...]:
    """Split ``"cac:Party/cbc:ID"`` into Clark tags; ``*`` matches any element."""
    steps = []
    for step in path.split("/"):
        if step == "*":
            steps.append("*")
            continue
        prefix, _, local = step.partition(":")
        steps.append(f"{{{PREFIXES[prefix]}}}{local}")
    return tuple(steps)


def children(el: Element, tag: str) -> list[Element]:
    """Child elements of ``el`` with the Clark tag ``tag`` (``*`` for any), in order."""
    # ``el[:]`` (one C call building a list) walks children faster than lxml's iterator.
    if tag == "*":
        return [c for c in el[:] if isinstance(c.tag, str)]
    return [c for c in el[:] if c.tag == tag]


def follow(nodes: list[Element], steps: tuple[str, ...]) -> list[Element]:
    """The elements reached from ``nodes`` by the child steps ``steps`` (Clark tags, ``*``
    for any element), in document order."""
    # Plain loops over ``n[:]`` (one C call building a list): a comprehension per step costs
    # a function call, and lxml's child iterator more than the slice.
    for tag in steps:
        found = []
        for n in nodes:
            for c in n[:]:
                if c.tag == tag or (tag == "*" and isinstance(c.tag, str)):
                    found.append(c)
        if not found:
            return found
        nodes = found
    return nodes


def select(el: Element, path: str) -> list[Element]:
    """All elements reached from ``el`` by the relative child path ``path``."""
    return follow([el], compile_path(path))


def first(el: Element, path: str) -> Element | None:
    """The first element reached by ``path`` (document order), or None."""
    found = select(el, path)
    return found[0] if found else None


def exists(el: Element, path: str) -> bool:
    """XPath ``exists(path)``: at least one element is reached by ``path``."""
    return first(el, path) is not None


def string_value(el: Element | None) -> str:
    """XPath string value: the concatenated text of the element and its descendants."""
    if el is None:
        return ""
    if len(el) == 0:
        return el.text or ""
    return "".join(el.itertext())


_XML_SPACE = re.compile(r"[ \t\r\n]+")


def normalize_space(value: str | None) -> str:
    """XPath ``normalize-space``: trim and collapse runs of XML white space (space, tab, CR,
    LF only: a no-break space is content, not white space)."""
    if not value:
        return ""
    return _XML_SPACE.sub(" ", value).strip(" ")


def text(el: Element, path: str) -> str:
    """String value of the first node reached by ``path`` ('' when there is none)."""
    return string_value(first(el, path))


def ntext(el: Element, path: str) -> str:
    """``normalize-space(path)`` of the first node reached by ``path``."""
    return normalize_space(text(el, path))


_XML_SPACE_CHARS = " \t\r\n"


_WATCHED_ATTRIBUTES: set[str] = set()


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
    return not "".join(parts).strip(_XML_SPACE_CHARS)


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
    for el in doc.root.iter(etree.Element):
        keys = el.keys()
        if keys and not watched.isdisjoint(keys):
            add_attributed((el, keys))
        # Read the text of leaves only: an aggregate's text is its indentation, and building
        # that string costs more than counting the children.
        if len(el) == 0:
            text = el.text
            if not text or (text[0] in _XML_SPACE_CHARS and not text.strip(_XML_SPACE_CHARS)):
                add_empty(el)
        elif not isinstance(el[0].tag, str) and _only_space_inside(el):  # a comment first
            add_empty(el)
    return scan


def chain_top(el: Element, steps: tuple[str, ...]) -> Element | None:
    """The outermost element of ``steps/el`` walking up from ``el``: its ancestors carry the
    tags of ``steps`` (XPath order, innermost last; ``*`` for any element). ``el`` itself for
    no steps; None where a parent is missing or has another tag."""
    node: Element | None = el
    for tag in reversed(steps):
        node = node.getparent()  # type: ignore[union-attr]
        if node is None or (tag != "*" and node.tag != tag):
            return None
    return node


def ancestors(el: Element) -> Iterator[Element]:
    """The ancestors of ``el``, nearest first."""
    parent = el.getparent()
    while parent is not None:
        yield parent
        parent = parent.getparent()


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

    __slots__ = ("root", "kind", "memo", "_by_tag")

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
            bucket = by_tag.get(el.tag)
            if bucket is None:
                by_tag[el.tag] = [el]
            else:
                bucket.append(el)
        self._by_tag = by_tag

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
