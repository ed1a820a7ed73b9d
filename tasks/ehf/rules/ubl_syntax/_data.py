"""The catalogue tables of this family and the small path helpers its checks share."""

from __future__ import annotations

from tasks.ehf.document import Element, compile_path, string_value
from tasks.ehf.registry import RuleInfo, catalogue

FAMILY = "ubl_syntax"


def family_rules() -> dict[str, RuleInfo]:
    """The rules of ``ehf_schemas/catalogue/ubl_syntax.toml``, by id."""
    return {rid: info for rid, info in catalogue().items() if info.family == FAMILY}


def split_path(path: str) -> tuple[tuple[str, ...], str | None]:
    """``"cac:A/cbc:B/@x"`` -> ((Clark A, Clark B), "x"); ``"@x"`` -> ((), "x")."""
    steps, _, attr = path.partition("@")
    steps = steps.rstrip("/")
    return (compile_path(steps) if steps else ()), (attr or None)


def child_path(nodes: list[Element], steps: tuple[str, ...]) -> list[Element]:
    """The elements reached from ``nodes`` by the child steps ``steps`` (document order)."""
    for tag in steps:
        nodes = [c for n in nodes for c in n if c.tag == tag]
        if not nodes:
            break
    return nodes


def has_chain(el: Element, steps: tuple[str, ...]) -> bool:
    """True when ``el``'s nearest ancestors carry ``steps`` (innermost last), as ``//a/b/el``."""
    node: Element | None = el
    for tag in reversed(steps):
        node = node.getparent() if node is not None else None
        if node is None or node.tag != tag:
            return False
    return True


def string_values(nodes: list[Element]) -> list[str]:
    """XPath string values of ``nodes``."""
    return [string_value(n) for n in nodes]
