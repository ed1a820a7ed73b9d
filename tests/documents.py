"""Test invoices built with the project's own generator, and edited copies of them.

``EXAMPLE`` mirrors the official Norwegian example (ehf-3-faktura-1.xml) where the controls
and matching look: order 123, five lines referring to order lines 1, 5, 3, 2, 4 (items JB007
to JB011), 20 days of credit, a KID that fails its check digits. So these tests need nothing
outside the repository.
"""

from __future__ import annotations

from decimal import Decimal as D

from lxml import etree

from tasks.ehf.model import Invoice, parse_invoice
from tasks.ehf.safexml import parse_bytes
from tasks.ehf.samples.generate import InvoiceSpec, LineSpec, PartySpec, build_document
from tasks.ehf.vocabulary import PREFIXES

NS = {k: v for k, v in PREFIXES.items() if k in ("cbc", "cac")}
SUPPLIER = PartySpec("123456785", "Salgsfirma AS", "Hovedgata 32", "Oslo", "0150")
BUYER = PartySpec("987654325", "Kommunen", "Rådhusgata 1", "Oslo", "0151", vat_registered=False)

EXAMPLE = InvoiceSpec(
    number="TOSL108",
    supplier=SUPPLIER,
    buyer=BUYER,
    lines=(
        LineSpec("JB007", "Printer", D(1), D(1273), D(25), "NAR", "1"),
        LineSpec("JB008", "Pens", D(1), D("3.96"), D(15), "NAR", "5"),
        LineSpec("JB009", "Paper", D(2), D("2.48"), D(15), "NAR", "3"),
        LineSpec("JB010", "Book", D(1), D(25), D(0), "NAR", "2"),
        LineSpec("JB011", "Cable", D(250), D("0.75"), D(25), "MTR", "4"),
    ),
    issue_date="2013-06-30",
    due_date="2013-07-20",
    order_reference="123",
    buyer_reference="3150bdn",
    account="86011117947",
    kid="0003434323213231",
)
#: What ``EXAMPLE`` asks to be paid: 1 494.42 net plus 366.47 VAT.
EXAMPLE_PAYABLE = D("1860.89")

#: A credit note correcting invoice ``Snippet1`` of the same supplier, without an order.
CREDIT_NOTE = InvoiceSpec(
    number="CN-1",
    supplier=SUPPLIER,
    buyer=BUYER,
    lines=(LineSpec("JB011", "Cable", D(7), D("0.75"), D(25), "MTR"),),
    document="CreditNote",
    issue_date="2013-07-05",
    due_date=None,
    buyer_reference="3150bdn",
    billing_reference="Snippet1",
)


def derive(spec: InvoiceSpec, edits: dict[str, str | None] | None = None) -> bytes:
    """The document for ``spec`` with each XPath (relative to the root) set to a new text,
    or removed where the value is None."""
    root = parse_bytes(build_document(spec))
    for path, value in (edits or {}).items():
        nodes = root.xpath(path, namespaces=NS)
        if not nodes:
            raise KeyError(f"{path} not found in invoice {spec.number}")
        for node in nodes:
            if value is None:
                node.getparent().remove(node)
            else:
                node.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def derive_invoice(spec: InvoiceSpec, edits: dict[str, str | None] | None = None) -> Invoice:
    """``derive`` and parse into the invoice model."""
    return parse_invoice(parse_bytes(derive(spec, edits)))
