"""Generated invoices for the demo, written against the ERP stub's demo data set.

Each scenario shows one thing the robots do with a municipality's invoices: post a matched
invoice, send one without an order to its approver, stop a price deviation or a changed bank
account; the next day post a credit note, which frees quantity for a delivery on day 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal as D

from tasks.control.payment import kid_mod10
from tasks.ehf.samples.generate import InvoiceSpec, LineSpec, PartySpec, build_document

FJORDVIK = PartySpec("940123453", "Fjordvik kommune", "Rådhusplassen 1", "Fjordvik", "6900", False)
TESTDAL = PartySpec("976543211", "Testdal kommune", "Kirkegata 2", "Testdal", "2600", False)
KONTOR = PartySpec("921122330", "Kontorrekvisita Nord AS", "Industriveien 4", "Tromsø", "9016")
BYGG = PartySpec("913579119", "Fjordvik Bygg og Anlegg AS", "Kaia 7", "Fjordvik", "6900")
RASK = PartySpec("998877660", "Rask Konsulent AS", "Torget 3", "Bergen", "5014")

PAPER = "Kopipapir A4 80 g, 500 ark"


@dataclass(frozen=True)
class Scenario:
    """A demo file, the day it arrives (1, 2 or 3) and what should become of it."""

    file: str
    day: int
    expected: str
    spec: InvoiceSpec

    @property
    def content(self) -> bytes:
        """The document's bytes."""
        return build_document(self.spec)


def kontor_invoice(number: str, lines: tuple[LineSpec, ...], **changes: object) -> InvoiceSpec:
    """An invoice from Kontorrekvisita Nord AS to Fjordvik kommune on order PO-2025-0042, as
    the ERP's master data expects it (registered account, valid KID, 30 days' credit);
    ``changes`` replace any field."""
    fields: dict = {
        "number": number,
        "supplier": KONTOR,
        "buyer": FJORDVIK,
        "lines": lines,
        "issue_date": "2025-03-05",
        "due_date": "2025-04-04",
        "order_reference": "PO-2025-0042",
        "buyer_reference": "4100oppv",
        "account": "15032080119",
        "kid": kid_mod10("2025" + "".join(c for c in number if c.isdigit())[-4:]),
    }
    fields.update(changes)
    return InvoiceSpec(**fields)


def scenarios() -> list[Scenario]:
    """The demo's generated invoices, in the order they arrive."""
    paper = LineSpec("KR-100", PAPER, D(12), D("42.50"), unit="XPK", order_line="1")
    pens = LineSpec("KR-210", "Kulepenn blå, 50 stk", D(5), D("89.00"), unit="XPK", order_line="2")
    return [
        Scenario(
            "fjordvik-kontor-0001.xml",
            1,
            "posted: order PO-2025-0042 matched 3-way (ordered, received, agreed price)",
            kontor_invoice("KN-2025-0001", (paper, pens)),
        ),
        Scenario(
            "fjordvik-kontor-uten-bestilling.xml",
            1,
            "awaiting approval: no order, buyer reference 4100oppv belongs to Kari Nordmann",
            kontor_invoice(
                "KN-2025-0002",
                (LineSpec("KR-210", "Kulepenn blå, 50 stk", D(2), D("89.00"), unit="XPK"),),
                order_reference=None,
            ),
        ),
        Scenario(
            "fjordvik-kontor-nytt-kontonummer.xml",
            1,
            "BANK-ACCOUNT-MISMATCH: a valid account the supplier never registered",
            kontor_invoice("KN-2025-0003", (paper,), account="98760512346"),
        ),
        Scenario(
            "fjordvik-bygg-asfalt.xml",
            1,
            "PRICE-DEVIATION and QUANTITY-EXCEEDS-RECEIPT: dearer than ordered, nothing received",
            InvoiceSpec(
                number="FBA-25-117",
                supplier=BYGG,
                buyer=FJORDVIK,
                lines=(
                    LineSpec(
                        "ASF-01",
                        "Reasfaltering Skoleveien",
                        D(1),
                        D("192000.00"),
                        unit="LS",
                        order_line="1",
                    ),
                ),
                issue_date="2025-03-10",
                due_date="2025-04-09",
                order_reference="PO-2025-0043",
                buyer_reference="6100tek",
                account="30001234567",
                kid=kid_mod10("2025117"),
            ),
        ),
        Scenario(
            "fjordvik-rask-konsulent.xml",
            1,
            "SUPPLIER-BLOCKED and VAT-NOT-REGISTERED: a blocked supplier charging VAT",
            InvoiceSpec(
                number="RK-88",
                supplier=RASK,
                buyer=FJORDVIK,
                lines=(LineSpec("RAD-1", "Rådgivning", D(10), D("1450.00"), unit="HUR"),),
                issue_date="2025-03-11",
                due_date="2025-03-25",
                buyer_reference="4100oppv",
                account="12345678903",
            ),
        ),
        Scenario(
            "testdal-toner.xml",
            1,
            "PO-CLOSED: the order was closed before the invoice came",
            InvoiceSpec(
                number="KN-2025-0007",
                supplier=KONTOR,
                buyer=TESTDAL,
                lines=(LineSpec("KR-330", "Toner HP 26A", D(4), D("1249.00"), order_line="1"),),
                issue_date="2025-03-12",
                due_date="2025-04-11",
                order_reference="PO-2024-0999",
                buyer_reference="1000adm",
                account="15032080119",
                kid=kid_mod10("20250007"),
            ),
        ),
        Scenario(
            "fjordvik-kontor-kreditnota.xml",
            2,
            "posted as a credit: 2 packs of paper returned on KN-2025-0001",
            kontor_invoice(
                "KN-2025-K001",
                (LineSpec("KR-100", PAPER, D(2), D("42.50"), unit="XPK", order_line="1"),),
                document="CreditNote",
                billing_reference="KN-2025-0001",
                issue_date="2025-03-14",
            ),
        ),
        Scenario(
            "fjordvik-kontor-0008.xml",
            3,
            "posted: 2 more packs, within what was received once the credit note freed them",
            kontor_invoice(
                "KN-2025-0008",
                (LineSpec("KR-100", PAPER, D(2), D("42.50"), unit="XPK", order_line="1"),),
                issue_date="2025-03-15",
                due_date="2025-04-14",
            ),
        ),
    ]
