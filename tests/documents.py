"""Derive test invoices from the official EHF examples by editing their XML."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from tasks.ehf.model import Invoice, parse_invoice
from tasks.ehf.safexml import parse_bytes
from tasks.ehf.vocabulary import PREFIXES

NS = {k: v for k, v in PREFIXES.items() if k in ("cbc", "cac")}


def derive(source: Path, edits: dict[str, str | None] | None = None) -> bytes:
    """The bytes of ``source`` with each XPath (relative to the root) set to a new text, or
    removed where the value is None."""
    root = parse_bytes(source.read_bytes())
    for path, value in (edits or {}).items():
        nodes = root.xpath(path, namespaces=NS)
        if not nodes:
            raise KeyError(f"{path} not found in {source.name}")
        for node in nodes:
            if value is None:
                node.getparent().remove(node)
            else:
                node.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def derive_invoice(source: Path, edits: dict[str, str | None] | None = None) -> Invoice:
    """``derive`` and parse into the invoice model."""
    return parse_invoice(parse_bytes(derive(source, edits)))
