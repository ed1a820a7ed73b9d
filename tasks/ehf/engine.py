"""Runs the rule families over a document and turns what they report into findings."""

from __future__ import annotations

from typing import Any

from tasks.ehf.document import Document, Element, step_name
from tasks.ehf.findings import Finding
from tasks.ehf.registry import Collector, RuleInfo, catalogue, checks


class _Locator:
    """Locations (XPaths with positions) and document-order keys for reported nodes.

    Positions are counted once per parent that a reported node (or one of its ancestors)
    sits under, so many findings on the lines of a large invoice cost one pass over the
    siblings instead of one pass per finding.
    """

    __slots__ = ("_steps",)

    def __init__(self) -> None:
        # parent -> {child: (index among all children, its tag, position among that tag)}
        self._steps: dict[Element, dict[Element, tuple[int, str, int]]] = {}

    def _children(self, parent: Element) -> dict[Element, tuple[int, str, int]]:
        known = self._steps.get(parent)
        if known is None:
            known = {}
            seen: dict[str, int] = {}
            for index, child in enumerate(parent[:]):
                tag = child.tag
                if not isinstance(tag, str):
                    continue
                pos = seen.get(tag, 0) + 1
                seen[tag] = pos
                # The step's text is made only for the nodes on a reported path.
                known[child] = (index, tag, pos)
            self._steps[parent] = known
        return known

    def locate(self, node: Element) -> tuple[str, tuple[int, ...]]:
        """``node``'s XPath (as ``document.location`` writes it) and its document-order key."""
        steps: list[str] = []
        order: list[int] = []
        parent = node.getparent()
        while parent is not None:
            index, tag, pos = self._children(parent)[node]
            steps.append(f"{step_name(tag)}[{pos}]")
            order.append(index)
            node, parent = parent, parent.getparent()
        steps.append(step_name(node.tag))
        steps.reverse()
        order.reverse()
        return "/" + "/".join(steps), tuple(order)


def _finding(info: RuleInfo, where: str, values: dict[str, Any], lang: str) -> Finding:
    return Finding(info.id, info.flag, where, info.message(lang), values)  # type: ignore[arg-type]


def evaluate_rules(root: Element | Document, lang: str = "nb") -> list[Finding]:
    """Evaluate every registered business rule (layers 2 and 3) over ``root``.

    ``root`` is the document's root element, or a ``Document`` already indexed.

    Findings come in a stable order: document order of the reported node, then rule id,
    then the order the checks reported them in.
    """
    doc = root if isinstance(root, Document) else Document(root)
    collector = Collector()
    for chk in checks():
        chk.fn(doc, collector)
    if not collector.hits:
        return []
    rules = catalogue()
    locator = _Locator()
    keyed = []
    for seq, (rule_id, node, values) in enumerate(collector.hits):
        info = rules.get(rule_id)
        if info is None:
            raise LookupError(f"a check reported rule {rule_id}, which is not in the catalogue")
        where, order = locator.locate(node)
        keyed.append(((order, rule_id, seq), _finding(info, where, values, lang)))
    keyed.sort(key=lambda pair: pair[0])
    return [finding for _, finding in keyed]
